"""One JSON access line per request, with the fields operators need, and never a signature or a secret."""

import io
import json
import logging
import urllib.parse

import oss2
import pytest
import requests

from proxy.logs import setup_logging

from .clients import in_thread, oss_bucket, s3_client
from .conftest import CLIENT_KEY, CLIENT_SECRET

RESIZE = "/photos/red.jpg?x-oss-process=image/resize,w_50/format,webp"


@pytest.fixture
def log_text():
    """Every record of every logger, at debug level, as the server writes it (JSON lines)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    chatty = {name: logging.getLogger(name).level for name in ("botocore", "aiobotocore", "urllib3", "asyncio")}
    out = io.StringIO()
    setup_logging("debug", "json", out)
    yield out.getvalue
    root.handlers[:], level = saved
    root.setLevel(level)
    for name, old in chatty.items():
        logging.getLogger(name).setLevel(old)


def access_lines(text: str) -> list[dict]:
    return [entry for entry in map(json.loads, text.splitlines()) if entry["logger"] == "osprey.access"]


async def test_each_request_writes_one_access_line_with_its_story(make_client, log_text):
    client = await make_client()
    first = await client.get(RESIZE)
    body = await first.read()
    second = await client.get(RESIZE)
    await second.read()
    lines = access_lines(log_text())
    assert len(lines) == 2
    miss, hit = lines
    assert miss["request_id"] == first.headers["x-oss-request-id"]
    assert hit["request_id"] == second.headers["x-oss-request-id"]
    assert {k: miss[k] for k in ("level", "method", "bucket", "key", "operation", "process", "status", "cache",
                                 "error", "remote")} == {
        "level": "info", "method": "GET", "bucket": "photos", "key": "red.jpg", "operation": "ProcessObject",
        "process": "image/resize,w_50/format,webp", "status": 200, "cache": "miss", "error": "",
        "remote": "127.0.0.1",
    }
    assert miss["bytes_sent"] > len(body)  # the body and the headers
    assert set(miss["stages_ms"]) == {"fetch", "queue", "process", "encode"}  # anonymous: no auth stage
    assert miss["duration_ms"] >= sum(miss["stages_ms"].values()) * 0.99
    assert hit["cache"] == "hit" and hit["stages_ms"] == {}


async def test_errors_name_their_code_and_probes_log_at_debug(make_client, log_text):
    client = await make_client()
    assert (await client.get("/photos/nope.jpg")).status == 404
    assert (await client.get("/_osprey/healthz")).status == 200
    missing, probe = access_lines(log_text())
    assert (missing["status"], missing["error"], missing["operation"]) == (404, "NoSuchKey", "GetObject")
    assert (probe["level"], probe["operation"]) == ("debug", "Healthz")


async def test_text_format_writes_key_value_lines(make_client):
    out = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging("info", "text", out)
    try:
        client = await make_client()
        await (await client.get(RESIZE)).read()
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    line = next(line for line in out.getvalue().splitlines() if " osprey.access " in line)
    assert "GET ProcessObject 200" in line
    assert "key=red.jpg" in line and "process=image/resize,w_50/format,webp" in line and "cache=miss" in line


async def test_presigned_urls_leave_no_signature_in_the_logs(make_client, local_root, log_text):
    client = await make_client()
    (local_root / "vault" / "red.jpg").write_bytes((local_root / "photos" / "red.jpg").read_bytes())
    secrets = {CLIENT_SECRET}
    urls = []
    sigv4 = s3_client(client.make_url("/")).generate_presigned_url(
        "get_object", Params={"Bucket": "vault", "Key": "secret.txt"})
    urls += [sigv4, sigv4.replace("secret.txt", "secret.txT")]  # the second fails: SignatureDoesNotMatch
    for auth in (oss2.Auth(CLIENT_KEY, CLIENT_SECRET), oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET)):
        vault = oss_bucket(client.make_url("/"), auth, "vault")
        url = vault.sign_url("GET", "red.jpg", 60, params={"x-oss-process": "image/resize,w_50"})
        urls += [url, url.replace("w_50", "w_60")]
    for url in urls:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        for name in ("X-Amz-Signature", "Signature", "x-oss-signature"):
            secrets.update(value for value in query.get(name, []) if len(value) > 8)
    statuses = [(await in_thread(requests.get, url, timeout=10)).status_code for url in urls]
    assert statuses == [200, 403, 200, 403, 200, 403]
    text = log_text()
    assert len(access_lines(text)) == len(urls)
    assert len(secrets) >= 4
    leaked = [s for s in secrets if s in text or urllib.parse.quote(s, safe="") in text]
    assert not leaked, text


async def test_signed_headers_leave_no_authorization_in_the_logs(make_client, log_text):
    client = await make_client()
    s3 = s3_client(client.make_url("/"))
    sent: list[str] = []
    s3.meta.events.register("before-send.s3.*", lambda request, **_: sent.append(request.headers["Authorization"]))
    await in_thread(lambda: s3.get_object(Bucket="vault", Key="secret.txt")["Body"].read())
    signature = sent[0].decode() if isinstance(sent[0], bytes) else sent[0]
    signature = signature.rpartition("Signature=")[2]
    forged_header = f"OSS {CLIENT_KEY}:Zm9yZ2VkLXNpZ25hdHVyZQ=="
    forged = await client.get("/vault/secret.txt", headers={"Authorization": forged_header})
    assert forged.status == 403
    text = log_text()
    assert len(access_lines(text)) == 2
    assert len(signature) == 64 and signature not in text
    assert "Zm9yZ2VkLXNpZ25hdHVyZQ" not in text and CLIENT_SECRET not in text
    assert "authorization" not in text.lower()
