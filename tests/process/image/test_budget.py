"""Decoded-size accounting: what a source costs once decoded, refused from its header when over the budget."""

import io

import pytest
from PIL import Image

from proxy.limits import MB, Limits
from proxy.process.image.budget import decoded_bytes
from proxy.process.image.codec import decode

from .hostile import big_canvas_webp, dotted_gif, many_frames_gif
from .test_codec import png_header_only


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_a_still_counts_pillows_bytes_per_pixel(encode):
    assert decoded_bytes(opened(encode(Image.new("L", (100, 50)), "png")), "png", 1, (100, 50)) == 5_000
    assert decoded_bytes(opened(encode(Image.new("RGB", (100, 50)), "png")), "png", 1, (100, 50)) == 20_000
    # a palette image is normalised to RGB: its own byte and then four
    assert decoded_bytes(opened(encode(Image.new("P", (100, 50)), "png")), "png", 1, (100, 50)) == 25_000


def test_a_gif_counts_palette_frames_and_the_decoders_rgba_pictures():
    gif = opened(many_frames_gif(10, 40))
    assert decoded_bytes(gif, "gif", 10, gif.size) == 40 * 40 * (10 + 4 * 2)


def test_a_webp_canvas_counts_for_every_frame_whatever_its_frames_cover(encode):
    frames = [Image.new("RGBA", (400, 300), (i * 20, 0, 0, 255)) for i in range(5)]
    webp = opened(encode(frames[0], "webp", save_all=True, append_images=frames[1:], lossless=True))
    assert decoded_bytes(webp, "webp", 5, webp.size) == 400 * 300 * 4 * (5 + 2 + 3)


def test_a_progressive_jpeg_adds_the_coefficients_of_the_full_size(encode):
    image = Image.new("RGB", (800, 600), (10, 200, 30))
    baseline, progressive = opened(encode(image, "jpg")), opened(encode(image, "jpg", progressive=True))
    assert decoded_bytes(baseline, "jpg", 1, (800, 600)) == 800 * 600 * 4
    progressive.draft(None, (100, 75))  # a reduced decode still holds every coefficient
    assert progressive.size == (100, 75)
    # 4:2:0, Pillow's default: a full-size luma plane and two quarter-size chroma planes, 2 bytes a sample
    assert decoded_bytes(progressive, "jpg", 1, (800, 600)) == 100 * 75 * 4 + 800 * 600 * 1.5 * 2
    unsampled = opened(encode(image, "jpg", progressive=True, subsampling=0))
    assert decoded_bytes(unsampled, "jpg", 1, (800, 600)) == 800 * 600 * 4 + 800 * 600 * 3 * 2


def test_a_gif_over_the_budget_is_refused_from_its_header(run, fails):
    gif = dotted_gif(50, 100)  # 50 palette frames of 100x100 and two RGBA pictures: 580 kB
    assert run("image/format,gif", gif, Limits(max_decoded_bytes=580_000)).media_type == "image/gif"
    error = fails("image/format,gif", gif, Limits(max_decoded_bytes=579_999))
    assert (error.status, error.code, error.ec) == (400, "ImageTooLarge", "0040-00000012")
    assert "limits.max_decoded_bytes" in error.message


def test_a_large_png_still_is_refused_before_its_pixels_are_allocated(fails):
    error = fails("image/format,png", png_header_only(12_000, 12_000), Limits(max_decoded_bytes=512 * MB))
    assert (error.code, error.ec) == ("ImageTooLarge", "0040-00000012")
    assert "limits.max_decoded_bytes" in error.message


@pytest.mark.parametrize("fmt", ["heic", "avif"])
def test_heif_decoders_count_their_own_buffer(encode, fmt):
    image = opened(encode(Image.new("RGB", (64, 48), "red"), fmt))
    assert decoded_bytes(image, fmt, 1, image.size) == 64 * 48 * 4 * 2


@pytest.mark.parametrize("key", ["max_decoded_bytes", "max_jpeg_scans"])
def test_the_decode_limits_are_validated_config_keys(key):
    from proxy.config import ConfigError, parse_config

    assert getattr(parse_config({"limits": {key: 7}}, environ={}).limits, key) == 7
    assert getattr(parse_config({}, environ={f"OSPREY_LIMITS_{key.upper()}": "9"}).limits, key) == 9
    with pytest.raises(ConfigError, match=f"limits.{key}"):
        parse_config({"limits": {key: 0}}, environ={})


