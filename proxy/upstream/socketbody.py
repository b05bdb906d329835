"""A plain-HTTP answer's body handed over as its socket, so the front can relay it with splice(2).

Only for bodies worth it: at least `RELAY_MIN_BYTES`, framed by Content-Length (no chunked encoding), over
plain TCP (a TLS stream cannot be moved without decrypting it) and still being received.
"""

from __future__ import annotations

import os
from typing import Any

import aiohttp

from proxy.upstream.objects import SocketBody

RELAY_MIN_BYTES = 1024 * 1024  # below this a pipe and two descriptors cost more than the copies they save


def socket_body(body: Any, length: int) -> SocketBody | None:
    """The socket behind an aiobotocore streaming body, or None when the body must be read as usual."""
    response = getattr(body, "_raw_stream", None)  # aiobotocore keeps the aiohttp response here
    if (
        length < RELAY_MIN_BYTES
        or not isinstance(response, aiohttp.ClientResponse)
        or response.url.scheme != "http"
        or response.connection is None
        or response.connection.transport is None
        or "Transfer-Encoding" in response.headers
        or response.content_length != length
    ):
        return None

    def take() -> tuple[bytes, int]:
        connection = response.connection
        if connection is None or connection.transport is None:
            raise ConnectionResetError("the upstream connection closed before the relay")
        buffered = response.content.read_nowait(-1)
        connection.protocol.pause_reading()  # from here on only the relay reads this socket (no timer either)
        return buffered, os.dup(connection.transport.get_extra_info("socket").fileno())

    def close(_relayed: int) -> None:
        response.close()

    return SocketBody(take, close)
