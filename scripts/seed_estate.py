#!/usr/bin/env python3
"""Seed a local AWS endpoint (moto) with a Fargate estate, through the real AWS APIs.

ECS clusters and services (some tagged, some not) are created through the ECS API, an EKS
cluster through the EKS API, and Container Insights / AWS/ECS metrics are put with
PutMetricData, one datapoint a minute.

--mode demo   realistic, varying values over the last --minutes minutes.
--mode test   every series constant over the last --minutes minutes, so the newest datapoint
              of any period equals what was put; --out writes the expected values as JSON.
--services-per-cluster N / --clusters N size the estate (defaults give 3 clusters, 13 services).
Values follow ../shared/reference (Fargate task sizes, utilisation fractions, rates).
"""
import argparse
import datetime as dt
import json
import random
import sys

import boto3

SERVICE_METRICS = [
    "CpuReserved", "CpuUtilized", "MemoryReserved", "MemoryUtilized",
    "StorageReadBytes", "StorageWriteBytes", "NetworkRxBytes", "NetworkTxBytes",
    "DesiredTaskCount", "TaskCount", "PendingTaskCount", "RunningTaskCount",
    "DeploymentCount", "TaskSetCount",
]
TASK_SIZES = [(256, [512, 1024]), (512, [1024, 2048]), (1024, [2048, 4096]), (2048, [4096, 8192])]
CLUSTER_NAMES = ["prod-fargate", "staging-fargate", "batch-fargate", "edge-fargate", "data-fargate"]
SERVICE_NAMES = ["api", "web", "worker", "auth", "payments", "search", "notifier", "reports",
                 "gateway", "orders", "catalog", "billing"]


def args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint", required=True)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--mode", choices=["demo", "test"], default="demo")
    p.add_argument("--clusters", type=int, default=3)
    p.add_argument("--services-per-cluster", type=int, default=0,
                   help="0: a realistic mix (5, 4, 4, ...)")
    p.add_argument("--minutes", type=int, default=60)
    p.add_argument("--metrics", default=",".join(SERVICE_METRICS),
                   help="service metrics to put (comma-separated)")
    p.add_argument("--no-extras", action="store_true",
                   help="only the service metrics: no cluster, family, AWS/ECS or EKS data")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--role-arn", help="seed the account of this role (assumed through STS)")
    p.add_argument("--incidents", action="store_true",
                   help="add three unhealthy services: tasks stuck pending, running < desired, "
                        "memory > 90%% of the reservation (needs --clusters 3)")
    p.add_argument("--around", action="store_true",
                   help="also what sits around the services: RDS instances, DynamoDB tables, Lambda "
                        "functions and an ElastiCache cluster, some tagged, some not, with a few "
                        "CloudWatch metrics (for enhanced metrics)")
    p.add_argument("--account-alias", help="give the account this IAM alias")
    p.add_argument("--tasks", action="store_true",
                   help="enhanced observability for the first cluster's services: task- and "
                        "container-level series for two tasks each, one of them gone (its data "
                        "ends 30 minutes ago)")
    p.add_argument("--out", help="write expected values (test mode) to this JSON file")
    return p.parse_args()


_CREDS = {}


