"""/_osprey/metrics after real requests: counter deltas, label sets, and labels that never carry request text."""

import io

from PIL import Image
from prometheus_client.parser import text_string_to_metric_families

from proxy.front.services import SERVICES

from .clients import in_thread, s3_client
from .conftest import CLIENT_KEY

FAMILIES = {
    "osprey_requests", "osprey_request_duration_seconds", "osprey_stage_duration_seconds", "osprey_cache_requests",
    "osprey_cache_bytes", "osprey_cache_entries", "osprey_upstream_requests", "osprey_upstream_bytes",
    "osprey_process_operations", "osprey_worker_queue_depth", "osprey_workers_busy", "osprey_rejections",
}
RESIZE = "/photos/red.jpg?x-oss-process=image/resize,w_50/format,webp"


async def scrape(client) -> dict[str, list]:
    """Family name → samples, from the live metrics page."""
    resp = await client.get("/_osprey/metrics")
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/plain")
    return {family.name: family.samples for family in text_string_to_metric_families(await resp.text())}


def value(families, sample_name: str, **labels) -> float:
    """The sample's value, 0 when the series does not exist."""
    family = sample_name.removesuffix("_total").removesuffix("_count").removesuffix("_sum")
    return next(
        (s.value for s in families.get(family, []) if s.name == sample_name and s.labels == labels), 0.0
    )


async def test_metrics_page_lists_every_osprey_family(make_client):
    client = await make_client()
    assert set(await scrape(client)) >= FAMILIES


async def test_processed_get_fills_request_stage_cache_process_and_upstream_metrics(make_client, local_root):
    client = await make_client()
    before = await scrape(client)
    for _ in range(2):  # a miss, then a hit
        resp = await client.get(RESIZE)
        assert resp.status == 200
        await resp.read()
    after = await scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("osprey_requests_total", method="GET", operation="ProcessObject", status="200") == 2
    assert delta("osprey_request_duration_seconds_count", operation="ProcessObject") == 2
    assert delta("osprey_cache_requests_total", result="miss") == 1
    assert delta("osprey_cache_requests_total", result="hit") == 1
    for stage in ("fetch", "queue", "process", "encode"):
        assert delta("osprey_stage_duration_seconds_count", stage=stage) >= 1, stage
    assert delta("osprey_stage_duration_seconds_count", stage="auth") == 0  # anonymous: no signature to check
    assert delta("osprey_process_operations_total", category="image", action="resize", format="webp") == 1
    assert delta("osprey_process_operations_total", category="image", action="format", format="webp") == 1
    assert delta("osprey_upstream_requests_total", operation="HeadObject", status="200") >= 2
    assert delta("osprey_upstream_requests_total", operation="GetObject", status="200") == 1
    source_size = (local_root / "photos" / "red.jpg").stat().st_size
    assert delta("osprey_upstream_bytes_total", direction="received") == source_size
    assert value(after, "osprey_cache_entries") == 1
    assert value(after, "osprey_cache_bytes") > 0
    assert value(after, "osprey_worker_queue_depth") == 0 and value(after, "osprey_workers_busy") == 0


async def test_plain_reads_and_pass_through_calls_are_named_by_their_operation(make_client):
    client = await make_client()
    assert (await client.get("/photos/red.jpg")).status == 200
    assert (await client.head("/photos/red.jpg")).status == 200
    assert (await client.get("/photos")).status == 403  # anonymous listing
    s3 = s3_client(client.make_url("/"))
    await in_thread(s3.put_object, Bucket="photos", Key="new.txt", Body=b"12345")
    after = await scrape(client)
    assert value(after, "osprey_requests_total", method="GET", operation="GetObject", status="200") == 1
    assert value(after, "osprey_requests_total", method="HEAD", operation="HeadObject", status="200") == 1
    assert value(after, "osprey_requests_total", method="GET", operation="ListObjects", status="403") == 1
    assert value(after, "osprey_requests_total", method="PUT", operation="PutObject", status="200") == 1
    assert value(after, "osprey_upstream_requests_total", operation="PutObject", status="200") == 1
    assert value(after, "osprey_upstream_bytes_total", direction="sent") == 5
    assert value(after, "osprey_stage_duration_seconds_count", stage="auth") == 1  # the signed PUT only


async def test_unknown_methods_share_one_label(make_client):
    client = await make_client()
    for method in ("MKCOL", "PROPFIND", "PATCH"):
        assert (await client.request(method, "/photos/red.jpg")).status == 405
    after = await scrape(client)
    assert value(after, "osprey_requests_total", method="OTHER", operation="Other", status="405") == 3
    methods = {s.labels["method"] for s in after["osprey_requests"] if "method" in s.labels}
    assert not {"MKCOL", "PROPFIND", "PATCH"} & methods


async def test_refusals_are_counted_by_reason(make_client, local_root):
    big = io.BytesIO()
    Image.new("RGB", (400, 400), (1, 2, 3)).save(big, "PNG")
    (local_root / "photos" / "big.png").write_bytes(big.getvalue())
    client = await make_client(limits={"max_source_bytes": 1000})
    assert (await client.get("/vault/secret.txt")).status == 403  # policy
    wrong = s3_client(client.make_url("/"), CLIENT_KEY, "wrong-secret")
    assert await in_thread(_status_of, wrong) == 403
    assert (await client.get("/photos/big.png?x-oss-process=image/resize,w_10")).status == 400  # too large
    pool = client.app[SERVICES].pool
    pool.pending = pool.max_pending  # every slot taken
    assert (await client.get("/photos/red.jpg?x-oss-process=image/resize,w_11")).status == 503
    pool.pending = 0
    after = await scrape(client)
    for reason in ("access_denied", "bad_signature", "too_large", "busy"):
        assert value(after, "osprey_rejections_total", reason=reason) == 1, reason
    assert value(after, "osprey_rejections_total", reason="timeout") == 0


def _status_of(s3) -> int:
    try:
        s3.get_object(Bucket="vault", Key="secret.txt")
    except s3.exceptions.ClientError as err:
        return err.response["ResponseMetadata"]["HTTPStatusCode"]
    return 200


async def test_a_processing_timeout_is_counted(make_client):
    client = await make_client()
    client.app[SERVICES].pool.timeout_s = 0.000001
    assert (await client.get("/photos/red.jpg?x-oss-process=image/blur,r_5,s_5")).status == 503
    assert value(await scrape(client), "osprey_rejections_total", reason="timeout") == 1


async def test_label_values_never_carry_a_key_or_a_process_string(make_client, local_root):
    (local_root / "photos" / "Secret-Name-7.jpg").write_bytes((local_root / "photos" / "red.jpg").read_bytes())
    client = await make_client()
    urls = [
        "/photos/Secret-Name-7.jpg?x-oss-process=image/resize,w_33,h_21/rotate,17",
        "/photos/Secret-Name-7.jpg?x-oss-process=image/nonsense,zz_9",
        "/photos/missing-Key-42.jpg?x-oss-process=image/resize,w_9",
        "/photos/missing-Key-42.jpg",
        "/photos/Secret-Name-7.jpg?acl",
    ]
    for url in urls:
        await (await client.get(url)).read()
    text = await (await client.get("/_osprey/metrics")).text()
    for needle in ("Secret-Name", "missing-Key", "w_33", "nonsense", "zz_9", "rotate,17"):
        assert needle not in text, needle
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            for label_value in sample.labels.values():
                assert "/" not in label_value and "," not in label_value, (sample.name, label_value)
