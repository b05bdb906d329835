"""Browsers' cross-origin calls: a bucket's CORS rules (its own on S3, `buckets.<name>.cors` on a directory) answer
preflights and mark every answer of a request with an `Origin`, plain, processed, failed or passed through."""

import asyncio
import io
import xml.etree.ElementTree as ET

import oss2
import pytest
from aiohttp import ClientSession
from PIL import Image

from proxy.app import build_app
from proxy.config import ConfigError, parse_config

from .clients import in_thread, oss_bucket, s3_client
from .conftest import CLIENT_KEY, CLIENT_SECRET, jpeg_bytes, local_config

APP = "https://app.example.com"
RULES = [
    {"AllowedOrigins": [APP, "https://*.example.org"], "AllowedMethods": ["GET", "PUT"],
     "AllowedHeaders": ["content-type", "x-amz-meta-*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600},
    {"AllowedOrigins": ["*"], "AllowedMethods": ["HEAD"]},
]


@pytest.fixture
async def public_osprey(aiohttp_server, moto_server, moto, bucket):
    """Osprey in front of moto, `bucket` readable anonymously and holding `red.jpg`."""
    moto.put_object(Bucket=bucket, Key="red.jpg", Body=jpeg_bytes(), ContentType="image/jpeg")
    config = parse_config({
        "upstream": {"type": "s3", "endpoint": moto_server, "access_key_id": "testing",
                     "secret_access_key": "testing"},
        "buckets": {bucket: {"anonymous": "read"}},
        "limits": {"workers": 1},
        "credentials": [{"access_key_id": CLIENT_KEY, "secret_access_key": CLIENT_SECRET}],
    }, environ={})
    server = await aiohttp_server(build_app(config))
    return str(server.make_url("/"))


def _preflight(origin, method="GET", headers=""):
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        sent["Access-Control-Request-Headers"] = headers
    return sent


async def _call(method, url, headers):
    async with ClientSession() as http, http.request(method, url, headers=headers) as answer:
        return answer.status, answer.headers.copy(), await answer.read()


async def test_bucket_cors_set_through_osprey_answers_preflights(public_osprey, moto, bucket):
    s3 = s3_client(public_osprey)
    await in_thread(s3.put_bucket_cors, Bucket=bucket, CORSConfiguration={"CORSRules": RULES})
    assert moto.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedOrigins"] == RULES[0]["AllowedOrigins"]
    assert (await in_thread(s3.get_bucket_cors, Bucket=bucket))["CORSRules"][1]["AllowedMethods"] == ["HEAD"]
    url = f"{public_osprey}{bucket}/uploads/new.jpg"

    status, headers, body = await _call("OPTIONS", url, _preflight(APP, "PUT", "Content-Type, X-Amz-Meta-Owner"))
    assert (status, body) == (200, b"")
    assert headers["Access-Control-Allow-Origin"] == APP
    assert headers["Access-Control-Allow-Methods"] == "GET, PUT"
    assert headers["Access-Control-Allow-Headers"] == "content-type, x-amz-meta-owner"
    assert headers["Access-Control-Expose-Headers"] == "ETag"
    assert headers["Access-Control-Max-Age"] == "600"
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert headers["Vary"] == "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

    status, headers, _ = await _call("OPTIONS", url, _preflight("https://cdn.example.org"))
    assert (status, headers["Access-Control-Allow-Origin"]) == (200, "https://cdn.example.org")
    status, headers, _ = await _call("OPTIONS", url, _preflight("https://anyone.test", "HEAD"))
    assert (status, headers["Access-Control-Allow-Origin"]) == (200, "*")
    assert "Access-Control-Allow-Credentials" not in headers


@pytest.mark.parametrize(("origin", "method", "wanted"), [
    ("https://evil.example.net", "GET", ""),  # no rule names the origin
    ("https://example.org", "GET", ""),  # `https://*.example.org` needs a sub-domain
    (APP, "DELETE", ""),  # a method the rule does not allow
    (APP, "PUT", "authorization"),  # a header the rule does not allow
])
async def test_a_preflight_no_rule_admits_is_refused_as_s3_refuses_it(public_osprey, bucket, origin, method, wanted):
    await in_thread(s3_client(public_osprey).put_bucket_cors, Bucket=bucket, CORSConfiguration={"CORSRules": RULES})
    status, headers, body = await _call("OPTIONS", f"{public_osprey}{bucket}/red.jpg",
                                        _preflight(origin, method, wanted))
    assert status == 403
    error = ET.fromstring(body)
    assert error.findtext("Code") == "AccessForbidden"
    assert error.findtext("Message").startswith("CORSResponse: This CORS request is not allowed.")
    assert not any(name.startswith("Access-Control-") for name in headers)


async def test_preflights_without_rules_or_origin_say_nothing_else(public_osprey, bucket):
    for path in (f"{bucket}/red.jpg", f"{bucket}-missing/red.jpg", ""):  # no rules, no bucket, the service
        status, _, body = await _call("OPTIONS", public_osprey + path, _preflight(APP))
        message = ET.fromstring(body).findtext("Message")
        assert (status, message) == (403, "CORSResponse: CORS is not enabled for this bucket.")
    status, _, body = await _call("OPTIONS", f"{public_osprey}{bucket}/red.jpg", {})
    assert (status, ET.fromstring(body).findtext("Code")) == (400, "BadRequest")
    status, _, _ = await _call("OPTIONS", f"{public_osprey}{bucket}/red.jpg", {"Origin": APP})
    assert status == 400


async def test_plain_processed_failed_and_passed_through_answers_carry_the_grant(public_osprey, bucket):
    await in_thread(s3_client(public_osprey).put_bucket_cors, Bucket=bucket, CORSConfiguration={"CORSRules": RULES})
    origin = {"Origin": APP}
    for _ in range(2):  # the second anonymous read is served from the read memo
        status, headers, body = await _call("GET", f"{public_osprey}{bucket}/red.jpg", origin)
        assert (status, body) == (200, jpeg_bytes())
        assert (headers["Access-Control-Allow-Origin"], headers["Vary"]) == (APP, "Origin")
        assert headers["Access-Control-Expose-Headers"] == "ETag"
    status, headers, body = await _call("GET", f"{public_osprey}{bucket}/red.jpg?x-oss-process=image/resize,w_50",
                                        origin)
    assert (status, Image.open(io.BytesIO(body)).size) == (200, (50, 25))
    assert headers["Access-Control-Allow-Origin"] == APP
    status, headers, _ = await _call("GET", f"{public_osprey}{bucket}/missing.jpg", origin)
    assert (status, headers["Access-Control-Allow-Origin"]) == (404, APP)
    status, headers, _ = await _call("GET", f"{public_osprey}{bucket}?list-type=2", origin)  # unsigned: refused
    assert (status, headers["Access-Control-Allow-Origin"]) == (403, APP)
    status, headers, _ = await _call("HEAD", f"{public_osprey}{bucket}/red.jpg", {"Origin": "https://other.test"})
    assert (status, headers["Access-Control-Allow-Origin"]) == (200, "*")


async def test_an_origin_no_rule_admits_gets_only_vary(public_osprey, bucket):
    await in_thread(s3_client(public_osprey).put_bucket_cors, Bucket=bucket, CORSConfiguration={"CORSRules": RULES})
    status, headers, _ = await _call("GET", f"{public_osprey}{bucket}/red.jpg", {"Origin": "https://evil.test"})
    assert (status, headers["Vary"]) == (200, "Origin")
    assert not any(name.startswith("Access-Control-") for name in headers)
    status, headers, _ = await _call("GET", f"{public_osprey}{bucket}/red.jpg", {})
    assert status == 200 and "Vary" not in headers


async def test_oss2_sets_reads_and_deletes_bucket_cors_through_osprey(osprey, moto, bucket):
    oss = oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket)
    rule = oss2.models.CorsRule(allowed_origins=[APP], allowed_methods=["GET", "PUT"], allowed_headers=["*"],
                                expose_headers=["x-oss-request-id"], max_age_seconds=120)
    await in_thread(oss.put_bucket_cors, oss2.models.BucketCors([rule]))
    assert moto.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedOrigins"] == [APP]
    read = (await in_thread(oss.get_bucket_cors)).rules[0]
    assert (read.allowed_origins, read.allowed_methods, read.allowed_headers) == ([APP], ["GET", "PUT"], ["*"])
    assert (read.expose_headers, read.max_age_seconds) == (["x-oss-request-id"], 120)
    await in_thread(oss.delete_bucket_cors)
    with pytest.raises(oss2.exceptions.NoSuchCors):
        await in_thread(oss.get_bucket_cors)


LOCAL_RULES = [{"allowed_origins": ["https://*.example.com"], "allowed_methods": ["get", "HEAD"],
                "expose_headers": ["Content-Length"], "max_age_s": 30}]


async def test_a_directory_bucket_answers_from_its_configured_rules(make_client, local_root):
    config = local_config(local_root, buckets={"photos": {"anonymous": "read", "cors": LOCAL_RULES,
                                                          "auto_format": ["webp"]}})
    client = await make_client(config)
    answer = await client.options("/photos/red.jpg", headers=_preflight(APP))
    assert answer.status == 200
    assert (answer.headers["Access-Control-Allow-Origin"], answer.headers["Access-Control-Allow-Methods"]) == (
        APP, "GET, HEAD")
    assert answer.headers["Access-Control-Max-Age"] == "30"
    answer = await client.options("/photos/red.jpg", headers=_preflight(APP, "PUT"))
    assert answer.status == 403
    answer = await client.options("/vault/secret.txt", headers=_preflight(APP))  # no rules for that bucket
    assert answer.status == 403
    answer = await client.get("/photos/red.jpg?x-oss-process=image/resize,w_20",
                              headers={"Origin": APP, "Accept": "image/webp"})
    assert (answer.status, answer.headers["Content-Type"]) == (200, "image/webp")
    assert (answer.headers["Access-Control-Allow-Origin"], answer.headers["Vary"]) == (APP, "Accept, Origin")
    assert answer.headers["Access-Control-Expose-Headers"] == "Content-Length"


@pytest.mark.parametrize(("rule", "named"), [
    ({"allowed_methods": ["GET"]}, "buckets.photos.cors[0].allowed_origins"),
    ({"allowed_origins": ["*"], "allowed_methods": ["PATCH"]}, "buckets.photos.cors[0].allowed_methods"),
    ({"allowed_origins": ["https://*.*.com"], "allowed_methods": ["GET"]}, "buckets.photos.cors[0].allowed_origins"),
    ({"allowed_origins": ["*"], "allowed_methods": ["GET"], "max_age_s": -1}, "buckets.photos.cors[0].max_age_s"),
    ({"allowed_origins": ["*"], "allowed_methods": ["GET"], "origins": ["*"]}, "buckets.photos.cors[0].origins"),
])
def test_a_bad_rule_is_one_config_error_naming_it(local_root, rule, named):
    with pytest.raises(ConfigError) as refused:
        local_config(local_root, buckets={"photos": {"cors": [rule]}})
    assert str(refused.value).startswith(f"config error: {named} = ")


def test_rules_come_from_the_environment_as_toml(local_root):
    raw = {"upstream": {"type": "local", "root": str(local_root)}}
    config = parse_config(raw, environ={
        "OSPREY_BUCKETS_PHOTOS_CORS": '[{allowed_origins = ["*"], allowed_methods = ["GET"]}]'})
    assert config.bucket("photos").cors[0].allowed_origins == ("*",)


async def test_rules_changed_through_osprey_apply_at_once_and_changed_behind_it_after_revalidation(
        aiohttp_server, moto_server, moto, bucket):
    config = parse_config({
        "upstream": {"type": "s3", "endpoint": moto_server, "access_key_id": "testing",
                     "secret_access_key": "testing"},
        "cache": {"revalidate_after_s": 0.5},
        "credentials": [{"access_key_id": CLIENT_KEY, "secret_access_key": CLIENT_SECRET}],
    }, environ={})
    osprey = str((await aiohttp_server(build_app(config))).make_url("/"))
    url, s3 = f"{osprey}{bucket}/a.txt", s3_client(osprey)
    assert (await _call("OPTIONS", url, _preflight(APP)))[0] == 403  # no rules yet, and that is remembered
    await in_thread(s3.put_bucket_cors, Bucket=bucket, CORSConfiguration={"CORSRules": RULES})
    assert (await _call("OPTIONS", url, _preflight(APP)))[0] == 200
    moto.delete_bucket_cors(Bucket=bucket)  # behind Osprey's back: the remembered rules stand a while
    assert (await _call("OPTIONS", url, _preflight(APP)))[0] == 200
    await asyncio.sleep(0.6)
    assert (await _call("OPTIONS", url, _preflight(APP)))[0] == 403
    await in_thread(s3.put_bucket_cors, Bucket=bucket, CORSConfiguration={"CORSRules": RULES})
    assert (await _call("OPTIONS", url, _preflight(APP)))[0] == 200
    await in_thread(s3.delete_bucket_cors, Bucket=bucket)
    assert (await _call("OPTIONS", url, _preflight(APP)))[0] == 403


def test_rules_from_the_environment_that_are_no_toml_are_one_config_error(local_root):
    with pytest.raises(ConfigError) as refused:
        parse_config({}, environ={"OSPREY_BUCKETS_PHOTOS_CORS": "[{allowed_origins = "})
    assert str(refused.value).startswith("config error: buckets.photos.cors = ")
    assert "array of inline tables" in str(refused.value)
