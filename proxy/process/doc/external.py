"""Defuse what makes an office file pull in content from outside itself, before LibreOffice reads it.

The sandbox (`sandbox`) is what keeps the host's files out of reach; this is the second wall, so that a
document never even asks for them:
- RTF: fields whose command is INCLUDEPICTURE, INCLUDETEXT, INCLUDE, LINK, IMPORT, DDE or DDEAUTO lose
  their command (LibreOffice then shows the result the file carries), and linked objects become embedded.
- OOXML (docx, xlsx, pptx): relationships with TargetMode="External" are dropped, except hyperlinks to
  http(s) or mailto, and the same fields lose their command in `instrText` and `fldSimple`.
- ODF: `href`s that leave the package (a URL, an absolute path, `..`) are emptied, except on links.
Matching is by local name, whatever namespace prefix the file declares, and field commands are read
after entities, CDATA, RTF escapes and run splits, so spelling a keyword oddly does not get it through.
Binary Office files (doc, xls, ppt) are left as they are: only the sandbox confines them.
"""

from __future__ import annotations

import html
import io
import re
import zipfile

# Field keywords, matched as prefixes (no other field starts with one), so "INCLUDEPICTURE\"x\"" counts too.
FIELDS = ("INCLUDEPICTURE", "INCLUDETEXT", "INCLUDE", "LINK", "IMPORT", "DDE", "DDEAUTO")
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_HYPERLINK = "/hyperlink"
_KEYWORD = re.compile(r"\s*([A-Za-z]+)")


def neutralise(data: bytes) -> bytes:
    """`data` with external content defused, by its container; unchanged when there is nothing to defuse."""
    if data.startswith(b"{\\rtf"):
        return _rtf(data)
    if data.startswith(b"PK\x03\x04"):
        return _package(data)
    return data


def _dangerous(command: str) -> bool:
    keyword = _KEYWORD.match(command)
    return keyword is not None and keyword.group(1).upper().startswith(FIELDS)


# RTF -------------------------------------------------------------------------------------------------

_RTF_TOKEN = re.compile(rb"\\'([0-9a-fA-F]{2})|\\u(-?\d+) ?|\\([a-zA-Z]+)(-?\d+)? ?|\\(.)|([{}])|([^\\{}]+)", re.S)
_FLDINST = re.compile(rb"\\fldinst(?![a-zA-Z])-?\d* ?")
_LINKED_OBJECT = re.compile(rb"\\obj(?:aut)?link(?![a-zA-Z])")
# Groups inside a field command whose text is no part of it: "\*" destinations and binary ones.
_NOT_TEXT = frozenset({b"pict", b"object", b"shppict", b"nonshppict", b"datafield", b"objdata", b"result"})
_COMMAND_CHARS = 64  # a field's keyword comes first: this much text past leading blanks decides


class _Command:
    """The start of one \\fldinst group's text, as LibreOffice reads it: escapes decoded, blanks leading."""

    def __init__(self, start: int) -> None:
        self.start = start
        self.text = ""

    def add(self, text: str) -> None:
        if len(self.text) < _COMMAND_CHARS:
            self.text = (self.text + text).lstrip()


def _rtf(data: bytes) -> bytes:
    """Empty each dangerous \\fldinst group and turn \\objlink / \\objautlink into \\objemb, parsing only the field
    groups (each \\fldinst to its closing brace, nested fields included): the cost follows the fields' size."""
    cuts: list[tuple[int, int]] = []
    scanned = 0
    for match in _FLDINST.finditer(data):
        if match.start() >= scanned:
            scanned = _field_group(data, match.end(), cuts)
    if not cuts and _LINKED_OBJECT.search(data) is None:
        return data
    out, last = [], 0
    for start, end in sorted(cuts):
        if start >= last:
            out += [data[last:start], b" "]
            last = end
    out.append(data[last:])
    return _LINKED_OBJECT.sub(rb"\\objemb", b"".join(out))


def _field_group(data: bytes, start: int, cuts: list[tuple[int, int]]) -> int:
    """Read the \\fldinst group whose text begins at `start`; add dangerous ones to `cuts`; return its end."""
    # per open group: the command it feeds (None: its text is no command's), and whether it just opened
    groups: list[tuple[_Command | None, bool]] = [(_Command(start), False)]
    pos, skip, stand_ins = start, 0, 1
    while groups and (token := _RTF_TOKEN.match(data, pos)) is not None:
        pos = token.end()
        hexa, uni, word, number, symbol, brace, plain = token.groups()
        command, fresh = groups[-1]
        if brace == b"{":
            groups.append((command, True))
            continue
        if brace == b"}":
            groups.pop()
            if command is not None and (not groups or groups[-1][0] is not command) and _dangerous(command.text):
                cuts.append((command.start, token.start()))
            continue
        groups[-1] = (command, False)
        if word == b"fldinst":
            groups[-1] = (_Command(pos), False)
        elif word == b"bin":
            pos += max(0, int(number or 0))  # raw bytes, braces included, are no markup
        elif word == b"uc":
            stand_ins = max(0, int(number or 0))
        elif fresh and (symbol == b"*" or word in _NOT_TEXT):
            groups[-1] = (None, False)
        elif command is None:
            continue
        elif uni is not None:
            command.add(chr(int(uni) % 0x10000))
            skip = stand_ins  # the ANSI stand-ins that follow \uN
        elif hexa is not None:
            if skip:
                skip -= 1
            else:
                command.add(chr(int(hexa, 16)))
        elif plain is not None:
            chunk = plain.decode("latin-1").replace("\r", "").replace("\n", "")  # RTF ignores line breaks
            command.add(chunk[skip:])
            skip = max(0, skip - len(chunk))
    # groups left open at the end: LibreOffice reads the fields all the same
    for command, _ in groups:
        if command is not None and _dangerous(command.text):
            cuts.append((command.start, len(data)))
    return pos


