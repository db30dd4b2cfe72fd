#!/usr/bin/env python3
"""FIXTURE — not AWS, not moto: a loopback stand-in for what moto cannot do.

A minimal loopback endpoint that answers the awsQuery calls cw-exporter makes for Container
Insights (STS GetCallerIdentity and AssumeRole, CloudWatch ListMetrics and GetMetricData)
instantly, for a synthetic ECS Container Insights estate of any size. Two uses:

- Benchmarks (bench/run scale, scopes): moto is far too slow to serve a W3-sized estate (it
  scans every datapoint per query), and this measures the exporter, not the endpoint.
- Tests of CloudWatch cross-account observability (OAM), which moto does not implement
  (tests/linked_accounts.rs): with --linked-accounts N the caller is a monitoring account with
  N linked source accounts. ListMetrics with IncludeLinkedAccounts=true lists every account's
  series with OwningAccounts beside them (OwningAccount= lists one account's), and
  GetMetricData answers a query carrying AccountId with that account's value, so a query sent
  without it reads the wrong value.

Every caller sees the same estate. A role assumed through AssumeRole acts in the account its
ARN names (its access key id is ASIA + that account), so GetCallerIdentity answers it; a role
whose name ends in -denied is refused (AccessDenied).
Datapoint values: the query's position in the call % 97 + 0.5 for the caller's own series;
the owner's last four digits + 0.25 for a linked account's series. Calls are counted by
action (GET /_calls, POST /_reset).

    python3 bench/fixture.py --port 5099 --clusters 50 --services 143
    python3 bench/fixture.py --port 5099 --clusters 1 --services 3 --linked-accounts 4
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
STS = "https://sts.amazonaws.com/doc/2011-06-15/"
DEFAULT_ACCOUNT = "123456789012"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def linked_ids(n):
    """The linked source accounts' ids: 210000000001, 210000000002, ..."""
    return [f"2100000{i:05d}" for i in range(1, n + 1)]


class Estate:
    def __init__(self, clusters, services, linked=0):
        self.clusters = [f"cluster-{c:03d}" for c in range(clusters)]
        self.services = [f"service-{s:04d}" for s in range(services)]
        self.linked = linked_ids(linked)
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


def list_metrics(estate, q, caller):
    metric = q.get("MetricName", [""])[0]
    start = int(q.get("NextToken", ["0"])[0] or 0)
    linked = q.get("IncludeLinkedAccounts", ["false"])[0] == "true" and estate.linked
    owners = [caller] + estate.linked if linked else [caller]
    only = q.get("OwningAccount", [""])[0]
    if only:
        owners = [o for o in owners if o == only]
    all_ = [(o, dims) for o in owners for dims in estate.series(metric)]
    page = all_[start:start + PAGE]
    out = [f'<ListMetricsResponse xmlns="{CW}"><ListMetricsResult><Metrics>']
    for _, dims in page:
        d = "".join(f"<member><Name>{n}</Name><Value>{esc(v)}</Value></member>" for n, v in dims)
        out.append(f"<member><Namespace>{NS}</Namespace><MetricName>{metric}</MetricName><Dimensions>{d}</Dimensions></member>")
    out.append("</Metrics>")
    if linked:
        out.append("<OwningAccounts>" + "".join(f"<member>{o}</member>" for o, _ in page) + "</OwningAccounts>")
    if start + PAGE < len(all_):
        out.append(f"<NextToken>{start + PAGE}</NextToken>")
    out.append("</ListMetricsResult><ResponseMetadata><RequestId>fixture</RequestId></ResponseMetadata></ListMetricsResponse>")
    return "".join(out)


