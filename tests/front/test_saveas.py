"""sys/saveas: POST ?x-oss-process renders a chain and stores the result; the answer is OSS's JSON, byte for byte."""

import base64
import hmac
import io
import time
from email.utils import formatdate
from urllib.parse import quote

import boto3
import oss2
import pytest
from PIL import Image

from proxy.app import build_app
from proxy.config import parse_config

from .clients import in_thread, oss_bucket
from .conftest import CLIENT_KEY, CLIENT_SECRET, jpeg_bytes
from .xml import error_of

OSS_AUTHS = [pytest.param(oss2.Auth(CLIENT_KEY, CLIENT_SECRET), id="oss-v1"),
             pytest.param(oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET), id="oss-v4")]


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


FORM = "application/x-www-form-urlencoded"


def _signed_post(resource: str) -> dict[str, str]:
    """OSS V1 headers for a form POST of `resource` (`/bucket/key?x-oss-process`)."""
    date = formatdate(time.time(), usegmt=True)
    string_to_sign = f"POST\n\n{FORM}\n{date}\n{resource}"
    signature = base64.b64encode(hmac.new(CLIENT_SECRET.encode(), string_to_sign.encode(), "sha1").digest())
    return {"Date": date, "Content-Type": FORM, "Authorization": f"OSS {CLIENT_KEY}:{signature.decode()}"}


async def _save(client, body: str, key: str = "red.jpg"):
    return await client.post(f"/photos/{key}?x-oss-process", data=body.encode(),
                             headers=_signed_post(f"/photos/{key}?x-oss-process"))


def _size(path) -> tuple[int, int]:
    return Image.open(io.BytesIO(path.read_bytes())).size


async def test_saveas_answers_the_exact_json_and_stores_the_rendition(make_client, local_root):
    client = await make_client()
    resp = await _save(client, f"x-oss-process=image/resize,w_50|sys/saveas,o_{b64('out/small.jpg')}")
    assert resp.status == 200 and resp.headers["Content-Type"] == "application/json"
    stored = local_root / "photos" / "out" / "small.jpg"
    size = stored.stat().st_size
    assert await resp.read() == (
        b'{\n    "bucket": "",\n    "fileSize": ' + str(size).encode()
        + b',\n    "object": "out/small.jpg",\n    "status": "OK"}'
    )
    assert _size(stored) == (50, 25)
    head = await client.head("/photos/out/small.jpg")
    assert head.headers["Content-Type"] == "image/jpeg"


async def test_saveas_to_another_bucket_names_it_in_the_answer(make_client, local_root):
    client = await make_client()
    resp = await _save(client, f"x-oss-process=image/resize,w_40/format,png|sys/saveas,o_{b64('t.png')},"
                               f"b_{b64('vault')}")
    assert resp.status == 200
    assert (await resp.json())["bucket"] == "vault"
    assert _size(local_root / "vault" / "t.png") == (40, 20)
    anonymous = await client.get("/vault/t.png")
    assert anonymous.status == 403


async def test_saveas_takes_form_encoding_standard_base64_and_a_style(make_client, local_root):
    client = await make_client()
    key = "a>>.jpg"  # standard Base64 of it holds a '+', which must not become a space
    standard = base64.b64encode(key.encode()).decode()
    assert "+" in standard and standard.endswith("=")
    resp = await _save(client, "x-oss-process=" + quote(f"style/thumb|sys/saveas,o_{standard}", safe=""))
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["object"] == key
    assert _size(local_root / "photos" / key) == (20, 10)


@pytest.mark.parametrize(("body", "status", "code"), [
    ("", 400, "InvalidRequest"),
    ("something=else", 400, "InvalidRequest"),
    ("x-oss-process=", 400, "InvalidRequest"),
    (f"x-oss-process=|sys/saveas,o_{b64('x.jpg')}", 400, "InvalidRequest"),
    ("x-oss-process=image/resize,w_10|sys/saveas,b_" + b64("photos"), 400, "MissingArgument"),
    ("x-oss-process=image/resize,w_10|sys/saveas,o_!!!", 400, "InvalidArgument"),
    ("x-oss-process=image/resize,w_10", 400, "InvalidArgument"),
    (f"x-oss-process=image/resize,w_10|saveas,o_{b64('x.jpg')}", 400, "BadRequest"),
    (f"x-oss-process=image/resize,w_0|sys/saveas,o_{b64('x.jpg')}", 400, "InvalidArgument"),
    (f"x-oss-process=image/resize,w_10|sys/saveas,o_{b64('x.jpg')},b_{b64('nosuchbucket')}", 404, "NoSuchBucket"),
])
async def test_saveas_refusals(make_client, local_root, body, status, code):
    client = await make_client()
    resp = await _save(client, body)
    assert resp.status == status
    assert (await error_of(resp))["Code"] == code
    assert not (local_root / "photos" / "x.jpg").exists()


async def test_saveas_needs_a_signature_and_is_refused_in_a_get(make_client, local_root):
    client = await make_client()
    anonymous = await client.post("/photos/red.jpg?x-oss-process",
                                  data=f"x-oss-process=image/resize,w_10|sys/saveas,o_{b64('x.jpg')}")
    assert anonymous.status == 403 and (await error_of(anonymous))["Code"] == "AccessDenied"
    in_get = await client.get(f"/photos/red.jpg?x-oss-process=image/resize,w_10|sys/saveas,o_{b64('x.jpg')}")
    assert in_get.status == 400
    assert not (local_root / "photos" / "x.jpg").exists()


async def test_saveas_of_a_missing_source_is_no_such_key(make_client):
    client = await make_client()
    resp = await _save(client, f"x-oss-process=image/resize,w_10|sys/saveas,o_{b64('x.jpg')}", key="nope.jpg")
    assert resp.status == 404 and (await error_of(resp))["Code"] == "NoSuchKey"


@pytest.mark.parametrize("auth", OSS_AUTHS)
async def test_oss2_process_object_saves_into_s3(aiohttp_server, moto_server, bucket_name, auth):
    moto = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    moto.create_bucket(Bucket=bucket_name)
    moto.put_object(Bucket=bucket_name, Key="src.jpg", Body=jpeg_bytes((300, 150)), ContentType="image/jpeg")
    server = await aiohttp_server(build_app(parse_config({
        "upstream": {"type": "s3", "endpoint": moto_server, "access_key_id": "testing",
                     "secret_access_key": "testing"},
        "limits": {"workers": 1},
        "credentials": [{"access_key_id": CLIENT_KEY, "secret_access_key": CLIENT_SECRET}],
    }, environ={})))
    oss = oss_bucket(server.make_url("/"), auth, bucket_name)
    result = await in_thread(oss.process_object, "src.jpg",
                             f"image/resize,w_60/format,webp|sys/saveas,o_{b64('out/src.webp')}")
    assert (result.status, result.object, result.bucket, result.process_status) == (200, "out/src.webp", "", "OK")
    stored = moto.get_object(Bucket=bucket_name, Key="out/src.webp")
    body = stored["Body"].read()
    assert stored["ContentType"] == "image/webp" and len(body) == result.fileSize
    image = Image.open(io.BytesIO(body))
    assert (image.format, image.size) == ("WEBP", (60, 30))
