"""Image intelligence through the running server: signed callers only."""

import io
import json

import segno

from .test_doc_e2e import get
from .xml import error_of


def qr_png(text: str) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=8, border=4)
    return out.getvalue()


async def test_codes_are_read_for_signed_callers_only(make_client, local_root):
    (local_root / "photos" / "qr.png").write_bytes(qr_png("https://osprey.test/hello"))
    (local_root / "vault" / "qr.png").write_bytes(qr_png("https://osprey.test/hello"))
    client = await make_client()
    for action in ("codes", "faces", "blindwatermark-decode"):
        resp = await client.get(f"/photos/qr.png?x-oss-process=image/{action}")
        assert resp.status == 403, action
        assert "signed request" in (await error_of(resp))["Message"]
    body, content_type = await get(client, "qr.png", "image/codes")
    assert content_type.startswith("application/json")
    assert [c["Content"] for c in json.loads(body)["Codes"]] == ["https://osprey.test/hello"]
