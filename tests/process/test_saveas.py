"""The sys/saveas POST body, as every SDK spells it (saveas §5.1)."""

import base64

import pytest

from proxy.errors import OssError
from proxy.process.saveas import SaveAs, parse_save_as


def b64(text: str, alphabet=base64.urlsafe_b64encode, pad: bool = False) -> str:
    encoded = alphabet(text.encode()).decode()
    return encoded if pad else encoded.rstrip("=")


def test_raw_body_with_url_safe_base64_and_no_bucket():
    body = f"x-oss-process=image/resize,w_100|sys/saveas,o_{b64('dest.jpg')}".encode()
    assert parse_save_as(body) == SaveAs("image/resize,w_100", "dest.jpg")


def test_standard_base64_keeps_its_plus_and_padding_through_percent_decoding():
    key = "a>>?.jpg"
    encoded = b64(key, base64.b64encode, pad=True)
    assert "+" in encoded and encoded.endswith("=")
    form = "x-oss-process=" + f"style/small|sys/saveas,o_{encoded},b_{b64('other-bucket')}".replace(
        "/", "%2F").replace("|", "%7C").replace("+", "%2B").replace("=", "%3D")
    assert parse_save_as(form.encode()) == SaveAs("style/small", key, "other-bucket")
    raw = f"x-oss-process=style/small|sys/saveas,o_{encoded}"
    assert parse_save_as(raw.encode()).key == key  # a raw '+' is Base64, not a space


def test_surrounding_whitespace_and_other_form_fields_are_ignored():
    body = f"  other=1&x-oss-process=image/rotate,90|sys/saveas,o_{b64('r.jpg')}\r\n".encode()
    assert parse_save_as(body) == SaveAs("image/rotate,90", "r.jpg")


@pytest.mark.parametrize(("body", "code"), [
    (b"", "InvalidRequest"),
    (b"\xff\xfe", "InvalidRequest"),
    (b"x-oss-process=", "InvalidRequest"),
    (b"process=image/resize,w_1|sys/saveas,o_eA", "InvalidRequest"),
    (b"x-oss-process=|sys/saveas,o_eA", "InvalidRequest"),
    (b"x-oss-process=image/resize,w_1", "InvalidArgument"),
    (b"x-oss-process=image/resize,w_1|saveas,o_eA", "BadRequest"),
    (b"x-oss-process=image/resize,w_1|sys/saveas", "MissingArgument"),
    (b"x-oss-process=image/resize,w_1|sys/saveas,b_eA", "MissingArgument"),
    (b"x-oss-process=image/resize,w_1|sys/saveas,o_", "InvalidArgument"),
    (b"x-oss-process=image/resize,w_1|sys/saveas,o_*", "InvalidArgument"),
    (b"x-oss-process=image/resize,w_1|sys/saveas,o_eA,o_eQ", "InvalidArgument"),
    (b"x-oss-process=image/resize,w_1|sys/saveas,o_eA,q_1", "InvalidArgument"),
    (f"x-oss-process=image/resize,w_1|sys/saveas,o_eA,b_{b64('Bad_Bucket')}".encode(), "InvalidBucketName"),
])
def test_malformed_bodies_are_400_with_their_code(body, code):
    with pytest.raises(OssError) as caught:
        parse_save_as(body)
    assert (caught.value.status, caught.value.code) == (400, code)
