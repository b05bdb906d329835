"""Who may read what. Until signature verification lands, a signed request is treated as an
anonymous one: it reads public-read buckets and is refused, with a message saying why, elsewhere."""

from __future__ import annotations

from collections.abc import Mapping

from proxy.config import BucketConfig
from proxy.errors import access_denied

_SIGNATURE_QUERY = ("X-Amz-Signature", "Signature", "x-oss-signature")


def authorize_read(bucket: str, settings: BucketConfig, headers: Mapping[str, str],
                   query: Mapping[str, str]) -> None:
    """Raise AccessDenied unless this read is allowed."""
    if settings.anonymous == "read":
        return
    if "Authorization" in headers or any(q in query for q in _SIGNATURE_QUERY):
        raise access_denied(
            f"Bucket {bucket!r} is private and this server does not verify signatures yet; "
            f'set [buckets.{bucket}] anonymous = "read" to serve it.'
        )
    raise access_denied(
        f'Anonymous access to bucket {bucket!r} is not allowed (set [buckets.{bucket}] anonymous = "read").'
    )
