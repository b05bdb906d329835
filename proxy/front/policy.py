"""Who is calling and what they may do: signatures checked against `[[credentials]]`, then bucket policy."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

from aiohttp import web

from proxy.auth import SIGNATURE_PARAMS, Identity, SignedRequest, verify
from proxy.auth.errors import headers_not_signed
from proxy.config import BucketConfig
from proxy.errors import OssError, access_denied
from proxy.front.addressing import Address
from proxy.front.dialect import reaches_upstream
from proxy.front.query import PROCESS
from proxy.grammar.chain import Chain
from proxy.grammar.oss import OSS

log = logging.getLogger("osprey.auth")


def is_signed(request: web.Request, query: Mapping[str, str]) -> bool:
    """Whether the request carries a signature to check (anonymous ones, the common case behind a CDN, do not)."""
    return "Authorization" in request.headers or not SIGNATURE_PARAMS.isdisjoint(query)


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
    return verify(signed, credentials, datetime.now(UTC))


def authorize_headers(identity: Identity | None, headers: Iterable[str]) -> None:
    """As S3 refuses `x-amz-*` headers a signature does not cover, so does Osprey every vendor header that would
    reach the upstream (an `x-oss-*` one becomes `x-amz-*`)."""
    if identity is None:
        return  # an anonymous caller's vendor headers are dropped (dialect.upstream_headers)
    unsigned = {name.lower() for name in headers if reaches_upstream(name) and not identity.covers(name)}
    if unsigned:
        # Else a presigned PUT plus an unsigned `x-amz-copy-source` is a copy from any bucket Osprey's own
        # credentials reach.
        raise headers_not_signed(unsigned)


def process_caller(identity: Identity | None, trust_unsigned_process: bool) -> Identity | None:
    """Who a processed read runs as: a signature that leaves `x-oss-process` out vouches for the object, not for the
    chain appended to it, so it reads as an anonymous one unless `server.trust_unsigned_process` says otherwise."""
    # AWS V2 never signs x-oss-process; the Python v2 OSS SDK's V1 signer omits it.
    if identity is None or PROCESS not in identity.unsigned_query:
        return identity
    if trust_unsigned_process:
        log.info("trusted a signature that does not cover x-oss-process (key %s)", identity.access_key_id)
        return identity
    log.info("a signature that does not cover x-oss-process reads as anonymous (key %s)", identity.access_key_id)
    return None


@contextmanager
def refusals_explained(identity: Identity | None, caller: Identity | None) -> Iterator[None]:
    """A signed request refused because `process_caller` read it as anonymous says so, and what to change."""
    try:
        yield
    except OssError as err:
        if identity is None or caller is not None or err.code != "AccessDenied":
            raise
        raise access_denied(f"The signature does not cover {PROCESS}, so this read is authorized as an anonymous "
                            f"one (sign {PROCESS} too, e.g. with an OSS V4 signature): {err.message}") from None


# What `anonymous = "read"` opens: reading objects, processed or not; listing and writing need a signature.
ANONYMOUS_READS = frozenset({"GetObject", "HeadObject"})


def authorize(identity: Identity | None, bucket: str, settings: BucketConfig, operation: str = "GetObject") -> None:
    """Signed callers may do anything the upstream allows; anonymous ones only read objects of public-read buckets."""
    if identity is not None:
        return
    if operation in ANONYMOUS_READS and settings.anonymous == "read":
        return
    where = f"bucket {bucket!r}" if bucket else "this service"
    hint = f' or set [buckets.{bucket}] anonymous = "read"' if operation in ANONYMOUS_READS else ""
    raise access_denied(f"Anonymous requests may not call {operation} on {where}: sign the request with a "
                        f"configured key{hint}.")


def authorize_chain(identity: Identity | None, chain: Chain) -> None:
    """Document, media-info and audio actions need a signed request, as on OSS (media §1)."""
    if identity is not None:
        return
    for action in chain.actions():
        spec = OSS.get(action.category, action.name)
        if spec is not None and spec.signed_only:
            raise access_denied(f"{action.category}/{action.name} needs a signed request; anonymous callers may "
                                "only run image/ actions and video/snapshot.")


def authorize_source(identity: Identity | None, keys: Iterable[str], settings: BucketConfig, uses_style: bool) -> None:
    """Source protection (saveas §6.4): anonymous callers reach protected objects only through a style, be it
    the object asked for or one its chain reads (a watermark image); a style's own marks are the owner's choice."""
    if identity is not None or uses_style or not settings.protect_source:
        return
    protected = {s.lower().lstrip(".") for s in settings.protect_source}
    for key in keys:
        suffix = key.rsplit(".", 1)[-1].lower() if "." in key else ""
        if "*" in protected or suffix in protected:
            raise access_denied(
                f"{key!r} is protected: anonymous callers may only fetch it through a style "
                "(?x-oss-process=style/<name>, or the key followed by a style delimiter and name)."
            )
