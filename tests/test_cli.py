"""The command line: offline processing and the demo a newcomer runs first."""

import io
import json
import re
import subprocess
import sys
import time
import urllib.request

from PIL import Image

from proxy.cli import main
from proxy.samples import photo_jpeg


def test_process_applies_a_chain_to_a_local_file(tmp_path, capsys):
    source = tmp_path / "in.jpg"
    source.write_bytes(photo_jpeg(400, 300))
    target = tmp_path / "out.webp"
    assert main(["process", "--input", str(source), "--process", "image/resize,w_100/format,webp",
                 "--output", str(target)]) == 0
    image = Image.open(target)
    assert (image.format, image.size) == ("WEBP", (100, 75))
    assert "image/webp" in capsys.readouterr().out


def test_process_reads_watermark_images_next_to_the_input(tmp_path):
    from PIL import Image as PILImage

    (tmp_path / "in.jpg").write_bytes(photo_jpeg(400, 300))
    PILImage.new("RGB", (40, 40), (255, 0, 255)).save(tmp_path / "mark.png")
    target = tmp_path / "out.png"
    # image_bWFyay5wbmc = Base64("mark.png"), placed 10 px from the top-left corner
    assert main(["process", "--input", str(tmp_path / "in.jpg"), "--output", str(target),
                 "--process", "image/watermark,image_bWFyay5wbmc,g_nw,x_10,y_10/format,png"]) == 0
    out = PILImage.open(target).convert("RGB")
    assert out.getpixel((30, 30)) == (255, 0, 255) and out.getpixel((60, 60)) != (255, 0, 255)


def test_process_reports_a_bad_chain_and_writes_nothing(tmp_path, capsys):
    source = tmp_path / "in.jpg"
    source.write_bytes(photo_jpeg(40, 30))
    target = tmp_path / "out.jpg"
    assert main(["process", "--input", str(source), "--process", "image/resize,m_abc,w_1",
                 "--output", str(target)]) == 1
    assert "InvalidArgument" in capsys.readouterr().err
    assert not target.exists()


def test_demo_serves_every_url_it_prints(tmp_path, unused_tcp_port):
    proc = subprocess.Popen(
        [sys.executable, "-m", "proxy", "demo", "--root", str(tmp_path / "demo"), "--port", str(unused_tcp_port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        urls = []
        for line in proc.stdout:
            if line.startswith("Press Ctrl+C"):
                break
            urls += re.findall(r"http://\S+", line)
        assert len(urls) >= 5
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{unused_tcp_port}/_osprey/healthz", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "demo did not start listening within 20 s"
                time.sleep(0.2)
        for url in urls:
            with urllib.request.urlopen(url, timeout=30) as resp:
                assert resp.status == 200, url
                if url.endswith("/info"):
                    assert json.loads(resp.read())["ImageWidth"]["value"] == "1600"
                    continue
                image = Image.open(io.BytesIO(resp.read()))
                image.load()
                assert resp.headers["Content-Type"] == Image.MIME[image.format], url
        webp = next(u for u in urls if "format,webp" in u)
        with urllib.request.urlopen(webp, timeout=30) as resp:
            assert Image.open(io.BytesIO(resp.read())).size[0] == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
