"""``tradesim serve``: binds 127.0.0.1 by default, prints the URL, honours --port and --token."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest

from tradesim import cli

from .conftest import free_port


def test_serve_prints_the_url_and_answers() -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tradesim.cli", "serve", "--port", str(port),
                             "--token", "t0k"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(f"tradesim page: http://127.0.0.1:{port}/?token=t0k ")
        deadline = time.monotonic() + 60
        while True:  # the line comes just before uvicorn binds
            try:
                got = httpx.get(f"http://127.0.0.1:{port}/api/scenarios",
                                headers={"Authorization": "Bearer t0k"}, timeout=10)
                break
            except httpx.ConnectError:
                assert proc.poll() is None, "tradesim serve exited"
                assert time.monotonic() < deadline, "tradesim serve did not bind in 60 s"
                time.sleep(0.1)
        assert got.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/api/scenarios").status_code == 401
    finally:
        proc.terminate()
        proc.wait(10)
        assert proc.stdout is not None
        assert proc.stderr is not None
        proc.stdout.close()
        proc.stderr.close()


def test_serve_defaults_to_loopback() -> None:
    args = cli.build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.token, args.workers) == ("127.0.0.1", 8000, None, 1)


def test_a_bad_port_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--port", "70000"]) == 2
    assert "--port 70000" in capsys.readouterr().err
