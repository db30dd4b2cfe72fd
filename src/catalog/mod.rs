//! The table of CloudWatch namespaces the exporter knows how to discover.
//!
//! Each entry is data: its YACE alias, and the resource types its series belong to, most
//! specific first. A resource type names the dimensions that identify it, the tagging-API type
//! it is listed under, and how its ARN is built from those dimensions. Discovery and association
//! read this table and nothing else, so adding a namespace is adding a row.

pub mod enhanced;
mod namespaces;
mod source;

pub use namespaces::NAMESPACES;
pub use source::Source;

/// How a resource's ARN is found from a series' dimensions.
#[derive(Debug)]
pub enum Arn {
    /// Built from a template: `{partition}`, `{region}`, `{account}` and `{<Dimension>}` are
    /// replaced, `{<Dimension>:lower}` lower-cased (SageMaker's ARNs are). Untagged resources
    /// are found.
    Built(&'static str),
    /// The ARN holds what no dimension has (an opaque id): the tagging API's resources are
    /// matched instead, by this regex, whose named groups are dimensions (`_` stands for a
    /// space) that must equal the series' values. Only tagged resources are found, as in YACE.
    Tagged(&'static str),
    /// The ARN holds what no dimension has, but the service's own API lists every resource
    /// with it: the listed resource whose `key` dimension has the series' value gives
    /// `{listed}` (its ARN) in `template`, whose other placeholders are as in `Built`.
    /// Untagged resources are found; the listing is called only for jobs that have such
    /// series.
    Listed {
        /// The listing.
        source: Source,
        /// The dimension the listing names its resources by.
        key: &'static str,
        /// The ARN, from the listed resource's.
        template: &'static str,
    },
}

/// One kind of AWS resource that CloudWatch series are attached to.
#[derive(Debug)]
pub struct ResourceType {
    /// Its type in the Resource Groups Tagging API, e.g. `ecs:service` ("" if it has none).
    pub tag_type: &'static str,
    /// Dimensions that must all be present on a series for it to belong to this resource.
    pub dimensions: &'static [&'static str],
    /// How its ARN is found.
    pub arn: Arn,
    /// (dimension, value prefix): a series whose dimension starts so is not of this type.
    pub unless: &'static [(&'static str, &'static str)],
    /// Endings a series' dimension value may have beyond what the tagged resource's ARN holds
    /// (an ActiveMQ broker's `-1` and `-2`, one per instance): matched without them too.
    pub suffixes: &'static [&'static str],
    /// Its resources come and go all the time (an ECS task: every deployment, every scaling
    /// step makes new ones). CloudWatch lists their series for two weeks after they end, so
    /// a series of such a type is exported only while it has a datapoint: no NaN (nor a
    /// `nilToZero` 0) for a task that is gone.
    pub transient: bool,
}

/// One CloudWatch namespace.
#[derive(Debug)]
pub struct Namespace {
    /// The CloudWatch namespace, e.g. `AWS/ECS`.
    pub namespace: &'static str,
    /// YACE's short names for the namespace (the old config dialect's `type`).
    pub aliases: &'static [&'static str],
    /// The tagging API's resource type filters for the namespace's tags (YACE's, where it has
    /// them).
    pub tag_filters: &'static [&'static str],
    /// Most specific first: a series belongs to the first type whose dimensions it all has; a
    /// series no type claims belongs to no resource (`name="global"`, as in YACE), and so do
    /// all series of a namespace with no types (account-level and agent metrics).
    pub resources: &'static [ResourceType],
    /// The dimensions the old config dialect's jobs select by default (YACE's `awsDimensions`
    /// are added to them): those of the namespace's usual resource.
    pub base_dimensions: &'static [&'static str],
}

/// The `name` of a series that belongs to no resource, as YACE writes it.
pub const GLOBAL: &str = "global";

/// Finds a namespace by its CloudWatch name or by a YACE alias.
pub fn lookup(name_or_alias: &str) -> Option<&'static Namespace> {
    NAMESPACES
        .iter()
        .find(|n| n.namespace == name_or_alias || n.aliases.contains(&name_or_alias))
}

