#!/usr/bin/env python3
"""Load: 200 concurrent scrapers on /metrics for 60 s (wrk), with W1's estate (the seed's config on
50 services) on moto; plain HTTP, then TLS with basic auth. Reports requests/s, latency
percentiles, errors, and resident memory before and after; writes bench/reports/load.md.
"""
import base64
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from w1 import CLUSTERS, ROOT, SERVICES, VENV, free_port, http, mem_kib, start_exporter, wait  # noqa: E402

DURATION = int(os.environ.get("LOAD_SECONDS", "60"))
CONNECTIONS = 200
# bcrypt (cost 10) of PASSWORD, made with the bcrypt crate (the same pair as tests/web_security.rs).
USER, PASSWORD = "prometheus", "canary-basic-auth-pass-7f3a"
HASH = "$2b$10$TuwFpAKdAbUS1nN1pVmzgOae/HMYORaAZ/IgjUJCtSkwgCWJs.p7C"


def wrk(url, headers=()):
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--timeout", "5s", "--latency"]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    r = {"raw": out}
    r["rps"] = re.search(r"Requests/sec:\s*([\d.]+)", out).group(1)
    r["requests"] = re.search(r"(\d+) requests in", out).group(1)
    for p in ("50", "75", "90", "99"):
        m = re.search(rf"^\s*{p}%\s+(\S+)", out, re.M)
        r[p] = m.group(1) if m else "?"
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    r["non2xx"] = int(m.group(1)) if m else 0
    return r


def pki(d):
    def ossl(*a):
        subprocess.run(["openssl", *a], cwd=d, check=True, capture_output=True)
    ossl("req", "-x509", "-days", "2", "-subj", "/CN=load-ca", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", "ca.key", "-out", "ca.crt")
    open(f"{d}/s.ext", "w").write("subjectAltName=IP:127.0.0.1\n")
    ossl("req", "-new", "-subj", "/CN=load", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", "server.key", "-out", "server.csr")
    ossl("x509", "-req", "-days", "2", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
         "-extfile", "s.ext", "-out", "server.crt")
    open(f"{d}/web.yml", "w").write(
        f"tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  {USER}: {HASH}\n")
    return f"{d}/web.yml"


def run_exporter(moto, web=None):
    port = free_port()
    args = ["--config.file", f"{ROOT}/examples/seed-config.yml", "--scraping-interval", "300",
            # moto, not the exporter, is slow here: no call may time out before it answers.
            "--aws.timeout", "900"]
    if web:
        args += ["--web.config.file", web]
    return start_exporter(moto, port, args, f"/tmp/bench-load-{port}.log"), port


def main():
    mport = free_port()
    moto_p = subprocess.Popen([f"{VENV}/bin/python", f"{ROOT}/scripts/moto_server.py", "-H", "127.0.0.1", "-p", str(mport)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    moto = f"http://127.0.0.1:{mport}"
    rows = []
    procs = []
    try:
        wait(f"{moto}/moto-api/")
        subprocess.run([f"{VENV}/bin/python", f"{ROOT}/scripts/seed_estate.py", "--endpoint", moto, "--mode", "test",
                        "--clusters", str(CLUSTERS), "--services-per-cluster", str(SERVICES), "--minutes", "10",
                        "--no-extras"], check=True, stdout=subprocess.DEVNULL)
        d = tempfile.mkdtemp(prefix="cw-load-")
        web = pki(d)
        for label, use_web in (("plain HTTP", False), ("TLS + basic auth", True)):
            p, port = run_exporter(moto, web if use_web else None)
            procs.append(p)
            if use_web:
                url = f"https://127.0.0.1:{port}/metrics"
                deadline = time.time() + 180
                # Ready = the first collection is done (the health routes need no credentials).
                while subprocess.run(["curl", "-sf", "--cacert", f"{d}/ca.crt", f"https://127.0.0.1:{port}/-/ready"],
                                     capture_output=True).returncode != 0:
                    if time.time() > deadline:
                        sys.exit("TLS exporter never ready")
                    time.sleep(0.5)
                auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
                headers = [f"Authorization: Basic {auth}"]
            else:
                url = f"http://127.0.0.1:{port}/metrics"
                wait(f"http://127.0.0.1:{port}/-/ready", 180)
                headers = []
            deadline = time.time() + 180
            while True:
                body = subprocess.run(["curl", "-sk", "-u", f"{USER}:{PASSWORD}", url], capture_output=True).stdout
                if b"aws_ecs_containerinsights_running_task_count_average{" in body:
                    break
                if time.time() > deadline:
                    sys.exit(f"{label}: /metrics never served the estate; see /tmp/bench-load-{port}.log")
                time.sleep(1)
            size = len(body)
            rss_before = mem_kib(p.pid, "VmRSS")
            print(f"{label}: wrk -c{CONNECTIONS} -d{DURATION}s {url}", flush=True)
            r = wrk(url, headers)
            rss_after, hwm = mem_kib(p.pid, "VmRSS"), mem_kib(p.pid, "VmHWM")
            rows.append((label, size, r, rss_before, rss_after, hwm))
            p.terminate()
            p.wait(timeout=30)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        moto_p.kill()

    cpus = os.cpu_count()
    lines = [
        "# Load: 200 concurrent scrapers (bench/load)",
        "",
        f"{time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}, {cpus} CPUs shared by wrk (2 threads) and the exporter; "
        f"release build; W1 estate (the seed's config, {CLUSTERS} clusters × {SERVICES} services) on moto; "
        f"`wrk -t2 -c{CONNECTIONS} -d{DURATION}s --latency` on /metrics.",
        "",
        "| run | body | requests | req/s | p50 | p75 | p90 | p99 | socket errors | non-2xx | RSS before | RSS after | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, size, r, before, after, hwm in rows:
        lines.append(f"| {label} | {size / 1024:.0f} KiB | {r['requests']} | {r['rps']} | {r['50']} | {r['75']} | {r['90']} | "
                     f"{r['99']} | {r['socket_errors']} | {r['non2xx']} | {before / 1024:.1f} MiB | {after / 1024:.1f} MiB | "
                     f"{hwm / 1024:.1f} MiB |")
    lines += ["", "Scrapes read the last snapshot from memory (no AWS call), so load never reaches CloudWatch. With basic auth "
              "the first request of a credential pays one bcrypt verification (~50 ms at cost 10); later ones hit the "
              "verified-credentials cache.", "", "wrk output:", ""]
    for label, _, r, *_ in rows:
        lines += [f"{label}:", "", "```", r["raw"].strip(), "```", ""]
    out = os.path.join(ROOT, "bench", "reports", "load.md")
    open(out, "w").write("\n".join(lines))
    print(f"wrote {out}")
    bad = [lbl for lbl, _, r, *_ in rows if r["socket_errors"] or r["non2xx"]]
    if bad:
        sys.exit(f"errors under load: {bad}")


if __name__ == "__main__":
    main()
