"""Any S3-compatible store through one pooled aiobotocore client."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextlib import AsyncExitStack
from datetime import UTC
from typing import Any

import aiohttp
from aiobotocore.config import AioConfig
from aiobotocore.credentials import AioCredentials
from aiobotocore.session import AioSession
from botocore.exceptions import BotoCoreError, ClientError

from proxy.config import UpstreamConfig
from proxy.cors import CorsRule
from proxy.errors import OssError, no_such_bucket
from proxy.upstream.body import ChunkReader
from proxy.upstream.conditional import ETagList, Preconditions, parse_range
from proxy.upstream.errors import upstream_unavailable
from proxy.upstream.forwarding import ForwardRequest, ForwardResponse
from proxy.upstream.objects import DESCRIBING_HEADERS, STORED_HEADERS, Conditions, ObjectMeta, ObjectStream
from proxy.upstream.s3errors import EPOCH, translated, translated_read
from proxy.upstream.s3rest import S3Rest
from proxy.upstream.socketbody import socket_body


class S3Upstream:
    """One long-lived client whose pool every request shares; build it with `open`."""

    def __init__(self, client: Any, rest: S3Rest, stack: AsyncExitStack, cfg: UpstreamConfig) -> None:
        self._client, self._rest, self._stack, self._cfg = client, rest, stack, cfg

    @classmethod
    async def open(cls, cfg: UpstreamConfig, session: AioSession | None = None) -> S3Upstream:
        """Create the client; pass a `session` to share botocore's loaded models between clients."""
        config = AioConfig(
            max_pool_connections=cfg.max_connections,
            connect_timeout=cfg.connect_timeout_s,
            read_timeout=cfg.read_timeout_s,
            retries={"total_max_attempts": 2, "mode": "standard"},  # one retry (max_attempts would not count the first)
            s3={"addressing_style": cfg.addressing_style},
            # Bodies are served by exact length, never read to EOF, so a CRC would never be checked.
            response_checksum_validation="when_required",
        )
        keys = {}
        if cfg.access_key_id:
            keys = {"aws_access_key_id": cfg.access_key_id,
                    "aws_secret_access_key": cfg.secret_access_key}
        session = session or AioSession()
        stack = AsyncExitStack()
        client = await stack.enter_async_context(session.create_client(
            "s3", region_name=cfg.region or None, endpoint_url=cfg.endpoint or None,
            config=config, **keys,
        ))
        # The pass-through signs with the same keys the client resolved: configured, or the session's chain.
        credentials = (AioCredentials(cfg.access_key_id, cfg.secret_access_key) if cfg.access_key_id
                       else await session.get_credentials())
        http = await stack.enter_async_context(aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=cfg.max_connections),
            timeout=aiohttp.ClientTimeout(sock_connect=cfg.connect_timeout_s, sock_read=cfg.read_timeout_s),
            auto_decompress=False,  # bodies pass through as stored, Content-Encoding and all
        ))
        rest = S3Rest(http, client.meta.endpoint_url, client.meta.region_name, cfg.addressing_style, credentials)
        return cls(client, rest, stack, cfg)

    async def get(self, bucket: str, key: str, conditions: Conditions | None = None) -> ObjectStream:
        conditions = conditions or Conditions()
        preconditions = Preconditions.parse(conditions)
        wanted = parse_range(conditions.range)
        params = _forwardable(preconditions, conditions.checksum_mode)
        if wanted is not None:
            params["Range"] = wanted.header
        with translated(bucket, key):
            answer = await self._client.get_object(Bucket=bucket, Key=key, **params)
        body = answer["Body"]
        try:
            meta = _meta(answer)
            preconditions.check(meta)
        except BaseException:
            await body.aclose()
            raise
        length = answer["ContentLength"]
        reader = ChunkReader(translated_read(body.read, bucket, key), body.aclose, length)
        content_range = answer.get("ContentRange")
        return ObjectStream(206 if content_range else 200, meta, length, reader, content_range,
                            socket_body(body, length))

    async def head(self, bucket: str, key: str, conditions: Conditions | None = None) -> ObjectMeta:
        conditions = conditions or Conditions()
        preconditions = Preconditions.parse(conditions)
        try:
            with translated(bucket, key):
                answer = await self._client.head_object(
                    Bucket=bucket, Key=key, **_forwardable(preconditions, conditions.checksum_mode)
                )
        except OssError as err:
            if err.code == "NoSuchKey":
                await self._check_bucket(bucket)
            raise
        meta = _meta(answer)
        preconditions.check(meta)
        return meta

    async def put(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream",
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        with translated(bucket, key):
            answer = await self._client.put_object(
                Bucket=bucket, Key=key, Body=data, ContentType=content_type,
                Metadata=dict(metadata or {}),
            )
        return answer["ETag"]

    async def forward(self, request: ForwardRequest) -> ForwardResponse:
        return await self._rest.forward(request)

    async def cors_rules(self, bucket: str) -> tuple[CorsRule, ...]:
        try:
            with translated(bucket, ""):
                answer = await self._client.get_bucket_cors(Bucket=bucket)
        except OssError as err:
            if err.code == "NoSuchCORSConfiguration":
                return ()
            raise
        return tuple(_cors_rule(rule) for rule in answer.get("CORSRules", ()))

    async def ping(self) -> None:
        """Bounded by the connect timeout, retries included: a readiness probe must answer fast."""
        try:
            await asyncio.wait_for(self._client.list_buckets(), self._cfg.connect_timeout_s)
        except ClientError:
            return  # any answer, a refusal included, shows the store is reachable
        except (BotoCoreError, aiohttp.ClientError, TimeoutError) as exc:
            raise upstream_unavailable(type(exc).__name__) from exc

    async def close(self) -> None:
        await self._stack.aclose()

    async def _check_bucket(self, bucket: str) -> None:
        """A HEAD 404 has no body to tell a missing key from a missing bucket: ask the bucket. Only its own
        404 changes the answer; any other failure leaves the key's 404 standing."""
        try:
            with translated(bucket, ""):
                await self._client.head_bucket(Bucket=bucket)
        except OssError as err:
            if err.status == 404:
                raise no_such_bucket(bucket) from err


def _forwardable(pre: Preconditions, checksum_mode: bool) -> dict[str, Any]:
    """The conditions S3 judges exactly as RFC 9110 does (the rest is checked on the answer), and the
    client's request for checksums."""
    params: dict[str, Any] = {"ChecksumMode": "ENABLED"} if checksum_mode else {}
    if (tag := _single(pre.if_match, weak_allowed=False)) is not None:
        params["IfMatch"] = tag
    if pre.if_unmodified_since is not None:
        params["IfUnmodifiedSince"] = pre.if_unmodified_since
    if (tag := _single(pre.if_none_match, weak_allowed=True)) is not None:
        params["IfNoneMatch"] = tag
    if pre.if_modified_since is not None:
        params["IfModifiedSince"] = pre.if_modified_since
    return params


def _single(tags: ETagList | None, weak_allowed: bool) -> str | None:
    """The one tag of a list as S3 compares it (literally), when that gives the RFC's answer."""
    if isinstance(tags, tuple) and len(tags) == 1 and (weak_allowed or not tags[0].weak):
        return tags[0].opaque
    return None


def _cors_rule(rule: Mapping[str, Any]) -> CorsRule:
    return CorsRule(
        allowed_origins=tuple(rule.get("AllowedOrigins", ())), allowed_methods=tuple(rule.get("AllowedMethods", ())),
        allowed_headers=tuple(rule.get("AllowedHeaders", ())), expose_headers=tuple(rule.get("ExposeHeaders", ())),
        max_age_s=rule.get("MaxAgeSeconds"),
    )


def _meta(answer: Mapping[str, Any]) -> ObjectMeta:
    headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    content_range = answer.get("ContentRange")
    size = int(content_range.rpartition("/")[2]) if content_range else answer["ContentLength"]
    return ObjectMeta(
        size=size, etag=answer.get("ETag", ""),
        last_modified=(answer.get("LastModified") or EPOCH).astimezone(UTC),
        content_type=answer.get("ContentType") or "application/octet-stream",
        metadata=dict(answer.get("Metadata") or {}),
        headers={name: headers[name] for name in (*STORED_HEADERS, *DESCRIBING_HEADERS) if name in headers},
    )