def client(a, name):
    if a.role_arn and not _CREDS:
        sts = boto3.client("sts", region_name=a.region, endpoint_url=a.endpoint,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        c = sts.assume_role(RoleArn=a.role_arn, RoleSessionName="seed")["Credentials"]
        _CREDS.update(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                      aws_session_token=c["SessionToken"])
    creds = _CREDS or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client(name, region_name=a.region, endpoint_url=a.endpoint, **creds)


class Putter:
    """Buffers datums and sends them in PutMetricData calls of up to 500."""

    def __init__(self, cw):
        self.cw, self.buf, self.calls = cw, {}, 0

    def put(self, ns, name, dims, value, ts, unit="None"):
        self.buf.setdefault(ns, []).append({
            "MetricName": name, "Timestamp": ts, "Value": float(value), "Unit": unit,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
        })
        if len(self.buf[ns]) >= 500:
            self.flush(ns)

    def flush(self, ns=None):
        for n in ([ns] if ns else list(self.buf)):
            data = self.buf.pop(n, [])
            for i in range(0, len(data), 500):
                self.cw.put_metric_data(Namespace=n, MetricData=data[i:i + 500])
                self.calls += 1


def estate(a, rnd):
    clusters = []
    for c in range(a.clusters):
        base = CLUSTER_NAMES[c % len(CLUSTER_NAMES)]
        name = base if c < len(CLUSTER_NAMES) else f"{base}-{c}"
        n = a.services_per_cluster or [5, 4, 4][c % 3]
        services = []
        for s in range(n):
            sname = SERVICE_NAMES[s % len(SERVICE_NAMES)]
            if s >= len(SERVICE_NAMES):
                sname = f"{sname}-{s}"
            cpu, mems = rnd.choice(TASK_SIZES)
            desired = rnd.choice([1, 2, 2, 3, 4, 6])
            util = rnd.uniform(0.05, 0.35)
            mem_util = rnd.uniform(0.3, 0.7)
            rx = rnd.uniform(5e3, 5e5)
            services.append({
                "name": sname, "cpu": cpu, "mem": rnd.choice(mems), "desired": desired,
                "cpu_util": util, "mem_util": mem_util, "rx": rx, "tx": rx * rnd.uniform(1.5, 4),
                "read": rnd.uniform(0, 5e7), "write": rnd.uniform(1e6, 2e8),
                # Every third service carries no tags: it must still be exported.
                "tags": [] if s % 3 == 2 else [{"key": "team", "value": rnd.choice(["core", "growth"])},
                                               {"key": "env", "value": "prod" if c == 0 else "staging"}],
            })
        clusters.append({
            "name": name, "services": services,
            # The last cluster is untagged.
            "tags": [] if c == a.clusters - 1 and a.clusters > 1 else
            [{"key": "env", "value": "prod" if c == 0 else "staging"}],
        })
    return clusters


def service_values(s, wobble):
    """Per-task averages and counts for one minute (Container Insights {ClusterName, ServiceName})."""
    running = s.get("running", s["desired"])
    return {
        "CpuReserved": s["cpu"],
        "CpuUtilized": round(s["cpu"] * s["cpu_util"] * wobble(0.2), 4),
        "MemoryReserved": s["mem"],
        "MemoryUtilized": round(s["mem"] * s["mem_util"] * wobble(0.05), 2),
        "StorageReadBytes": round(s["read"] * wobble(0.1)),
        "StorageWriteBytes": round(s["write"] * wobble(0.1)),
        "NetworkRxBytes": round(s["rx"] * wobble(0.3), 2),
        "NetworkTxBytes": round(s["tx"] * wobble(0.3), 2),
        "DesiredTaskCount": s["desired"],
        "TaskCount": running,
        "PendingTaskCount": s.get("pending", 0),
        "RunningTaskCount": running,
        "DeploymentCount": 1,
        "TaskSetCount": 0,
    }


UNITS = {"MemoryReserved": "Megabytes", "MemoryUtilized": "Megabytes", "StorageReadBytes": "Bytes",
         "StorageWriteBytes": "Bytes", "NetworkRxBytes": "Bytes/Second", "NetworkTxBytes": "Bytes/Second"}


def main():
    a = args()
    rnd = random.Random(a.seed)
    ecs, cw = client(a, "ecs"), client(a, "cloudwatch")
    account = client(a, "sts").get_caller_identity()["Account"]
    clusters = estate(a, rnd)
    incidents = {}
    if a.incidents:
        # Healthy everywhere else: utilisation stays below 0.7, pending 0, running = desired.
        pend, short, mem = clusters[0]["services"][2], clusters[1]["services"][0], clusters[2]["services"][1]
        pend["pending"] = 2
        short["desired"], short["running"] = 4, 2
        mem["mem_util"] = 0.93
        incidents = {"pending": f"{clusters[0]['name']}/{pend['name']}",
                     "below_desired": f"{clusters[1]['name']}/{short['name']}",
                     "memory": f"{clusters[2]['name']}/{mem['name']}"}
    wanted = [m for m in a.metrics.split(",") if m]

    for c in clusters:
        kw = {"tags": c["tags"]} if c["tags"] else {}
        ecs.create_cluster(clusterName=c["name"], settings=[{"name": "containerInsights", "value": "enabled"}], **kw)
        for s in c["services"]:
            td = ecs.register_task_definition(
                family=s["name"], requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                cpu=str(s["cpu"]), memory=str(s["mem"]),
                containerDefinitions=[{"name": s["name"], "image": f"example/{s['name']}:1", "essential": True}],
            )["taskDefinition"]["taskDefinitionArn"]
            kw = {"tags": s["tags"]} if s["tags"] else {}
            ecs.create_service(cluster=c["name"], serviceName=s["name"], taskDefinition=td,
                               desiredCount=s["desired"], launchType="FARGATE", **kw)

    put = Putter(cw)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    expected = {"account": account, "region": a.region, "clusters": {}, "services": {},
                "incidents": incidents,
                "cluster_tags": {c["name"]: {t["key"]: t["value"] for t in c["tags"]} for c in clusters},
                "service_tags": {f"{c['name']}/{s['name']}": {t["key"]: t["value"] for t in s["tags"]}
                                 for c in clusters for s in c["services"]}}
    constant = a.mode == "test"

    for c in clusters:
        cname = c["name"]
        svc_vals = {}
        for s in c["services"]:
            fixed = service_values(s, lambda _: 1.0)
            svc_vals[s["name"]] = fixed
            if constant:
                expected["services"][f"{cname}/{s['name']}"] = {m: fixed[m] for m in wanted}
        cluster_fixed = {
            "ContainerInstanceCount": 0,
            "ServiceCount": len(c["services"]),
            "TaskCount": sum(v["RunningTaskCount"] for v in svc_vals.values()),
        }
        if constant:
            expected["clusters"][cname] = {k: cluster_fixed[k] for k in ("ContainerInstanceCount", "ServiceCount")}
        for minute in range(a.minutes):
            ts = now - dt.timedelta(minutes=minute)
            wobble = (lambda _: 1.0) if constant else (lambda w: 1 + rnd.uniform(-w, w))
            for s in c["services"]:
                vals = svc_vals[s["name"]] if constant else service_values(s, wobble)
                dims = [("ClusterName", cname), ("ServiceName", s["name"])]
                for m in wanted:
                    put.put("ECS/ContainerInsights", m, dims, vals[m], ts, UNITS.get(m, "Count" if "Count" in m else "None"))
                if a.no_extras:
                    continue
                # Same measurements by task family: the seed's jobs must not export these.
                fam = [("ClusterName", cname), ("TaskDefinitionFamily", s["name"])]
                for m in ("CpuUtilized", "MemoryUtilized"):
                    put.put("ECS/ContainerInsights", m, fam, vals[m], ts, UNITS.get(m, "None"))
                # The free AWS/ECS service metrics (percent of reservation).
                put.put("AWS/ECS", "CPUUtilization", dims, 100 * vals["CpuUtilized"] / vals["CpuReserved"], ts, "Percent")
                put.put("AWS/ECS", "MemoryUtilization", dims, 100 * vals["MemoryUtilized"] / vals["MemoryReserved"], ts, "Percent")
            if a.no_extras:
                continue
            for m, v in cluster_fixed.items():
                put.put("ECS/ContainerInsights", m, [("ClusterName", cname)], v, ts, "Count")
            put.put("ECS/ContainerInsights", "CpuUtilized", [("ClusterName", cname)],
                    sum(v["CpuUtilized"] for v in svc_vals.values()) / max(1, len(svc_vals)), ts)
    put.flush()

    if not a.no_extras:
        seed_eks(a, rnd, put, now, constant, expected)
        put.flush()
    if a.around:
        seed_around(a, put, now, expected)
        put.flush()
    if a.tasks:
        seed_tasks(a, clusters[0], put, now, expected)
        put.flush()
    if a.account_alias:
        client(a, "iam").create_account_alias(AccountAlias=a.account_alias)
        expected["account_alias"] = a.account_alias

    print(f"seeded {len(clusters)} ECS clusters, {sum(len(c['services']) for c in clusters)} services "
          f"in {a.region} (account {account}) with {a.minutes} min of data in {put.calls} PutMetricData calls",
          file=sys.stderr)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(expected, f, indent=1, sort_keys=True)


def seed_tasks(a, cluster, put, now, expected):
    """Task- and container-level series (Container Insights enhanced observability) for two
    tasks of each service of `cluster`: one running, one gone 30 minutes ago (CloudWatch still
    lists its series). `expected["tasks"]`: per task id, its service, whether it runs, values."""
    tasks = expected.setdefault("tasks", {})
    c = cluster["name"]
    for i, s in enumerate(cluster["services"]):
        for n, running in ((0, True), (1, False)):
            task = f"{i:02d}{n:02d}" + "c0ffee" * 4 + "ab"
            mem, cpu = 40.0 + i + 10 * n, 20.0 + i
            tasks[task] = {"service": s["name"], "running": running, "TaskMemoryUtilization": mem,
                           "ContainerMemoryUtilization": mem / 2, "container": s["name"]}
            minutes = range(a.minutes) if running else range(30, 30 + a.minutes)
            for minute in minutes:
                ts = now - dt.timedelta(minutes=minute)
                dims = [("ClusterName", c), ("ServiceName", s["name"]), ("TaskId", task)]
                put.put("ECS/ContainerInsights", "TaskMemoryUtilization", dims, mem, ts, "Percent")
                put.put("ECS/ContainerInsights", "TaskCpuUtilization", dims, cpu, ts, "Percent")
                put.put("ECS/ContainerInsights", "ContainerMemoryUtilization",
                        dims + [("ContainerName", s["name"])], mem / 2, ts, "Percent")


def seed_around(a, put, now, expected):
    """RDS, DynamoDB, Lambda and ElastiCache beside the services; `expected["around"]` holds
    each resource's ARN, tags and the values its service's API reports."""
    import io
    import zipfile
    around = expected.setdefault("around", {})
    team = [{"Key": "team", "Value": "shop"}]
    rds = client(a, "rds")
    for name, engine, gib, tags in [("orders-db", "postgres", 100, team), ("reports-db", "mysql", 20, [])]:
        db = rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine=engine,
                                    AllocatedStorage=gib, MasterUsername="admin", MasterUserPassword="not-a-secret-1",
                                    Tags=tags)["DBInstance"]
        around[name] = {"arn": db["DBInstanceArn"], "AllocatedStorage": gib, "class": "db.t3.micro",
                        "engine": engine, "tags": {t["Key"]: t["Value"] for t in tags}}
        for minute in range(a.minutes):
            put.put("AWS/RDS", "CPUUtilization", [("DBInstanceIdentifier", name)], 12.5,
                    now - dt.timedelta(minutes=minute), "Percent")
    ddb = client(a, "dynamodb")
    for name, items, tags in [("carts", 3, team), ("sessions", 1, [])]:
        t = ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                  {"AttributeName": "user", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{"IndexName": "by-user", "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}],
            Tags=tags)["TableDescription"]
        for i in range(items):
            ddb.put_item(TableName=name, Item={"id": {"S": str(i)}, "user": {"S": f"u{i}"}})
        d = ddb.describe_table(TableName=name)["Table"]
        around[name] = {"arn": t["TableArn"], "ItemCount": d["ItemCount"], "TableSizeBytes": d["TableSizeBytes"],
                        "tags": {x["Key"]: x["Value"] for x in tags}}
    iam = client(a, "iam")
    role = iam.create_role(RoleName="lambda-exec", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("h.py", "def h(e, c):\n    return 1\n")
    lam = client(a, "lambda")
    for name, timeout, memory, tags in [("thumbnailer", 30, 512, {"team": "shop"}), ("cleanup", 300, 128, {})]:
        f = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="h.h",
                                Code={"ZipFile": code.getvalue()}, Timeout=timeout, MemorySize=memory, Tags=tags)
        around[name] = {"arn": f["FunctionArn"], "Timeout": timeout, "MemorySize": memory, "tags": tags}
    ec = client(a, "elasticache")
    c = ec.create_cache_cluster(CacheClusterId="carts-cache", Engine="redis", CacheNodeType="cache.t3.micro",
                                NumCacheNodes=1)["CacheCluster"]
    around["carts-cache"] = {"arn": c["ARN"], "NumCacheNodes": 1, "tags": {}}
    seed_network_around(a, put, now, around)


def seed_network_around(a, put, now, around):
    """An ALB with a target group, SQS queues, an EC2 instance, an S3 bucket, a NAT gateway and
    an Aurora cluster, most untagged, each with one CloudWatch metric whose (name, dimensions)
    no other namespace uses (moto merges those across namespaces). `around[name]` gets the ARN,
    the tags, and `metric`: (namespace, name, dimensions, value)."""
    ec2 = client(a, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{a.region}{z}")["Subnet"]["SubnetId"]
               for i, z in enumerate("ab")]
    elb = client(a, "elbv2")
    lb = elb.create_load_balancer(Name="shop-alb", Subnets=subnets, Type="application")["LoadBalancers"][0]
    tg = elb.create_target_group(Name="shop-web", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")["TargetGroups"][0]
    elb.add_tags(ResourceArns=[tg["TargetGroupArn"]], Tags=[{"Key": "team", "Value": "shop"}])
    lb_dim = lb["LoadBalancerArn"].split(":loadbalancer/")[1]
    tg_dim = tg["TargetGroupArn"].split(":")[-1]
    around["shop-alb"] = {"arn": lb["LoadBalancerArn"], "tags": {},
                          "metric": ["AWS/ApplicationELB", "ActiveConnectionCount", [["LoadBalancer", lb_dim]], 40.0]}
    around["shop-web"] = {"arn": tg["TargetGroupArn"], "tags": {"team": "shop"},
                          "metric": ["AWS/ApplicationELB", "HealthyHostCount",
                                     [["LoadBalancer", lb_dim], ["TargetGroup", tg_dim]], 3.0]}
    sqs = client(a, "sqs")
    for name, tags, depth in [("orders-queue", {"team": "shop"}, 7.0), ("dead-letters", {}, 1.0)]:
        url = sqs.create_queue(QueueName=name, **({"tags": tags} if tags else {}))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        around[name] = {"arn": arn, "tags": tags,
                        "metric": ["AWS/SQS", "ApproximateNumberOfMessagesVisible", [["QueueName", name]], depth]}
    image = ec2.describe_images()["Images"][0]["ImageId"]
    inst = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                             SubnetId=subnets[0])["Instances"][0]["InstanceId"]
    around["bastion"] = {"arn": f"arn:aws:ec2:{a.region}:{around['orders-db']['arn'].split(':')[4]}:instance/{inst}",
                         "tags": {}, "metric": ["AWS/EC2", "CPUUtilization", [["InstanceId", inst]], 4.5]}
    s3 = client(a, "s3")
    bucket = "shop-assets-example"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "shop"}]})
    around[bucket] = {"arn": f"arn:aws:s3:::{bucket}", "tags": {"team": "shop"},
                      "metric": ["AWS/S3", "NumberOfObjects", [["BucketName", bucket], ["StorageType", "AllStorageTypes"]], 120.0]}
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=eip)["NatGateway"]["NatGatewayId"]
    account = around["orders-db"]["arn"].split(":")[4]
    around["egress"] = {"arn": f"arn:aws:ec2:{a.region}:{account}:natgateway/{nat}", "tags": {},
                        "metric": ["AWS/NATGateway", "ActiveConnectionCount", [["NatGatewayId", nat]], 12.0]}
    rds = client(a, "rds")
    cl = rds.create_db_cluster(DBClusterIdentifier="ledger-aurora", Engine="aurora-postgresql",
                               MasterUsername="admin", MasterUserPassword="not-a-secret-1")["DBCluster"]
    around["ledger-aurora"] = {"arn": cl["DBClusterArn"], "tags": {},
                               "metric": ["AWS/RDS", "VolumeBytesUsed", [["DBClusterIdentifier", "ledger-aurora"]], 2.5e9]}
    seed_listed_around(a, ec2, subnets, around)
    for name in ("orders-db", "reports-db"):
        around[name]["metric"] = ["AWS/RDS", "CPUUtilization", [["DBInstanceIdentifier", name]], 12.5]
    for name, value in (("thumbnailer", 120.0), ("cleanup", 3.0)):
        around[name]["metric"] = ["AWS/Lambda", "Invocations", [["FunctionName", name]], value]
    for name, value in (("carts", 5.0), ("sessions", 2.0)):
        around[name]["metric"] = ["AWS/DynamoDB", "ConsumedReadCapacityUnits", [["TableName", name]], value]
    for r in around.values():
        if "metric" not in r or r["metric"][1] == "CPUUtilization" and r["metric"][0] == "AWS/RDS":
            continue
        ns, m, dims, v = r["metric"]
        for minute in range(a.minutes):
            put.put(ns, m, [tuple(d) for d in dims], v, now - dt.timedelta(minutes=minute))


