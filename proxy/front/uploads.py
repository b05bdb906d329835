"""Request bodies as the upstream should get them: aws-chunked framing decoded, every digest the client
declared checked, and the last piece held back until all of them hold.

The upstream sees an exact Content-Length, so holding back the end means a body that fails a check never
completes: the upload breaks off and nothing is stored, whichever backend is behind. A body of unknown length
(`Transfer-Encoding: chunked`) is spooled, bounded by `server.max_chunked_upload_bytes`, and checked whole
before the upstream sees a byte.

`Expect: 100-continue` is answered only when the body is first read, so a request refused before that (by
its address, signature, policy or framing) never has its body sent at all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from aiohttp import web
from aiohttp.http import HttpVersion11
from awscrt import checksums

from proxy.auth import AwsChunkedDecoder, Identity, decoder_for
from proxy.crc64 import Crc64
from proxy.errors import OssError, invalid_argument
from proxy.front.services import services
from proxy.front.spool import spooled
from proxy.upstream.body import CHUNK_SIZE

log = logging.getLogger("osprey.front")

_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
CHECKSUM_PREFIX = "x-amz-checksum-"
OSS_CRC64 = "x-oss-hash-crc64ecma"
_CONTINUE_OWED = web.RequestKey("continue_owed", bool)


class _Hash(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def digest(self) -> bytes: ...


class _Crc:
    """A CRC behind hashlib's interface; S3 sends it as big-endian bytes in Base64."""

    def __init__(self, step: Callable[[bytes, int], int], size: int) -> None:
        self._step, self._size, self._value = step, size, 0

    def update(self, data: bytes, /) -> None:
        self._value = self._step(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(self._size, "big")


# Every checksum algorithm S3 defines, verified here as the body streams through (trailers included).
_CHECKSUMS: dict[str, Callable[[], _Hash]] = {
    "crc32": partial(_Crc, zlib.crc32, 4),
    "crc32c": partial(_Crc, checksums.crc32c, 4),
    "crc64nvme": partial(_Crc, checksums.crc64nvme, 8),
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
}


@dataclass
class _Check:
    """One digest of the payload and the value the client declared for it (known at the end for trailers)."""

    name: str
    hash: _Hash
    expected: str | None
    spell: Callable[[bytes], str]  # the digest as the client writes it (hex, Base64, decimal)
    code: str

    def verify(self) -> None:
        if self.expected is None:
            raise invalid_argument(f"The {self.name} trailer announced in x-amz-trailer never came.")
        if self.spell(self.hash.digest()) != self.expected:
            raise OssError(400, self.code, f"The {self.name} you specified did not match the calculated one.")


async def request_body(request: web.Request, identity: Identity | None, max_bytes: int | None = None,
                       crc64: Crc64 | None = None) -> tuple[AsyncIterator[bytes], int]:
    """The payload to forward and its exact length (`crc64` fed as it passes); raises before reading when the
    framing is unusable. One of unknown length is spooled first (at most `max_bytes`, max_chunked_upload_bytes)."""
    decoded_length = _decoded_length(request)
    decoder = decoder_for(identity, decoded_length) if identity is not None else None
    length = decoded_length if decoder is not None else request.content_length
    if length is None and decoder is None and "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        raise OssError(411, "MissingContentLength", "Uploads need a Content-Length, or Transfer-Encoding: chunked.")
    checks = _checks(request, identity)
    trailer = request.headers.get("x-amz-trailer", "").strip().lower() if decoder is not None else ""
    if trailer.startswith(CHECKSUM_PREFIX) and trailer[len(CHECKSUM_PREFIX):] in _CHECKSUMS:
        checks.append(_checksum_check(trailer, None))
    elif trailer:
        log.info("not verifying the %s trailer: it is not a checksum S3 defines", trailer)
    observers = [crc64] if crc64 is not None else []
    if length is not None:
        return _verified(_read(request), decoder, checks, observers, length), length
    server = services(request).config.server
    bound = server.max_chunked_upload_bytes if max_bytes is None else min(max_bytes, server.max_chunked_upload_bytes)
    return await spooled(_verified(_read(request), decoder, checks, observers, None, bound), server.spool_dir or None)


async def defer_continue(request: web.Request) -> None:
    """The route's `Expect` handler: aiohttp's own answers `100 Continue` before the handler runs; this
    one leaves it to the first read of the body, after every check that can refuse the request."""
    expect = request.headers.get("Expect", "")
    if expect.lower() != "100-continue":
        raise web.HTTPExpectationFailed(text="Unknown Expect")  # not echoed: a refusal never repeats the request
    request[_CONTINUE_OWED] = request.version == HttpVersion11


def continue_owed(request: web.Request) -> bool:
    """The client sent `Expect: 100-continue` and is still holding its body back: an answer now is final, and
    must close the connection, whose next bytes may be that body or the next request."""
    return request.get(_CONTINUE_OWED, False)


async def _read(request: web.Request) -> AsyncIterator[bytes]:
    if request.get(_CONTINUE_OWED):
        request[_CONTINUE_OWED] = False
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        request.writer.output_size = 0  # as aiohttp's own handler: the answer's size excludes the interim line
    async for chunk in request.content.iter_chunked(CHUNK_SIZE):
        yield chunk


def _decoded_length(request: web.Request) -> int | None:
    text = request.headers.get("x-amz-decoded-content-length")
    if text is None:
        return None
    if not text.isdigit():
        raise invalid_argument("x-amz-decoded-content-length must be a byte count.",
                               ArgumentName="x-amz-decoded-content-length", ArgumentValue=text)
    return int(text)


def _checks(request: web.Request, identity: Identity | None) -> list[_Check]:
    """The digests declared up front: a signed payload hash, Content-MD5, x-amz-checksum-* headers (but on
    CompleteMultipartUpload those describe the object, not the XML body: only the upstream can check them)."""
    checks = []
    completes_upload = request.method == "POST" and "uploadId" in request.query
    if identity is not None and _HEX_SHA256.fullmatch(identity.content_sha256):
        checks.append(_Check("x-amz-content-sha256", hashlib.sha256(), identity.content_sha256,
                             bytes.hex, "XAmzContentSHA256Mismatch"))
    md5 = request.headers.get("Content-MD5")
    if md5 is not None:
        _check_base64("Content-MD5", md5, 16, "InvalidDigest")
        checks.append(_Check("Content-MD5", hashlib.md5(), md5.strip(), _b64, "BadDigest"))
    crc = request.headers.get(OSS_CRC64)
    if crc is not None and not completes_upload:
        checks.append(_crc64_check(crc))
    for name, value in request.headers.items():
        name = name.lower()
        if name.startswith(CHECKSUM_PREFIX) and name[len(CHECKSUM_PREFIX):] in _CHECKSUMS:
            if completes_upload:
                _check_object_checksum(name, value)
            else:
                checks.append(_checksum_check(name, value.strip()))
    return checks


def _check_object_checksum(header: str, value: str) -> None:
    """A whole object's checksum: its digest (FULL_OBJECT), or the digest of its parts' digests and `-<parts>`
    (COMPOSITE). Its shape is all Osprey can check; the store compares it with what the parts hold."""
    digest, dash, parts = value.strip().partition("-")
    if dash and not parts.isdigit():
        raise OssError(400, "InvalidRequest", f"The {header} you specified is not valid.")
    _check_base64(header, digest, len(_CHECKSUMS[header[len(CHECKSUM_PREFIX):]]().digest()), "InvalidRequest")


def _crc64_check(value: str) -> _Check:
    """OSS's CRC-64 of the body, a decimal number; a wrong one is refused like a wrong Content-MD5."""
    value = value.strip()
    if not value.isdigit() or int(value) >= 1 << 64:
        raise invalid_argument(f"The {OSS_CRC64} you specified is not valid.", ArgumentName=OSS_CRC64,
                               ArgumentValue=value)
    return _Check(OSS_CRC64, Crc64(), str(int(value)), lambda digest: str(int.from_bytes(digest, "big")),
                  "BadDigest")


def _checksum_check(header: str, expected: str | None) -> _Check:
    algorithm = header[len(CHECKSUM_PREFIX):]
    digest = _CHECKSUMS[algorithm]()
    if expected is not None:
        _check_base64(header, expected, len(digest.digest()), "InvalidRequest")
    return _Check(header, digest, expected, _b64, "BadDigest")


async def _verified(
    source: AsyncIterator[bytes], decoder: AwsChunkedDecoder | None, checks: list[_Check], observers: list[_Hash],
    length: int | None, bound: int = 0,
) -> AsyncIterator[bytes]:
    """`source` decoded and checked (and `observers` fed); exactly `length` bytes, or for None any number up to
    `bound`."""
    held, seen = b"", 0
    limit = bound if length is None else length
    async for raw in source:
        piece = decoder.feed(raw) if decoder is not None else raw
        if not piece:
            continue
        seen += len(piece)
        if seen > limit:
            if length is None:
                raise OssError(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.",
                               None, {"MaxSizeAllowed": str(bound)})
            raise OssError(400, "IncompleteBody", f"The body has more than the {length} bytes it declared.")
        for digest in [*(check.hash for check in checks), *observers]:
            digest.update(piece)
        if held:
            yield held
        held = piece
    if decoder is not None:
        decoder.finish()
        for check in checks:
            check.expected = decoder.trailers.get(check.name, check.expected)
    if length is not None and seen != length:
        raise OssError(400, "IncompleteBody", f"The body ended after {seen} of its {length} bytes.")
    for check in checks:
        check.verify()
    if held:
        yield held


def _check_base64(name: str, value: str, size: int, code: str) -> None:
    try:
        valid = len(base64.b64decode(value.strip(), validate=True)) == size
    except (binascii.Error, ValueError):
        valid = False
    if not valid:
        raise OssError(400, code, f"The {name} you specified is not valid.")


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")
