"""S3 answers and transport failures as the OSS errors the front renders, shared by the typed client
(`s3.py`) and the raw pass-through (`s3rest.py`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import aiohttp
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    HTTPClientError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from proxy.errors import OssError, no_such_bucket, no_such_key
from proxy.httpdate import parse_http_date
from proxy.upstream.errors import (
    invalid_range,
    not_modified,
    precondition_failed,
    upstream_bad_gateway,
    upstream_timeout,
    upstream_unavailable,
)
from proxy.upstream.objects import ObjectMeta

# Refusals of Osprey's own upstream credentials: a proxy misconfiguration, not the client's fault.
_CREDENTIAL_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AuthorizationHeaderMalformed",
                     "ExpiredToken", "InvalidToken", "RequestTimeTooSkewed"}
# What a body-less answer (HEAD) means, when the status is all there is.
_CODE_OF_STATUS = {400: "BadRequest", 403: "AccessDenied", 405: "MethodNotAllowed", 409: "Conflict"}
EPOCH = datetime.fromtimestamp(0, UTC)


def translated_read(
    read: Callable[[int], Awaitable[bytes]], bucket: str, key: str
) -> Callable[[int], Awaitable[bytes]]:
    async def guarded(size: int) -> bytes:
        with translated(bucket, key):
            return await read(size)

    return guarded


@contextmanager
def translated(bucket: str, key: str) -> Iterator[None]:
    """botocore and aiohttp failures as the OSS errors the front renders."""
    try:
        yield
    except ClientError as exc:
        raise from_answer(exc.response, bucket, key) from exc
    except (ConnectTimeoutError, ReadTimeoutError, TimeoutError) as exc:
        raise upstream_timeout(type(exc).__name__) from exc
    except aiohttp.ClientPayloadError as exc:  # an answer cut short or garbled, not a lost store
        raise upstream_bad_gateway(type(exc).__name__) from exc
    except (BotoConnectionError, HTTPClientError, aiohttp.ClientError) as exc:
        raise upstream_unavailable(type(exc).__name__) from exc
    except BotoCoreError as exc:
        raise upstream_bad_gateway(type(exc).__name__) from exc


def from_answer(response: Mapping[str, Any], bucket: str, key: str) -> OssError:
    """An error answer in botocore's shape (`Error`, `ResponseMetadata`) as an `OssError`, the upstream's own 4xx
    code and message reaching the client (`NoSuchUpload`, `EntityTooSmall`…)."""
    error = response.get("Error", {})
    metadata = response.get("ResponseMetadata", {})
    headers = metadata.get("HTTPHeaders", {})
    status = metadata.get("HTTPStatusCode", 0)
    code = error.get("Code", "")
    if status == 304:
        return _not_modified(headers)
    if status == 412:
        return precondition_failed()
    if status == 416:
        return invalid_range(_size_of_416(error, headers))
    if code == "NoSuchBucket" or (status == 404 and not key and code in ("", "404", "NotFound")):
        return no_such_bucket(bucket)
    if status == 404 and code in ("", "404", "NotFound", "NoSuchKey"):
        return no_such_key(key)
    if code in _CREDENTIAL_CODES:
        return upstream_bad_gateway(f"the upstream refused the proxy's credentials ({code})")
    if status == 503:
        return upstream_unavailable(code or "503")
    if 400 <= status < 500:
        if not code or code == str(status):
            code = _CODE_OF_STATUS.get(status, str(status))
        return OssError(status, code, error.get("Message") or code)
    return upstream_bad_gateway(f"{status} {code}".strip())


def _not_modified(headers: Mapping[str, str]) -> OssError:
    """The 304 carries the validators S3 sent, and only those."""
    last_modified = parse_http_date(headers.get("last-modified"))
    err = not_modified(ObjectMeta(0, headers.get("etag", ""), last_modified or EPOCH))
    err.extra = {name: value for name, value in err.extra.items() if headers.get(name.lower())}
    return err


def _size_of_416(error: Mapping[str, str], headers: Mapping[str, str]) -> int | None:
    """S3 names the size in the error body; some stores use `Content-Range: bytes */size`."""
    for text in (error.get("ActualObjectSize"), headers.get("content-range", "").rpartition("/")[2]):
        if text and text.isdigit():
            return int(text)
    return None
