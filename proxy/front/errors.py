"""Render `OssError` as OSS does: an XML body, `x-oss-ec`, and for HEAD a Base64 copy in `x-oss-err`."""

from __future__ import annotations

import base64
import itertools
import secrets
from xml.sax.saxutils import escape

from aiohttp import web

from proxy.errors import OssError

REQUEST_ID_HEADER = "x-oss-request-id"


_PROCESS_PREFIX = secrets.token_hex(6).upper()
_SEQUENCE = itertools.count()


def new_request_id() -> str:
    """24 upper-case hex characters, the shape OSS request ids have: a random prefix per process, then a
    sequence number, so ids are unique across replicas without a random draw per request."""
    return f"{_PROCESS_PREFIX}{next(_SEQUENCE) & 0xFFFF_FFFF_FFFF:012X}"


def error_xml(err: OssError, request_id: str, host: str) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<Error>",
        f"  <Code>{escape(err.code)}</Code>",
        f"  <Message>{escape(err.message)}</Message>",
        f"  <RequestId>{request_id}</RequestId>",
        f"  <HostId>{escape(host)}</HostId>",
    ]
    lines += [f"  <{name}>{escape(value)}</{name}>" for name, value in err.extra.items()]
    if err.ec:
        lines.append(f"  <EC>{err.ec}</EC>")
    lines.append("</Error>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def error_response(err: OssError, request: web.Request, request_id: str) -> web.Response:
    """The response for an error; a 304 from a conditional request is rendered bare."""
    if err.status == 304:
        return web.Response(status=304, headers=err.extra)
    body = error_xml(err, request_id, request.host)
    headers = {"Content-Type": "application/xml"}
    if err.ec:
        headers["x-oss-ec"] = err.ec
    if request.method == "HEAD":
        headers["x-oss-err"] = base64.b64encode(body).decode("ascii")
        return web.Response(status=err.status, headers=headers)
    return web.Response(status=err.status, body=body, headers=headers)
