"""Output bytes against OSS's own for the SDK tests' image vectors, at the same quality and pixels.

OSS's figures are the sizes its answers to the OSS SDK's image tests have, on the same 400x267 sample.
Met: crop, rotate (byte for byte OSS's size: OSS writes optimised baseline JPEGs too) and the text
watermark. Not met, and held within 3 %: resize (Lanczos keeps more detail than OSS's filter, which sizes
like bicubic), sharpen (a different kernel: OSS's is not published) and PNG (OSS's size needs zlib level 9,
which costs 2-8x the encode CPU; level 6 stays).
"""

import io

import numpy as np
import pytest
from PIL import Image

from proxy.process.image import codec

OSS_BYTES = {
    "image/resize,m_fixed,w_100,h_100": 3_267,
    "image/crop,w_100,h_100,x_100,y_100,r_1": 1_969,
    "image/rotate,90": 20_998,
    "image/sharpen,100": 23_015,
    "image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ": 26_355,
    "image/format,png": 160_733,
}
MET = ("image/crop,w_100,h_100,x_100,y_100,r_1", "image/rotate,90", "image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ")
JPEG_VECTORS = [vector for vector in OSS_BYTES if vector != "image/format,png"]


@pytest.mark.parametrize("vector", OSS_BYTES)
def test_output_bytes_match_or_beat_oss_where_the_pixels_agree(run, example_jpg, vector):
    size = len(run(vector, example_jpg).body)
    if vector in MET:
        assert size <= OSS_BYTES[vector]
    else:
        assert size <= OSS_BYTES[vector] * 1.03


def decoded(body: bytes) -> tuple[np.ndarray, dict]:
    image = Image.open(io.BytesIO(body))
    return np.asarray(image.convert("RGB")), image.quantization


@pytest.mark.parametrize("vector", JPEG_VECTORS)
def test_optimised_huffman_tables_change_no_pixel_and_no_quality(monkeypatch, run, example_jpg, vector):
    optimised = run(vector, example_jpg).body
    options = codec._options
    monkeypatch.setattr(codec, "_options", lambda state, fmt: {
        key: value for key, value in options(state, fmt).items() if key != "optimize"})
    plain = run(vector, example_jpg).body
    assert len(optimised) < len(plain)
    (pixels, tables), (plain_pixels, plain_tables) = decoded(optimised), decoded(plain)
    assert tables == plain_tables  # the same quality setting
    assert np.array_equal(pixels, plain_pixels)

