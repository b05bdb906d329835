"""A part copy's open-ended source range (`bytes=first-`, which OSS takes) closed from the source's size: S3 only
takes `bytes=first-last`, and copies the whole source for anything else."""

from __future__ import annotations

import re
from urllib.parse import unquote

from proxy.upstream.forwarding import ForwardRequest
from proxy.upstream.interface import Upstream

_RANGE = "x-amz-copy-source-range"
_OPEN = re.compile(r"\s*bytes\s*=\s*(\d+)\s*-\s*")


async def close_copy_range(upstream: Upstream, headers: dict[str, str]) -> None:
    """Rewrite an open-ended `x-amz-copy-source-range` in `headers` to end at the copy source's last byte."""
    found = _OPEN.fullmatch(headers.get(_RANGE, ""))
    if found is None:
        return
    path, _, query = headers.get("x-amz-copy-source", "").partition("?")
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    version = query.removeprefix("versionId=") if query.startswith("versionId=") else ""
    head = ForwardRequest(method="HEAD", bucket=bucket, key=key,
                          query=(("versionId", version),) if version else ())
    answer = await upstream.forward(head)
    await answer.aclose()
    size = int(answer.headers.get("content-length", "0"))
    # A first byte past the end stays past it: the upstream refuses that range as it would any other.
    headers[_RANGE] = f"bytes={found[1]}-{max(size - 1, int(found[1]))}"