# Zipped packages (OOXML, ODF) ------------------------------------------------------------------------

# Only tags with an attribute that can name something outside (values may hold ">"), so the callback
# runs on few tags even in a huge sheet.
_VALUE = r"""(?:"[^"]*"|'[^']*')"""
_OTHER = rf"(?:\s+[\w.:-]+\s*=\s*{_VALUE})"
_TAG = re.compile(
    rf"<(?:[\w.-]+:)?([\w.-]+)({_OTHER}*?\s+(?:[\w.-]+:)?(?:href|instr|TargetMode)\s*=\s*{_VALUE}{_OTHER}*)\s*/?>"
)
_ATTRIBUTE = re.compile(r"((?:[\w.-]+:)?([\w.-]+))\s*=\s*(\"[^\"]*\"|'[^']*')", re.S)
_FIELD_TOKEN = re.compile(
    r"<(?:[\w.-]+:)?fldChar\b[^>]*?fldCharType\s*=\s*[\"'](begin|separate|end)[\"'][^>]*>"
    r"|(<(?:[\w.-]+:)?instrText\b[^>]*?(?<!/)>)(.*?)(</(?:[\w.-]+:)?instrText\s*>)",
    re.S,
)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_UTF16 = {b"\xff\xfe": "utf-16-le", b"<\x00": "utf-16-le", b"\xfe\xff": "utf-16-be", b"\x00<": "utf-16-be"}


def _package(data: bytes) -> bytes:
    """The zip with every XML member defused, or the original bytes when no member changed; members are read one
    at a time and only the changed ones kept, so a large package is not held twice in memory."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            changed = {info.filename: new for info in archive.infolist()
                       if (new := _member(archive.read(info))) is not None}
            if not changed:
                return data
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as target:
                for info in archive.infolist():
                    target.writestr(info, changed.get(info.filename) or archive.read(info))
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError, RuntimeError, OSError):
        return data  # LibreOffice will refuse it too, with the 400 that says so
    return out.getvalue()


def _member(content: bytes) -> bytes | None:
    """One member defused when it is XML (whatever its name: parts are found by content type), else None."""
    # UTF-16 is decoded as such; anything else as Latin-1, which keeps every byte of UTF-8 or any other
    # ASCII-based encoding as it was, since only ASCII is ever written back.
    encoding = _UTF16.get(content[:2], "latin-1")
    if not content[:256].decode(encoding, "ignore").lstrip("\ufeff \t\r\n").startswith("<"):
        return None
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError:
        return None
    new = _tags(_fields(text))
    if new == text:
        return None
    return new.encode(encoding)


def _tags(text: str) -> str:
    """Drop external relationships, empty fldSimple commands and out-of-package hrefs."""

    def rewrite(tag: re.Match[str]) -> str:
        name, attributes = tag.group(1), tag.group(2)
        values = {local: html.unescape(value[1:-1]) for _, local, value in _ATTRIBUTE.findall(attributes)}
        if name == "Relationship" and values.get("TargetMode", "").lower() == "external":
            target = values.get("Target", "")
            keep = values.get("Type", "").endswith(_HYPERLINK) and target.lower().startswith(_LINK_SCHEMES)
            return tag.group(0) if keep else ""
        if name == "fldSimple" and _dangerous(values.get("instr", "")):
            return _with_attribute(tag, "instr", "")
        if "href" in values and name != "a" and _leaves_package(values["href"]):
            return _with_attribute(tag, "href", "")
        return tag.group(0)

    return _TAG.sub(rewrite, text)


def _with_attribute(tag: re.Match[str], local: str, value: str) -> str:
    def replace(attribute: re.Match[str]) -> str:
        return f'{attribute.group(1)}="{value}"' if attribute.group(2) == local else attribute.group(0)

    start, end = tag.span(2)
    whole = tag.group(0)
    offset = tag.start()
    return whole[:start - offset] + _ATTRIBUTE.sub(replace, tag.group(2)) + whole[end - offset:]


def _leaves_package(href: str) -> bool:
    """Whether an ODF reference points outside the zip: a URL, an absolute path, or up past its root."""
    href = href.strip()
    return (bool(re.match(r"[A-Za-z][\w+.-]*:", href)) or href.startswith(("/", "\\"))
            or ".." in re.split(r"[/\\]", href))


def _fields(text: str) -> str:
    """Empty the instrText runs of every complex field whose command (joined across runs) is dangerous."""
    if "instrText" not in text:
        return text
    open_fields: list[_Field] = []  # innermost last: fields nest
    cuts: list[tuple[int, int]] = []
    for token in _FIELD_TOKEN.finditer(text):
        kind = token.group(1)
        if kind == "begin":
            open_fields.append(_Field())
        elif kind is None:
            field = open_fields[-1] if open_fields else _Field()  # a stray instruction is judged alone
            field.spans.append(token.span(3))
            field.command.append(html.unescape(_CDATA.sub(r"\1", token.group(3))))
            if not open_fields:
                cuts += field.verdict()
        elif open_fields:
            field = open_fields[-1] if kind == "separate" else open_fields.pop()
            cuts += field.verdict()
    out, last = [], 0
    for start, end in sorted(cuts):
        out.append(text[last:start])
        last = end
    out.append(text[last:])
    return "".join(out)


class _Field:
    """One complex field being read: its instrText contents and where they are."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []
        self.command: list[str] = []

    def verdict(self) -> list[tuple[int, int]]:
        """The spans to empty (all of them when the command is dangerous); later runs start a new reading."""
        spans = self.spans if _dangerous("".join(self.command)) else []
        self.spans, self.command = [], []
        return spans
