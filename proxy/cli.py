"""`osprey serve | demo | check-config | process`."""

from __future__ import annotations

import argparse
import dataclasses
import mimetypes
import sys
from pathlib import Path

from proxy.config import BucketConfig, Config, ConfigError, UpstreamConfig, load_config
from proxy.errors import OssError
from proxy.logs import setup_logging

DEMO_BUCKET = "demo"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="osprey", description="OSS-style x-oss-process proxy for S3 buckets.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the proxy")
    serve.add_argument("--config", help="TOML config file (OSPREY_* variables override it)")
    serve.add_argument("--host", help="listen address (server.host)")
    serve.add_argument("--port", type=int, help="listen port (server.port)")
    serve.set_defaults(run=_serve)

    demo = commands.add_parser("demo", help="serve generated sample images from a local directory")
    demo.add_argument("--root", default=".osprey-demo", help="directory for the demo bucket")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080)
    demo.set_defaults(run=_demo)

    check = commands.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("file")
    check.set_defaults(run=_check_config)

    process = commands.add_parser("process", help="apply a process chain to a local file, offline")
    process.add_argument("--input", required=True)
    process.add_argument("--process", required=True, help='e.g. "image/resize,w_300/format,webp"')
    process.add_argument("--output", required=True)
    process.add_argument("--objects", help="directory holding the objects a chain reads (watermark images); "
                         "default: the input's directory")
    process.set_defaults(run=_process)
    return parser


def _serve(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    server = dataclasses.replace(
        config.server,
        host=args.host or config.server.host,
        port=args.port if args.port is not None else config.server.port,
    )
    return _run(dataclasses.replace(config, server=server))


def _run(config: Config) -> int:
    from proxy.server import StartupError, serve

    setup_logging(config.server.log_level, config.server.log_format)
    try:
        serve(config)
    except StartupError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


def _demo(args: argparse.Namespace) -> int:
    from proxy import samples

    bucket = Path(args.root) / DEMO_BUCKET
    bucket.mkdir(parents=True, exist_ok=True)
    files = {
        "photo.jpg": samples.photo_jpeg,
        "logo.png": samples.alpha_png,
        "dots.gif": samples.animated_gif,
    }
    for name, make in files.items():
        if not (bucket / name).exists():
            (bucket / name).write_bytes(make())
    config = load_config(None)
    config = dataclasses.replace(
        config,
        server=dataclasses.replace(config.server, host=args.host, port=args.port, log_format="text"),
        upstream=UpstreamConfig(type="local", root=str(Path(args.root).resolve())),
        buckets={DEMO_BUCKET: BucketConfig(anonymous="read", styles={"thumb": "image/resize,m_fill,w_160,h_160"},
                                           style_delimiters="!")},
    )
    base = f"http://{args.host}:{args.port}/{DEMO_BUCKET}"
    print(f"Osprey demo: serving {bucket.resolve()} as bucket '{DEMO_BUCKET}'. Try:")
    for path in (
        "photo.jpg",
        "photo.jpg?x-oss-process=image/resize,w_200/format,webp",
        "photo.jpg?x-oss-process=image/resize,m_fill,w_300,h_300/quality,Q_60",
        "logo.png?x-oss-process=image/resize,w_128/format,jpg",
        "dots.gif?x-oss-process=image/resize,w_100",
        "photo.jpg?x-oss-process=image/crop,w_400,h_300,g_center/rotate,15",
        "photo.jpg?x-oss-process=image/resize,w_600/watermark,text_T3NwcmV5IOmxvOm5sA,size_40,color_FFFFFF,g_se",
        "photo.jpg?x-oss-process=image/resize,w_600/watermark,image_bG9nby5wbmc_eC1vc3MtcHJvY2Vzcz1pbWFnZS9yZXNpemUsUF8yMA,g_nw",
        "photo.jpg?x-oss-process=image/info",
        "photo.jpg!thumb",
    ):
        print(f"  {base}/{path}")
    print("Press Ctrl+C to stop.", flush=True)
    return _run(config)


def _check_config(args: argparse.Namespace) -> int:
    config = load_config(args.file)
    up = config.upstream
    where = up.root if up.type == "local" else (up.endpoint or f"AWS S3 ({up.region})")
    print(f"ok: {args.file}: upstream {up.type} at {where}, {len(config.buckets)} bucket(s) configured, "
          f"{len(config.credentials)} credential(s)")
    return 0


def _process(args: argparse.Namespace) -> int:
    from proxy.grammar.chain import parse_process
    from proxy.grammar.doc_source import with_key_type
    from proxy.grammar.oss import OSS
    from proxy.limits import Limits
    from proxy.process.runner import max_source_bytes, needed_objects, run_chain
    from proxy.upstream.errors import source_too_large

    limits = Limits()
    source = Path(args.input).read_bytes()
    media_type = mimetypes.guess_type(args.input)[0] or "application/octet-stream"
    try:
        chain = with_key_type(parse_process(args.process, OSS, max_actions=limits.max_chain), args.input)
        if chain.style is not None:
            raise OssError(400, "InvalidArgument", "styles need a bucket; give the style's process string instead")
        if len(source) > max_source_bytes(chain, limits):
            raise source_too_large(len(source), max_source_bytes(chain, limits))
        objects = Path(args.objects or Path(args.input).parent).resolve()
        paths = {k: (objects / k).resolve() for k in needed_objects(chain)}
        resources = {k: p.read_bytes() for k, p in paths.items() if p.is_relative_to(objects) and p.is_file()}
        output = run_chain(chain, source, media_type, limits, resources)
    except OssError as err:
        print(f"osprey process: {err.code}: {err.message}", file=sys.stderr)
        return 1
    Path(args.output).write_bytes(output.body)
    print(f"wrote {args.output} ({output.media_type}, {len(output.body)} bytes)")
    return 0
