"""A directory as the object store: `root/<bucket>/<key>`, for the demo, tests and single hosts.

ETag: a hash of (device, inode, size, mtime_ns), so no content is read to serve a HEAD, and every
`put` changes it because it renames a fresh file into place. Unlike S3's it is not the content MD5.
`put`'s content type and metadata live in `<bucket>/.osprey-meta/<sha256 of the path>.json` with
the ETag they describe; no key can reach that folder, and a file replaced behind Osprey's back
no longer matches its sidecar, so its type is guessed from the extension again.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import json
import mimetypes
import os
import re
import stat
import tempfile
from collections.abc import AsyncIterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from cachetools import LRUCache

from proxy.cors import CorsRule
from proxy.errors import OssError, access_denied, invalid_argument, no_such_bucket, no_such_key
from proxy.upstream import local_api
from proxy.upstream.body import CHUNK_SIZE, ChunkReader
from proxy.upstream.conditional import Preconditions, Selection, select
from proxy.upstream.errors import upstream_unavailable
from proxy.upstream.forwarding import ForwardRequest, ForwardResponse
from proxy.upstream.objects import Conditions, ObjectMeta, ObjectStream, Stored

META_DIR = ".osprey-meta"
KNOWN_OBJECTS = 10_000  # keys whose checked path and metadata are remembered; a few MiB at most
_BUCKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")
_REFUSED_SEGMENTS = {"", ".", ".."}


class LocalUpstream:
    """Buckets are the sub-directories of `root`; a key is a relative path that never leaves its bucket."""

    def __init__(self, root: Path) -> None:
        self._root = Path(root)
        self._real_root = os.path.realpath(root)
        self._known: LRUCache[tuple[str, str], tuple[str, tuple[int, ...], ObjectMeta]] = LRUCache(KNOWN_OBJECTS)

    async def get(self, bucket: str, key: str, conditions: Conditions | None = None) -> ObjectStream:
        file, first, meta, chosen = await asyncio.to_thread(self._open_reading, bucket, key, conditions)
        if file is None:  # the whole body came with the open
            return ObjectStream(chosen.status, meta, chosen.length, ChunkReader.of_bytes(first), chosen.content_range)
        pending = [first]

        async def read(size: int) -> bytes:
            return pending.pop() if pending else await asyncio.to_thread(file.read, size)

        async def close() -> None:
            file.close()

        body = ChunkReader(read, close, chosen.length)
        return ObjectStream(chosen.status, meta, chosen.length, body, chosen.content_range)

    async def head(self, bucket: str, key: str, conditions: Conditions | None = None) -> ObjectMeta:
        # A few lstat calls and a small sidecar read: cheaper on the loop than a hop to a thread and back.
        meta = self._stat(bucket, key)
        if conditions:
            Preconditions.parse(conditions).check(meta)
        return meta

    async def put(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream",
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        meta = await self.write(bucket, key, _once(data), Stored(content_type, dict(metadata or {})))
        return meta.etag

    async def forward(self, request: ForwardRequest) -> ForwardResponse:
        """The operations a directory can carry out (see `local_api`); the others answer 501."""
        return await local_api.forward(self, request)

    async def write(self, bucket: str, key: str, chunks: AsyncIterable[bytes], stored: Stored) -> ObjectMeta:
        """Stream `chunks` into a staging file, then rename it into place with its sidecar: readers see the old object
        or the new one, never a part, and a failure midway leaves nothing behind."""
        upload = await asyncio.to_thread(self._start_upload, bucket, key)
        try:
            async for chunk in chunks:
                await asyncio.to_thread(upload.write, chunk)
            return await asyncio.to_thread(upload.commit, stored)
        finally:
            await asyncio.to_thread(upload.discard)

    async def delete(self, bucket: str, key: str) -> None:
        """Remove an object and its sidecar, and the folders it leaves empty; a missing key is no error."""
        await asyncio.to_thread(self._delete, bucket, key)

    async def keys(self, bucket: str, prefix: str) -> list[str]:
        """Every key under `prefix`, in S3's order (UTF-8 byte order)."""
        return await asyncio.to_thread(self._keys, bucket, prefix)

    async def buckets(self) -> list[tuple[str, datetime]]:
        """(name, creation time) of every bucket, by name."""
        return await asyncio.to_thread(self._buckets)

    async def check_bucket(self, bucket: str) -> None:
        """Raise `NoSuchBucket` unless the bucket exists."""
        await asyncio.to_thread(self._bucket_dir, bucket)

    async def uploads_dir(self, bucket: str, key: str = "") -> Path:
        """Where the bucket's unfinished multipart uploads live; a `key` given must be one it can hold."""
        if key:
            await asyncio.to_thread(self._resolve, bucket, key)
        return await asyncio.to_thread(self._bucket_dir, bucket) / META_DIR / "uploads"

    async def cors_rules(self, bucket: str) -> tuple[CorsRule, ...]:
        """A directory keeps no CORS configuration: its buckets' rules come from `buckets.<name>.cors`."""
        return ()

    async def ping(self) -> None:
        if not await asyncio.to_thread(self._root.is_dir):
            raise upstream_unavailable(f"the local root {str(self._root)!r} is not a directory")

    async def close(self) -> None:
        """Nothing to release: files are closed with their streams."""

    def _bucket_dir(self, bucket: str) -> Path:
        return Path(self._real_bucket(bucket))

    def _real_bucket(self, bucket: str) -> str:
        _check_bucket_name(bucket)
        path, found = _real_below(self._real_root, bucket)
        if not (stat.S_ISDIR(found.st_mode) if found else os.path.isdir(path)):
            raise no_such_bucket(bucket)
        return path

    def _resolve(self, bucket: str, key: str) -> tuple[Path, Path]:
        """(bucket directory, real path of the key), refusing any key that could leave the bucket."""
        bucket_dir, path, _ = self._real_paths(bucket, key)
        return Path(bucket_dir), Path(path)

    def _real_paths(self, bucket: str, key: str) -> tuple[str, str, os.stat_result | None]:
        """`_resolve` as strings, for the calls that need no more than a path (HEAD on every cache hit), and
        the key's own lstat when no link was followed, so a HEAD needs no second stat."""
        base = self._real_bucket(bucket)
        if "\0" in key or "\\" in key:
            raise _refused(key, "it contains a NUL byte or a backslash")
        segments = key.split("/")
        if _REFUSED_SEGMENTS & set(segments):
            raise _refused(key, "it has an empty, '.' or '..' segment or starts with '/'")
        if segments[0] == META_DIR:
            raise _refused(key, f"{META_DIR}/ is reserved for object metadata")
        path, found = _real_below(base, key)
        if not path.startswith(base + "/"):
            raise _refused(key, "it leads outside the bucket (or to the bucket itself) through a symbolic link")
        if path[len(base) + 1:].partition("/")[0] == META_DIR:
            raise _refused(key, "it leads to the bucket's metadata")
        return base, path, found

    def _open(
        self, bucket: str, key: str, conditions: Conditions | None
    ) -> tuple[BinaryIO, ObjectMeta, Selection]:
        bucket_dir, path, _ = self._real_paths(bucket, key)
        with _os_errors(key):
            # O_NONBLOCK: opening a FIFO planted in a bucket must not hang a worker thread.
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            try:
                meta = _meta(bucket_dir, path, key, os.fstat(fd))
                chosen = select(conditions, meta)
                os.lseek(fd, chosen.start, os.SEEK_SET)
                return os.fdopen(fd, "rb", buffering=0), meta, chosen
            except BaseException:
                os.close(fd)
                raise

    def _open_reading(
        self, bucket: str, key: str, conditions: Conditions | None
    ) -> tuple[BinaryIO | None, bytes, ObjectMeta, Selection]:
        """`_open` and the body's first piece, read in the same thread hop; a body that fits in one piece
        (most objects) comes back whole, its file closed: one hop per GET instead of two."""
        file, meta, chosen = self._open(bucket, key, conditions)
        try:
            first = file.read(min(CHUNK_SIZE, chosen.length)) if chosen.length else b""
        except BaseException:
            file.close()
            raise
        if len(first) >= chosen.length:
            file.close()
            return None, first, meta, chosen
        return file, first, meta, chosen

    def _stat(self, bucket: str, key: str) -> ObjectMeta:
        """A HEAD (on every cache hit): a key seen before costs one lstat of the path it was checked to have."""
        # What a key's file and sidecar said is remembered with the file's identity (type, device, inode, size,
        # mtime), which is also what its ETag hashes: a sidecar is written before its file is renamed into
        # place, so the same identity means the same answer. Only paths reached without a link are remembered;
        # one gone, replaced or turned into a link is checked in full again. A folder above it swapped for a
        # link later would be followed here, but bodies are always read through the full check (`_open`), so
        # no byte from outside the bucket is ever served.
        known = self._known.get((bucket, key))
        if known is not None:
            path, identity, meta = known
            try:
                if _identity(os.lstat(path)) == identity:
                    return meta
            except OSError:
                pass
        bucket_dir, path, found = self._real_paths(bucket, key)
        with _os_errors(key):
            meta = _meta(bucket_dir, path, key, found or os.stat(path))
        if found is not None:
            self._known[(bucket, key)] = (path, _identity(found), meta)
        return meta

    def _start_upload(self, bucket: str, key: str) -> _Upload:
        return _Upload(*self._resolve(bucket, key), key)

    def _delete(self, bucket: str, key: str) -> None:
        bucket_dir, path = self._resolve(bucket, key)
        with _os_errors(key):
            if not path.is_file():
                return
            Path(_sidecar(bucket_dir, path)).unlink(missing_ok=True)
            path.unlink(missing_ok=True)
            for folder in path.parents:
                if folder == bucket_dir or not folder.is_relative_to(bucket_dir):
                    break
                try:
                    folder.rmdir()
                except OSError:
                    break  # not empty (or not ours to remove): the folders above are not empty either

    def _keys(self, bucket: str, prefix: str) -> list[str]:
        bucket_dir = self._bucket_dir(bucket)
        folder = prefix.rpartition("/")[0]
        start = bucket_dir / folder if folder and _REFUSED_SEGMENTS.isdisjoint(folder.split("/")) else bucket_dir
        if start.is_symlink() or not Path(os.path.realpath(start)).is_relative_to(bucket_dir):
            start = bucket_dir  # never walk a folder through a link; the walk itself does not follow them
        found = []
        for here, folders, files in os.walk(start):
            inside = Path(here).relative_to(bucket_dir).as_posix()
            base = "" if inside == "." else inside + "/"
            if not base:
                folders[:] = [f for f in folders if f != META_DIR]
            found += [key for name in files if (key := base + name).startswith(prefix) and _is_text(key)]
        return sorted(found)

    def _buckets(self) -> list[tuple[str, datetime]]:
        with _os_errors(""):
            entries = sorted(os.scandir(self._root), key=lambda e: e.name)
        return [
            (e.name, datetime.fromtimestamp(int(e.stat().st_ctime), UTC))
            for e in entries if e.is_dir() and _BUCKET.fullmatch(e.name) and not e.name.startswith(".")
        ]


