"""Typed action parameters: each knows how to parse its text, its OSS error code and its default."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from proxy.errors import OssError, invalid_argument

Parser = Callable[[str], Any]


@dataclass(frozen=True)
class Param:
    """One `key_value` argument of an action (`key` is "" for a single-value action's bare value)."""

    key: str
    parse: Parser
    describe: str
    ec: str | None = None
    # What the action uses when the key is absent; a value equal to it is dropped from the canonical string,
    # so `resize,m_lfit,w_1` and `resize,w_1` share a cache key.
    default: Any = None
    code: str = "InvalidArgument"
    required: bool = False  # when absent: MissingArgument with `ec`

    def convert(self, action: str, text: str) -> Any:
        try:
            return self.parse(text)
        except ValueError:
            name = f"{action},{self.key}_" if self.key else f"{action},"
            raise OssError(
                400, self.code, f"The value {text!r} of {name} is invalid: expected {self.describe}.",
                self.ec, {"ArgumentName": self.key or action, "ArgumentValue": text},
            ) from None


def integer(lo: int, hi: int) -> Parser:
    """A decimal integer in [lo, hi]; signs allowed only where lo < 0."""
    pattern = re.compile(r"-?\d{1,9}" if lo < 0 else r"\d{1,9}")

    def parse(text: str) -> int:
        if not pattern.fullmatch(text):
            raise ValueError(text)
        value = int(text)
        if not lo <= value <= hi:
            raise ValueError(text)
        return value

    return parse


def choice(*values: str) -> Parser:
    def parse(text: str) -> str:
        if text not in values:
            raise ValueError(text)
        return text

    return parse


def hex_color(text: str) -> str:
    """Exactly six hex digits, normalised to upper case."""
    if not re.fullmatch(r"[0-9A-Fa-f]{6}", text):
        raise ValueError(text)
    return text.upper()


def b64_text(text: str) -> str:
    """URL-safe or standard Base64 of UTF-8 text, padding optional; normalised to URL-safe, unpadded."""
    return encode_b64(decode_b64(text))


def decode_b64(text: str) -> str:
    """Decode Base64 in either alphabet with or without padding (a space stands for a raw `+`)."""
    cleaned = text.replace(" ", "+").rstrip("=")
    if not re.fullmatch(r"[A-Za-z0-9+/_-]*", cleaned) or len(cleaned) % 4 == 1:
        raise ValueError(text)
    try:
        raw = base64.b64decode(
            cleaned.replace("-", "+").replace("_", "/") + "=" * (-len(cleaned) % 4), validate=True
        )
        return raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError(text) from None


def encode_b64(text: str) -> str:
    """URL-safe Base64 without padding, the form OSS documents."""
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def int_param(key: str, lo: int, hi: int, ec: str | None = None, default: int | None = None, *,
              required: bool = False) -> Param:
    return Param(key, integer(lo, hi), f"an integer in [{lo}, {hi}]", ec, default, required=required)


def choice_param(key: str, values: tuple[str, ...], ec: str | None = None, default: str | None = None, *,
                 required: bool = False) -> Param:
    return Param(key, choice(*values), "one of " + ", ".join(values), ec, default, required=required)


def missing(action: str, keys: tuple[str, ...], ec: str | None) -> OssError:
    """MissingArgument for an action given none of `keys` (one key: that one; "" is a bare value)."""
    if keys == ("",):
        return OssError(400, "MissingArgument", f"{action} needs a value.", ec)
    wanted = ", ".join(f"{k}_" for k in keys)
    needs = f"needs {wanted}" if len(keys) == 1 else f"needs at least one of {wanted}"
    return OssError(400, "MissingArgument", f"{action} {needs}.", ec)


def invalid(action: str, message: str, ec: str | None = None) -> OssError:
    return invalid_argument(f"{action}: {message}", ec)
