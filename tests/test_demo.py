from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def test_demo_writes_a_complete_post(tmp_path: Path):
    out = tmp_path / "demo"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "demo",
            "--out",
            str(out),
            "--language",
            "es",
            "--type",
            "giveaway",
            "--audience",
            "students",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "image ready after" in result.stdout and "text ready after" in result.stdout
    report = json.loads((out / "post.json").read_text(encoding="utf-8"))
    assert report["post"]["title"] and report["post"]["hashtags"]
    assert report["tokens_remaining"] == 498
    caption = (out / "caption.txt").read_text(encoding="utf-8")
    assert report["post"]["title"] in caption and len(caption) <= 1024
    with Image.open(out / "image.png") as image:
        assert image.size == (1920, 1080)
    for kind in ("daily", "match", "moon", "avatar"):
        with Image.open(out / "cosmic" / f"{kind}.png") as image:
            assert image.size == (1536, 1536)  # universe: HD


def test_demo_refuses_a_bad_link(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(tmp_path), "--link", "javascript:x"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "http(s)" in result.stderr
