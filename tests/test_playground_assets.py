"""The page's assets ship in the package, work with no network, and are the vendored versions VENDORED.md names."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import glassnet.playground

STATIC = Path(glassnet.playground.__file__).parent / "static"


def test_every_vendored_file_matches_its_recorded_hash():
    notes = (STATIC / "VENDORED.md").read_text(encoding="utf-8")
    recorded = {name: digest for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", notes, re.MULTILINE)}
    assert set(recorded) == {"vendor/uPlot.iife.min.js", "vendor/uPlot.min.css"}
    for name, digest in recorded.items():
        assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == digest, name
    assert (STATIC / "vendor/uPlot.iife.min.js").read_text(encoding="utf-8").startswith(
        "/*! https://github.com/leeoniya/uPlot (v1.6.32) */")  # the version the table names
    assert "MIT License" in (STATIC / "vendor/uPlot.LICENSE").read_text(encoding="utf-8")
    for path in sorted((STATIC / "vendor").iterdir()):
        assert f"vendor/{path.name}" in notes, f"{path.name} is not listed in VENDORED.md"


def test_the_page_loads_nothing_from_elsewhere():
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith("/static/") or url == "data:,", url
    for script in sorted((STATIC / "js").glob("*.js")):
        text = script.read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), script.name  # no CDN, no fonts, no analytics
        for name in re.findall(r'from "\./([\w.]+)"', text):
            assert (STATIC / "js" / name).is_file(), f"{script.name} imports a missing {name}"
