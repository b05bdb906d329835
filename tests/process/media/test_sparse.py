"""SparseSource: a file of known size holding some byte ranges; a read elsewhere asks for those bytes."""

import io
import pickle

from proxy.process.media.sparse import NeedBytes, SparseSource

DATA = bytes(range(256)) * 40  # 10 240 bytes


def _held(*spans: tuple[int, int]) -> SparseSource:
    return SparseSource(len(DATA), tuple((a, DATA[a:b]) for a, b in spans))


def test_read_inside_a_range_gives_its_bytes_and_advances():
    source = _held((0, 1000))
    assert source.read(10) == DATA[:10] and source.tell() == 10
    assert source.read(5) == DATA[10:15] and source.missing is None


def test_read_stops_at_the_end_of_a_range_and_continues_in_the_next():
    source = _held((0, 100), (100, 300))
    source.seek(90)
    assert source.read(50) == DATA[90:100]
    assert source.read(50) == DATA[100:150]


def test_read_outside_the_ranges_records_what_was_wanted_and_answers_end_of_file():
    source = _held((0, 100))
    source.seek(5000)
    assert source.read(4096) == b""
    assert (source.missing.offset, source.missing.length) == (5000, 4096)
    source.seek(0)
    assert source.read(10) == b""  # the step is void now: nothing more is served


def test_wanted_length_is_clipped_to_the_object():
    source = _held((0, 100))
    source.seek(len(DATA) - 10)
    source.read(4096)
    assert (source.missing.offset, source.missing.length) == (len(DATA) - 10, 10)


def test_read_at_end_of_file_is_not_a_miss():
    source = _held((0, 100))
    assert source.seek(0, io.SEEK_END) == len(DATA)
    assert source.read(10) == b"" and source.missing is None


def test_seek_from_current_and_from_end():
    source = _held((0, len(DATA)))
    source.seek(100)
    assert source.seek(-40, io.SEEK_CUR) == 60
    assert source.seek(-6, io.SEEK_END) == len(DATA) - 6 and source.read() == DATA[-6:]
    assert len(source) == len(DATA)


def test_gaps_are_the_spans_not_held():
    source = _held((100, 200), (300, 400))
    assert source.gaps(0, 500) == [(0, 100), (200, 300), (400, 500)]
    assert source.gaps(150, 350) == [(200, 300)]
    assert source.gaps(120, 180) == []
    assert source.gaps(10_000, 20_000) == [(10_000, len(DATA))]


def test_with_range_adds_bytes_and_counts_them():
    source = _held((0, 100)).with_range(500, DATA[500:600])
    source.seek(550)
    assert source.read(10) == DATA[550:560] and source.held == 200


def test_source_and_need_bytes_cross_process_boundaries():
    source = pickle.loads(pickle.dumps(_held((0, 100))))
    assert source.read(100) == DATA[:100]
    need = pickle.loads(pickle.dumps(NeedBytes(7, 9)))
    assert (need.offset, need.length) == (7, 9)
