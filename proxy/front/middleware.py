"""Every response gets a request id; every failure becomes an OSS error body, never a traceback."""

from __future__ import annotations

import logging

from aiohttp import web

from proxy.errors import OssError
from proxy.front.errors import REQUEST_ID_HEADER, error_response, new_request_id
from proxy.trace import current_trace

log = logging.getLogger("osprey.front")
REQUEST_ID = web.RequestKey("request_id", str)

_HTTP_CODES = {
    404: "NoSuchKey",
    405: "MethodNotAllowed",
    413: "EntityTooLarge",
}


@web.middleware
async def errors_middleware(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    request_id = new_request_id()
    request[REQUEST_ID] = request_id
    try:
        return await handler(request)
    except OssError as err:
        return _rendered(err, request, request_id)
    except web.HTTPException as exc:
        code = _HTTP_CODES.get(exc.status, "InvalidRequest" if exc.status < 500 else "InternalError")
        return _rendered(OssError(exc.status, code, exc.reason), request, request_id)
    except Exception:
        log.exception("unhandled error for %s %s (request id %s)", request.method, request.path, request_id)
        err = OssError(500, "InternalError", f"We encountered an internal error; quote request id {request_id}.")
        return _rendered(err, request, request_id)


def _rendered(err: OssError, request: web.Request, request_id: str) -> web.Response:
    current_trace().error = err.code  # for the access log and the rejection count
    return error_response(err, request, request_id)


async def add_request_id(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare hook: streamed and error responses alike carry the id."""
    response.headers[REQUEST_ID_HEADER] = request.get(REQUEST_ID) or new_request_id()
    response.headers["Server"] = "Osprey"
