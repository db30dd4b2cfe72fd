#!/usr/bin/env python3
"""BENCH FIXTURE — not AWS, not moto, never used by the tests.

A minimal loopback endpoint that answers the three awsQuery calls cw-exporter makes for the
seed's config (STS GetCallerIdentity, CloudWatch ListMetrics and GetMetricData) instantly, for a
synthetic ECS Container Insights estate of any size. moto is far too slow to serve a W3-sized
estate (it scans every datapoint per query); this lets the W2/W3 benchmarks measure the
exporter, not the endpoint. It counts calls by action (GET /_calls, POST /_reset).

    python3 bench/fixture.py --port 5099 --clusters 50 --services 143
"""
import argparse
import datetime as dt
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NS = "ECS/ContainerInsights"
CLUSTER_METRICS = ["ContainerInstanceCount", "ServiceCount"]
SERVICE_METRICS = ["CpuReserved", "CpuUtilized", "MemoryReserved", "MemoryUtilized", "StorageReadBytes",
                   "StorageWriteBytes", "NetworkRxBytes", "NetworkTxBytes", "DesiredTaskCount", "TaskCount",
                   "PendingTaskCount", "RunningTaskCount", "DeploymentCount", "TaskSetCount"]
PAGE = 500
CW = "http://monitoring.amazonaws.com/doc/2010-08-01/"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Estate:
    def __init__(self, clusters, services):
        self.clusters = [f"cluster-{c:03d}" for c in range(clusters)]
        self.services = [f"service-{s:04d}" for s in range(services)]
        self.calls = {}
        self.lock = threading.Lock()

    def series(self, metric):
        if metric in CLUSTER_METRICS:
            return [[("ClusterName", c)] for c in self.clusters]
        if metric in SERVICE_METRICS:
            return [[("ClusterName", c), ("ServiceName", s)] for c in self.clusters for s in self.services]
        return []

    def count(self, action):
        with self.lock:
            self.calls[action] = self.calls.get(action, 0) + 1


def list_metrics(estate, q):
    metric = q.get("MetricName", [""])[0]
    start = int(q.get("NextToken", ["0"])[0] or 0)
    all_ = estate.series(metric)
    page = all_[start:start + PAGE]
    out = [f'<ListMetricsResponse xmlns="{CW}"><ListMetricsResult><Metrics>']
    for dims in page:
        d = "".join(f"<member><Name>{n}</Name><Value>{esc(v)}</Value></member>" for n, v in dims)
        out.append(f"<member><Namespace>{NS}</Namespace><MetricName>{metric}</MetricName><Dimensions>{d}</Dimensions></member>")
    out.append("</Metrics>")
    if start + PAGE < len(all_):
        out.append(f"<NextToken>{start + PAGE}</NextToken>")
    out.append("</ListMetricsResult><ResponseMetadata><RequestId>fixture</RequestId></ResponseMetadata></ListMetricsResponse>")
    return "".join(out)


def get_metric_data(q):
    ids = sorted((k for k in q if k.startswith("MetricDataQueries.member.") and k.endswith(".Id")),
                 key=lambda k: int(k.split(".")[2]))
    end = dt.datetime.fromisoformat(q["EndTime"][0].replace("Z", "+00:00"))
    ts = (end - dt.timedelta(minutes=5)).replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = [f'<GetMetricDataResponse xmlns="{CW}"><GetMetricDataResult><MetricDataResults>']
    for i, k in enumerate(ids):
        qid = q[k][0]
        out.append(f"<member><Id>{qid}</Id><Label>{qid}</Label><StatusCode>Complete</StatusCode>"
                   f"<Timestamps><member>{ts}</member></Timestamps><Values><member>{i % 97}.5</member></Values></member>")
    out.append("</MetricDataResults><Messages/></GetMetricDataResult>"
               "<ResponseMetadata><RequestId>fixture</RequestId></ResponseMetadata></GetMetricDataResponse>")
    return "".join(out)


def caller_identity():
    return ('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
            "<Arn>arn:aws:iam::123456789012:user/bench</Arn><UserId>AIDABENCH</UserId><Account>123456789012</Account>"
            "</GetCallerIdentityResult><ResponseMetadata><RequestId>fixture</RequestId></ResponseMetadata>"
            "</GetCallerIdentityResponse>")


def handler(estate):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, body, ctype="text/xml"):
            b = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

        def do_GET(self):
            if self.path == "/_calls":
                with estate.lock:
                    return self.reply(200, json.dumps(estate.calls), "application/json")
            self.reply(404, "")

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n).decode()
            if self.path == "/_reset":
                with estate.lock:
                    estate.calls = {}
                return self.reply(200, "{}", "application/json")
            q = urllib.parse.parse_qs(body, keep_blank_values=True)
            action = q.get("Action", [""])[0]
            estate.count(action)
            if action == "GetCallerIdentity":
                return self.reply(200, caller_identity())
            if action == "ListMetrics":
                return self.reply(200, list_metrics(estate, q))
            if action == "GetMetricData":
                return self.reply(200, get_metric_data(q))
            self.reply(400, f'<ErrorResponse xmlns="{CW}"><Error><Type>Sender</Type><Code>InvalidAction</Code>'
                            f"<Message>the bench fixture does not serve {esc(action)}</Message></Error></ErrorResponse>")

    return H


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--clusters", type=int, required=True)
    ap.add_argument("--services", type=int, required=True, help="services per cluster")
    a = ap.parse_args()
    estate = Estate(a.clusters, a.services)
    ThreadingHTTPServer(("127.0.0.1", a.port), handler(estate)).serve_forever()


if __name__ == "__main__":
    main()