/// Every namespace and alias, for error messages.
pub fn known_names() -> String {
    NAMESPACES
        .iter()
        .map(|n| format!("{} ({})", n.namespace, n.aliases.join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Namespace {
    /// Whether some of its resources only the tagging API can name.
    pub fn has_tagged_types(&self) -> bool {
        self.resources
            .iter()
            .any(|r| matches!(r.arn, Arn::Tagged(_)))
    }

    /// Whether some of its resources only a service's listing can name.
    pub fn has_listed_types(&self) -> bool {
        self.resources.iter().any(|r| r.listing().is_some())
    }

    /// The resource type a series belongs to, if any: the first whose dimensions it all has
    /// (`dim` gives a dimension's value).
    pub fn resource_for<'a>(
        &self,
        dim: impl Fn(&str) -> Option<&'a str>,
    ) -> Option<&'static ResourceType> {
        self.resources.iter().find(|r| {
            r.dimensions.iter().all(|d| dim(d).is_some())
                && !r
                    .unless
                    .iter()
                    .any(|(d, prefix)| dim(d).is_some_and(|v| v.starts_with(prefix)))
        })
    }
}

/// The README's namespace table, generated from the catalog (a unit test keeps the README's
/// copy equal to it).
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| Namespace | Alias | Found without tags | Resources, most specific first: {dimensions} → ARN |\n|---|---|---|---|\n",
    );
    for ns in NAMESPACES {
        let resources: Vec<String> = ns
            .resources
            .iter()
            .map(|r| {
                let arn = match r.arn {
                    Arn::Built(t) => format!("`{t}`"),
                    Arn::Tagged(_) => format!("the tagged `{}` it names", r.tag_type),
                    Arn::Listed {
                        source,
                        key,
                        template,
                    } => {
                        let by =
                            format!("the one {} lists by `{key}`", source.apis().join(" and "));
                        match template {
                            "{listed}" => by,
                            t => format!("`{t}`, `{{listed}}` being {by}"),
                        }
                    }
                };
                format!("{{{}}} → {arn}", r.dimensions.join(", "))
            })
            .collect();
        let built = ns
            .resources
            .iter()
            .filter(|r| !matches!(r.arn, Arn::Tagged(_)))
            .count();
        let found = match (built, ns.resources.len()) {
            (_, 0) => "no resource: every series is `name=\"global\"`",
            (0, _) => "no: tagged only",
            (b, n) if b == n => "yes",
            _ => "partly",
        };
        let enhanced = enhanced::names_of(ns.namespace);
        out.push_str(&format!(
            "| `{}` | `{}` | {found} | {}{} |\n",
            ns.namespace,
            ns.aliases.join("`, `"),
            resources.join("; "),
            if enhanced.is_empty() {
                String::new()
            } else {
                format!(" (enhanced metrics: {enhanced})")
            }
        ));
    }
    out
}

/// The namespaces whose resources only the tagging API can name: their jobs read it even
/// without tag keys (and need `tag:GetResources`), as YACE's always do.
pub fn always_tagged() -> Vec<&'static str> {
    NAMESPACES
        .iter()
        .filter(|n| n.has_tagged_types())
        .map(|n| n.namespace)
        .collect()
}

/// The ARN partition of a region (`aws`, `aws-cn`, `aws-us-gov`).
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

