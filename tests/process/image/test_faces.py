"""image/faces: the portrait matplotlib ships has one face where it is; blank images have none."""

import json
from importlib.resources import files

import pytest
from PIL import Image

from proxy.grammar.oss import OSS

# Grace Hopper's portrait (512x600) from matplotlib's sample data; her face from hairline to chin, by eye.
PORTRAIT = files("matplotlib") / "mpl-data" / "sample_data" / "grace_hopper.jpg"
FACE = (160, 125, 215, 200)  # left, top, width, height


def faces(run, data: bytes, process: str = "image/faces") -> list[dict]:
    return json.loads(run(process, data).body)["Faces"]


def overlap(box: dict, expected: tuple[int, int, int, int]) -> float:
    """Intersection over union of an IMM Boundary and a (left, top, width, height) box."""
    left, top, width, height = expected
    inner_w = min(box["Left"] + box["Width"], left + width) - max(box["Left"], left)
    inner_h = min(box["Top"] + box["Height"], top + height) - max(box["Top"], top)
    inner = max(0, inner_w) * max(0, inner_h)
    return inner / (box["Width"] * box["Height"] + width * height - inner)


@pytest.fixture
def portrait() -> bytes:
    return PORTRAIT.read_bytes()


def test_faces_finds_the_one_face_of_a_portrait(run, portrait):
    (face,) = faces(run, portrait)
    assert face["FigureType"] == "face"
    assert overlap(face["Boundary"], FACE) > 0.6
    assert 0.8 < face["FigureConfidence"] <= 1


def test_faces_answers_imm_shaped_json(run, portrait):
    output = run("image/faces", portrait)
    assert output.media_type == "application/json"
    assert output.body.startswith(b'{\n    "Faces": [{"Boundary": {"Height": ')


@pytest.mark.parametrize("colour", ["white", "black", (120, 160, 200)])
def test_faces_finds_none_in_a_blank_image(run, encode, colour):
    assert run("image/faces", encode(Image.new("RGB", (400, 300), colour), "png")).body == b'{\n    "Faces": []}'


def test_faces_finds_none_in_a_photo_without_people(run, example_jpg):
    assert faces(run, example_jpg) == []


def test_faces_boxes_of_a_large_image_are_in_its_own_pixels(run, encode, portrait):
    large = Image.open(PORTRAIT).resize((1536, 1800))  # searched at 1024 px, reported at full size
    (face,) = faces(run, encode(large, "jpg", quality=90))
    assert overlap(face["Boundary"], tuple(3 * value for value in FACE)) > 0.6


def test_faces_positions_are_in_the_cropped_image(run, portrait):
    (face,) = faces(run, portrait, "image/crop,x_100,y_50,w_400,h_400/faces")
    assert overlap(face["Boundary"], (FACE[0] - 100, FACE[1] - 50, FACE[2], FACE[3])) > 0.6


def test_faces_is_signed_only():
    assert OSS.get("image", "faces").signed_only
