"""Log set-up: JSON lines (one object per record) or plain text, with secrets scrubbed from every record.

The access log never holds a header or a query string in the first place (see `proxy.front.observe`);
the scrubbing here is the second line: any signature, credential or secret key that some message or
traceback might carry is replaced before the record is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any

ACCESS_LOGGER = "osprey.access"
FORMATS = ("json", "text")
REDACTED = "REDACTED"
# Libraries that log whole signed requests (headers, string to sign) at debug level.
_CHATTY = ("botocore", "aiobotocore", "urllib3", "asyncio")

_SECRETS = (
    # Query parameters and the `Signature=` element of a SigV4 / OSS V4 Authorization header.
    re.compile(
        r"(?i)\b(signature|x-amz-signature|x-oss-signature|x-amz-security-token|x-oss-security-token|"
        r"security-token|x-amz-credential|x-oss-credential)(=)([^&\s,;\"']+)"
    ),
    # V1 / V2 header signatures: `OSS <key id>:<signature>`, `AWS <key id>:<signature>`.
    re.compile(r"\b(OSS|AWS)( +[A-Za-z0-9_.\-]+:)([A-Za-z0-9+/=]+)"),
    # OSS V2 header signatures: `OSS2 AccessKeyId:<key id>,…,Signature:<signature>`.
    re.compile(r"\b(Signature)(:)([A-Za-z0-9+/=]+)"),
    # Whole Authorization headers and secret keys, however they got into a message.
    re.compile(r"(?i)\b(authorization|secret_access_key|secretaccesskey|aws_secret_access_key)"
               r"(['\"]?\s*[=:]\s*['\"]?)([^'\"\n]+)"),
)


# Every pattern above needs one of these words; most text (every access line) has none. Substring tests on
# the lower-cased text cost well under a microsecond; one case-insensitive regex alternation costs ~8 µs.
_HINTS = ("signature", "credential", "security-token", "authorization", "secret")


def redact(text: str) -> str:
    """`text` with the values of signatures, credentials and secret keys replaced."""
    if not _may_hold_secrets(text):
        return text
    for pattern in _SECRETS:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return text


def _may_hold_secrets(text: str) -> bool:
    if "OSS " in text or "AWS " in text:
        return True
    lowered = text.lower()
    return any(hint in lowered for hint in _HINTS)


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields a record carries (`extra={"fields": {...}}`), scrubbed."""
    fields = getattr(record, "fields", None)
    if not isinstance(fields, dict):
        return {}
    if not _may_hold_secrets("\n".join(value for value in fields.values() if isinstance(value, str))):
        return fields  # one search for the whole record: an access line's fields hold no secrets
    return {name: redact(value) if isinstance(value, str) else value for name, value in fields.items()}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        entry.update(_fields(record))
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=str)


class TextFormatter(logging.Formatter):
    """`time level logger message key=value …`, for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = redact(super().format(record))
        fields = " ".join(f"{k}={_text(v)}" for k, v in _fields(record).items() if v not in ("", None))
        return f"{line} {fields}" if fields else line


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return ",".join(f"{k}:{v}" for k, v in value.items()) or "-"
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if not text or any(c.isspace() or c == '"' for c in text) else text


def setup_logging(level: str = "info", fmt: str = "json", stream: IO[str] | None = None) -> None:
    """Route every logger to one handler on `stream` (stderr) in `fmt`, at `level`."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    # No format here shows the caller's file and line, thread or process: skip collecting them for every
    # record (the "Optimization" section of Python's logging HOWTO).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