impl ResourceType {
    /// Builds the resource's ARN, if its type builds ARNs. `dim` gives the value of a
    /// dimension (present by construction).
    pub fn build_arn<'a>(
        &self,
        region: &str,
        account: &str,
        dim: impl Fn(&str) -> Option<&'a str>,
    ) -> Option<String> {
        let Arn::Built(template) = self.arn else {
            return None;
        };
        Some(expand(template, region, account, None, dim))
    }

    /// For a listed type: its listing, and the dimension the listing names resources by.
    pub fn listing(&self) -> Option<(Source, &'static str)> {
        match self.arn {
            Arn::Listed { source, key, .. } => Some((source, key)),
            _ => None,
        }
    }

    /// For a listed type: the resource's ARN, from the ARN of the listed resource its `key`
    /// dimension names.
    pub fn listed_arn<'a>(
        &self,
        region: &str,
        account: &str,
        listed: &str,
        dim: impl Fn(&str) -> Option<&'a str>,
    ) -> Option<String> {
        let Arn::Listed { template, .. } = self.arn else {
            return None;
        };
        Some(expand(template, region, account, Some(listed), dim))
    }

    /// For a type matched through the tagging API: the values a tagged resource's ARN may
    /// stand for, to look up in turn: the series' own (`dim`), then without each of
    /// [`ResourceType::suffixes`].
    pub fn candidates<'a>(&self, dim: impl Fn(&str) -> Option<&'a str>) -> Vec<Vec<String>> {
        let own: Vec<&str> = self
            .dimensions
            .iter()
            .map(|d| dim(d).unwrap_or_default())
            .collect();
        let mut out = vec![own.iter().map(|v| v.to_string()).collect()];
        for suffix in self.suffixes {
            if own.iter().any(|v| v.ends_with(suffix)) {
                out.push(
                    own.iter()
                        .map(|v| v.strip_suffix(suffix).unwrap_or(v).to_string())
                        .collect(),
                );
            }
        }
        out
    }

    /// For a type matched through the tagging API: the dimension values a tagged resource's
    /// ARN stands for, in the order of [`ResourceType::dimensions`], or None if the ARN is not
    /// one of this type's.
    pub fn tagged_values(&self, arn: &str) -> Option<Vec<String>> {
        let Arn::Tagged(pattern) = self.arn else {
            return None;
        };
        let re = tagged_regex(pattern);
        let caps = re.captures(arn)?;
        self.dimensions
            .iter()
            .map(|d| {
                caps.name(&d.replace(' ', "_"))
                    .map(|m| m.as_str().to_string())
            })
            .collect()
    }
}