def test_a_thousand_frame_500px_gif_of_25_kb_is_refused_from_its_header_under_a_lower_budget(fails, run):
    gif = dotted_gif(1000, 500)  # exactly at max_frames and max_pixels; a decoder expands every dot to 500x500
    assert len(gif) < 30_000
    error = fails("image/format,gif", gif, Limits(max_decoded_bytes=200 * MB))
    assert (error.status, error.code, error.ec) == (400, "ImageTooLarge", "0040-00000012")
    assert "252000000 bytes" in error.message  # 1000 palette frames and two RGBA pictures
    small = run("image/resize,w_10", dotted_gif(100, 50))
    assert opened(small.body).n_frames > 1


def test_enlarging_an_animation_counts_every_new_frame(encode, run, fails):
    frames = [Image.new("RGBA", (40, 30), (i * 12, 0, 0, 255)) for i in range(20)]
    webp = encode(frames[0], "webp", save_all=True, append_images=frames[1:], lossless=True)
    assert opened(run("image/resize,w_400,limit_0", webp).body).size == (400, 300)
    error = fails("image/resize,w_4000,limit_0", webp)  # 20 frames of 4000x3000 RGBA: 960 MB
    assert (error.status, error.code, error.ec) == (400, "ImageTooLarge", "0040-00000012")
    assert "20 frames of 4000x3000" in error.message and "limits.max_decoded_bytes" in error.message


def test_gif_frames_with_palettes_of_their_own_are_counted_as_the_rgb_frames_they_decode_to(run, fails):
    gif = many_frames_gif(50, 100)  # Pillow writes a local palette per frame: frames 2..50 decode to RGB
    assert decoded_bytes(opened(gif), "gif", 50, (100, 100)) == 580_000  # what the header tells
    assert run("image/format,gif", gif, Limits(max_decoded_bytes=2_000_000)).media_type == "image/gif"
    error = fails("image/format,gif", gif, Limits(max_decoded_bytes=1_000_000))  # refused while decoding
    assert (error.code, error.ec) == ("ImageTooLarge", "0040-00000012")
    assert "limits.max_decoded_bytes" in error.message


def test_a_global_palette_gif_is_held_as_palette_frames_and_processed_as_before(run):
    gif = dotted_gif(20, 50, transparent=True)
    state = decode(gif, Limits())
    assert {frame.mode for frame in state.frames} == {"P"} and len(state.frames) == 20
    assert state.frame(5).mode == "RGBA" and state.frame(5).getpixel((5, 0)) == (255, 255, 255, 255)
    assert state.frame(5).getpixel((6, 0))[3] == 0  # not yet drawn: transparent
    out = opened(run("image/format,gif", gif).body)
    assert (out.n_frames, out.info.get("transparency") is not None) == (20, True)
    out.seek(5)
    rgba = out.convert("RGBA")
    assert rgba.getpixel((5, 0)) == (255, 255, 255, 255) and rgba.getpixel((6, 0))[3] == 0
    cropped = opened(run("image/crop,w_30,h_30", gif).body)
    assert (cropped.size, cropped.n_frames) == ((30, 30), 20)
    still = opened(run("image/format,png", gif).body)
    assert still.mode == "RGBA" and still.getpixel((0, 0)) == (255, 255, 255, 255)
    assert run("image/average-hue", gif).media_type.startswith("application/json")


def test_a_200_byte_webp_whose_canvas_dwarfs_its_frames_is_refused_from_its_header(fails, render):
    webp = big_canvas_webp(3, (8000, 8000))  # 192 M px, within max_pixels; 2 GB once composited
    assert len(webp) < 300
    error = fails("image/resize,w_100", webp)
    assert (error.status, error.code, error.ec) == (400, "ImageTooLarge", "0040-00000012")
    assert "limits.max_decoded_bytes" in error.message
    small = render("image/format,png", big_canvas_webp(3, (300, 200)))
    assert small.size == (300, 200) and small.getpixel((0, 0)) == (255, 0, 0, 255)


def test_an_action_on_held_palette_frames_counts_the_rgba_frames_it_makes(run, fails):
    gif = dotted_gif(200, 200)  # 8 MB held as palette frames, 32 MB as RGBA
    limits = Limits(max_decoded_bytes=20 * MB)
    assert opened(run("image/format,gif", gif, limits).body).n_frames == 200
    error = fails("image/bright,50", gif, limits)
    assert (error.status, error.code, error.ec) == (400, "ImageTooLarge", "0040-00000012")
    assert "The 200 frames this action makes" in error.message and "limits.max_decoded_bytes" in error.message
    assert opened(run("image/bright,50", gif, Limits(max_decoded_bytes=40 * MB)).body).n_frames == 200
