"""Render failures as OSS does: an XML body, `x-oss-ec`, and for HEAD a Base64 copy in `x-oss-err`.

Every response carries a request id in the caller's dialect (S3 clients read `x-amz-request-id`, OSS ones
`x-oss-request-id`); no failure reaches the client as a traceback.
"""

from __future__ import annotations

import base64
import itertools
import logging
import secrets
from xml.sax.saxutils import escape

from aiohttp import web

from proxy.errors import OssError
from proxy.front.cors import CORS_HEADERS, add_cross_origin

log = logging.getLogger("osprey.front")
REQUEST_ID_HEADER = "x-oss-request-id"
S3_REQUEST_ID_HEADER, S3_HOST_ID_HEADER = "x-amz-request-id", "x-amz-id-2"
REQUEST_ID = web.RequestKey("request_id", str)

_HTTP_CODES = {
    404: "NoSuchKey",
    405: "MethodNotAllowed",
    413: "EntityTooLarge",
}


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


def as_oss_error(exc: Exception, request: web.Request, request_id: str) -> OssError:
    """What a handler's exception means to the client: its OssError, aiohttp's HTTP error in OSS terms, an
    incomplete request when its connection is gone, else an InternalError (logged with its traceback)."""
    if isinstance(exc, OssError):
        return exc
    if isinstance(exc, ConnectionError) and (request.transport is None or request.transport.is_closing()):
        # The client's connection went first (it left, or the guard cut a stalled body): no bug, no traceback.
        return OssError(400, "IncompleteBody", "The connection closed before the request was complete.")
    if isinstance(exc, web.HTTPException):
        code = _HTTP_CODES.get(exc.status, "InvalidRequest" if exc.status < 500 else "InternalError")
        return OssError(exc.status, code, exc.reason)
    log.error("unhandled error for %s %s (request id %s)", request.method, request.path, request_id, exc_info=exc)
    return OssError(500, "InternalError", f"We encountered an internal error; quote request id {request_id}.")


def stamp(request: web.Request, response: web.StreamResponse) -> None:
    """Name the server and the request id (in the request's dialect; both for an anonymous one) and forbid MIME
    sniffing, so a stored object never turns into a page by its bytes."""
    # Called just before a response's headers go out, wherever one is prepared (`observe._send`,
    # `objects.send_body`, `relay.relay_body`, the metrics port, the connection guard's own answers): an
    # on_response_prepare signal would cost every cache hit a few µs.
    headers = response.headers
    request_id = request.get(REQUEST_ID) or new_request_id()
    dialect = _signed_dialect(request)
    if dialect != "s3":
        headers[REQUEST_ID_HEADER] = request_id
    if dialect != "oss":
        headers[S3_REQUEST_ID_HEADER] = headers[S3_HOST_ID_HEADER] = request_id
    headers["Server"] = "Osprey"
    headers["X-Content-Type-Options"] = "nosniff"
    cors = request.get(CORS_HEADERS)
    if cors is not None:
        add_cross_origin(response, cors)


def _signed_dialect(request: web.Request) -> str:
    """"s3" or "oss" by the signature's scheme (`AWS4-HMAC-SHA256`/`AWS` vs `OSS`/`OSS4-HMAC-SHA256`, in the
    header or a presigned query); "" when unsigned. Substring tests only: this runs on every response."""
    authorization = request.headers.get("Authorization")
    if authorization:
        return "s3" if authorization.startswith("AWS") else "oss" if authorization.startswith("OSS") else ""
    query = request.rel_url.raw_query_string
    if not query:
        return ""
    if "X-Amz-Signature=" in query or "AWSAccessKeyId=" in query:
        return "s3"
    if "OSSAccessKeyId=" in query or "x-oss-signature=" in query:
        return "oss"
    return ""
