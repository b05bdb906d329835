"""The doc category: step shapes, signed-only specs, unsupported actions, the PDF cache bound."""

import pytest

from proxy.errors import OssError
from proxy.grammar.chain import parse_process
from proxy.grammar.doc import DOC
from proxy.grammar.oss import OSS
from proxy.grammar.params import encode_b64

from .conftest import COLOURS, decoded, near

MARK = encode_b64("x")


@pytest.mark.parametrize("chain", [
    "doc/snapshot/snapshot", "doc/snapshot/convert,target_pdf", "doc/convert,target_pdf/convert,target_txt",
    f"doc/watermark,text_{MARK}", f"doc/convert,target_pdf/watermark,text_{MARK}", "doc/preview/snapshot",
])
def test_other_shapes_are_refused(fails, colour_pdf, chain):
    err = fails(chain, colour_pdf, "a.pdf")
    assert (err.status, err.code) == (400, "InvalidArgument")
    assert "optional convert" in err.message


def test_every_doc_action_is_signed_only():
    assert all(spec.signed_only for spec in DOC)


def test_doc_edit_is_not_implemented():
    with pytest.raises(OssError) as info:
        parse_process("doc/edit", OSS)
    assert info.value.code == "NotImplemented"


def test_a_later_doc_step_reads_the_previous_output_as_the_type_it_names(run, fails, colour_pdf):
    chain = "doc/convert,target_pdf,pages_2-3/doc/snapshot,source_pdf,page_2,target_png"
    assert near(decoded(run(chain, colour_pdf, "a.pdf")).getpixel((10, 10)), COLOURS[2])
    err = fails("doc/convert,target_pdf,pages_2-3/doc/snapshot,page_2", colour_pdf, "a.pdf")
    assert err.code == "MissingArgument"
