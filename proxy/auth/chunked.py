"""An incremental decoder for `aws-chunked` request bodies that checks the chunk signature chain as it goes.

Framing: `<hex size>[;chunk-signature=<sig>]\\r\\n<data>\\r\\n` … `0[;chunk-signature=<sig>]\\r\\n`, then trailer
lines `name:value\\r\\n` (the signed variant ends them with `x-amz-trailer-signature:<sig>`) and an empty line.
Signed chunks are held back until their signature checks, so no unverified byte is ever released; unsigned
ones stream straight through. Memory stays bounded by one chunk.
"""

from __future__ import annotations

import hashlib
import re

from proxy.auth.errors import malformed, signature_mismatch
from proxy.auth.request import ChunkSigner, Identity
from proxy.auth.signing import EMPTY_SHA256, hmac_sha256, sha256_hex, signatures_match
from proxy.errors import OssError

MAX_LINE_BYTES = 4096
MAX_TRAILER_BYTES = 16 * 1024
DEFAULT_MAX_CHUNK_BYTES = 16 * 1024 * 1024
TRAILER_SIGNATURE = "x-amz-trailer-signature"
_CHUNK_HEADER = re.compile(rb"([0-9a-fA-F]{1,16})((?:;[^;\r\n]*)*)")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")

_HEADER, _DATA, _DATA_END, _TRAILER, _DONE = range(5)


def _malformed(reason: str) -> OssError:
    return malformed(f"Malformed aws-chunked body: {reason}.", "Content-Encoding", "aws-chunked")


