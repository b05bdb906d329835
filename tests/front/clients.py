"""Real SDK clients pointed at a running Osprey (or straight at moto), for the end-to-end tests.

The server shares the test's event loop, so every SDK call, body reads included, runs in a thread.
"""

import asyncio

import boto3
import oss2
from botocore.config import Config as BotoConfig

from .conftest import CLIENT_KEY, CLIENT_SECRET


def s3_client(endpoint, key=CLIENT_KEY, secret=CLIENT_SECRET, **config):
    """A boto3 S3 client on `endpoint` (path-style, SigV4, no retries); `verify` etc. go in `config`."""
    verify = config.pop("verify", None)
    return boto3.client(
        "s3", endpoint_url=str(endpoint).rstrip("/"), region_name="us-east-1",
        aws_access_key_id=key, aws_secret_access_key=secret, verify=verify,
        config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                          **config),
    )


def oss_bucket(endpoint, auth, bucket):
    return oss2.Bucket(auth, str(endpoint).rstrip("/"), bucket, region="cn-hangzhou")


async def in_thread(fn, *args, **kwargs):
    return await asyncio.to_thread(fn, *args, **kwargs)
