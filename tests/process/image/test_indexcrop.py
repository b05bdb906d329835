"""image/indexcrop (image §4.11): strip geometry without pixels, decoded outputs and every error path."""

import pytest

from proxy.process.image.indexcrop import piece_box


def test_indexcrop_x_cuts_vertical_strips():
    assert piece_box((400, 267), 100, None, 0) == (0, 0, 100, 267)
    assert piece_box((400, 267), 150, None, 2) == (300, 0, 400, 267)


def test_indexcrop_y_cuts_horizontal_strips_and_the_last_is_the_remainder():
    assert piece_box((400, 267), None, 100, 1) == (0, 100, 400, 200)
    assert piece_box((400, 267), None, 100, 2) == (0, 200, 400, 267)


def test_indexcrop_y_wins_over_x():
    assert piece_box((400, 267), 100, 50, 1) == (0, 50, 400, 100)


def test_indexcrop_index_past_the_last_piece_has_no_box():
    assert piece_box((400, 267), None, 100, 3) is None
    assert piece_box((400, 267), 100, None, 4) is None


def test_indexcrop_strip_larger_than_the_image_is_the_whole_image_unconfirmed():
    assert piece_box((400, 267), 1000, None, 0) == (0, 0, 400, 267)


def test_indexcrop_docs_example_past_the_last_piece_returns_the_source(run, render, example_jpg):
    output = run("image/indexcrop,y_100,i_10", example_jpg)
    assert output.media_type == "image/jpeg"
    assert render("image/indexcrop,y_100,i_10", example_jpg).size == (400, 267)


def test_indexcrop_docs_example_x(render, example_jpg):
    assert render("image/indexcrop,x_100,i_0", example_jpg).size == (100, 267)
    assert render("image/indexcrop,y_100,i_2", example_jpg).size == (400, 67)


def test_indexcrop_index_defaults_to_the_first_piece(render, halves_png):
    first = render("image/indexcrop,x_100", halves_png)
    second = render("image/indexcrop,x_100,i_1", halves_png)
    assert first.size == second.size == (100, 100)
    assert first.getpixel((50, 50)) == (255, 0, 0)
    assert second.getpixel((50, 50)) == (0, 0, 255)


def test_indexcrop_animated_gif_keeps_frames_unconfirmed(render, animated_gif, durations):
    out = render("image/indexcrop,y_30,i_1", animated_gif)
    assert (out.size, out.n_frames) == ((120, 30), 6)
    assert durations(out) == [40, 50, 60, 70, 80, 90]


def test_indexcrop_rejects_a_non_numeric_y(fails):
    error = fails("image/indexcrop,y_abc")
    assert (error.status, error.code, error.ec) == (400, "InvalidArgument", "0040-00000224")


@pytest.mark.parametrize(("process", "code"), [
    ("image/indexcrop,y_0", "InvalidArgument"),
    ("image/indexcrop,x_abc", "InvalidArgument"),
    ("image/indexcrop,x_-1", "InvalidArgument"),
    ("image/indexcrop,x_10,i_abc", "InvalidArgument"),
    ("image/indexcrop,x_abc,y_10", "InvalidArgument"),
    ("image/indexcrop", "MissingArgument"),
    ("image/indexcrop,i_1", "MissingArgument"),
])
def test_indexcrop_other_bad_parameters_share_the_y_ec_unconfirmed(fails, process, code):
    error = fails(process)
    assert (error.status, error.code, error.ec) == (400, code, "0040-00000224")
