"""Every bound on what a stranger controls, with OSS's defaults, defined once."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024
MIN_WORKER_MEMORY = 1024 * MB  # a worker's interpreter and codecs alone map about 600 MiB of address space


@dataclass(frozen=True)
class Limits:
    """Resource bounds; each field is a `[limits]` config key."""

    max_source_bytes: int = 20 * MB
    max_side: int = 30_000
    max_pixels: int = 250_000_000
    max_frames: int = 1_000
    max_output_side: int = 16_384
    max_output_pixels: int = 16_777_216
    max_chain: int = 20
    max_jpeg_scans: int = 64
    """Scans (SOS markers) a JPEG may have: libjpeg decodes each over the whole image, so a small file
    repeating one scan thousands of times would hold a worker for minutes."""
    max_decoded_bytes: int = 512 * MB
    """Memory one image job may decode into: pixels * bytes per pixel * frames held, decoders' own buffers."""
    max_media_source_bytes: int = 100 * MB
    """Largest video/audio source: videos outgrow images' 20 MiB, but the whole object sits in memory."""
    crc64_buffer_bytes: int = 8 * MB
    """Largest PutObject body read whole before it goes upstream, so its CRC-64 is kept with the object (larger
    ones keep it only when the client sent it); bounds memory per upload."""
    max_range_reads: int = 8
    """Rounds of ranged GETs for one large video (the worker asks for the bytes it lacks each round);
    past them, or past max_media_source_bytes in all, the source is read whole if it may be."""
    max_seek_frames: int = 1_000
    """Video frames decoded to reach one snapshot (from the preceding key frame, or to the last frame)."""
    max_media_output_s: float = 600.0
    """Longest clip audio/convert writes, in seconds."""
    doc_timeout_s: float = 20.0
    """One LibreOffice conversion (then 400), and separately the wait for a free conversion slot (then 503)."""
    doc_max_conversions: int = 2
    """LibreOffice processes running at once on this host, across all worker processes."""
    doc_max_memory_bytes: int = 2048 * MB
    """Address space of one LibreOffice process: a decompression bomb fails instead of exhausting memory."""
    doc_max_unpacked_bytes: int = 512 * MB
    """Uncompressed size of a zipped office file (docx, xlsx, pptx, odt…), checked before LibreOffice runs."""
    doc_max_pages: int = 2_000
    """Pages a document may have (OSS snapshots at most page 2000)."""
    doc_sandbox: str = "bwrap"
    """How LibreOffice is confined: "bwrap" (bubblewrap: no view of the host's files, no network) or "none"."""
    doc_preview_pages: int = 20
    """Pages embedded in one doc/preview page."""
    timeout_s: float = 30.0
    """Processing time of one request, queue included: then 503, and a running job's worker is terminated."""
    max_concurrency: int = 64
    workers: int = 0
    worker_memory_bytes: int = 2048 * MB
    """Address space of one worker process (0: no cap): a job past it fails alone (503), others go on."""
    heavy_workers: int = 0
    """Workers that heavy jobs may hold at once (0: half of them, at least one): cheap jobs keep the rest."""
    heavy_cost: int = 100_000_000
    """From this estimate on (pixels x frames or scans/10 x image actions) an image job is heavy; documents,
    video and audio always are."""
