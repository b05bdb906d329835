"""image/codes: QR and bar codes drawn in the fixtures come back with their text, type and box."""

import io
import json

import pytest
import segno
import zxingcpp
from PIL import Image

from proxy.grammar.oss import OSS

QR_TEXT = "https://example.com/osprey?id=42"
SCALE, BORDER = 6, 4  # px per module, modules of quiet zone


def qr_image(text: str) -> Image.Image:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=SCALE, border=BORDER)
    return Image.open(out).convert("L")


def ean13_image(digits: str) -> Image.Image:
    bitmap = zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(digits, zxingcpp.BarcodeFormat.EAN13), scale=2)
    return Image.fromarray(bitmap)


def codes(run, data: bytes, process: str = "image/codes") -> list[dict]:
    return json.loads(run(process, data).body)["Codes"]


@pytest.fixture
def poster(encode) -> bytes:
    """640x480 white: a QR code whose modules start at (324, 144) and an EAN-13 below left."""
    canvas = Image.new("RGB", (640, 480), "white")
    canvas.paste(qr_image(QR_TEXT), (300, 120))
    canvas.paste(ean13_image("4006381333931"), (40, 330))
    return encode(canvas, "png")


def test_codes_reads_a_qr_code_with_its_text_type_and_box(run, poster):
    qr = next(code for code in codes(run, poster) if code["Type"] == "qrcode")
    modules = segno.make(QR_TEXT, error="m").symbol_size(scale=SCALE, border=0)[0]
    assert (qr["Content"], qr["Format"], qr["Confidence"]) == (QR_TEXT, "QRCode", 1.0)
    assert qr["Boundary"] == {"Left": 324, "Top": 144, "Width": modules, "Height": modules}


def test_codes_reads_an_ean13_as_a_barcode_below_the_qr_code(run, poster):
    qr, bar = codes(run, poster)  # reading order: the QR code starts higher up
    assert qr["Type"] == "qrcode"
    assert (bar["Content"], bar["Format"], bar["Type"]) == ("4006381333931", "EAN13", "barcode")
    box = bar["Boundary"]
    assert 40 <= box["Left"] < 70 and 330 <= box["Top"] < 350
    assert box["Width"] > 150 and box["Height"] > 20


def test_codes_answers_imm_shaped_json(run, poster):
    output = run("image/codes", poster)
    assert output.media_type == "application/json"
    assert output.body.startswith(b'{\n    "Codes": [{"Boundary": {"Height": ')


def test_codes_finds_none_in_an_image_without_codes(run, example_jpg):
    assert run("image/codes", example_jpg).body == b'{\n    "Codes": []}'


def test_codes_lists_at_most_five_in_reading_order(run, encode):
    canvas = Image.new("L", (900, 600), 255)
    for index in range(6):
        canvas.paste(qr_image(f"code {index}"), (30 + 300 * (index % 3), 30 + 300 * (index // 3)))
    found = codes(run, encode(canvas, "png"))
    assert [code["Content"] for code in found] == [f"code {index}" for index in range(5)]


def test_codes_positions_are_in_the_cropped_image(run, poster):
    (qr,) = codes(run, poster, "image/crop,x_200,y_100,w_400,h_300/codes")
    assert (qr["Boundary"]["Left"], qr["Boundary"]["Top"]) == (124, 44)


def test_codes_sees_a_code_drawn_on_transparency(run, encode):
    ink = qr_image("transparent").point(lambda value: 255 - value)  # modules opaque, background clear
    canvas = Image.new("RGBA", ink.size, (0, 0, 0, 0))
    canvas.putalpha(ink)
    assert [code["Content"] for code in codes(run, encode(canvas, "png"))] == ["transparent"]


def test_codes_is_signed_only():
    assert OSS.get("image", "codes").signed_only
