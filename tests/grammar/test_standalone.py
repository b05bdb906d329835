"""The grammar stands alone: importing it and parsing a URL loads no engine, and every engine it names exists."""

import json
import subprocess
import sys

import pytest

from proxy.grammar.oss import OSS
from proxy.process import engines

ENGINE_LIBRARIES = ("PIL", "cv2", "av", "pypdfium2", "numpy", "pillow_heif", "zxingcpp", "aiohttp", "aiobotocore")
PROBE = """
import json, sys
from proxy.grammar.chain import build_process, parse_process
from proxy.grammar.oss import OSS
chain = parse_process("image/resize,w_100/watermark,text_aGk", OSS)
print(json.dumps({
    "canonical": chain.canonical(),
    "built": build_process("image", ("resize", {"w": 100})),
    "loaded": sorted(m for m in sys.modules if m.split(".")[0] in %r or m.startswith("proxy.process")),
}))
"""


def test_the_grammar_parses_in_a_fresh_interpreter_without_importing_an_engine():
    probe = PROBE % (ENGINE_LIBRARIES,)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    seen = json.loads(result.stdout)
    assert seen["canonical"] == "image/resize,w_100/watermark,text_aGk"
    assert seen["built"] == "image/resize,w_100"
    assert seen["loaded"] == []


@pytest.mark.parametrize("spec", OSS.specs, ids=lambda spec: f"{spec.category}/{spec.name}")
def test_every_catalogued_action_names_an_engine_that_runs_it(spec):
    module = engines.engine(spec)
    assert module.__name__ == spec.engine
    assert callable(module.apply)
    assert getattr(module, "hint", None) is None or callable(module.hint)


def test_every_category_of_the_catalogue_has_a_runner():
    from proxy.process.runner import RUNNERS

    assert set(RUNNERS) == OSS.categories()


def test_the_catalogue_refuses_an_action_listed_twice():
    with pytest.raises(ValueError, match="image/resize"):
        type(OSS)((OSS.get("image", "resize"), OSS.get("image", "resize")))


def _choices(category: str, name: str, key: str) -> set[str]:
    param = OSS.get(category, name).param(key)
    return set(param.describe.removeprefix("one of ").split(", "))


def test_each_engine_table_has_a_row_for_every_value_the_catalogue_accepts():
    from proxy.process.audio import convert as audio_convert
    from proxy.process.doc import snapshot as doc_snapshot
    from proxy.process.image import blindmark
    from proxy.process.video import snapshot as video_snapshot

    assert _choices("doc", "snapshot", "target") == set(doc_snapshot.IMAGE_FORMATS)
    assert _choices("doc", "convert", "target") == {"pdf", "txt", *doc_snapshot.IMAGE_FORMATS}
    assert _choices("video", "snapshot", "f") == set(video_snapshot.FORMATS)
    assert _choices("audio", "convert", "f") == set(audio_convert.TARGETS)
    assert _choices("image", "blindwatermark", "s") == set(blindmark.STRENGTHS)
