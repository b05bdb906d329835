"""CORS rules as S3 keeps them (a bucket's own, or `buckets.<name>.cors`), and the headers a browser's request earns."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

METHODS = ("GET", "PUT", "POST", "DELETE", "HEAD")  # the methods a rule may allow, as S3 accepts them
PREFLIGHT_VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


@dataclass(frozen=True, slots=True)
class CorsRule:
    """One `CORSRule`: origins and headers may each hold one `*`, matching any run of characters."""

    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age_s: int | None = None

    def allows(self, origin: str, method: str, headers: Iterable[str] = ()) -> bool:
        """Whether this rule admits a request from `origin` by `method` sending `headers` (lower-cased)."""
        return (method in self.allowed_methods
                and any(wildcard_match(pattern, origin) for pattern in self.allowed_origins)
                and all(any(wildcard_match(p.lower(), h) for p in self.allowed_headers) for h in headers))


def wildcard_match(pattern: str, value: str) -> bool:
    """`pattern` with at most one `*` standing for any run of characters (S3 allows no more)."""
    head, star, tail = pattern.partition("*")
    if not star:
        return pattern == value
    return len(value) >= len(head) + len(tail) and value.startswith(head) and value.endswith(tail)


def matching_rule(rules: Sequence[CorsRule], origin: str, method: str, headers: Iterable[str] = ()) -> CorsRule | None:
    """The first rule that admits the request, as S3 picks one."""
    wanted = tuple(headers)
    return next((rule for rule in rules if rule.allows(origin, method, wanted)), None)


def requested_headers(value: str) -> tuple[str, ...]:
    """`Access-Control-Request-Headers` as names, lower-cased (header names compare without case)."""
    return tuple(name for name in (part.strip().lower() for part in value.split(",")) if name)


def allowed_headers(rule: CorsRule, origin: str) -> dict[str, str]:
    """What an admitted request's answer carries: `*` for a rule open to every origin, else the origin itself
    with credentials allowed, as S3 answers."""
    headers = {"Access-Control-Allow-Methods": ", ".join(rule.allowed_methods)}
    if "*" in rule.allowed_origins:
        headers["Access-Control-Allow-Origin"] = "*"
    else:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Allow-Credentials"] = "true"
    if rule.expose_headers:
        headers["Access-Control-Expose-Headers"] = ", ".join(rule.expose_headers)
    if rule.max_age_s is not None:
        headers["Access-Control-Max-Age"] = str(rule.max_age_s)
    return headers


def preflight_headers(rule: CorsRule, origin: str, wanted: Sequence[str]) -> dict[str, str]:
    """An admitted preflight's answer: the rule's grant, the requested headers echoed, and the Vary caches need."""
    headers = allowed_headers(rule, origin)
    if wanted:
        headers["Access-Control-Allow-Headers"] = ", ".join(wanted)
    headers["Vary"] = PREFLIGHT_VARY
    return headers

