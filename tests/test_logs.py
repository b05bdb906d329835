"""The log formatters: one JSON object per line, key=value text, and secrets scrubbed from anything logged."""

import io
import json
import logging

import pytest

from proxy.logs import REDACTED, redact, setup_logging


@pytest.fixture
def capture():
    """Set up logging onto a buffer the way `osprey serve` does, and put the root logger back afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("botocore").level
    out = io.StringIO()

    def start(level="debug", fmt="json"):
        setup_logging(level, fmt, out)
        return out

    yield start
    root.handlers[:], level, boto = saved
    root.setLevel(level)
    logging.getLogger("botocore").setLevel(boto)


@pytest.mark.parametrize(("text", "secret"), [
    ("GET /b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abcdef0123456789&x=1", "abcdef0123456789"),
    ("GET /b/k?OSSAccessKeyId=ak&Expires=1&Signature=d%2FmHWrMwP8NfUWt%2BR8Cl", "d%2FmHWrMwP8NfUWt%2BR8Cl"),
    ("/b/k?x-oss-signature=1e12896349767067c6784f&x-oss-date=20240101T000000Z", "1e12896349767067c6784f"),
    ("Authorization: AWS4-HMAC-SHA256 Credential=ak/2024/us-east-1/s3/aws4_request, SignedHeaders=host, "
     "Signature=fe5f80f77d5fa3beca038a248ff027", "fe5f80f77d5fa3beca038a248ff027"),
    ("header OSS ak-id:Zm9yZ2VkLXNpZ25hdHVyZQ== sent", "Zm9yZ2VkLXNpZ25hdHVyZQ"),
    ("AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg= came in", "frJIUN8DYpKDtOLCwo"),
    ("OSS2 AccessKeyId:ak,AdditionalHeaders:range,Signature:cGxlYXNlLXJlZGFjdA== sent", "cGxlYXNlLXJlZGFjdA"),
    ("{'secret_access_key': 'wJalrXUtnFEMI/K7MDENG'}", "wJalrXUtnFEMI"),
    ("x-amz-security-token=FwoGZXIvYXdzEJr%2F", "FwoGZXIvYXdzEJr"),
])
def test_redact_removes_signatures_tokens_and_secret_keys(text, secret):
    cleaned = redact(text)
    assert secret not in cleaned and REDACTED in cleaned


def test_redact_leaves_ordinary_text_alone():
    text = "GET /photos/red.jpg?x-oss-process=image/resize,w_100 200 (signature checked)"
    assert redact(text) == text


def test_json_lines_carry_fields_and_scrubbed_tracebacks(capture):
    out = capture("info", "json")
    log = logging.getLogger("osprey.test")
    log.info("hello %s", "world", extra={"fields": {"status": 200, "key": "a/b.jpg", "stages_ms": {"auth": 0.1}}})
    try:
        raise ValueError("bad url ?X-Amz-Signature=deadbeefcafe")
    except ValueError:
        log.exception("failed")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["msg"] == "hello world" and first["level"] == "info" and first["logger"] == "osprey.test"
    assert (first["status"], first["key"], first["stages_ms"]) == (200, "a/b.jpg", {"auth": 0.1})
    assert first["ts"].endswith("Z")
    assert "ValueError" in second["exc"] and "deadbeefcafe" not in second["exc"]


def test_text_lines_append_fields_as_key_value(capture):
    out = capture("info", "text")
    logging.getLogger("osprey.test").info("GET x 200", extra={"fields": {"status": 200, "key": "a b.jpg", "cache": ""}})
    line = out.getvalue().strip()
    assert line.endswith('GET x 200 status=200 key="a b.jpg"')


def test_level_knob_and_libraries_that_log_signed_requests_stay_quiet(capture):
    out = capture("warning", "json")
    logging.getLogger("osprey.test").info("not shown")
    logging.getLogger("osprey.test").warning("shown")
    assert [json.loads(line)["msg"] for line in out.getvalue().splitlines()] == ["shown"]
    capture("debug", "json")
    assert logging.getLogger("botocore").getEffectiveLevel() == logging.WARNING
