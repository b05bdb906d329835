"""video/ chains on part of a large source: the worker asks for the bytes it lacks, as the server's
ranged GETs would give them, and reads a fraction of the file for the exact frame."""

import io
import json

import pytest
from PIL import Image

from proxy.errors import OssError
from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process.media.sparse import NeedBytes, SparseSource
from proxy.process.output import Output
from proxy.process.runner import run_chain_sparse

from ..mediafiles import large_frame_index, large_video

BLOCK = 1024 * 1024


@pytest.fixture(scope="module", params=["moov_at_end", "faststart"])
def large(request) -> bytes:
    return large_video(faststart=request.param == "faststart")


def run_by_ranges(process: str, data: bytes, rounds: int = 8) -> tuple[Output, SparseSource]:
    """What the server does: the first block, then the aligned blocks each NeedBytes names."""
    source = SparseSource(len(data), ((0, data[:BLOCK]),))
    for _ in range(rounds):
        result = run_chain_sparse(parse_process(process, OSS), source, "video/mp4", Limits())
        if isinstance(result, Output):
            return result, source
        start, end = result.offset // BLOCK * BLOCK, -(-(result.offset + result.length) // BLOCK) * BLOCK
        for a, b in source.gaps(start, end):
            source = source.with_range(a, data[a:b])
    raise AssertionError(f"{process} needed more than {rounds} rounds")


def shown_frame(body: bytes) -> int:
    image = Image.open(io.BytesIO(body)).convert("RGB")
    return large_frame_index(image.getpixel((image.width // 2, image.height // 2)))


@pytest.mark.parametrize(("process", "frame"), [
    ("video/snapshot,t_7300,f_png", 73),
    ("video/snapshot,t_7300,m_fast,f_png", 70),
    ("video/snapshot,t_15000,f_png", 150),
    ("video/snapshot,t_99000,f_png", 159),
])
def test_snapshot_of_a_large_video_reads_a_fraction_of_it(large, process, frame):
    output, source = run_by_ranges(process, large)
    assert shown_frame(output.body) == frame
    assert source.held < 0.3 * len(large)


def test_info_of_a_large_video_reads_a_fraction_of_it(large):
    output, source = run_by_ranges("video/info", large)
    info = json.loads(output.body)
    assert info["Size"] == len(large) and info["Duration"] == pytest.approx(16.0)
    assert source.held < 0.2 * len(large)


def test_moov_at_the_end_is_asked_for_after_the_first_block():
    data = large_video()
    need = run_chain_sparse(parse_process("video/snapshot,t_7300", OSS), SparseSource(len(data), ((0, data[:BLOCK]),)),
                            "video/mp4", Limits())
    assert isinstance(need, NeedBytes) and need.offset == data.rindex(b"moov") - 4


def test_snapshot_followed_by_image_steps_runs_on_ranges(large):
    output, _ = run_by_ranges("video/snapshot,t_2000,f_png/image/resize,w_64", large)
    image = Image.open(io.BytesIO(output.body))
    assert image.size == (64, 48) and shown_frame(output.body) == 20


def test_truncated_large_video_is_a_400_not_a_request_for_more():
    data = large_video()[:5_000_000]  # the moov index at the end is cut off
    source = SparseSource(len(data), ((0, data[:BLOCK]),))
    with pytest.raises(OssError) as raised:
        run_chain_sparse(parse_process("video/snapshot,t_7300", OSS), source, "video/mp4", Limits())
    assert raised.value.status == 400 and source.missing is None