/// A template with `{partition}`, `{region}`, `{account}`, `{listed}` and dimensions filled in.
fn expand<'a>(
    template: &str,
    region: &str,
    account: &str,
    listed: Option<&str>,
    dim: impl Fn(&str) -> Option<&'a str>,
) -> String {
    let mut out = String::with_capacity(template.len() + 48);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = start + rest[start..].find('}').expect("catalog template is closed");
        let key = &rest[start + 1..end];
        match key {
            "partition" => out.push_str(partition(region)),
            "region" => out.push_str(region),
            "account" => out.push_str(account),
            "listed" => out.push_str(listed.unwrap_or("")),
            d => match d.strip_suffix(":lower") {
                Some(d) => out.push_str(&dim(d).unwrap_or("").to_lowercase()),
                None => out.push_str(dim(d).unwrap_or("")),
            },
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The compiled regex of a tagged type, compiled once per process.
fn tagged_regex(pattern: &'static str) -> std::sync::Arc<regex::Regex> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    static CACHE: Mutex<Option<HashMap<&'static str, Arc<regex::Regex>>>> = Mutex::new(None);
    let mut cache = CACHE.lock().expect("not poisoned");
    cache
        .get_or_insert_with(HashMap::new)
        .entry(pattern)
        .or_insert_with(|| Arc::new(regex::Regex::new(pattern).expect("catalog regexes compile")))
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_names_resolve() {
        assert_eq!(
            lookup("ecs-containerinsights").unwrap().namespace,
            "ECS/ContainerInsights"
        );
        assert_eq!(lookup("AWS/ECS").unwrap().namespace, "AWS/ECS");
        assert_eq!(lookup("ecs-svc").unwrap().namespace, "AWS/ECS");
        assert_eq!(
            lookup("containerinsights").unwrap().namespace,
            "ContainerInsights"
        );
        assert_eq!(lookup("eks").unwrap().namespace, "AWS/EKS");
        assert!(lookup("AWS/Nope").is_none());
    }

    #[test]
    fn series_belong_to_the_most_specific_resource() {
        let ns = lookup("ECS/ContainerInsights").unwrap();
        let dims = [("ClusterName", "prod"), ("ServiceName", "api")];
        let get = |k: &str| dims.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        let r = ns.resource_for(get).unwrap();
        assert_eq!(r.tag_type, "ecs:service");
        assert_eq!(
            r.build_arn("us-east-1", "123456789012", get).unwrap(),
            "arn:aws:ecs:us-east-1:123456789012:service/prod/api"
        );
        let family = [("ClusterName", "prod"), ("TaskDefinitionFamily", "web")];
        let get = |k: &str| family.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        let r = ns.resource_for(get).unwrap();
        assert_eq!(
            r.build_arn("cn-north-1", "1", get).unwrap(),
            "arn:aws-cn:ecs:cn-north-1:1:cluster/prod"
        );
    }

    /// The ARN of a series with `dims` in `namespace`, by the catalog.
    fn arn_of(namespace: &str, dims: &[(&str, &str)]) -> Option<String> {
        let get = |k: &str| dims.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        let r = lookup(namespace)?.resource_for(get)?;
        r.build_arn("us-east-2", "123456789012", get)
    }

    #[test]
    fn rds_instances_and_clusters_by_their_identifiers() {
        // RDS ARNs carry the identifier itself (AWS's "Amazon Resource Names in Amazon RDS").
        assert_eq!(
            arn_of(
                "AWS/RDS",
                &[("DBInstanceIdentifier", "my-mysql-instance-1")]
            )
            .as_deref(),
            Some("arn:aws:rds:us-east-2:123456789012:db:my-mysql-instance-1")
        );
        assert_eq!(
            arn_of("rds", &[("DBClusterIdentifier", "my-aurora-cluster-1")]).as_deref(),
            Some("arn:aws:rds:us-east-2:123456789012:cluster:my-aurora-cluster-1")
        );
        // Aurora's per-role series belong to the cluster; engine-wide aggregates to no resource.
        assert_eq!(
            arn_of(
                "AWS/RDS",
                &[("DBClusterIdentifier", "c1"), ("Role", "WRITER")]
            )
            .as_deref(),
            Some("arn:aws:rds:us-east-2:123456789012:cluster:c1")
        );
        assert_eq!(arn_of("AWS/RDS", &[("EngineName", "aurora-mysql")]), None);
    }

    #[test]
    fn lambda_functions_dynamodb_tables_and_elasticache_clusters() {
        assert_eq!(
            arn_of(
                "AWS/Lambda",
                &[
                    ("FunctionName", "my-function"),
                    ("Resource", "my-function:prod")
                ]
            )
            .as_deref(),
            Some("arn:aws:lambda:us-east-2:123456789012:function:my-function")
        );
        assert_eq!(
            arn_of(
                "AWS/DynamoDB",
                &[
                    ("TableName", "Music"),
                    ("GlobalSecondaryIndexName", "GenreAndPriceIndex")
                ]
            )
            .as_deref(),
            Some("arn:aws:dynamodb:us-east-2:123456789012:table/Music")
        );
        // Account-wide DynamoDB metrics (AccountMaxReads) have no dimension: no resource.
        assert_eq!(arn_of("AWS/DynamoDB", &[]), None);
        assert_eq!(
            arn_of(
                "ec",
                &[
                    ("CacheClusterId", "my-redis-0001-001"),
                    ("CacheNodeId", "0001")
                ]
            )
            .as_deref(),
            Some("arn:aws:elasticache:us-east-2:123456789012:cluster:my-redis-0001-001")
        );
        assert_eq!(
            arn_of("AWS/ElastiCache", &[("clusterId", "my-serverless-cache")]).as_deref(),
            Some("arn:aws:elasticache:us-east-2:123456789012:serverlesscache:my-serverless-cache")
        );
        assert_eq!(
            arn_of("AWS/ElastiCache", &[("ReplicationGroupId", "my-redis")]).as_deref(),
            Some("arn:aws:elasticache:us-east-2:123456789012:replicationgroup:my-redis")
        );
    }

    #[test]
    fn every_row_is_consistent() {
        let mut names = std::collections::HashSet::new();
        for ns in NAMESPACES {
            assert!(names.insert(ns.namespace), "{} twice", ns.namespace);
        }
        let mut aliases = std::collections::HashMap::new();
        for ns in NAMESPACES {
            for a in ns.aliases {
                // YACE gives `redshift` to both Redshift namespaces; the first (provisioned
                // clusters) wins, as in YACE's own lookup order.
                if let Some(first) = aliases.insert(*a, ns.namespace) {
                    assert_eq!(
                        (*a, first, ns.namespace),
                        ("redshift", "AWS/Redshift", "AWS/Redshift-Serverless")
                    );
                    assert_eq!(lookup(a).unwrap().namespace, "AWS/Redshift");
                }
                assert!(!names.contains(a), "alias {a} is a namespace");
            }
            for (i, r) in ns.resources.iter().enumerate() {
                assert!(!r.dimensions.is_empty(), "{}", ns.namespace);
                // Every placeholder is a dimension of its type (or context).
                let placeholders_are_dimensions = |template: &str, context: &[&str]| {
                    let mut rest = template;
                    while let Some(a) = rest.find('{') {
                        let b = a + rest[a..].find('}').expect("closed");
                        let key = rest[a + 1..b].trim_end_matches(":lower");
                        assert!(
                            context.contains(&key) || r.dimensions.contains(&key),
                            "{}: {{{key}}} is not a dimension of {}",
                            ns.namespace,
                            r.tag_type
                        );
                        rest = &rest[b + 1..];
                    }
                };
                match r.arn {
                    Arn::Built(template) => {
                        placeholders_are_dimensions(template, &["partition", "region", "account"]);
                        assert!(
                            template.starts_with("arn:{partition}:") || template.starts_with('{'),
                            "{}: {template}",
                            ns.namespace
                        );
                    }
                    Arn::Listed {
                        source,
                        key,
                        template,
                    } => {
                        placeholders_are_dimensions(template, &["listed"]);
                        assert!(template.starts_with("{listed}"), "{}", ns.namespace);
                        assert!(!source.apis().is_empty() && !key.is_empty());
                    }
                    Arn::Tagged(pattern) => {
                        // Its groups are exactly the type's dimensions.
                        let re = regex::Regex::new(pattern).unwrap();
                        let mut groups: Vec<String> = re
                            .capture_names()
                            .flatten()
                            .map(|g| g.replace('_', " "))
                            .collect();
                        groups.sort();
                        let mut dims: Vec<&str> = r.dimensions.to_vec();
                        dims.sort();
                        assert_eq!(groups, dims, "{}: {pattern}", ns.namespace);
                        // Its tagged resources are among those the namespace's filters list.
                        let service = r.tag_type.split(':').next().unwrap();
                        assert!(
                            ns.tag_filters
                                .iter()
                                .any(|f| *f == r.tag_type || *f == service),
                            "{}: {} is not listed by {:?}",
                            ns.namespace,
                            r.tag_type,
                            ns.tag_filters
                        );
                    }
                }
                // Most specific first: a type whose dimensions are all a later type's would
                // claim that later type's series, so the later one could never be chosen.
                // (A type with `unless` leaves the others some of its series.)
                for later in &ns.resources[i + 1..] {
                    assert!(
                        !r.unless.is_empty()
                            || !r.dimensions.iter().all(|d| later.dimensions.contains(d)),
                        "{}: {:?} is shadowed by {:?} before it",
                        ns.namespace,
                        later.dimensions,
                        r.dimensions
                    );
                }
            }
            for d in ns.base_dimensions {
                assert!(
                    ns.resources.iter().any(|r| r.dimensions.contains(d)),
                    "{}: base dimension {d} identifies none of its resources",
                    ns.namespace
                );
            }
        }
        assert_eq!(NAMESPACES.len(), 109, "YACE v0.67's list");
    }

    #[test]
    fn regionless_arns_arns_in_dimensions_and_lower_case_names() {
        assert_eq!(
            arn_of(
                "AWS/S3",
                &[
                    ("BucketName", "amzn-s3-demo-bucket"),
                    ("StorageType", "StandardStorage")
                ]
            )
            .as_deref(),
            Some("arn:aws:s3:::amzn-s3-demo-bucket")
        );
        assert_eq!(
            arn_of(
                "cloudfront",
                &[("DistributionId", "EDFDVBD6EXAMPLE"), ("Region", "Global")]
            )
            .as_deref(),
            Some("arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE")
        );
        assert_eq!(
            arn_of(
                "AWS/Route53",
                &[("HealthCheckId", "abcdef11-2222-3333-4444-555555fedcba")]
            )
            .as_deref(),
            Some("arn:aws:route53:::healthcheck/abcdef11-2222-3333-4444-555555fedcba")
        );
        let cert =
            "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012";
        assert_eq!(
            arn_of("acm", &[("CertificateArn", cert)]).as_deref(),
            Some(cert)
        );
        assert_eq!(
            arn_of(
                "AWS/SageMaker",
                &[
                    ("EndpointName", "My-Endpoint"),
                    ("VariantName", "AllTraffic")
                ]
            )
            .as_deref(),
            Some("arn:aws:sagemaker:us-east-2:123456789012:endpoint/my-endpoint")
        );
    }

    #[test]
    fn load_balancers_target_groups_queues_and_gateways() {
        let lb = ("LoadBalancer", "app/my-load-balancer/50dc6c495c0c9188");
        let tg = ("TargetGroup", "targetgroup/my-targets/73e2d6bc24d8a067");
        assert_eq!(
            arn_of("AWS/ApplicationELB", &[lb, tg]).as_deref(),
            Some(
                "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"
            ),
            "a series with both belongs to the target group"
        );
        assert_eq!(
            arn_of("alb", &[lb, ("AvailabilityZone", "us-east-2a")]).as_deref(),
            Some(
                "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/my-load-balancer/50dc6c495c0c9188"
            )
        );
        assert_eq!(
            arn_of("AWS/SQS", &[("QueueName", "MyQueue")]).as_deref(),
            Some("arn:aws:sqs:us-east-2:123456789012:MyQueue")
        );
        assert_eq!(
            arn_of("ngw", &[("NatGatewayId", "nat-0123456789abcdef0")]).as_deref(),
            Some("arn:aws:ec2:us-east-2:123456789012:natgateway/nat-0123456789abcdef0")
        );
        assert_eq!(
            arn_of("AWS/EC2", &[("InstanceId", "i-1234567890abcdef0")]).as_deref(),
            Some("arn:aws:ec2:us-east-2:123456789012:instance/i-1234567890abcdef0")
        );
    }

    #[test]
    fn tagged_types_read_the_dimensions_out_of_tagged_arns() {
        let ns = lookup("AWS/Kafka").unwrap();
        let r = ns
            .resource_for(|d| (d == "Cluster Name").then_some("x"))
            .unwrap();
        assert_eq!(r.build_arn("us-east-1", "1", |_| None), None);
        assert_eq!(
            r.tagged_values(
                "arn:aws:kafka:us-east-1:123456789012:cluster/demo-cluster-1/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5"
            ),
            Some(vec!["demo-cluster-1".to_string()]),
            "`Cluster_Name` in the regex is the `Cluster Name` dimension"
        );
        assert_eq!(
            r.tagged_values("arn:aws:kafka:us-east-1:1:configuration/x/y"),
            None
        );
    }

    #[test]
    fn activemq_brokers_match_without_their_instance_suffix() {
        // Amazon MQ's guide: an ActiveMQ broker's series carry `<name>-1` (and `-2` for the
        // standby); its ARN holds the name and an id no dimension has.
        let ns = lookup("AWS/AmazonMQ").unwrap();
        let r = ns.resource_for(|d| (d == "Broker").then_some("x")).unwrap();
        assert_eq!(
            r.tagged_values(
                "arn:aws:mq:us-east-2:123456789012:broker:orders:b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9"
            ),
            Some(vec!["orders".to_string()])
        );
        let of = |v: &'static str| r.candidates(move |_| Some(v));
        assert_eq!(of("orders-2"), [vec!["orders-2"], vec!["orders"]]);
        assert_eq!(of("orders-1"), [vec!["orders-1"], vec!["orders"]]);
        // A RabbitMQ broker's (no suffix) is matched as it is.
        assert_eq!(of("rabbit"), [vec!["rabbit"]]);
    }

    #[test]
    fn custom_bus_rules_lags_and_matchmaking_configurations() {
        // EventBridge's monitoring page: RuleName alone is a default-bus rule's series; with
        // EventBusName, a custom or partner bus's rule.
        assert_eq!(
            arn_of(
                "AWS/Events",
                &[
                    ("EventBusName", "orders-bus"),
                    ("RuleName", "nightly-export")
                ]
            )
            .as_deref(),
            Some("arn:aws:events:us-east-2:123456789012:rule/orders-bus/nightly-export")
        );
        assert_eq!(
            arn_of("AWS/Events", &[("RuleName", "nightly-export")]).as_deref(),
            Some("arn:aws:events:us-east-2:123456789012:rule/nightly-export")
        );
        // Direct Connect: a LAG's series carry its id as ConnectionId.
        assert_eq!(
            arn_of("AWS/DX", &[("ConnectionId", "dxlag-ffrz71kw")]).as_deref(),
            Some("arn:aws:directconnect:us-east-2:123456789012:dxlag/dxlag-ffrz71kw")
        );
        assert_eq!(
            arn_of("AWS/DX", &[("ConnectionId", "dxcon-fguhmqlc")]).as_deref(),
            Some("arn:aws:directconnect:us-east-2:123456789012:dxcon/dxcon-fguhmqlc")
        );
        assert_eq!(
            arn_of(
                "AWS/DX",
                &[
                    ("ConnectionId", "dxcon-fguhmqlc"),
                    ("VirtualInterfaceId", "dxvif-fgrb110x")
                ]
            )
            .as_deref(),
            Some("arn:aws:directconnect:us-east-2:123456789012:dxvif/dxvif-fgrb110x")
        );
        assert_eq!(
            arn_of("AWS/GameLift", &[("MatchmakingConfigurationName", "duel")]).as_deref(),
            Some("arn:aws:gamelift:us-east-2:123456789012:matchmakingconfiguration/duel")
        );
    }

    #[test]
    fn listed_types_build_on_the_listed_resources_arn() {
        let ns = lookup("AWS/ApiGateway").unwrap();
        let dims = [("ApiName", "orders"), ("Stage", "prod"), ("Method", "GET")];
        let get = |k: &str| dims.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        let stage = ns.resource_for(get).unwrap();
        assert_eq!(
            stage.listing(),
            Some((Source::ApiGatewayRestApis, "ApiName"))
        );
        assert_eq!(stage.build_arn("eu-west-1", "1", get), None);
        let api = "arn:aws:apigateway:eu-west-1::/restapis/a1b2c3d4e5";
        assert_eq!(
            stage.listed_arn("eu-west-1", "1", api, get).as_deref(),
            Some("arn:aws:apigateway:eu-west-1::/restapis/a1b2c3d4e5/stages/prod")
        );
        let get = |k: &str| (k == "ApiName").then_some("orders");
        let whole = ns.resource_for(get).unwrap();
        assert_eq!(
            whole.listed_arn("eu-west-1", "1", api, get).as_deref(),
            Some(api)
        );
        // HTTP APIs (v2) still build from their id.
        assert_eq!(
            arn_of(
                "AWS/ApiGateway",
                &[("ApiId", "x1y2z3"), ("Stage", "$default")]
            )
            .as_deref(),
            Some("arn:aws:apigateway:us-east-2::/apis/x1y2z3/stages/$default")
        );
        // A DMS task's series carry its instance too; it is the task's.
        let dms = lookup("AWS/DMS").unwrap();
        let task = dms
            .resource_for(|d| {
                (d == "ReplicationTaskIdentifier" || d == "ReplicationInstanceIdentifier")
                    .then_some("x")
            })
            .unwrap();
        assert_eq!(
            task.listing(),
            Some((Source::DmsReplicationTasks, "ReplicationTaskIdentifier"))
        );
        for ns in ["AWS/AutoScaling", "AWS/EC2"] {
            let r = lookup(ns)
                .unwrap()
                .resource_for(|d| (d == "AutoScalingGroupName").then_some("web"))
                .unwrap();
            assert_eq!(
                r.listing(),
                Some((Source::AutoScalingGroups, "AutoScalingGroupName"))
            );
        }
    }

    #[test]
    fn ecs_tasks_and_their_containers_land_on_the_task_and_daemons_on_the_cluster() {
        let task = [
            ("ClusterName", "prod"),
            ("ServiceName", "api"),
            ("TaskId", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
        ];
        let want = Some(
            "arn:aws:ecs:us-east-2:123456789012:task/prod/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
                .to_string(),
        );
        assert_eq!(arn_of("ECS/ContainerInsights", &task), want);
        let mut container = task.to_vec();
        container.push(("ContainerName", "app"));
        assert_eq!(arn_of("ECS/ContainerInsights", &container), want);
        let family = [
            ("ClusterName", "prod"),
            ("TaskDefinitionFamily", "batch"),
            ("TaskId", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
        ];
        assert_eq!(arn_of("ECS/ContainerInsights", &family), want);
        // An ECS Managed Daemon is no service: its series belong to the cluster.
        let daemon = [
            ("ClusterName", "prod"),
            ("ServiceName", "daemon:log-router"),
        ];
        assert_eq!(
            arn_of("ECS/ContainerInsights", &daemon).as_deref(),
            Some("arn:aws:ecs:us-east-2:123456789012:cluster/prod")
        );
        assert_eq!(
            arn_of("AWS/ECS", &daemon).as_deref(),
            Some("arn:aws:ecs:us-east-2:123456789012:cluster/prod")
        );
    }

    #[test]
    fn account_level_and_agent_namespaces_have_no_resource() {
        for n in ["AWS/Usage", "AWS/Billing", "CWAgent", "AWS/TrustedAdvisor"] {
            assert!(lookup(n).unwrap().resources.is_empty(), "{n}");
        }
        assert_eq!(arn_of("AWS/Usage", &[("Service", "CloudWatch")]), None);
    }

    #[test]
    fn the_readme_names_the_namespaces_that_always_read_the_tagging_api() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let line = format!(
            "Namespaces that read it for every job: {}.",
            always_tagged()
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert!(readme.contains(&line), "README.md should say:\n{line}");
    }

    #[test]
    fn the_readme_table_is_the_catalogs() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let table = markdown_table();
        assert!(
            readme.contains(&table),
            "README.md's namespace table differs from the catalog; replace it with:\n{table}"
        );
    }

    #[test]
    fn the_sources_doc_has_a_row_for_every_resource_type_and_no_other() {
        let doc = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/catalog-sources.md"
        ))
        .unwrap();
        let cell = |c: &str| c.trim().trim_matches('`').to_string();
        let mut documented: Vec<(String, String, String)> = doc
            .lines()
            .skip_while(|l| !l.starts_with("| Namespace |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| {
                let c: Vec<&str> = l.split(" | ").collect();
                (cell(&c[0][1..]), cell(c[1]), cell(c[2]))
            })
            .collect();
        documented.sort();
        let mut catalog: Vec<(String, String, String)> = Vec::new();
        for ns in NAMESPACES {
            if ns.resources.is_empty() {
                catalog.push((ns.namespace.into(), "-".into(), GLOBAL.into()));
            }
            for r in ns.resources {
                let arn = match r.arn {
                    Arn::Built(t) => t.to_string(),
                    Arn::Tagged(re) => format!("tagged:{re}"),
                    Arn::Listed {
                        source, template, ..
                    } => format!("listed:{}:{template}", source.apis().join("+")),
                };
                catalog.push((ns.namespace.into(), r.dimensions.join(","), arn));
            }
        }
        catalog.sort();
        let missing: Vec<_> = catalog.iter().filter(|r| !documented.contains(r)).collect();
        let extra: Vec<_> = documented.iter().filter(|r| !catalog.contains(r)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "docs/catalog-sources.md lacks {missing:#?}\nand has rows the catalog does not: {extra:#?}"
        );
    }

    #[test]
    fn eks_clusters() {
        let ns = lookup("ContainerInsights").unwrap();
        let r = ns
            .resource_for(|d| (d == "ClusterName").then_some("x"))
            .unwrap();
        assert_eq!(
            r.build_arn("eu-west-1", "42", |_| Some("k8s")).unwrap(),
            "arn:aws:eks:eu-west-1:42:cluster/k8s"
        );
        assert_eq!(ns.base_dimensions, &["ClusterName"]);
    }
}
