"""The playground's speed, in a real browser: epochs per second trained and frames per second drawn.

The target (issue 14): the default problem — spiral, 2 hidden layers of 8, batch 10 — trains at ≥ 20 epochs/s while
the page redraws at ≥ 20 frames/s, on this machine's 2 cores, with frames sent at most as fast as the page draws
them. The script starts a playground server, opens the page in the system Chromium (headless, via Playwright),
presses play and counts, for each workload, over ``--seconds``:

- epochs/s: the epoch counter the page shows (every epoch's logs reach the page: none are skipped);
- frames/s: frames the page drew (it asks for the next only after drawing one);
- queued: the most frames the page ever held undrawn (received − drawn, sampled throughout; flow control allows at
  most 1 — a growing number would be an unbounded queue), and after pausing, frames sent − frames received (0:
  nothing was left waiting anywhere).

Workloads: the default settings (the speed cap of 60 epochs/s, as the TF Playground's one epoch per animation frame),
the same without the cap, and twin mode (two networks in lockstep) without the cap. Ratios ≥ 1 meet the target.

Run:  .venv/bin/python benchmarks/bench_playground.py [--seconds 10] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from glassnet.playground.server import BackgroundServer

TARGET = 20.0
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
WORKLOADS = {"default (speed cap 60/s)": "", "default, no speed cap": "speed=0",
             "twin mode, no speed cap": "speed=0&regularization=l2&lambda=0.003&twin=no-penalty"}


def measure(browser, server, hash_: str, seconds: float) -> dict[str, float]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sent = server.shared.frames_sent
    page.goto(f"{server.url}#{hash_}")
    page.wait_for_function("() => window.glassnetPlayground && window.glassnetPlayground.stats.framesDrawn > 0")
    stats = "() => window.glassnetPlayground.stats"
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.glassnetPlayground.stats.epoch >= 5")  # past the first frames
    first, began = page.evaluate(stats), time.perf_counter()
    queued = 0
    while time.perf_counter() - began < seconds:
        now = page.evaluate(stats)
        queued = max(queued, now["framesReceived"] - now["framesDrawn"])
        time.sleep(0.05)
    last, elapsed = page.evaluate(stats), time.perf_counter() - began
    page.get_by_test_id("play").click()
    time.sleep(min(1.0, seconds))  # the last frames after the pause
    left = server.shared.frames_sent - sent - page.evaluate(stats)["framesReceived"]
    page.close()
    epochs = (last["epoch"] - first["epoch"]) / elapsed
    frames = (last["framesDrawn"] - first["framesDrawn"]) / elapsed
    return {"epochs_per_second": epochs, "frames_per_second": frames, "epochs_ratio": epochs / TARGET,
            "frames_ratio": frames / TARGET, "max_frames_queued": queued, "frames_left_after_pause": left}


def main(seconds: float = 10.0, chromium: str | None = None) -> dict[str, dict[str, float]]:
    executable = chromium or shutil.which("chromium") or "/usr/bin/chromium"
    server = BackgroundServer(max_sessions=1)  # one page at a time: the server's frame count is that page's
    server.start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
            results = {name: measure(browser, server, hash_, seconds) for name, hash_ in WORKLOADS.items()}
            browser.close()
    finally:
        server.stop()
    return results


def table(results: dict[str, dict[str, float]]) -> str:
    lines = [(f"{'workload':28s} {'epochs/s':>9s} {'÷ 20':>6s} {'frames/s':>9s} {'÷ 20':>6s} {'queued':>7s} "
             f"{'left':>5s}")]
    for name, r in results.items():
        lines.append(f"{name:28s} {r['epochs_per_second']:9.1f} {r['epochs_ratio']:6.2f} "
                     f"{r['frames_per_second']:9.1f} {r['frames_ratio']:6.2f} {r['max_frames_queued']:7d} "
                     f"{r['frames_left_after_pause']:5d}")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measuring time per workload")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    options = parser.parse_args()
    measured = main(options.seconds)
    print(table(measured))
    if options.json:
        options.json.write_text(json.dumps(measured, indent=1))