def seed_listed_around(a, ec2, subnets, around):
    """The resources whose ARN holds an id no dimension has: REST APIs (their series carry the
    name), a DMS replication instance and task, Auto Scaling groups (tagged through their own
    API, which the tagging API does not list). Entries as in `seed_network_around`."""
    apigw = client(a, "apigateway")
    for name, tags, value in [("orders-api", {"team": "shop"}, 21.0), ("admin-api", {}, 8.0)]:
        api = apigw.create_rest_api(name=name, **({"tags": tags} if tags else {}))
        arn = f"arn:aws:apigateway:{a.region}::/restapis/{api['id']}"
        around[name] = {"arn": arn, "tags": tags, "metric": ["AWS/ApiGateway", "Latency", [["ApiName", name]], value]}
    # A stage's series: on the stage's ARN, whose tags are its own (none here).
    around["orders-api/prod"] = {
        "arn": around["orders-api"]["arn"] + "/stages/prod", "tags": {},
        "metric": ["AWS/ApiGateway", "IntegrationLatency", [["ApiName", "orders-api"], ["Stage", "prod"]], 17.0]}
    dms = client(a, "dms")
    rep = dms.create_replication_instance(ReplicationInstanceIdentifier="migrator",
                                          ReplicationInstanceClass="dms.t3.micro",
                                          Tags=[{"Key": "team", "Value": "data"}])["ReplicationInstance"]
    around["migrator"] = {"arn": rep["ReplicationInstanceArn"], "tags": {"team": "data"},
                          "metric": ["AWS/DMS", "FreeableMemory", [["ReplicationInstanceIdentifier", "migrator"]], 1.5e9]}
    endpoints = [dms.create_endpoint(EndpointIdentifier=f"{kind}-db", EndpointType=kind, EngineName="postgres",
                                     ServerName="db.example", Port=5432, DatabaseName="shop",
                                     Username="u", Password="not-a-secret-1")["Endpoint"]["EndpointArn"]
                 for kind in ("source", "target")]
    task = dms.create_replication_task(ReplicationTaskIdentifier="nightly-copy", SourceEndpointArn=endpoints[0],
                                       TargetEndpointArn=endpoints[1], ReplicationInstanceArn=rep["ReplicationInstanceArn"],
                                       MigrationType="full-load", TableMappings="{}")["ReplicationTask"]
    # CloudWatch names a task by the id that ends its ARN (YACE, after its issue #485).
    around["nightly-copy"] = {
        "arn": task["ReplicationTaskArn"], "tags": {},
        "metric": ["AWS/DMS", "FullLoadThroughputRowsSource",
                   [["ReplicationInstanceIdentifier", "migrator"],
                    ["ReplicationTaskIdentifier", task["ReplicationTaskArn"].rsplit(":", 1)[1]]], 250.0]}
    asg = client(a, "autoscaling")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    asg.create_launch_configuration(LaunchConfigurationName="web-lc", ImageId=image, InstanceType="t3.micro")
    for name, tags, value in [("web-asg", {"team": "shop"}, 2.0), ("batch-asg", {}, 0.0)]:
        asg.create_auto_scaling_group(
            AutoScalingGroupName=name, LaunchConfigurationName="web-lc", MinSize=0, MaxSize=2, DesiredCapacity=0,
            VPCZoneIdentifier=subnets[0],
            Tags=[{"Key": k, "Value": v, "PropagateAtLaunch": False, "ResourceId": name,
                   "ResourceType": "auto-scaling-group"} for k, v in tags.items()])
        g = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
        around[name] = {"arn": g["AutoScalingGroupARN"], "tags": tags,
                        "metric": ["AWS/AutoScaling", "GroupDesiredCapacity", [["AutoScalingGroupName", name]], value]}
    # EC2's per-group aggregate: on the group too.
    around["web-asg/ec2"] = {"arn": around["web-asg"]["arn"], "tags": {"team": "shop"},
                             "metric": ["AWS/EC2", "NetworkIn", [["AutoScalingGroupName", "web-asg"]], 1024.0]}


