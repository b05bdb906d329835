"""Multipart uploads on a local directory, kept in `<bucket>/.osprey-meta/uploads/<upload id>/` until completed.

Each part is its own file (parallel part uploads never share one), written under a temporary name and
renamed, with its MD5 ETag beside it; completing streams the parts into the object through the same
atomic write as a put, then removes the upload.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from proxy.errors import OssError, invalid_argument
from proxy.upstream import s3xml
from proxy.upstream.body import CHUNK_SIZE, ChunkReader
from proxy.upstream.forwarding import ForwardRequest
from proxy.upstream.local_store import LocalStore
from proxy.upstream.objects import Stored

MIN_PART_BYTES = 5 * 1024 * 1024
MAX_PART_NUMBER = 10_000
MAX_COMPLETE_BODY = 4 * 1024 * 1024
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
_MANIFEST = "upload.json"


async def create(store: LocalStore, request: ForwardRequest, stored: Stored) -> bytes:
    """Start an upload; the object's type and metadata are fixed now, as S3 fixes them."""
    uploads = await store.uploads_dir(request.bucket, request.key)
    upload_id = uuid.uuid4().hex
    manifest = {"key": request.key, "initiated": datetime.now(UTC).isoformat(), "stored": asdict(stored)}
    await asyncio.to_thread(_write_manifest, uploads / upload_id, manifest)
    return s3xml.initiate_upload_xml(request.bucket, request.key, upload_id)


async def upload_part(store: LocalStore, request: ForwardRequest) -> str:
    """Store one part and return its quoted MD5 ETag."""
    folder, _ = await _upload(store, request)
    number = _part_number(request.param("partNumber"))
    digest = hashlib.md5()
    fd, tmp = await asyncio.to_thread(tempfile.mkstemp, dir=folder, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in request.body or ChunkReader.of_bytes(b""):
                digest.update(chunk)
                await asyncio.to_thread(out.write, chunk)
        etag = f'"{digest.hexdigest()}"'
        await asyncio.to_thread(_commit_part, folder, number, tmp, etag)
    finally:
        await asyncio.to_thread(Path(tmp).unlink, missing_ok=True)
    return etag


async def complete(store: LocalStore, request: ForwardRequest) -> bytes:
    """Join the listed parts into the object; they must exist, match their ETags and come in order."""
    folder, manifest = await _upload(store, request)
    if request.content_length > MAX_COMPLETE_BODY:
        raise OssError(400, "MalformedXML", f"A CompleteMultipartUpload body has at most {MAX_COMPLETE_BODY} bytes.")
    body = b"".join([chunk async for chunk in request.body]) if request.body is not None else b""
    listed = s3xml.parse_complete(body)
    parts = await asyncio.to_thread(_parts, folder)
    files = []
    for index, (number, etag) in enumerate(listed):
        if index and number <= listed[index - 1][0]:
            raise OssError(400, "InvalidPartOrder", "The list of parts was not in ascending order.")
        found = parts.get(number)
        if found is None or found[0].strip('"') != etag.strip('"'):
            raise OssError(400, "InvalidPart", f"Part {number} was not uploaded or its ETag does not match.")
        if index < len(listed) - 1 and found[1] < MIN_PART_BYTES:
            raise OssError(400, "EntityTooSmall", f"Part {number} is smaller than {MIN_PART_BYTES} bytes.")
        files.append(folder / _part_name(number))
    meta = await store.write(request.bucket, manifest["key"], _concatenated(files), Stored(**manifest["stored"]))
    await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)
    return s3xml.complete_upload_xml(request.bucket, manifest["key"], meta.etag)


async def abort(store: LocalStore, request: ForwardRequest) -> None:
    folder, _ = await _upload(store, request)
    await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)


async def list_parts(store: LocalStore, request: ForwardRequest) -> bytes:
    folder, manifest = await _upload(store, request)
    parts = await asyncio.to_thread(_parts, folder)
    return s3xml.list_parts_xml(request.bucket, manifest["key"], request.param("uploadId") or "",
                                [(number, *parts[number]) for number in sorted(parts)])


async def list_uploads(store: LocalStore, request: ForwardRequest) -> bytes:
    uploads = await store.uploads_dir(request.bucket)
    found = await asyncio.to_thread(_manifests, uploads)
    prefix = request.param("prefix") or ""
    listed = sorted((m["key"], upload_id, datetime.fromisoformat(m["initiated"]))
                    for upload_id, m in found.items() if m["key"].startswith(prefix))
    return s3xml.list_uploads_xml(request.bucket, listed)


async def _upload(store: LocalStore, request: ForwardRequest) -> tuple[Path, dict]:
    """The upload's folder and manifest; it must exist and belong to the request's key."""
    upload_id = request.param("uploadId") or ""
    folder = await store.uploads_dir(request.bucket) / upload_id
    manifest = await asyncio.to_thread(_read_manifest, folder) if _UPLOAD_ID.fullmatch(upload_id) else None
    if manifest is None or manifest["key"] != request.key:
        raise OssError(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, "
                       "or the upload may have been aborted or completed.", extra={"UploadId": upload_id})
    return folder, manifest


def _part_number(text: str | None) -> int:
    if text is None or not text.isdigit() or not 1 <= int(text) <= MAX_PART_NUMBER:
        raise invalid_argument(f"Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive.",
                               ArgumentName="partNumber", ArgumentValue=text or "")
    return int(text)


def _part_name(number: int) -> str:
    return f"{number:05d}.part"


def _write_manifest(folder: Path, manifest: dict) -> None:
    folder.mkdir(parents=True)
    (folder / _MANIFEST).write_text(json.dumps(manifest))


def _read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / _MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def _manifests(uploads: Path) -> dict[str, dict]:
    found = {}
    for folder in uploads.iterdir() if uploads.is_dir() else ():
        manifest = _read_manifest(folder)
        if manifest is not None:
            found[folder.name] = manifest
    return found


def _commit_part(folder: Path, number: int, tmp: str, etag: str) -> None:
    """The ETag file goes first: a part file is only ever seen with its ETag beside it."""
    (folder / f"{_part_name(number)}.etag").write_text(etag)
    os.replace(tmp, folder / _part_name(number))


def _parts(folder: Path) -> dict[int, tuple[str, int, datetime]]:
    """Part number → (ETag, size, last modified) of every finished part."""
    parts = {}
    for path in folder.glob("*.part"):
        st = path.stat()
        etag = (folder / f"{path.name}.etag").read_text()
        parts[int(path.stem)] = (etag, st.st_size, datetime.fromtimestamp(int(st.st_mtime), UTC))
    return parts


async def _concatenated(files: list[Path]) -> AsyncIterator[bytes]:
    for path in files:
        with await asyncio.to_thread(path.open, "rb") as part:
            while chunk := await asyncio.to_thread(part.read, CHUNK_SIZE):
                yield chunk
