"""Zero-copy pass-through: an upstream socket's bytes moved to the client's socket with splice(2).

A copying proxy reads every byte into Python and writes it out again; here the kernel moves pages from one
socket to a pipe and from the pipe to the other socket. On loopback that is a third or less of the CPU.
Linux only, and only between plain TCP sockets; everything else streams as usual.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from contextlib import suppress

from aiohttp import web

from proxy.front.errors import stamp
from proxy.trace import current_trace
from proxy.upstream.objects import SocketBody

log = logging.getLogger("osprey.front")

_FLAGS = getattr(os, "SPLICE_F_MOVE", 0) | getattr(os, "SPLICE_F_NONBLOCK", 0)
PIPE_BYTES = 1024 * 1024


def can_relay(request: web.Request) -> bool:
    """Whether this client connection takes a relay: splice exists and the connection is plain TCP."""
    transport = request.transport
    return (hasattr(os, "splice") and transport is not None and not transport.is_closing()
            and transport.get_extra_info("sslcontext") is None and transport.get_extra_info("socket") is not None)


async def relay_body(request: web.Request, response: web.StreamResponse, source: SocketBody, length: int,
                     what: str, timeout: float | None) -> web.StreamResponse:
    """Send the headers, the bytes the upstream client had buffered, then relay the rest of `length`; an upstream
    that ends early or stalls for `timeout` seconds gets the client connection cut, as a copying stream would."""
    stamp(request, response)
    await response.prepare(request)
    transport = request.transport
    relayed, wanted = 0, 0
    try:
        buffered, src = source.take()
        try:
            if buffered:
                await response.write(buffered)
            # The relay starts once aiohttp's own buffer for the client is empty, so bytes reach the socket in order
            # (a millisecond poll: that buffer holds at most the headers and the bytes already buffered).
            while transport.get_write_buffer_size():
                if transport.is_closing():
                    raise ConnectionResetError("the client left")
                await asyncio.sleep(0.001)
            wanted = length - len(buffered)
            dst = os.dup(transport.get_extra_info("socket").fileno())
            try:
                relayed = await relay(src, dst, wanted, timeout)
            finally:
                os.close(dst)
        finally:
            os.close(src)
    except ConnectionError:
        pass  # the client left: nothing more to send
    except TimeoutError:
        log.warning("upstream stream for %s stalled mid-body", what)
    except Exception:
        log.exception("relay of %s broke mid-body", what)
    else:
        if relayed == wanted:
            await response.write_eof()
            return response
        log.warning("upstream stream for %s ended %d bytes early", what, wanted - relayed)
    finally:
        source.close(relayed)
        current_trace().relayed_bytes += relayed
    # Headers are gone already: cut the connection so the client sees a short body (as `send_body` does), never
    # a silently truncated object.
    transport.close()
    return response


async def relay(src: int, dst: int, length: int, timeout: float | None) -> int:
    """Move `length` bytes from non-blocking socket `src` to `dst` through a pipe: the bytes delivered, fewer when
    `src` ends early; ConnectionError when `dst` is gone, TimeoutError when `src` is silent `timeout` seconds."""
    loop = asyncio.get_running_loop()
    pipe_out, pipe_in = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        with suppress(OSError):
            fcntl.fcntl(pipe_in, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        pending, queued, delivered = length, 0, 0
        while pending or queued:
            moved = sent = 0
            if pending:
                try:
                    moved = os.splice(src, pipe_in, pending, flags=_FLAGS)
                except BlockingIOError:
                    moved = -1
                except ConnectionError:
                    moved = 0  # the upstream broke: what is queued still goes out, then the caller cuts
                if moved == 0:
                    pending = 0
                elif moved > 0:
                    pending -= moved
                    queued += moved
            if queued:
                try:
                    sent = os.splice(pipe_out, dst, queued, flags=_FLAGS)
                except BlockingIOError:
                    sent = 0
                queued -= sent
                delivered += sent
            if moved <= 0 and sent == 0 and (pending or queued):
                # Nothing moved: wait for the client if bytes are queued (the pipe may be full), else the upstream.
                if queued:
                    await _ready(loop, dst, writable=True, timeout=None)
                else:
                    await _ready(loop, src, writable=False, timeout=timeout)
        return delivered
    finally:
        os.close(pipe_out)
        os.close(pipe_in)


async def _ready(loop: asyncio.AbstractEventLoop, fd: int, writable: bool, timeout: float | None) -> None:
    ready = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    (loop.add_writer if writable else loop.add_reader)(fd, wake)
    try:
        await asyncio.wait_for(ready, timeout)
    finally:
        (loop.remove_writer if writable else loop.remove_reader)(fd)
