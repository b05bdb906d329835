"""The failures every backend reports, as the OSS errors the front renders."""

from __future__ import annotations

from proxy.errors import OssError
from proxy.httpdate import http_date
from proxy.upstream.objects import ObjectMeta


def not_modified(meta: ObjectMeta) -> OssError:
    """Not an error for the client: the front turns it into a bare 304 with the validators."""
    err = OssError(304, "NotModified", "Not Modified")
    err.extra = {"ETag": meta.etag, "Last-Modified": http_date(meta.last_modified)}
    return err


def precondition_failed() -> OssError:
    return OssError(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.")


def invalid_range(size: int | None) -> OssError:
    """416; `size` is None when the upstream did not say how large the object is."""
    known = "" if size is None else f"; the object has {size} bytes"
    return OssError(416, "InvalidRange", f"The requested range is not satisfiable{known}.")


def source_too_large(size: int, max_bytes: int) -> OssError:
    return OssError(
        400, "ImageTooLarge",
        f"The source object has {size} bytes, more than the {max_bytes} bytes allowed for processing "
        "(limits.max_source_bytes; limits.max_media_source_bytes for video and audio).",
        "0040-00000009",
    )


def unsupported_operation(operation: str, backend: str) -> OssError:
    return OssError(501, "NotImplemented", f"{operation} is not supported by the {backend} upstream.")


def changed_while_read(key: str) -> OssError:
    """The object was overwritten between reading its ETag and its bytes: the client should retry."""
    return OssError(503, "ServiceUnavailable", f"{key!r} changed while it was read; retry the request.")


def upstream_unavailable(detail: str) -> OssError:
    return OssError(503, "ServiceUnavailable", f"The upstream store is unavailable: {detail}. Retry later.")


def upstream_bad_gateway(detail: str) -> OssError:
    return OssError(502, "BadGateway", f"The upstream store gave an unexpected answer: {detail}.")


def upstream_timeout(detail: str) -> OssError:
    return OssError(504, "GatewayTimeout", f"The upstream store did not answer in time: {detail}.")
