"""What a bucket name may be, as S3 and OSS both define it: one rule for the config and for save-as targets."""

from __future__ import annotations

import re

_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
BUCKET_NAME_RULE = "a bucket name of 3-63 lower-case letters, digits, '.', '-'"


def is_bucket_name(name: str) -> bool:
    """Whether `name` is a bucket name (it never holds an underscore, so no bucket shadows `/_osprey/`)."""
    return _BUCKET_NAME.fullmatch(name) is not None
