"""Counting a JPEG's scans from its marker segments, and refusing one with too many before decoding it."""

import io
import json

import pytest
from PIL import Image

from proxy.errors import OssError
from proxy.limits import Limits
from proxy.process.image.codec import decode
from proxy.process.image.jpeg_scans import count_scans

from .hostile import repeated_scan_jpeg


def jpeg(progressive: bool, **options) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((48, 32), 60).convert("RGB").save(out, "JPEG", progressive=progressive, **options)
    return out.getvalue()


def test_a_baseline_jpeg_has_one_scan(example_jpg):
    assert count_scans(jpeg(False), stop_after=64) == 1
    assert count_scans(example_jpg, stop_after=64) == 1


def test_a_progressive_jpeg_counts_every_scan_past_stuffed_bytes_and_restart_markers():
    data = jpeg(True, restart_marker_blocks=1)
    assert b"\xff\xd0" in data and b"\xff\x00" in data  # RST markers and stuffed 0xFF inside scans
    assert count_scans(data, stop_after=64) == 10  # libjpeg's default progressive script


def test_an_exif_thumbnail_with_its_own_scan_is_not_counted():
    thumbnail = jpeg(False)
    exif = Image.Exif()
    exif[0x010E] = "x"
    app1 = exif.tobytes() + thumbnail  # an APP1 payload holding a whole JPEG, SOS marker included
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "JPEG", exif=app1)
    assert count_scans(out.getvalue(), stop_after=64) == 1


def test_a_spliced_scan_counts_once_per_copy_and_the_walk_stops_past_the_limit():
    data = repeated_scan_jpeg(100)
    assert count_scans(data, stop_after=1000) == 110
    assert count_scans(data, stop_after=64) == 65


@pytest.mark.parametrize("data", [b"", b"\xff\xd8", b"\xff\xd8\xff\xda", b"\xff\xd8\xff\xc4\x00\x00", b"GIF89a"])
def test_truncated_or_foreign_bytes_count_what_is_there(data):
    assert count_scans(data, stop_after=64) <= 1


def test_decode_refuses_a_15000_px_jpeg_of_3000_repeated_scans_before_decoding_it():
    data = repeated_scan_jpeg(3000, size=(16, 16), claimed=(15000, 15000))
    assert Image.open(io.BytesIO(data)).size == (15000, 15000)
    with pytest.raises(OssError) as info:  # the scan count, not the forged size, is what refuses it
        decode(data, Limits(max_decoded_bytes=1 << 40))
    error = info.value
    assert (error.status, error.code, error.ec) == (400, "ImageTooLarge", "0040-00000012")
    assert "limits.max_jpeg_scans" in error.message


def test_the_scan_limit_is_a_knob(run, fails):
    data = repeated_scan_jpeg(20)
    assert run("image/resize,w_10", data, Limits(max_jpeg_scans=30)).media_type == "image/jpeg"
    assert fails("image/resize,w_10", data, Limits(max_jpeg_scans=29)).ec == "0040-00000012"


def test_info_reads_the_header_of_a_many_scan_jpeg_without_decoding_it(run):
    fields = json.loads(run("image/info", repeated_scan_jpeg(100)).body)
    assert (fields["ImageWidth"]["value"], fields["ImageHeight"]["value"]) == ("64", "64")