class AwsChunkedDecoder:
    """Feed raw body bytes, get payload bytes back; call `finish()` at end of body. Errors are OssError."""

    def __init__(
        self,
        signer: ChunkSigner | None = None,
        *,
        signed_trailer: bool = False,
        decoded_length: int | None = None,
        max_chunk_bytes: int = DEFAULT_MAX_CHUNK_BYTES,
    ) -> None:
        self._signer = signer
        self._signed_trailer = signed_trailer
        self._decoded_length = decoded_length
        self._max_chunk = max_chunk_bytes
        self._previous = signer.seed_signature if signer else ""
        self._state = _HEADER
        self._line = bytearray()
        self._trailer_bytes = 0
        self._remaining = 0
        self._chunk_signature = ""
        self._hash = hashlib.sha256()
        self._held = bytearray()
        self._trailers: dict[str, str] = {}
        self._trailer_verified = False
        self.decoded_bytes = 0

    @property
    def trailers(self) -> dict[str, str]:
        """Trailing headers (e.g. `x-amz-checksum-crc32`), lower-cased names, without the trailer signature."""
        return dict(self._trailers)

    @property
    def done(self) -> bool:
        return self._state == _DONE

    def feed(self, data: bytes) -> bytes:
        """Consume the next piece of the body; return the payload bytes it completed (possibly none)."""
        out = bytearray()
        pos = 0
        while pos < len(data):
            if self._state == _DATA:
                pos = self._take_data(data, pos, out)
                continue
            if self._state == _DONE:
                raise _malformed("data after the final chunk")
            pos, line = self._take_line(data, pos)
            if line is None:
                break
            if self._state == _HEADER:
                self._start_chunk(line)
            elif self._state == _DATA_END:
                if line:
                    raise _malformed("chunk data longer than its declared size")
                self._state = _HEADER
            else:
                self._trailer_line(line)
        return bytes(out)

    def finish(self) -> None:
        """The body has ended: it must have ended exactly after the final chunk and trailers."""
        if self._state != _DONE:
            raise OssError(400, "IncompleteBody", "The aws-chunked body ended before its final chunk.")
        if self._decoded_length is not None and self.decoded_bytes != self._decoded_length:
            raise _malformed(
                f"{self.decoded_bytes} payload bytes, but x-amz-decoded-content-length says {self._decoded_length}"
            )

    def _take_line(self, data: bytes, pos: int) -> tuple[int, bytes | None]:
        end = data.find(b"\n", pos)
        piece = data[pos:] if end < 0 else data[pos : end + 1]
        if len(self._line) + len(piece) > MAX_LINE_BYTES:
            raise _malformed("a chunk header or trailer line is too long")
        self._line += piece
        if end < 0:
            return len(data), None
        line = bytes(self._line)
        self._line.clear()
        if not line.endswith(b"\r\n"):
            raise _malformed("lines must end with CRLF")
        return end + 1, line[:-2]

    def _take_data(self, data: bytes, pos: int, out: bytearray) -> int:
        piece = data[pos : pos + self._remaining]
        self._remaining -= len(piece)
        if self._signer is None:
            out += piece
        else:
            self._hash.update(piece)
            self._held += piece
        if self._remaining == 0:
            if self._signer is not None:
                self._check_chunk(self._signer, self._hash.hexdigest())
                out += self._held
                self._held.clear()
            self._state = _DATA_END
        return pos + len(piece)

    def _start_chunk(self, line: bytes) -> None:
        match = _CHUNK_HEADER.fullmatch(line)
        if match is None:
            raise _malformed("a chunk header must be `<hex size>[;chunk-signature=<signature>]`")
        size = int(match[1], 16)
        extensions = dict(ext.partition(b"=")[::2] for ext in match[2].split(b";")[1:])
        self._chunk_signature = extensions.get(b"chunk-signature", b"").decode("ascii", "replace")
        if self._signer and not _SIGNATURE.fullmatch(self._chunk_signature):
            raise _malformed("every chunk of a signed body needs a chunk-signature")
        if size > self._max_chunk:
            raise _malformed(f"a chunk of {size} bytes exceeds the {self._max_chunk}-byte limit")
        self.decoded_bytes += size
        if self._decoded_length is not None and self.decoded_bytes > self._decoded_length:
            raise _malformed("more payload than x-amz-decoded-content-length declares")
        if size == 0:
            if self._signer is not None:
                self._check_chunk(self._signer, EMPTY_SHA256)
            self._state = _TRAILER
            return
        self._remaining = size
        self._hash = hashlib.sha256()
        self._state = _DATA

    def _check_chunk(self, signer: ChunkSigner, chunk_hash: str) -> None:
        self._verify(signer, "AWS4-HMAC-SHA256-PAYLOAD", f"{EMPTY_SHA256}\n{chunk_hash}", self._chunk_signature)

    def _trailer_line(self, line: bytes) -> None:
        self._trailer_bytes += len(line) + 2
        if self._trailer_bytes > MAX_TRAILER_BYTES:
            raise _malformed("the trailers are too long")
        if not line:
            if self._signed_trailer and not self._trailer_verified:
                raise _malformed(f"the {TRAILER_SIGNATURE} trailer is missing")
            self._state = _DONE
            return
        if self._trailer_verified or (self._signer and not self._signed_trailer):
            raise _malformed("trailers the signature does not cover")
        name, sep, value = line.decode("utf-8", "replace").partition(":")
        name, value = name.strip().lower(), value.strip()
        if not sep or not name:
            raise _malformed("a trailer must be `name:value`")
        if self._signer and self._signed_trailer and name == TRAILER_SIGNATURE:
            trailer_hash = sha256_hex("".join(f"{n}:{v}\n" for n, v in self._trailers.items()).encode())
            self._verify(self._signer, "AWS4-HMAC-SHA256-TRAILER", trailer_hash, value)
            self._trailer_verified = True
            return
        self._trailers[name] = value

    def _verify(self, signer: ChunkSigner, algorithm: str, payload_lines: str, provided: str) -> None:
        """Each signature covers the previous one, so chunks cannot be dropped, reordered or replayed."""
        string_to_sign = f"{algorithm}\n{signer.timestamp}\n{signer.scope}\n{self._previous}\n{payload_lines}"
        if not signatures_match(hmac_sha256(signer.signing_key, string_to_sign).hex(), provided):
            raise signature_mismatch(provided, string_to_sign)
        self._previous = provided


def decoder_for(identity: Identity, decoded_length: int | None = None) -> AwsChunkedDecoder | None:
    """The decoder a request body needs, or None when its declared content-sha256 is not a STREAMING-… one."""
    if not identity.content_sha256.startswith("STREAMING-"):
        return None
    signed_trailer = identity.chunk_signer is not None and identity.content_sha256.endswith("-TRAILER")
    return AwsChunkedDecoder(identity.chunk_signer, signed_trailer=signed_trailer, decoded_length=decoded_length)
