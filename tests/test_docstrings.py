"""Docstrings of functions and classes in proxy/ are one or two lines (STYLE); what a maintainer must know beyond
that lives in a comment where it matters, in the module docstring or in docs/architecture.md."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAX_LINES = 2

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def long_docstrings(source: str, path: str) -> Iterator[str]:
    """`path:qualname` of every function or class whose docstring runs longer than MAX_LINES."""
    def walk(node: ast.AST, prefix: str) -> Iterator[str]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, Definition):
                qualname = prefix + child.name
                docstring = ast.get_docstring(child, clean=False)
                if docstring and len(docstring.strip().splitlines()) > MAX_LINES:
                    yield f"{path}:{qualname}"
                yield from walk(child, qualname + ".")
            else:
                yield from walk(child, prefix)
    yield from walk(ast.parse(source), "")


def _found() -> set[str]:
    return {found for file in sorted((REPO / "proxy").rglob("*.py"))
            for found in long_docstrings(file.read_text(encoding="utf-8"), file.relative_to(REPO).as_posix())}


def test_no_function_or_class_docstring_runs_longer_than_two_lines():
    assert sorted(_found()) == []


def test_the_check_counts_lines_and_names_nested_definitions():
    source = '''
class Outer:
    """One line."""

    def method(self):
        """One,
        two,
        three."""

    class Inner:
        """One,
        two."""


async def free():
    """One,

    three."""
'''
    assert sorted(long_docstrings(source, "x.py")) == ["x.py:Outer.method", "x.py:free"]
