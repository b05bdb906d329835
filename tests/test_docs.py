"""The repository stands alone: every OSS citation resolves to a section of docs/oss, every confidence tag is
one the legend defines, every link between the docs pages lands, and no file reaches outside the clone."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
OSS = DOCS / "oss"
SECTION = "\u00a7"  # spelt as an escape so this file holds no citation of its own
PAGES = ("image", "media", "saveas", "auth", "errors")
# `N` is the placeholder the legend writes for "a section number".
CITATION = re.compile(rf"\b(?P<page>[A-Za-z]+)\s+{SECTION}\s*(?P<number>\d+(?:\.\d+)*|N\b)")
# An outside standard cites its own sections (`RFC 9110` then the section sign and 15.4.5).
STANDARD = re.compile(rf"\bRFC\s+\d+\s+{SECTION}\s*\d+(?:\.\d+)*")
ANY_SECTION = re.compile(rf"{SECTION}")
ANCHOR = re.compile(r'<a id="s(?P<number>\d+(?:\.\d+)*)"></a>\n#+ (?P<heading>\S+)')
TAG = re.compile(r"\[(?P<tag>[A-Z])(?P<variant>-[a-z]+)?(?=[\]\s,;:])")
TAGS = frozenset("DSCIU")
TAG_VARIANTS = frozenset({"", "-legacy", "-old", "-console"})
LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
# Paths that leave the clone. `/wor[k]/` so that this pattern does not match its own source text.
OUTSIDE = re.compile(r"/wor[k]/|\.\./+(?:\.\./+)*shared\b|/\s*[\"']shared[\"']")
PARENTS = re.compile(r"\bparents\[(?P<index>\d+)\](?P<more>(?:\.parent\b)*)")
PARENT_CHAIN = re.compile(r"__file__\)(?:\.resolve\(\))?(?P<chain>(?:\.parent\b)+)")

CITING = [REPO / "README.md", *sorted(p for top in ("proxy", "tests", "bench", "docs")
                                      for p in (REPO / top).rglob("*") if p.suffix in (".py", ".md"))]
CONFINED = ("tests", "scripts", "bench", "proxy", "docs", ".ci")


def _text_files(top: str) -> list[Path]:
    found = []
    for path in sorted((REPO / top).rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images and other binary fixtures
        found.append(path)
    return found


def sections(page: Path) -> set[str]:
    """The section numbers a docs page defines: an explicit `s<number>` anchor right above its heading."""
    return {m["number"] for m in ANCHOR.finditer(page.read_text(encoding="utf-8"))}


def citation_problems(text: str, known: dict[str, set[str]]) -> list[str]:
    """Every section sign in `text` must be part of `<page> <number>` naming a known section, or of an RFC."""
    problems = []
    good = {m.start(): m for m in CITATION.finditer(text)}
    standard = {m.start() for m in STANDARD.finditer(text)}
    spans = [(m.start(), m.end()) for m in [*good.values(), *STANDARD.finditer(text)]]
    for sign in ANY_SECTION.finditer(text):
        if not any(start <= sign.start() < end for start, end in spans):
            problems.append(f"bare {text[sign.start():sign.start() + 8]!r}: name the page ({', '.join(PAGES)})")
    for start, match in good.items():
        if start in standard:
            continue
        page, number = match["page"], match["number"]
        if page not in known:
            problems.append(f"{match[0]!r}: no page docs/oss/{page}.md")
        elif number != "N" and number not in known[page]:
            problems.append(f"{match[0]!r}: docs/oss/{page}.md has no section {number}")
    return problems


def tag_problems(text: str) -> list[str]:
    """Confidence tags outside the legend of docs/oss/README.md."""
    return [m["tag"] + (m["variant"] or "") for m in TAG.finditer(text)
            if m["tag"] not in TAGS or (m["variant"] or "") not in TAG_VARIANTS]


def prose(path: Path) -> str:
    """What a reader sees of a file: for Python its comments and strings, so type subscripts in code are not tags."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        return text
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return "\n".join(t.string for t in tokens if t.type in (tokenize.COMMENT, tokenize.STRING))


