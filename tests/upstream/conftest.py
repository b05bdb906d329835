"""Each upstream backend behind one fixture, so the conformance suite runs against all of them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import boto3
import pytest
from aiobotocore.session import AioSession

from proxy.config import UpstreamConfig
from proxy.metrics import Metrics
from proxy.upstream.interface import Upstream
from proxy.upstream.local import LocalUpstream
from proxy.upstream.metered import MeteredUpstream
from proxy.upstream.s3 import S3Upstream


@pytest.fixture(scope="session")
def aio_session() -> AioSession:
    """Loads botocore's service models once instead of once per test client."""
    return AioSession()


@pytest.fixture(params=["local", "s3", "metered"])
async def upstream(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Upstream]:
    """"metered" is the local backend behind the counting wrapper the server puts in front of any backend."""
    if request.param == "local":
        backend: Upstream = LocalUpstream(tmp_path)
    elif request.param == "metered":
        backend = MeteredUpstream(LocalUpstream(tmp_path), Metrics())
    else:
        endpoint = request.getfixturevalue("moto_server")
        backend = await S3Upstream.open(UpstreamConfig(
            type="s3", endpoint=endpoint, access_key_id="testing", secret_access_key="testing",
            # A tiny pool: a stream that kept its connection would stall the requests after it.
            max_connections=2, connect_timeout_s=2, read_timeout_s=10,
        ), request.getfixturevalue("aio_session"))
    yield backend
    await backend.close()


@pytest.fixture
def make_bucket(request: pytest.FixtureRequest, upstream: Upstream, tmp_path: Path) -> Callable[[str], None]:
    """Creates a bucket on the backend under test the way its operator would: a folder, or CreateBucket."""
    if request.node.callspec.params["upstream"] == "s3":
        endpoint = request.getfixturevalue("moto_server")
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        return lambda name: s3.create_bucket(Bucket=name) and None
    return lambda name: (tmp_path / name).mkdir(exist_ok=True)


@pytest.fixture
def bucket(make_bucket: Callable[[str], None], bucket_name: str) -> str:
    """An empty bucket on the backend under test."""
    make_bucket(bucket_name)
    return bucket_name
