import io

import boto3
import pytest
from PIL import Image

from proxy.app import build_app
from proxy.config import parse_config


def jpeg_bytes(size=(200, 100), color=(200, 40, 40), quality=90) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=quality)
    return out.getvalue()


@pytest.fixture
def local_root(tmp_path):
    """A local upstream root with a public bucket `photos` and a private bucket `vault`."""
    (tmp_path / "photos").mkdir()
    (tmp_path / "vault").mkdir()
    (tmp_path / "photos" / "red.jpg").write_bytes(jpeg_bytes())
    (tmp_path / "photos" / "notes.txt").write_bytes(b"0123456789" * 1000)
    (tmp_path / "vault" / "secret.txt").write_bytes(b"top secret")
    return tmp_path


CLIENT_KEY, CLIENT_SECRET = "osprey-test-key", "osprey-test-secret"


def local_config(root, **sections):
    raw = {
        "upstream": {"type": "local", "root": str(root)},
        "buckets": {
            "photos": {
                "anonymous": "read",
                "style_delimiters": "!",
                "styles": {"thumb": "image/resize,m_fixed,w_20,h_10", "loop": "style/thumb"},
            },
        },
        "limits": {"workers": 1},
        "credentials": [{"access_key_id": CLIENT_KEY, "secret_access_key": CLIENT_SECRET}],
    }
    for name, values in sections.items():
        raw[name] = {**raw.get(name, {}), **values}
    return parse_config(raw, environ={})


@pytest.fixture
def make_client(aiohttp_client, local_root):
    """Start Osprey on a loopback port over `local_root` (or another config) and return a client."""

    async def make(config=None, **sections):
        return await aiohttp_client(build_app(config or local_config(local_root, **sections)))

    return make


@pytest.fixture
def moto(moto_server):
    """boto3 straight on moto: what Osprey wrote is read back here, not through Osprey."""
    return boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")


@pytest.fixture
def bucket(moto, bucket_name):
    moto.create_bucket(Bucket=bucket_name)
    return bucket_name


def moto_config(moto_server):
    """Osprey in front of moto, with the test credentials."""
    return parse_config({
        "upstream": {"type": "s3", "endpoint": moto_server, "access_key_id": "testing",
                     "secret_access_key": "testing"},
        "limits": {"workers": 1},
        "credentials": [{"access_key_id": CLIENT_KEY, "secret_access_key": CLIENT_SECRET}],
    }, environ={})


@pytest.fixture
async def osprey(aiohttp_server, moto_server, bucket):
    """The endpoint URL of Osprey in front of moto."""
    server = await aiohttp_server(build_app(moto_config(moto_server)))
    return str(server.make_url("/"))