def outside_references(relative: Path, text: str) -> list[str]:
    """Paths in `text` (a file at `relative` in the repository) that lead out of the clone."""
    found = [m[0] for m in OUTSIDE.finditer(text)]
    depth = len(relative.parts) - 1  # parents[depth] of the file is the repository root
    for m in PARENTS.finditer(text):
        if int(m["index"]) + m["more"].count(".parent") > depth:
            found.append(m[0])
    for m in PARENT_CHAIN.finditer(text):
        if m["chain"].count(".parent") - 1 > depth:
            found.append(m[0])
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.fixture(scope="module")
def known() -> dict[str, set[str]]:
    return {page: sections(OSS / f"{page}.md") for page in PAGES}


def test_every_page_the_legend_names_exists_with_numbered_sections(known):
    legend = (OSS / "README.md").read_text(encoding="utf-8")
    for page in PAGES:
        assert f"({page}.md)" in legend and f"`{page} {SECTION}N`" in legend
        assert known[page], f"docs/oss/{page}.md defines no section"


def test_each_anchor_sits_on_the_heading_of_its_own_number():
    for page in OSS.glob("*.md"):
        for m in ANCHOR.finditer(page.read_text(encoding="utf-8")):
            assert m["heading"] == m["number"], f"{page.name}: anchor s{m['number']} above heading {m['heading']}"


@pytest.mark.parametrize("path", CITING, ids=lambda p: str(p.relative_to(REPO)))
def test_every_citation_resolves_to_a_docs_section(path, known):
    assert citation_problems(path.read_text(encoding="utf-8"), known) == []


@pytest.mark.parametrize("path", CITING, ids=lambda p: str(p.relative_to(REPO)))
def test_every_confidence_tag_is_in_the_legend(path):
    assert tag_problems(prose(path)) == []


def test_links_between_docs_pages_land():
    for page in DOCS.rglob("*.md"):
        for m in LINK.finditer(page.read_text(encoding="utf-8")):
            target = m["target"]
            if "://" in target:
                continue
            file, _, fragment = target.partition("#")
            linked = (page.parent / file).resolve() if file else page
            assert linked.is_file() and linked.is_relative_to(REPO), f"{page.name}: {target} is not in the repository"
            if fragment and linked.suffix == ".md":
                text = linked.read_text(encoding="utf-8")
                headings = {slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}
                anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
                assert fragment in headings | anchors, f"{page.name}: {target} names no heading"


@pytest.mark.parametrize("top", CONFINED)
def test_nothing_refers_to_a_path_outside_the_repository(top):
    offenders = {
        str(path.relative_to(REPO)): found
        for path in _text_files(top)
        if (found := outside_references(path.relative_to(REPO), path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_checks_catch_what_they_exist_for(known):
    """Each check reports the mistake it guards against (so the repository-wide tests can fail)."""
    s = SECTION
    assert citation_problems(f"image {s}4.1 and RFC 9110 {s}15.4.5", known) == []
    assert citation_problems(f"(spec {s}4.1)", known) == [f"'spec {s}4.1': no page docs/oss/spec.md"]
    assert citation_problems(f"image {s}9.9", known) == [f"'image {s}9.9': docs/oss/image.md has no section 9.9"]
    assert len(citation_problems(f"(image {s}4.14, {s}5)", known)) == 1  # the second sign names no page
    assert tag_problems("[U] [D-legacy] [I, inferred] [C][S] [D: documented]") == []
    # The mistakes are spelt in two pieces, so this file does not commit them itself.
    assert tag_problems("[" + "V] [" + "T] [" + "D-new]") == ["V", "T", "D-new"]
    nested, here = Path("tests/process/image/conftest.py"), "Path(__file__).resolve()"
    assert outside_references(nested, here + '.parents[' + '3] / "proxy"') == []
    assert outside_references(nested, here + ".parents[" + "3].parent") != []
    assert outside_references(nested, here + ".parent" * 5) != []
    assert outside_references(Path("scripts/demo.sh"), 'cat "$ROOT/..' + '/shared/spec/x.md"') != []
    assert outside_references(Path("bench/run.py"), "open('/wor" + "k/main/README.md')") != []


def test_the_module_map_names_every_module_of_proxy():
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    package = REPO / "proxy"
    modules = sorted(str(p.relative_to(package)) for p in package.rglob("*.py"))
    assert [m for m in modules if f"| `{m}` |" not in text] == []
