"""The image runner: catalogue wiring, the pre-decode size hint, and JSON short-circuits."""

import sys
from dataclasses import replace
from types import ModuleType

from PIL import Image

from proxy.grammar.catalogue import ActionSpec
from proxy.grammar.chain import Action, parse_process
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process.image import needed_size, run_image
from proxy.process.output import Output


def steps(process: str, *extra: ActionSpec):
    resolved = [(spec, spec.resolve({})) for spec in extra]
    for action in parse_process(process, OSS).actions():
        spec = OSS.get("image", action.name)
        resolved.append((spec, spec.resolve(action.args)))
    return resolved


def _engine(monkeypatch, name: str, apply) -> str:
    """A module holding `apply` only (so no hint), importable by the dotted path returned."""
    module = ModuleType(f"tests_engine_{name}")
    module.apply = apply
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module.__name__


def test_runner_registers_the_image_actions():
    assert "image" in OSS.categories()
    assert {"resize", "format", "quality", "interlace"} <= set(OSS.actions("image"))


def test_runner_hint_comes_from_the_first_resize():
    assert needed_size(steps("image/format,png/quality,q_50/resize,w_100"), (2000, 1500)) == (100, 75)
    assert needed_size(steps("image/resize,m_fill,w_100,h_100"), (2000, 1000)) == (200, 100)


def test_runner_hint_is_none_when_no_action_reads_pixels():
    assert needed_size(steps("image/format,png/interlace,1"), (2000, 1500)) is None


def test_runner_hint_is_none_after_an_action_without_one(monkeypatch):
    unknown = ActionSpec("image", "unknown", (), _engine(monkeypatch, "unknown", lambda state, args, limits: state))
    assert needed_size(steps("image/resize,w_100", unknown), (2000, 1500)) is None


def test_runner_stops_at_an_action_that_sets_an_output(monkeypatch, encode):
    answer = Output(b'{"ok": true}', "application/json")
    spec = ActionSpec("image", "answer", (), _engine(monkeypatch, "answer", lambda state, args, limits: replace(
        state, output=answer)))
    monkeypatch.setitem(OSS._index, ("image", "answer"), spec)
    source = encode(Image.new("RGB", (8, 8)), "png")
    assert run_image(source, (Action("image", "answer", ()),), Limits()) == answer
