"""The JSON bodies OSS's processing tier writes (image/info, image/average-hue, sys/saveas).

OSS pretty-prints them its own way, which SDK tests compare byte for byte (image §4.14, image §5):
`{\\n    "a": 1,\\n    "b": {"value": "2"}}` — keys sorted, one per line after four spaces, the
closing brace right after the last value, no trailing newline; nested values stay on one line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from proxy.process.output import Output

MEDIA_TYPE = "application/json"  # image §1.3: most likely for image JSON [U]


def dumps(fields: Mapping[str, Any]) -> bytes:
    """`fields` in OSS's layout; values are any JSON-serialisable Python values."""
    entries = (f"{_dumps(key)}: {_dumps(value)}" for key, value in sorted(fields.items()))
    return ("{\n    " + ",\n    ".join(entries) + "}").encode("utf-8")


def output(fields: Mapping[str, Any]) -> Output:
    """`fields` rendered as a JSON response body."""
    return Output(dumps(fields), MEDIA_TYPE)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