class _Upload:
    """A file being written in the bucket's staging folder (blocking calls: run them in a thread)."""

    def __init__(self, bucket_dir: Path, path: Path, key: str) -> None:
        self._bucket_dir, self._path, self._key = bucket_dir, path, key
        self._staging = bucket_dir / META_DIR / "tmp"
        with _os_errors(key):
            self._staging.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self._staging)
        self._tmp: str | None = tmp
        self._out: BinaryIO | None = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        assert self._out is not None, "write after commit"
        with _os_errors(self._key):
            self._out.write(data)

    def commit(self, stored: Stored) -> ObjectMeta:
        assert self._out is not None and self._tmp is not None, "commit twice"
        with _os_errors(self._key), _clashes(self._key):
            self._out.flush()
            os.fsync(self._out.fileno())
            st = os.fstat(self._out.fileno())
            self._out.close()
            self._out = None
            etag = _etag(st)
            # The sidecar goes first: if the rename below fails it names an ETag no file has.
            sidecar = {
                "etag": etag, "content_type": stored.content_type,
                "metadata": {k.lower(): v for k, v in stored.metadata.items()},
                "headers": {k.lower(): v for k, v in stored.headers.items()},
            }
            _write_atomically(_sidecar(self._bucket_dir, self._path), json.dumps(sidecar).encode(), self._staging)
            self._path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._tmp, self._path)
            self._tmp = None
        return ObjectMeta(st.st_size, etag, datetime.fromtimestamp(st.st_mtime_ns // 1_000_000_000, UTC),
                          stored.content_type, dict(stored.metadata), dict(stored.headers))

    def discard(self) -> None:
        """Drop whatever was not committed; a no-op after `commit`."""
        if self._out is not None:
            self._out.close()
            self._out = None
        if self._tmp is not None:
            Path(self._tmp).unlink(missing_ok=True)
            self._tmp = None


async def _once(data: bytes) -> AsyncIterable[bytes]:
    yield data


def _is_text(key: str) -> bool:
    """File names that are not UTF-8 cannot be keys."""
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_bucket_name(bucket: str) -> None:
    if not _BUCKET.fullmatch(bucket):
        raise OssError(
            400, "InvalidBucketName",
            f"The bucket name {bucket!r} is not a plain, visible directory name.",
        )


def _refused(key: str, why: str) -> OssError:
    """A key no local bucket can hold: 400 says why, where 404 would hide a client's mistake."""
    return invalid_argument(f"The object key {key!r} is not allowed in a local bucket: {why}.")


def _meta(bucket_dir: str, path: str, key: str, st: os.stat_result) -> ObjectMeta:
    """What a regular file and its sidecar say about the object; anything else is no object."""
    if not stat.S_ISREG(st.st_mode):
        raise no_such_key(key)
    etag = _etag(st)
    stored = _load_sidecar(_sidecar(bucket_dir, path), etag) or Stored(
        mimetypes.guess_type(path)[0] or "application/octet-stream"
    )
    return ObjectMeta(
        size=st.st_size, etag=etag, last_modified=datetime.fromtimestamp(st.st_mtime_ns // 1_000_000_000, UTC),
        content_type=stored.content_type, metadata=stored.metadata, headers=stored.headers,
    )


def _identity(st: os.stat_result) -> tuple[int, ...]:
    """What tells one file version from another (and a file from a link): the ETag's inputs and the type."""
    return st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _etag(st: os.stat_result) -> str:
    identity = f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}".encode()
    return f'"{hashlib.blake2b(identity, digest_size=16).hexdigest()}"'


def _sidecar(bucket_dir: Path | str, path: Path | str) -> str:
    """Named after the real path, so a symbolic link and its target share their metadata."""
    base = str(bucket_dir)
    inside = str(path)[len(base) + 1:].encode()  # `path` is below `bucket_dir` (see `_resolve`)
    return f"{base}/{META_DIR}/{hashlib.sha256(inside).hexdigest()}.json"


def _real_below(base: str, relative: str) -> tuple[str, os.stat_result | None]:
    """`os.path.realpath(base/relative)` for a `base` already real, looking only at the components below it;
    with the lstat of the last one when no component was a link (None when realpath had to decide)."""
    path, found = base, None
    for part in relative.split("/"):
        path = f"{path}/{part}"
        try:
            found = os.lstat(path)
        except OSError:
            found = None  # missing or unreadable: let realpath say what the path is
        if found is None or stat.S_ISLNK(found.st_mode):
            return os.path.realpath(f"{base}/{relative}"), None
    return path, found


def _load_sidecar(path: str, etag: str) -> Stored | None:
    """What was put with the file that has `etag`, or None if absent or stale."""
    try:
        with open(path, "rb") as file:
            stored = json.loads(file.read())
        if stored["etag"] == etag:
            return Stored(str(stored["content_type"]), dict(stored["metadata"]), dict(stored.get("headers", {})))
    except (OSError, ValueError, TypeError, KeyError):
        pass
    return None


def _write_atomically(path: str, data: bytes, staging: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=staging)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _os_errors(key: str) -> Iterator[None]:
    """Filesystem errors as the OSS errors a client understands."""
    try:
        yield
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
        raise no_such_key(key) from exc
    except PermissionError as exc:
        raise access_denied(f"The local store may not read or write {key!r}.") from exc
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise _refused(key, "a segment or the whole path is too long") from exc
        if exc.errno == errno.ELOOP:
            raise no_such_key(key) from exc
        raise upstream_unavailable(f"local filesystem error {exc.strerror}") from exc


@contextmanager
def _clashes(key: str) -> Iterator[None]:
    """A put whose path runs into a file, or onto a folder, cannot be stored on a filesystem."""
    try:
        yield
    except (FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
        raise _refused(key, "a folder or an object already sits on its path") from exc
