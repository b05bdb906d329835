"""Who is calling and what they may do: signatures checked against `[[credentials]]`, then bucket policy."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from aiohttp import web

from proxy.auth import Identity, SignedRequest, verify
from proxy.config import BucketConfig
from proxy.errors import access_denied
from proxy.front.addressing import Address

log = logging.getLogger("osprey.auth")


def identify(request: web.Request, address: Address, credentials: Mapping[str, str]) -> Identity | None:
    """The verified caller, or None when the request is anonymous; a bad signature raises 403."""
    signed = SignedRequest(
        method=request.method,
        host=request.host,
        raw_path=request.rel_url.raw_path,
        raw_query=request.rel_url.raw_query_string,
        headers=request.headers,
        bucket=address.bucket,
        key=address.key,
    )
    identity = verify(signed, credentials, datetime.now(UTC))
    if identity is not None and "x-oss-process" in identity.unsigned_query:
        # The Python v2 OSS SDK leaves x-oss-process out of V1 signatures; OSS accepts it, so do we.
        log.info("accepted an OSS V1 signature that does not cover x-oss-process (key %s)", identity.access_key_id)
    return identity


def authorize(identity: Identity | None, bucket: str, settings: BucketConfig, *, write: bool = False) -> None:
    """Signed callers may do anything the upstream allows; anonymous ones only read public-read buckets."""
    if identity is not None:
        return
    if not write and settings.anonymous == "read":
        return
    what = "write to" if write else "read"
    raise access_denied(
        f"Anonymous requests may not {what} bucket {bucket!r}: sign the request with a configured key"
        + ("" if write else f' or set [buckets.{bucket}] anonymous = "read"') + "."
    )
