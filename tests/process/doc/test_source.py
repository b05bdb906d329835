"""The document type: source_ or the key's extension, bound by the front before anything is fetched."""

import pytest

from proxy.errors import OssError
from proxy.grammar.chain import parse_process
from proxy.grammar.doc_source import key_type, step_type, with_key_type
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process.runner import run_chain


@pytest.mark.parametrize(("key", "expected"), [
    ("report.pdf", "pdf"), ("a/b/Q3.DOCX", "docx"), ("x.tar.csv", "csv"),
    ("noext", None), ("dir.docx/file", None), (".docx", None), ("photo.jpg", None),
])
def test_key_type_reads_the_last_extension(key, expected):
    assert key_type(key) == expected


def test_the_key_extension_becomes_source_of_the_first_action():
    chain = with_key_type(parse_process("doc/snapshot,page_2", OSS), "reports/q3.docx")
    assert chain.canonical() == "doc/snapshot,page_2,source_docx"


def test_an_explicit_source_wins_over_the_key():
    chain = parse_process("doc/convert,target_jpg/snapshot,source_pdf,page_2", OSS)
    assert with_key_type(chain, "file.docx") is chain


def test_no_source_and_no_extension_is_a_400_before_any_fetch():
    with pytest.raises(OssError) as info:
        with_key_type(parse_process("doc/snapshot", OSS), "exmaple")
    assert (info.value.status, info.value.code) == (400, "MissingArgument")
    assert "'exmaple'" in info.value.message


def test_other_categories_are_left_alone():
    chain = parse_process("image/resize,w_10", OSS)
    assert with_key_type(chain, "noext") is chain


def test_source_is_case_insensitive_and_checked():
    assert parse_process("doc/snapshot,source_DOCX", OSS).canonical() == "doc/snapshot,source_docx"
    with pytest.raises(OssError) as info:
        parse_process("doc/snapshot,source_exe", OSS)
    assert info.value.code == "InvalidArgument"


def test_a_step_names_one_type():
    chain = parse_process("doc/convert,target_jpg,source_docx/snapshot,source_pdf,page_2", OSS)
    with pytest.raises(OssError) as info:
        step_type(chain.steps[0].actions)
    assert "docx, pdf" in info.value.message


def test_a_step_without_a_type_is_a_400_in_the_worker_too(colour_pdf):
    with pytest.raises(OssError) as info:
        run_chain(parse_process("doc/snapshot", OSS), colour_pdf, "application/pdf", Limits())
    assert info.value.code == "MissingArgument"