def seed_eks(a, rnd, put, now, constant, expected):
    """One EKS cluster on Fargate: pod metrics as the ADOT collector publishes them."""
    eks = client(a, "eks")
    name = "eks-fargate"
    eks.create_cluster(name=name, roleArn=f"arn:aws:iam::{expected['account']}:role/eks",
                       resourcesVpcConfig={"subnetIds": ["subnet-1"]}, tags={"env": "prod"})
    pods = [("default", f"frontend-{i}") for i in range(2)] + [("payments", f"ledger-{i}") for i in range(2)]
    base = {p: (rnd.uniform(5, 60), rnd.uniform(20, 80), rnd.uniform(1e3, 1e5)) for p in pods}
    eks_exp = expected.setdefault("eks", {})
    for minute in range(a.minutes):
        ts = now - dt.timedelta(minutes=minute)
        for (ns, pod), (cpu, mem, rx) in base.items():
            f = 1.0 if constant else 1 + rnd.uniform(-0.2, 0.2)
            dims = [("ClusterName", name), ("LaunchType", "fargate"), ("Namespace", ns), ("PodName", pod)]
            vals = {
                "pod_cpu_utilization_over_pod_limit": round(cpu * f, 3),
                "pod_memory_utilization_over_pod_limit": round(mem * f, 3),
                "pod_network_rx_bytes": round(rx * f, 1),
                "pod_network_tx_bytes": round(rx * 2 * f, 1),
            }
            for m, v in vals.items():
                put.put("ContainerInsights", m, dims, v, ts, "Percent" if "utilization" in m else "Bytes/Second")
                if constant and minute == 0:
                    eks_exp[f"{ns}/{pod}/{m}"] = v


if __name__ == "__main__":
    main()