def get_metric_data(q, caller):
    ids = sorted((k for k in q if k.startswith("MetricDataQueries.member.") and k.endswith(".Id")),
                 key=lambda k: int(k.split(".")[2]))
    end = dt.datetime.fromisoformat(q["EndTime"][0].replace("Z", "+00:00"))
    ts = (end - dt.timedelta(minutes=5)).replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = [f'<GetMetricDataResponse xmlns="{CW}"><GetMetricDataResult><MetricDataResults>']
    for i, k in enumerate(ids):
        qid = q[k][0]
        owner = q.get(k[:-len("Id")] + "AccountId", [caller])[0]
        value = f"{i % 97}.5" if owner == caller else f"{int(owner[-4:])}.25"
        out.append(f"<member><Id>{qid}</Id><Label>{qid}</Label><StatusCode>Complete</StatusCode>"
                   f"<Timestamps><member>{ts}</member></Timestamps><Values><member>{value}</member></Values></member>")
    out.append("</MetricDataResults><Messages/></GetMetricDataResult>"
               "<ResponseMetadata><RequestId>fixture</RequestId></ResponseMetadata></GetMetricDataResponse>")
    return "".join(out)


def caller_identity(caller):
    return (f'<GetCallerIdentityResponse xmlns="{STS}"><GetCallerIdentityResult>'
            f"<Arn>arn:aws:iam::{caller}:user/bench</Arn><UserId>AIDABENCH</UserId><Account>{caller}</Account>"
            "</GetCallerIdentityResult><ResponseMetadata><RequestId>fixture</RequestId></ResponseMetadata>"
            "</GetCallerIdentityResponse>")


def assume_role(q):
    """Credentials acting in the account the role's ARN names, for an hour."""
    account = q.get("RoleArn", [""])[0].split(":")[4]
    expires = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f'<AssumeRoleResponse xmlns="{STS}"><AssumeRoleResult><Credentials>'
            f"<AccessKeyId>ASIA{account}</AccessKeyId><SecretAccessKey>fixture-secret</SecretAccessKey>"
            f"<SessionToken>fixture-token</SessionToken><Expiration>{expires}</Expiration></Credentials>"
            f"<AssumedRoleUser><AssumedRoleId>AROAFIXTURE:cw</AssumedRoleId>"
            f"<Arn>arn:aws:sts::{account}:assumed-role/fixture/cw</Arn></AssumedRoleUser>"
            "</AssumeRoleResult><ResponseMetadata><RequestId>fixture</RequestId></ResponseMetadata></AssumeRoleResponse>")


def caller_of(headers):
    """The account a request acts in: an assumed role's (its key is ASIA + account), else the default."""
    auth = headers.get("Authorization", "")
    key = auth.split("Credential=")[1].split("/")[0] if "Credential=" in auth else ""
    if key.startswith("ASIA") and len(key) == 16 and key[4:].isdigit():
        return key[4:]
    return DEFAULT_ACCOUNT


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
            caller = caller_of(self.headers)
            if action == "GetCallerIdentity":
                return self.reply(200, caller_identity(caller))
            if action == "AssumeRole":
                if q.get("RoleArn", [""])[0].endswith("-denied"):
                    return self.reply(403, f'<ErrorResponse xmlns="{STS}"><Error><Type>Sender</Type>'
                                           "<Code>AccessDenied</Code><Message>the fixture denies roles named *-denied"
                                           "</Message></Error></ErrorResponse>")
                return self.reply(200, assume_role(q))
            if action == "ListMetrics":
                return self.reply(200, list_metrics(estate, q, caller))
            if action == "GetMetricData":
                return self.reply(200, get_metric_data(q, caller))
            self.reply(400, f'<ErrorResponse xmlns="{CW}"><Error><Type>Sender</Type><Code>InvalidAction</Code>'
                            f"<Message>the bench fixture does not serve {esc(action)}</Message></Error></ErrorResponse>")

    return H


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--clusters", type=int, required=True)
    ap.add_argument("--services", type=int, required=True, help="services per cluster")
    ap.add_argument("--linked-accounts", type=int, default=0,
                    help="act as an OAM monitoring account with this many linked source accounts")
    a = ap.parse_args()
    estate = Estate(a.clusters, a.services, a.linked_accounts)
    ThreadingHTTPServer(("127.0.0.1", a.port), handler(estate)).serve_forever()


if __name__ == "__main__":
    main()
