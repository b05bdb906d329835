"""Large video sources read in part: ranged GETs for the bytes the worker asks for (issue 6).

The worker runs the chain on a `SparseSource`; when it reads outside the ranges held it answers
`NeedBytes`, and this module fetches that range, whole aligned blocks of it, and runs the chain again.
Demuxers with an index (MP4, MOV, Matroska) thus read the header, the index (at the end of an MP4
written without `faststart`) and the packets from the key frame before t: a few blocks of a large file.
"""

from __future__ import annotations

from collections.abc import Mapping

from proxy.front.jobs import Job
from proxy.front.services import Services
from proxy.process.media.sparse import SparseSource
from proxy.process.output import Output
from proxy.process.runner import reads_ranges, run_chain_sparse
from proxy.trace import timed
from proxy.upstream.errors import changed_while_read, upstream_bad_gateway
from proxy.upstream.objects import Conditions, ObjectMeta

BLOCK = 1024 * 1024  # the unit of a ranged GET: fewer round trips to the worker than FFmpeg's 32 KiB reads


def reads_in_part(svc: Services, job: Job, meta: ObjectMeta) -> bool:
    """Whether the job should read its object by ranges: a video chain on an object that is large
    and not already in the source cache."""
    return (reads_ranges(job.chain) and meta.size > 2 * BLOCK
            and svc.sources.get((job.bucket, job.key, meta.etag)) is None)


async def run_on_ranges(svc: Services, job: Job, meta: ObjectMeta, resources: Mapping[str, bytes]) -> Output | None:
    """The chain's output from ranges of the object, or None when it needed more rounds (limits.max_range_reads)
    or bytes (limits.max_media_source_bytes) than allowed: the caller then reads the object whole, if it may."""
    limits = svc.config.limits
    source = SparseSource(meta.size)
    start, end = 0, BLOCK
    for _ in range(limits.max_range_reads):
        for gap_start, gap_end in source.gaps(start, end):
            if source.held + gap_end - gap_start > limits.max_media_source_bytes:
                return None
            with timed(svc.metrics, "fetch"):
                data = await read_range(svc, job, meta, gap_start, gap_end)
            source = source.with_range(gap_start, data)
        result = await svc.pool.run(run_chain_sparse, job.chain, source, meta.content_type, limits, resources,
                                    heavy=True)  # video
        if isinstance(result, Output):
            return result
        start = result.offset // BLOCK * BLOCK
        end = -(-(result.offset + result.length) // BLOCK) * BLOCK
    return None


async def read_range(svc: Services, job: Job, meta: ObjectMeta, start: int, end: int) -> bytes:
    """Bytes [start, end) of the job's object, as long as its ETag is `meta.etag`."""
    stream = await svc.upstream.get(job.bucket, job.key, Conditions(range=f"bytes={start}-{end - 1}"))
    try:
        if stream.meta.etag != meta.etag:
            raise changed_while_read(job.key)
        if stream.status != 206 or stream.content_length != end - start:
            raise upstream_bad_gateway(f"a GET of bytes {start}-{end - 1} answered {stream.status} "
                                       f"with {stream.content_length} bytes")
        return b"".join([chunk async for chunk in stream.body])
    finally:
        await stream.aclose()
