#!/usr/bin/env python3
"""W2 (≈10k series) and W3 (≈100k series): the seed's config against the bench fixture
(bench/fixture.py, an instant awsQuery endpoint; moto is far too slow at this size).

For each: calls of the first cycle and of a steady-state cycle by API (counted at the fixture),
metrics billed (the exporter's own counter), dollars per month, YACE v0.67's derived calls, the
physical minimum ⌈Q/500⌉, collection time, resident memory (steady and peak), the once-per-cycle
preparation and the time of a scrape (which writes the bytes). The render alone, in process, is
benches/render.rs. Writes bench/reports/scale.md.
"""
import math
import os
import statistics
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from w1 import ROOT, VENV, fixture_calls, free_port, http, log_cycles, mem_kib, start_exporter, wait  # noqa: E402

WORKLOADS = [("W2", 10, 71), ("W3", 50, 143)]  # (name, clusters, services per cluster)
INTERVAL = 120
PRICE = 0.01 / 1000  # GetMetricData, per metric requested
SERVICE_METRICS, CLUSTER_METRICS = 14, 2


def yace_calls(q_per_job, list_metrics_pages):
    # YACE v0.67 per scrape: STS GetCallerIdentity + IAM ListAccountAliases, one ListMetrics per
    # metric name (all pages) per job, and GetMetricData batched per job (500 a call); no tagging
    # API for these jobs (no searchTags / exportedTagsOnMetrics).
    return 2 + list_metrics_pages + sum(math.ceil(q / 500) for q in q_per_job)


def run(name, clusters, services):
    fport, eport = free_port(), free_port()
    fix = subprocess.Popen([sys.executable, f"{ROOT}/bench/fixture.py", "--port", str(fport), "--clusters",
                            str(clusters), "--services", str(services)])
    furl = f"http://127.0.0.1:{fport}"
    exp = None
    try:
        wait(f"{furl}/_calls", 30)
        log = f"/tmp/bench-scale-{eport}.log"
        exp = start_exporter(furl, eport, ["--config.file", f"{ROOT}/examples/seed-config.yml",
                                           "--scraping-interval", str(INTERVAL), "--discovery-interval", "3600"], log)
        eurl = f"http://127.0.0.1:{eport}"
        t0 = time.time()
        wait(f"{eurl}/-/ready", 900)
        first_wall = time.time() - t0
        first = fixture_calls(furl)
        http("POST", f"{furl}/_reset", b"")
        cycles = log_cycles(log)
        while len(log_cycles(log)) < 2:
            time.sleep(0.5)
        steady = fixture_calls(furl)
        cycles = log_cycles(log)
        rss, hwm = mem_kib(exp.pid, "VmRSS"), mem_kib(exp.pid, "VmHWM")
        # Serving /metrics: the bytes of the last snapshot.
        times, size = [], 0
        for _ in range(20):
            s = time.perf_counter()
            with urllib.request.urlopen(f"{eurl}/metrics", timeout=60) as r:
                body = r.read()
            times.append((time.perf_counter() - s) * 1000)
            size = len(body)
        text = body.decode()
        billed = sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
                     if l.startswith("cw_exporter_metrics_requested_total"))
        q = clusters * CLUSTER_METRICS + clusters * services * SERVICE_METRICS
        series = sum(1 for l in text.splitlines() if l.startswith("aws_ecs_containerinsights_"))
        lm_pages = CLUSTER_METRICS * math.ceil(clusters / 500) + SERVICE_METRICS * math.ceil(clusters * services / 500)
        return dict(name=name, clusters=clusters, services=clusters * services, q=q, series=series,
                    first=first, steady=steady, first_wall=first_wall, cycles=cycles, rss=rss, hwm=hwm,
                    serve_ms=statistics.median(times), serve_p90=sorted(times)[int(len(times) * 0.9) - 1],
                    size=size, billed=billed, lm_pages=lm_pages,
                    yace=yace_calls([clusters * CLUSTER_METRICS, clusters * services * SERVICE_METRICS], lm_pages))
    finally:
        if exp:
            exp.kill()
        fix.kill()


def main():
    rows = [run(*w) for w in WORKLOADS]
    cpu = os.cpu_count()
    L = ["# W2 and W3: the seed's config at 10k and 100k series (bench/scale.py)", "",
         f"{time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}, {cpu} CPUs, release build. The endpoint is "
         "**bench/fixture.py**, a loopback fixture that answers STS, ListMetrics and GetMetricData in the awsQuery "
         "wire format instantly (Python, single process), not AWS and not moto; every integration test stays on moto. "
         "Default rate limits (GetMetricData 40/s, ListMetrics 20/s).", "",
         "| | W2 | W3 |", "|---|---|---|"]

    def row(label, f):
        L.append(f"| {label} | " + " | ".join(f(r) for r in rows) + " |")

    row("services (clusters × services)", lambda r: f"{r['services']:,} ({r['clusters']} × {r['services'] // r['clusters']})")
    row("queries Q (= configured series)", lambda r: f"{r['q']:,}")
    row("series exported", lambda r: f"{r['series']:,}")
    row("first cycle calls (fixture)", lambda r: ", ".join(f"{k} {v}" for k, v in sorted(r["first"].items())))
    row("**steady-state cycle calls** (fixture)", lambda r: ", ".join(f"{k} {v}" for k, v in sorted(r["steady"].items())))
    row("⌈Q/500⌉ (physical minimum)", lambda r: str(math.ceil(r["q"] / 500)))
    row("YACE v0.67, calls per scrape (derived)", lambda r: f"{r['yace']} (2 STS/IAM + {r['lm_pages']} ListMetrics pages + GetMetricData per job)")
    row("metrics billed per cycle", lambda r: f"{r['billed'] / max(1, len(r['cycles'])):,.0f}")
    row("$ / month at 300 s (GetMetricData)", lambda r: f"${r['q'] * 12 * 24 * 30 * PRICE:,.2f}")
    row("first cycle (discovery + collection)", lambda r: f"{float(r['cycles'][0][0]):.1f} s")
    row("steady-state collection", lambda r: f"{float(r['cycles'][1][0]):.2f} s (limiter floor {math.ceil(r['q'] / 500) / 40:.2f} s)")
    row("prepare for scrapes, once per steady cycle (layout reused)", lambda r: f"{float(r['cycles'][1][1]):.1f} ms")
    row("scrape /metrics: render + send (median / p90, loopback)", lambda r: f"{r['serve_ms']:.1f} / {r['serve_p90']:.1f} ms for {r['size'] / 1e6:.1f} MB")
    row("resident memory, steady / peak", lambda r: f"{r['rss'] / 1024:.1f} / {r['hwm'] / 1024:.1f} MiB")
    L += ["", "Targets (issue 6): steady-state cycle = ⌈Q/500⌉ GetMetricData and nothing else; metrics billed = "
          "configured series; W3 resident memory ≤ 60 MB; W3 render ≤ 10 ms; W3 collection limited only by the rate "
          "limiter. \"Metrics billed\" counts every statistic as one metric (the conservative reading). Metrics "
          "billed includes pages: a call answered in more than one page bills its queries once per page.", ""]
    out = os.path.join(ROOT, "bench", "reports", "scale.md")
    open(out, "w").write("\n".join(L))
    print("\n".join(L))


if __name__ == "__main__":
    main()
