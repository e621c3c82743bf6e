"""Load test of the what-if page's API on loopback: latency of one update, then N concurrent users.

Starts ``tradesim serve`` on a free 127.0.0.1 port (a child process, ended at the end), then:

1. **one user**: ``--repeat`` updates (``POST /api/simulate`` of a what-if with a new rate, as the
   page sends when the slider moves), one after another: server time (``Server-Timing``) and
   client time, median and p95; and the uncertainty band (``POST /api/montecarlo``, 200 draws);
2. **N users** (``--users``, default 20) at once, each sending ``--updates`` updates back to back
   (no think time: harsher than people in a meeting), optionally each followed by its
   decomposition and band (``--band``, as the page does): client latency of the updates
   p50/p95/max and throughput.

Every loop is bounded by its request count and by ``--timeout`` seconds overall; only loopback
is contacted. Figures are printed, never asserted (``--smoke`` runs a tiny version for CI).

    python benchmarks/load_page.py [--users 20] [--updates 5] [--band] [--workers 2] [--smoke]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def whatif(rate: float, **extra: object) -> dict:
    """The body the page sends: an update is ``decompose: False`` (the parts and the band follow
    in their own requests)."""
    return {"whatif": {"base": "framework-2025", "rate": rate, "horizon": 2030,
                       "exempt": ["electronics-apr-2025", "annex-ii-energy-minerals"]}, **extra}


def rate(user: int, k: int) -> float:
    """A different rate for every request (no two share a cached decomposition or band)."""
    return 5 + (37 * user + 13 * k) % 500 / 10 + user / 1000


def server_ms(response: httpx.Response) -> float:
    match = re.search(r"dur=([\d.]+)", response.headers.get("server-timing", ""))
    return float(match.group(1)) if match else float("nan")


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def start(port: int, workers: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-m", "tradesim.cli", "serve", "--port", str(port),
                             "--workers", str(workers)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    proc.stdout.readline()  # the URL line
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/exemptions", timeout=5)
            return proc
        except httpx.ConnectError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("tradesim serve did not start within 60 s")


def one_user(url: str, repeat: int) -> None:
    with httpx.Client(base_url=url, timeout=60) as c:
        c.post("/api/simulate", json=whatif(20)).raise_for_status()  # warm
        srv, cli, full = [], [], []
        for i in range(repeat):
            t = time.perf_counter()
            r = c.post("/api/simulate", json=whatif(rate(99, i), decompose=False))
            cli.append(1000 * (time.perf_counter() - t))
            r.raise_for_status()
            srv.append(server_ms(r))
            r = c.post("/api/decompose", json=whatif(rate(99, i)))
            r.raise_for_status()
            full.append(server_ms(r))
        print(f"one update (simulate, mixed resolution, what the page waits for), {repeat} "
              f"runs: server median {statistics.median(srv):.0f} ms, p95 "
              f"{pct(srv, 0.95):.0f} ms; client median {statistics.median(cli):.0f} ms")
        print(f"its decomposition (/api/decompose, next request), {repeat} runs: server median "
              f"{statistics.median(full):.0f} ms, p95 {pct(full, 0.95):.0f} ms")
        band = []
        for i in range(max(1, repeat // 5)):
            t = time.perf_counter()
            c.post("/api/montecarlo", json=whatif(rate(98, i), draws=200)).raise_for_status()
            band.append(1000 * (time.perf_counter() - t))
        print(f"uncertainty band (200 draws), {len(band)} runs: median "
              f"{statistics.median(band):.0f} ms, max {max(band):.0f} ms")


def many_users(url: str, users: int, updates: int, band: bool, timeout: float) -> None:
    deadline = time.monotonic() + timeout

    def session(user: int) -> list[float]:
        out = []
        with httpx.Client(base_url=url, timeout=timeout) as c:
            for k in range(updates):
                if time.monotonic() > deadline:
                    break
                t = time.perf_counter()
                c.post("/api/simulate", json=whatif(rate(user, k), decompose=False)
                       ).raise_for_status()
                out.append(1000 * (time.perf_counter() - t))
                if band:
                    c.post("/api/decompose", json=whatif(rate(user, k))).raise_for_status()
                    c.post("/api/montecarlo", json=whatif(rate(user, k), draws=200)
                           ).raise_for_status()
        return out

    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(users) as pool:
        lat = [x for xs in pool.map(session, range(users)) for x in xs]
    wall = time.perf_counter() - t0
    what = "update + decomposition + band" if band else "update"
    print(f"{users} concurrent users x {updates} {what}(s) each, back to back: "
          f"{len(lat)} updates in {wall:.1f} s ({len(lat) / wall:.1f}/s); update latency "
          f"p50 {pct(lat, 0.5):.0f} ms, p95 {pct(lat, 0.95):.0f} ms, max {max(lat):.0f} ms")


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--updates", type=int, default=5)
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--band", action="store_true", help="each update also asks for the band")
    p.add_argument("--timeout", type=float, default=300.0)
    p.add_argument("--workers", type=int, default=1, help="tradesim serve --workers")
    p.add_argument("--smoke", action="store_true", help="2 users x 1 update, 3 repeats")
    args = p.parse_args(argv)
    if args.smoke:
        args.users, args.updates, args.repeat = 2, 1, 3
    port = free_port()
    proc = start(port, args.workers)
    print(f"tradesim serve --workers {args.workers} on 127.0.0.1:{port}")
    try:
        url = f"http://127.0.0.1:{port}"
        one_user(url, args.repeat)
        many_users(url, args.users, args.updates, args.band, args.timeout)
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


if __name__ == "__main__":
    main()
