"""Anonymous reads are resolved once per URL and remembered; nothing signed is, and a signature sent to a
remembered URL is still checked."""

import asyncio
from datetime import UTC, datetime
from email.utils import formatdate

from proxy.front.services import SERVICES

from .clients import in_thread, s3_client
from .test_metrics import scrape, value
from .xml import error_of

URL = "/photos/red.jpg?x-oss-process=image/resize,w_50"


async def test_a_remembered_url_serves_the_same_answer_and_is_counted_like_the_first(make_client):
    client = await make_client()
    first, second = await client.get(URL), await client.get(URL)
    assert first.status == second.status == 200
    assert first.headers["ETag"] == second.headers["ETag"]
    assert await first.read() == await second.read()
    assert first.headers["x-oss-request-id"] != second.headers["x-oss-request-id"]
    remembered = client.server.app[SERVICES].anonymous_reads
    assert ("GET", f"{client.host}:{client.port}", "/photos/red.jpg", "x-oss-process=image/resize,w_50") in remembered
    families = await scrape(client)
    assert value(families, "osprey_requests_total", method="GET", operation="ProcessObject", status="200") == 2
    assert value(families, "osprey_cache_requests_total", result="hit") == 1


async def test_a_signature_sent_to_a_remembered_url_is_still_checked(make_client):
    client = await make_client()
    assert (await client.get(URL)).status == 200
    now = datetime.now(UTC)
    for headers in (
        {"Authorization": "OSS nobody:c2lnbmF0dXJl", "Date": formatdate(now.timestamp(), usegmt=True)},
        {"Authorization": f"AWS4-HMAC-SHA256 Credential=nobody/{now:%Y%m%d}/us-east-1/s3/aws4_request, "
                          "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + "0" * 64,
         "x-amz-date": f"{now:%Y%m%dT%H%M%SZ}", "x-amz-content-sha256": "UNSIGNED-PAYLOAD"},
    ):
        refused = await client.get(URL, headers=headers)
        assert refused.status == 403, await refused.text()
        assert (await error_of(refused))["Code"] == "InvalidAccessKeyId"


async def test_a_signed_read_is_never_remembered_for_anonymous_callers(make_client):
    client = await make_client()
    s3 = s3_client(client.make_url("/"))
    signed = await in_thread(s3.get_object, Bucket="vault", Key="secret.txt")
    assert await in_thread(signed["Body"].read) == b"top secret"
    anonymous = await client.get("/vault/secret.txt")
    assert anonymous.status == 403 and (await error_of(anonymous))["Code"] == "AccessDenied"
    assert not client.server.app[SERVICES].anonymous_reads


async def test_a_presigned_url_is_checked_again_each_time_and_expires(make_client):
    client = await make_client()
    url = s3_client(client.make_url("/")).generate_presigned_url(
        "get_object", Params={"Bucket": "vault", "Key": "secret.txt"}, ExpiresIn=1
    )
    path = url.removeprefix(str(client.make_url("")))
    assert await (await client.get(path)).read() == b"top secret"
    await asyncio.sleep(2.1)
    expired = await client.get(path)
    assert expired.status == 403 and (await error_of(expired))["Code"] == "AccessDenied"
    assert "expired" in (await error_of(expired))["Message"]


async def test_head_and_get_of_one_url_are_remembered_apart(make_client):
    client = await make_client()
    for _ in range(2):
        head = await client.head(URL)
        assert head.status == 200 and await head.read() == b""
        get = await client.get(URL)
        assert int(head.headers["Content-Length"]) == len(await get.read()) > 0


async def test_reserved_pages_refuse_other_methods_as_the_object_api_does(make_client):
    client = await make_client()
    for method in ("POST", "PUT", "DELETE"):
        refused = await client.request(method, "/_osprey/healthz")
        assert refused.status == 405 and (await error_of(refused))["Code"] == "MethodNotAllowed"
    assert (await client.head("/_osprey/healthz")).status == 200
