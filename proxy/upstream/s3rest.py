"""Any S3 REST call sent as it stands: signed with botocore's SigV4 (`UNSIGNED-PAYLOAD`), streamed both ways.

The typed aiobotocore client would buffer or re-shape bodies it models (lists, multipart); here the
client's own call reaches the upstream byte for byte, only re-addressed and re-signed.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from urllib.parse import quote

import aiohttp
from aiobotocore.credentials import AioCredentials
from botocore.auth import UNSIGNED_PAYLOAD, S3SigV4Auth
from botocore.awsrequest import AWSRequest
from yarl import URL

from proxy.errors import OssError
from proxy.upstream.body import ChunkReader
from proxy.upstream.forwarding import ForwardRequest, ForwardResponse
from proxy.upstream.s3errors import from_answer, translated, translated_read

log = logging.getLogger("osprey.upstream")

MAX_ERROR_BYTES = 64 * 1024
_SAFE = "-_.~"
_DNS_BUCKET = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")


class _UnsignedPayloadAuth(S3SigV4Auth):
    """S3's SigV4 (path kept as sent) over `UNSIGNED-PAYLOAD`: the body streams, it is never hashed first."""

    def payload(self, request: AWSRequest) -> str:
        return UNSIGNED_PAYLOAD


class S3Rest:
    """Sends `ForwardRequest`s to one S3 endpoint through a pooled aiohttp session it does not own."""

    def __init__(
        self, http: aiohttp.ClientSession, endpoint: str, region: str, addressing_style: str,
        credentials: AioCredentials | None,
    ) -> None:
        self._http, self._endpoint = http, URL(endpoint)
        self._region, self._style, self._credentials = region, addressing_style, credentials

    async def forward(self, request: ForwardRequest) -> ForwardResponse:
        url, host = self._address(request.bucket, request.key, request.query)
        headers = {**request.headers, "Host": host}
        if request.body is not None:
            headers["Content-Length"] = str(request.content_length)
        headers = await self._signed(request.method, str(url), headers)
        with translated(request.bucket, request.key):
            response = await self._send(request, url, headers)
            answer = {name.lower(): value for name, value in response.headers.items()}
            if response.status >= 300:
                body = await _read_capped(response)
                raise from_answer(_error_fields(response.status, answer, body), request.bucket, request.key)

        async def release() -> None:
            response.release()

        reader = ChunkReader(translated_read(response.content.read, request.bucket, request.key), release,
                             0 if request.method == "HEAD" else response.content_length)
        return ForwardResponse(response.status, answer, reader, response.content_length)

    async def _send(self, request: ForwardRequest, url: URL, headers: Mapping[str, str]) -> aiohttp.ClientResponse:
        """The body's own failures (a client that broke off, a bad checksum) surface as themselves."""
        try:
            return await self._http.request(
                request.method, url, headers=headers, data=request.body,
                skip_auto_headers=("Content-Type", "Accept-Encoding"), allow_redirects=False,
            )
        except aiohttp.ClientConnectionError as exc:
            if isinstance(exc.__cause__, OssError):
                raise exc.__cause__ from None
            raise

    def _address(self, bucket: str, key: str, query: tuple[tuple[str, str], ...]) -> tuple[URL, str]:
        """Path-style, or virtual-hosted when configured (or `auto` against AWS itself with a DNS-safe name)."""
        base_path = self._endpoint.raw_path.rstrip("/")
        host = self._endpoint.raw_host or ""
        virtual = bucket and (
            self._style == "virtual"
            or (self._style == "auto" and host.endswith("amazonaws.com") and _DNS_BUCKET.fullmatch(bucket))
        )
        if virtual:
            host, path = f"{bucket}.{host}", "/" + quote(key, safe="/~")
        elif bucket:
            path = f"/{quote(bucket, safe='')}" + (f"/{quote(key, safe='/~')}" if key else "")
        else:
            path = "/"
        port = self._endpoint.explicit_port
        host_header = host if port is None else f"{host}:{port}"
        raw_query = "&".join(
            quote(name, safe=_SAFE) + (f"={quote(value, safe=_SAFE)}" if value else "") for name, value in query
        )
        url = URL.build(scheme=self._endpoint.scheme, host=host, port=port, encoded=True,
                        path=base_path + path, query_string=raw_query)
        return url, host_header

    async def _signed(self, method: str, url: str, headers: dict[str, str]) -> dict[str, str]:
        if self._credentials is None:
            return headers  # an anonymous upstream (a public bucket)
        frozen = await self._credentials.get_frozen_credentials()
        aws = AWSRequest(method=method, url=url, headers=headers)
        _UnsignedPayloadAuth(frozen, "s3", self._region).add_auth(aws)
        return dict(aws.headers.items())


async def _read_capped(response: aiohttp.ClientResponse) -> bytes:
    try:
        return await response.content.read(MAX_ERROR_BYTES)
    finally:
        response.release()


def _error_fields(status: int, headers: Mapping[str, str], body: bytes) -> dict:
    """An S3 error answer in the shape botocore gives `ClientError.response`, for `from_answer`."""
    error: dict[str, str] = {}
    try:
        root = ET.fromstring(body) if body.strip() else None
    except ET.ParseError:
        log.info("upstream answered %s with a body that is not XML", status)
        root = None
    if root is not None:
        error = {child.tag.rpartition("}")[2]: (child.text or "") for child in root}
    return {"Error": error, "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": dict(headers)}}
