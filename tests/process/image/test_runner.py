"""The image runner: registry wiring, the pre-decode size hint, and JSON short-circuits."""

from dataclasses import replace

from PIL import Image

from proxy.limits import Limits
from proxy.process.grammar import Action, parse_process
from proxy.process.image import needed_size, run_image
from proxy.process.registry import REGISTRY, ActionSpec, Output


def steps(process: str, *extra: ActionSpec):
    resolved = [(spec, spec.resolve({})) for spec in extra]
    for action in parse_process(process).actions():
        spec = REGISTRY.get("image", action.name)
        resolved.append((spec, spec.resolve(action.args)))
    return resolved


def test_runner_registers_the_image_actions():
    assert "image" in REGISTRY.categories()
    assert {"resize", "format", "quality", "interlace"} <= set(REGISTRY.actions("image"))


def test_runner_hint_comes_from_the_first_resize():
    assert needed_size(steps("image/format,png/quality,q_50/resize,w_100"), (2000, 1500)) == (100, 75)
    assert needed_size(steps("image/resize,m_fill,w_100,h_100"), (2000, 1000)) == (200, 100)


def test_runner_hint_is_none_when_no_action_reads_pixels():
    assert needed_size(steps("image/format,png/interlace,1"), (2000, 1500)) is None


def test_runner_hint_is_none_after_an_action_without_one():
    unknown = ActionSpec("image", "unknown", (), lambda state, args, limits: state)
    assert needed_size(steps("image/resize,w_100", unknown), (2000, 1500)) is None


def test_runner_stops_at_an_action_that_sets_an_output(monkeypatch, encode):
    answer = Output(b'{"ok": true}', "application/json")
    spec = ActionSpec("image", "answer", (), lambda state, args, limits: replace(state, output=answer))
    monkeypatch.setitem(REGISTRY._specs, ("image", "answer"), spec)
    source = encode(Image.new("RGB", (8, 8)), "png")
    assert run_image(source, (Action("image", "answer", ()),), Limits()) == answer
