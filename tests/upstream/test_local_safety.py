"""A local bucket never lets a key reach outside its directory or into Osprey's own files."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable
from pathlib import Path

import pytest

from proxy.errors import OssError
from proxy.upstream.forwarding import ForwardRequest
from proxy.upstream.interface import read_capped
from proxy.upstream.local import META_DIR, LocalUpstream
from proxy.upstream.objects import Conditions

SECRET = b"outside the root"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """`tmp_path/root/photos` is the bucket; `tmp_path/outside/secret.txt` must stay unreachable."""
    (tmp_path / "root" / "photos").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_bytes(SECRET)
    return tmp_path / "root"


@pytest.fixture
def local(root: Path) -> LocalUpstream:
    return LocalUpstream(root)


async def error_of(call: Awaitable[object]) -> OssError:
    with pytest.raises(OssError) as caught:
        await call
    return caught.value


async def refused(local: LocalUpstream, key: str) -> None:
    """Every operation on `key` is refused with 400 InvalidArgument, and nothing is written."""
    for err in [
        await error_of(local.get("photos", key)),
        await error_of(local.head("photos", key)),
        await error_of(read_capped(local, "photos", key, 1024)),
        await error_of(local.put("photos", key, b"x")),
    ]:
        assert (err.status, err.code) == (400, "InvalidArgument"), key


@pytest.mark.parametrize("key", [
    "../../outside/secret.txt", "a/../../../outside/secret.txt", "..", "./a.txt", "a/./b.txt",
], ids=["dotdot", "dotdot-inside", "bare-dotdot", "leading-dot", "inner-dot"])
async def test_dot_segments_are_refused(local: LocalUpstream, root: Path, key: str) -> None:
    await refused(local, key)

    assert (root.parent / "outside" / "secret.txt").read_bytes() == SECRET


@pytest.mark.parametrize("key", [
    "/etc/passwd", "//etc/passwd", "/",
])
async def test_absolute_paths_are_refused(local: LocalUpstream, key: str) -> None:
    await refused(local, key)


@pytest.mark.parametrize("key", ["a\x00.txt", "a.txt\x00../../x", "..\\..\\outside\\secret.txt"])
async def test_nul_bytes_and_backslashes_are_refused(local: LocalUpstream, key: str) -> None:
    await refused(local, key)


@pytest.mark.parametrize("key", ["", "a//b.txt", "folder/"])
async def test_empty_segments_that_would_alias_another_key_are_refused(
    local: LocalUpstream, key: str,
) -> None:
    await refused(local, key)


async def test_folder_link_leading_outside_the_bucket_is_refused(
    local: LocalUpstream, root: Path,
) -> None:
    (root / "photos" / "escape").symlink_to(root.parent / "outside", target_is_directory=True)

    await refused(local, "escape/secret.txt")

    assert (root.parent / "outside" / "secret.txt").read_bytes() == SECRET
    assert sorted(p.name for p in (root.parent / "outside").iterdir()) == ["secret.txt"]


async def test_file_link_leading_outside_the_bucket_is_refused(
    local: LocalUpstream, root: Path,
) -> None:
    (root / "photos" / "secret.txt").symlink_to(root.parent / "outside" / "secret.txt")

    await refused(local, "secret.txt")

    assert (root.parent / "outside" / "secret.txt").read_bytes() == SECRET


async def test_link_to_another_bucket_is_refused(local: LocalUpstream, root: Path) -> None:
    (root / "other").mkdir()
    (root / "other" / "a.txt").write_bytes(b"other bucket")
    (root / "photos" / "a.txt").symlink_to(root / "other" / "a.txt")

    await refused(local, "a.txt")


async def test_link_inside_the_bucket_is_served_with_its_targets_metadata(
    local: LocalUpstream, root: Path,
) -> None:
    etag = await local.put("photos", "real/a.bin", b"pixels", "image/png", {"owner": "ada"})
    (root / "photos" / "alias.bin").symlink_to(root / "photos" / "real" / "a.bin")

    meta, data = await read_capped(local, "photos", "alias.bin", 1024)

    assert (data, meta.etag, meta.content_type) == (b"pixels", etag, "image/png")
    assert dict(meta.metadata) == {"owner": "ada"}


async def test_metadata_sidecars_are_not_addressable(local: LocalUpstream, root: Path) -> None:
    await local.put("photos", "a.jpg", b"jpeg", "image/jpeg", {"owner": "ada"})
    sidecars = [p for p in (root / "photos" / META_DIR).rglob("*") if p.is_file()]
    assert sidecars, "put should have written a sidecar"

    for sidecar in sidecars:
        await refused(local, sidecar.relative_to(root / "photos").as_posix())
    await refused(local, META_DIR)
    await refused(local, f"{META_DIR}/tmp/new")


async def test_link_into_the_metadata_folder_is_refused(local: LocalUpstream, root: Path) -> None:
    await local.put("photos", "a.jpg", b"jpeg", "image/jpeg")
    (root / "photos" / "meta").symlink_to(root / "photos" / META_DIR, target_is_directory=True)

    for sidecar in (root / "photos" / META_DIR).glob("*.json"):
        await refused(local, f"meta/{sidecar.name}")


@pytest.mark.parametrize("bucket", ["..", ".", META_DIR, "a/b", "", "photos/..", "\x00"])
async def test_bucket_names_that_are_not_plain_folders_are_refused(
    local: LocalUpstream, bucket: str,
) -> None:
    err = await error_of(local.get(bucket, "a.txt"))

    assert (err.status, err.code) == (400, "InvalidBucketName")


async def test_file_replaced_behind_ospreys_back_loses_its_stale_metadata(
    local: LocalUpstream, root: Path,
) -> None:
    await local.put("photos", "a.png", b"old", "text/plain", {"owner": "ada"})
    replacement = root / "photos" / "new.tmp"
    replacement.write_bytes(b"a new picture")
    replacement.replace(root / "photos" / "a.png")

    meta = await local.head("photos", "a.png")

    assert (meta.size, meta.content_type, dict(meta.metadata)) == (13, "image/png", {})


async def test_failed_put_leaves_neither_object_nor_temporary_file(
    local: LocalUpstream, root: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def disk_failure(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", disk_failure)

    err = await error_of(local.put("photos", "a.jpg", b"half"))

    assert err.status == 503
    assert not (root / "photos" / "a.jpg").exists()
    assert list((root / "photos" / META_DIR / "tmp").iterdir()) == []


async def test_put_through_an_existing_object_is_refused_and_keeps_it(
    local: LocalUpstream, root: Path,
) -> None:
    await local.put("photos", "a.jpg", b"jpeg")

    err = await error_of(local.put("photos", "a.jpg/b.jpg", b"x"))

    assert (err.status, err.code) == (400, "InvalidArgument")
    assert (await error_of(local.get("photos", "a.jpg/b.jpg"))).code == "NoSuchKey"
    assert (await read_capped(local, "photos", "a.jpg", 1024))[1] == b"jpeg"
    assert list((root / "photos" / META_DIR / "tmp").iterdir()) == []


async def test_fifo_in_a_bucket_is_no_such_key_without_hanging(
    local: LocalUpstream, root: Path,
) -> None:
    os.mkfifo(root / "photos" / "pipe")

    err = await error_of(asyncio.wait_for(local.get("photos", "pipe"), timeout=5))

    assert (err.status, err.code) == (404, "NoSuchKey")


async def test_closed_streams_release_their_files(local: LocalUpstream) -> None:
    await local.put("photos", "a.bin", os.urandom(1024 * 1024))
    open_files = len(os.listdir("/proc/self/fd"))

    for conditions in (None, Conditions(range="bytes=10-20")):
        unread = await local.get("photos", "a.bin", conditions)
        await unread.aclose()
        partly_read = await local.get("photos", "a.bin", conditions)
        await anext(partly_read.body)
        await partly_read.aclose()
    for _ in range(2):
        await error_of(read_capped(local, "photos", "a.bin", 10))
        await read_capped(local, "photos", "a.bin", 2 * 1024 * 1024)

    assert len(os.listdir("/proc/self/fd")) == open_files


async def test_listing_never_shows_what_lies_behind_links_out_of_the_bucket(local: LocalUpstream, root: Path) -> None:
    photos = root / "photos"
    (photos / "real.txt").write_bytes(b"inside")
    os.symlink(root.parent / "outside", photos / "out-dir")
    os.symlink(root.parent / "outside" / "secret.txt", photos / "out-file.txt")
    for prefix in ("", "out-dir/"):
        answer = await local.forward(ForwardRequest("GET", "photos", query=(("prefix", prefix),)))
        body = b"".join([chunk async for chunk in answer.body])
        assert b"secret" not in body
        assert (b"<Key>real.txt</Key>" in body) == (prefix == "")


async def test_a_key_swapped_for_a_link_after_a_head_is_checked_again(local: LocalUpstream, root: Path) -> None:
    (root / "photos" / "a.txt").write_bytes(b"inside")
    assert (await local.head("photos", "a.txt")).size == 6  # the checked path is remembered
    (root / "photos" / "a.txt").unlink()
    (root / "photos" / "a.txt").symlink_to(root.parent / "outside" / "secret.txt")

    await refused(local, "a.txt")


async def test_a_folder_swapped_for_a_link_after_a_head_never_serves_outside_bytes(
    local: LocalUpstream, root: Path,
) -> None:
    (root / "photos" / "dir").mkdir()
    (root / "photos" / "dir" / "secret.txt").write_bytes(b"inside")
    await local.head("photos", "dir/secret.txt")
    (root / "photos" / "dir" / "secret.txt").unlink()
    (root / "photos" / "dir").rmdir()
    (root / "photos" / "dir").symlink_to(root.parent / "outside", target_is_directory=True)

    assert (await error_of(local.get("photos", "dir/secret.txt"))).code == "InvalidArgument"
    assert (await error_of(read_capped(local, "photos", "dir/secret.txt", 1 << 20))).code == "InvalidArgument"
