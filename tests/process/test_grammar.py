"""The x-oss-process grammar against a small catalogue of its own, so it is tested apart from any action."""

import pytest

from proxy.errors import OssError
from proxy.grammar.catalogue import ActionSpec, Catalogue
from proxy.grammar.chain import build_process, parse_process
from proxy.grammar.params import Param, b64_text, choice_param, int_param

UNUSED = "no.engine"  # the grammar never imports an engine


@pytest.fixture(scope="module")
def catalogue():
    return Catalogue((
        ActionSpec("image", "resize", (
            choice_param("m", ("lfit", "mfit", "fill", "pad", "fixed"), "0040-00000311", default="lfit"),
            int_param("w", 1, 16384, "0040-00000312"),
            int_param("h", 1, 16384, "0040-00000313"),
            int_param("limit", 0, 1, "0040-00000319", default=1),
        ), UNUSED),
        ActionSpec("image", "rotate", (int_param("", 0, 360, "0040-00000217"),), UNUSED, single_value=True),
        ActionSpec("image", "watermark", (Param("text", b64_text, "Base64 text"),), UNUSED),
        ActionSpec("image", "info", (), UNUSED, standalone=True),
        ActionSpec("doc", "snapshot", (int_param("page", 1, 2000),), UNUSED),
    ), unsupported={"image": frozenset({"labels"})})


def _fails(catalogue, text, status=400, code=None, ec=None, **kwargs):
    with pytest.raises(OssError) as info:
        parse_process(text, catalogue, **kwargs)
    err = info.value
    assert err.status == status
    if code:
        assert err.code == code
    if ec:
        assert err.ec == ec
    return err


def test_actions_run_in_order_with_typed_values(catalogue):
    chain = parse_process("image/resize,w_200,h_100/rotate,90", catalogue)
    (step,) = chain.steps
    assert step.category == "image"
    assert [a.name for a in step.actions] == ["resize", "rotate"]
    assert step.actions[0].args == {"w": 200, "h": 100}
    assert step.actions[1].get("") == 90


def test_same_meaning_gives_the_same_canonical_string(catalogue):
    variants = [
        "image/resize,w_200,h_100,m_lfit",
        "image/resize,h_100,w_200",
        "image/resize,h_0100,w_200,limit_1,",
        "image/resize,w_200,h_100,r_7",  # unknown keys are ignored, as OSS does
    ]
    canon = {parse_process(v, catalogue).canonical() for v in variants}
    assert canon == {"image/resize,h_100,w_200"}


def test_canonical_string_parses_back_to_itself(catalogue):
    text = "image/resize,m_fixed,w_5,h_6,limit_0/rotate,45/watermark,text_SGk"
    canonical = parse_process(text, catalogue).canonical()
    assert parse_process(canonical, catalogue).canonical() == canonical
    assert canonical == "image/resize,h_6,limit_0,m_fixed,w_5/rotate,45/watermark,text_SGk"


def test_base64_values_split_at_first_underscore_and_accept_both_alphabets(catalogue):
    # "阿里" in URL-safe Base64 has an underscore; standard Base64 of "Hello 图片服务" + U+FF01 has '+'.
    chain = parse_process("image/watermark,text_6Zi_6YeM", catalogue)
    assert chain.steps[0].actions[0].get("text") == "6Zi_6YeM"
    std = parse_process("image/watermark,text_aGVsbG8g5Zu+54mH5pyN5Yqh77yB", catalogue)
    url = parse_process("image/watermark,text_aGVsbG8g5Zu-54mH5pyN5Yqh77yB==", catalogue)
    assert std.canonical() == url.canonical() == "image/watermark,text_aGVsbG8g5Zu-54mH5pyN5Yqh77yB"


def test_category_switch_starts_a_new_step(catalogue):
    chain = parse_process("doc/snapshot,page_2/image/resize,w_300", catalogue)
    assert [(s.category, [a.name for a in s.actions]) for s in chain.steps] == [
        ("doc", ["snapshot"]), ("image", ["resize"]),
    ]
    assert chain.canonical() == "doc/snapshot,page_2/image/resize,w_300"


def test_style_reference_is_kept_for_the_front_to_expand(catalogue):
    chain = parse_process("style/thumb_1.x", catalogue)
    assert chain.style == "thumb_1.x" and chain.canonical() == "style/thumb_1.x"
    _fails(catalogue, "style/a/resize,w_1", code="BadRequest")
    _fails(catalogue, "style/", code="BadRequest")


def test_build_process_round_trips(catalogue):
    text = build_process("image", ("resize", {"w": 300, "m": "fixed", "h": 10}), ("rotate", 90), ("info", None))
    assert text == "image/resize,w_300,m_fixed,h_10/rotate,90/info"
    assert parse_process(text.removesuffix("/info"), catalogue).canonical() == (
        "image/resize,h_10,m_fixed,w_300/rotate,90"
    )


@pytest.mark.parametrize(
    ("text", "code", "ec"),
    [
        ("image/", "BadRequest", "0040-00000212"),
        ("image", "BadRequest", "0040-00000212"),
        ("image/slim,1", "BadRequest", "0040-00000213"),
        ("image/resize,w_100//rotate,9", "BadRequest", "0040-00000212"),
        ("image/rotate,90,200,300", "BadRequest", "0040-00000203"),
        ("image/rotate,abc", "InvalidArgument", "0040-00000217"),
        ("image/rotate,400", "InvalidArgument", "0040-00000217"),
        ("image/resize,m_abc,w_1", "InvalidArgument", "0040-00000311"),
        ("image/resize,w_0", "InvalidArgument", "0040-00000312"),
        ("image/resize,w_-5", "InvalidArgument", "0040-00000312"),
        ("image/resize,w_1.5", "InvalidArgument", "0040-00000312"),
        ("image/resize,w_", "InvalidArgument", "0040-00000312"),
        ("image/resize,limit_2,w_1", "InvalidArgument", "0040-00000319"),
        ("image/resize,w100", "BadRequest", None),
        ("image/resize,w_1,w_2", "BadRequest", None),
        ("image/watermark,text_@@@", "InvalidArgument", None),
        ("video/snapshot,t_0", "BadRequest", None),
        ("", "BadRequest", None),
        ("image/resize,w_1|sys/saveas,o_eA", "BadRequest", None),
        ("sys/saveas,o_eA", "BadRequest", None),
        ("image/info/resize,w_1", "InvalidArgument", None),
    ],
)
def test_grammar_errors_are_400_with_oss_codes(catalogue, text, code, ec):
    err = _fails(catalogue, text, code=code, ec=ec)
    assert err.message


def test_unsupported_intelligence_action_names_itself(catalogue):
    err = _fails(catalogue, "image/labels", code="NotImplemented")
    assert "image/labels" in err.message


def test_chain_length_is_bounded(catalogue):
    text = "image/" + "/".join(["rotate,90"] * 5)
    assert len(parse_process(text, catalogue, max_actions=5).steps[0].actions) == 5
    err = _fails(catalogue, text + "/rotate,1", code="BadRequest", max_actions=5)
    assert "limits.max_chain" in err.message


def test_bad_value_error_names_the_argument(catalogue):
    err = _fails(catalogue, "image/resize,w_99999")
    assert err.extra == {"ArgumentName": "w", "ArgumentValue": "99999"}
    assert "[1, 16384]" in err.message
