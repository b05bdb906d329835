"""Property tests: random process strings built from the grammar's own alphabet never break the parser
(a Chain whose canonical string is stable, or a 4xx OssError) and never make the live app answer 500 or hang."""

from __future__ import annotations

import asyncio
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from aiohttp import web
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from proxy.app import build_app
from proxy.errors import OssError
from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS

from ..front.conftest import jpeg_bytes, local_config

CATEGORIES = sorted(OSS.categories())
ACTIONS = sorted({a for c in CATEGORIES for a in OSS.actions(c)})
KEYS = sorted({p.key for c in CATEGORIES for a in OSS.actions(c) for p in OSS.get(c, a).params} - {""})
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+"
ALPHABET = B64 + ",/_"

values = st.one_of(
    st.integers(-5, 20000).map(str),
    st.sampled_from(["0", "1", "lfit", "fixed", "fill", "pad", "mfit", "png", "jpg", "webp", "gif",
                     "nw", "se", "center", "FF0000", "aGVsbG8", "5L2g5aW9", "cmVkLmpwZw"]),
    st.text(B64, max_size=8),
)
argument = st.one_of(
    st.builds(lambda k, v: f"{k}_{v}", st.sampled_from(KEYS), values),
    values,
    st.text(ALPHABET, max_size=6),
)
action = st.builds(lambda name, args: ",".join([name, *args]),
                   st.sampled_from(ACTIONS) | st.text(ALPHABET, min_size=1, max_size=6),
                   st.lists(argument, max_size=4))


def _rendered(value) -> str:
    return ("1" if value else "0") if isinstance(value, bool) else str(value)


@st.composite
def registered_chain(draw) -> str:
    """Mostly well-formed: one category's registered actions with their own keys and likely values."""
    category = draw(st.sampled_from([*CATEGORIES, "image", "image", "image"]))
    parts = [category]
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(OSS.actions(category)))
        spec = OSS.get(category, name)
        args = []
        chosen = (draw(st.lists(st.sampled_from(spec.params), min_size=1, max_size=3, unique_by=lambda p: p.key))
                  if spec.params else [])
        for param in chosen:
            likely = [st.integers(1, 300).map(str), values]
            if param.default is not None:
                likely.append(st.just(_rendered(param.default)))
            value = draw(st.one_of(*likely))
            args.append(value if param.key == "" else f"{param.key}_{value}")
        parts.append(",".join([name, *args]))
    return "/".join(parts)


structured = st.builds(lambda head, acts: "/".join([head, *acts]),
                       st.sampled_from([*CATEGORIES, "style"]), st.lists(action, min_size=0, max_size=4))
WORDS = [*CATEGORIES, *ACTIONS, *KEYS, ",", "/", "_", "style"]
tokens = st.lists(st.sampled_from(WORDS) | st.text(ALPHABET, max_size=4), max_size=12).map("".join)
process_strings = registered_chain() | registered_chain() | structured | tokens

PARSER_STATUSES = {400, 404, 501}  # 501: an action OSS has and Osprey does not run (Catalogue.unsupported)


@settings(max_examples=600, deadline=None, database=None)
@given(process_strings)
def test_parse_gives_a_stable_canonical_chain_or_a_client_error(text: str) -> None:
    try:
        chain = parse_process(text, OSS)
    except OssError as err:
        assert err.status in PARSER_STATUSES, (text, err.status, err.code, err.message)
        event(f"error {err.status}")
        return
    event("parsed")
    canonical = chain.canonical()
    again = parse_process(canonical, OSS)
    assert again.canonical() == canonical
    assert parse_process(again.canonical(), OSS) == again


# -- through the live app -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Osprey over a local bucket, served from its own thread and loop, so a synchronous hypothesis test
    can drive it over real HTTP with a timeout on every call."""
    root = tmp_path_factory.mktemp("live")
    (root / "photos").mkdir()
    (root / "photos" / "red.jpg").write_bytes(jpeg_bytes())
    (root / "vault").mkdir()
    app = build_app(local_config(root, limits={"workers": 1, "timeout_s": 5}))
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)

    async def start() -> str:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=60)
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=process_strings)
def test_random_process_strings_never_answer_500_or_hang(live_url: str, text: str) -> None:
    url = f"{live_url}/photos/red.jpg?x-oss-process={urllib.parse.quote(text, safe='')}"
    try:
        with _opener.open(url, timeout=15) as resp:
            status = resp.status
            resp.read()
    except urllib.error.HTTPError as err:
        status = err.code
        body = err.read()
        assert b"<Error>" in body, (text, status, body[:300])
    event(f"status {status}")
    assert status != 500, text
    assert status < 500 or status in {501, 503}, (text, status)
