"""`glassnet playground` as a user runs it: the URL printed, the page served, Ctrl-C stops it cleanly; bad
arguments are one line and exit code 2; the benchmark script runs."""

from __future__ import annotations

import importlib.util
import json
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from websockets.sync.client import connect

from glassnet.playground.server import is_loopback


def playground(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "glassnet", "playground", *args], capture_output=True, text=True,
                          check=False,
                          timeout=120)


def test_help_says_what_binding_elsewhere_exposes():
    result = playground("--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for option in ("--host", "--port", "--no-browser", "--data", "--target"):
        assert option in text
    assert "exposes the playground to every machine that can reach it" in text and "there is no login" in text


@pytest.mark.parametrize("args, message", [
    (["--data", "x.csv"], "--data and --target go together. Received: only one of them"),
    (["--data", "missing.csv", "--target", "y"], "missing.csv: no such file"),
    (["--port", "70000"], "--port must be in [0, 65535]. Received: port=70000"),
])
def test_bad_arguments_are_one_line_and_exit_code_2(args, message):
    result = playground("--no-browser", *args)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"glassnet playground: error: {message}"]


def test_a_taken_port_is_one_line_and_exit_code_2():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        result = playground("--no-browser", "--port", str(port))
    finally:
        taken.close()
    assert result.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_a_bad_data_file_is_refused_with_the_loaders_message(tmp_path):
    data = tmp_path / "three.csv"
    data.write_text("a,b,c,y\n1,2,3,0\n4,5,6,1\n")
    result = playground("--no-browser", "--data", str(data), "--target", "y")
    assert result.returncode == 2 and "exactly 2 feature columns" in result.stderr


def test_it_serves_the_page_and_the_data_and_stops_on_ctrl_c(tmp_path):
    data = tmp_path / "mine.csv"
    data.write_text("x1,x2,label\n" + "".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(40)))
    process = subprocess.Popen([sys.executable, "-m", "glassnet", "playground", "--no-browser", "--port", "0",
                                "--data", str(data), "--target", "label"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("glassnet playground: http://127.0.0.1:") and "(Ctrl-C stops it)" in line
        url = line.split()[2]
        with urllib.request.urlopen(url, timeout=10) as response:
            page = response.read().decode()
        assert 'data-testid="play"' in page
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        with urllib.request.urlopen(url + "static/vendor/uPlot.iife.min.js", timeout=10) as response:
            assert response.status == 200
        with connect(url.replace("http", "ws") + "ws") as ws:
            assert json.loads(ws.recv(timeout=10))["user_data"] == "mine.csv"
            ws.send(json.dumps({"type": "settings", "settings": {"dataset": "data"}}))
            reply = json.loads(ws.recv(timeout=10))
            assert reply["type"] == "settings" and reply["data"]["n_classes"] == 2
            ws.send(json.dumps({"type": "control", "action": "play"}))  # training while Ctrl-C comes
            ws.recv(timeout=10)
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert process.stdout.read().strip().endswith("glassnet playground: stopped")
    assert "Traceback" not in process.stderr.read()


def test_only_loopback_addresses_count_as_loopback():
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.5.6.7"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.2", "example.com", "::"))


def test_the_benchmark_script_runs():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_playground.py"
    spec = importlib.util.spec_from_file_location("bench_playground", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    results = bench.main(seconds=0.3)
    assert set(results) == set(bench.WORKLOADS)
    for numbers in results.values():  # no speed is asserted here (benchmarks/ judges speed), only what it measures
        assert numbers["epochs_per_second"] > 0 and numbers["max_frames_queued"] <= 1
        assert numbers["frames_left_after_pause"] == 0
    assert "epochs/s" in bench.table(results)
