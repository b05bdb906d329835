"""Converted PDFs shared between the workers of one pool: LibreOffice runs once per document content."""

import os

import pytest

from proxy.limits import Limits
from proxy.process.doc import document, office, shared_pdfs


@pytest.fixture
def shared(tmp_path):
    shared_pdfs.use(tmp_path)
    yield tmp_path
    shared_pdfs.use(None)


def test_a_stored_pdf_loads_back_and_counts_as_just_used(shared):
    shared_pdfs.store("a.docx.pdf", b"%PDF-1.7 a")
    os.utime(shared / "a.docx.pdf", (1, 1))
    assert shared_pdfs.load("a.docx.pdf") == b"%PDF-1.7 a"
    assert (shared / "a.docx.pdf").stat().st_mtime > 1
    assert shared_pdfs.load("missing.docx.pdf") is None
    assert [p.name for p in shared.iterdir()] == ["a.docx.pdf"]  # no .part left behind


def test_the_folder_is_trimmed_to_its_budget_least_recently_used_first(shared):
    for age, name in enumerate(["old.pdf", "used.pdf", "new.pdf"]):
        shared_pdfs.store(name, b"x" * 100)
        os.utime(shared / name, (1_000 + age, 1_000 + age))
    assert shared_pdfs.load("old.pdf") is not None  # now the most recently used
    shared_pdfs.store("newest.pdf", b"y" * 100, budget=250)
    assert sorted(p.name for p in shared.iterdir()) == ["newest.pdf", "old.pdf"]


def test_outside_a_pool_nothing_is_shared(tmp_path):
    shared_pdfs.use(None)
    shared_pdfs.store("a.pdf", b"%PDF")
    assert shared_pdfs.load("a.pdf") is None
    assert list(tmp_path.iterdir()) == []


def test_a_document_converted_by_one_worker_is_not_converted_again_by_another(shared, monkeypatch):
    conversions = []

    def convert(data, source_type, limits):
        conversions.append(source_type)
        return b"%PDF-1.7 converted " + data

    monkeypatch.setattr(office, "convert_to_pdf", convert)
    document._converted.clear()
    first = document.as_pdf(b"a document", "docx", Limits())
    document._converted.clear()  # another worker: its own in-memory cache is empty
    second = document.as_pdf(b"a document", "docx", Limits())
    assert first == second == b"%PDF-1.7 converted a document"
    assert conversions == ["docx"]
    assert document.as_pdf(b"another document", "docx", Limits()) != first and len(conversions) == 2
    document._converted.clear()
