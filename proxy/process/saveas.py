"""The sys/saveas POST body (saveas §5.1): `x-oss-process=<process>|sys/saveas,o_<b64 key>[,b_<b64 bucket>]`.

SDKs send the value raw or form-encoded, and `o`/`b` in URL-safe or standard Base64, padded or not; all of
it is accepted. Only `%XX` is decoded, never `+` (a raw standard-Base64 name may hold one).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from proxy.errors import OssError, bad_request, invalid_argument, missing_argument
from proxy.grammar.params import decode_b64
from proxy.names import BUCKET_NAME_RULE, is_bucket_name

FIELD = "x-oss-process"
STEP = "sys/saveas"
MAX_KEY_BYTES = 1023


@dataclass(frozen=True)
class SaveAs:
    """What to render and where to store it; `bucket` is None for the source's own bucket."""

    process: str
    key: str
    bucket: str | None = None


def parse_save_as(body: bytes) -> SaveAs:
    """Parse a POST body, or raise a 400 `OssError` saying what is wrong with it."""
    value = _field(body)
    process, bar, step = value.rpartition("|")
    if not bar:
        raise invalid_argument(f"The process must end with |{STEP},o_<Base64 target key> in a POST.")
    if not process:
        raise _no_process()
    name, _, args = step.partition(",")
    if name != STEP:
        raise bad_request(f"The step after '|' must be {STEP}, not {name!r}.")
    params = _params(args)
    if "o" not in params:
        raise missing_argument(f"{STEP} needs o_<Base64 target key>.")
    key = _decoded("o", params["o"])
    if len(key.encode("utf-8")) > MAX_KEY_BYTES or "\x00" in key:
        raise invalid_argument(f"The target key must be 1 to {MAX_KEY_BYTES} bytes without NUL.",
                               ArgumentName="o", ArgumentValue=params["o"])
    bucket = _decoded("b", params["b"]) if "b" in params else None
    if bucket is not None and not is_bucket_name(bucket):
        raise OssError(400, "InvalidBucketName", f"The target bucket name {bucket!r} is not {BUCKET_NAME_RULE}.")
    return SaveAs(process, key, bucket)


def _field(body: bytes) -> str:
    """The decoded value of the body's x-oss-process field."""
    try:
        text = body.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise _no_process() from None
    for part in text.split("&"):
        name, sep, value = part.partition("=")
        if sep and unquote(name) == FIELD and value:
            return unquote(value)
    raise _no_process()


def _params(args: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for arg in filter(None, args.split(",")):
        name, sep, value = arg.partition("_")
        if not sep or name not in ("o", "b"):
            raise invalid_argument(f"{STEP} takes o_ and b_ only, not {arg!r}.", ArgumentName=name, ArgumentValue=arg)
        if name in params:
            raise invalid_argument(f"{STEP} has {name}_ twice.", ArgumentName=name, ArgumentValue=value)
        params[name] = value
    return params


def _decoded(name: str, text: str) -> str:
    try:
        decoded = decode_b64(text)
    except ValueError:
        decoded = ""
    if not decoded:
        raise invalid_argument(f"{STEP},{name}_ must be the Base64 of a non-empty name.",
                               ArgumentName=name, ArgumentValue=text)
    return decoded


def _no_process() -> OssError:
    return OssError(400, "InvalidRequest",
                    f"The POST body must be {FIELD}=<process>|{STEP},o_<Base64 target key>[,b_<Base64 bucket>].")
