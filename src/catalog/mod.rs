//! The table of CloudWatch namespaces the exporter knows how to discover.
//!
//! Each entry is data: its YACE alias, and the resource types its series belong to, most
//! specific first. A resource type names the dimensions that identify it, the tagging-API type
//! it is listed under, and how its ARN is built from those dimensions. Discovery and association
//! read this table and nothing else, so adding a namespace is adding a row.

pub mod enhanced;

/// One kind of AWS resource that CloudWatch series are attached to.
#[derive(Debug)]
pub struct ResourceType {
    /// Resource type filter of the Resource Groups Tagging API, e.g. `ecs:service`.
    pub tag_type: &'static str,
    /// Dimensions that must all be present on a series for it to belong to this resource.
    pub dimensions: &'static [&'static str],
    /// ARN template: `{partition}`, `{region}`, `{account}` and `{<Dimension>}` are replaced.
    pub arn: &'static str,
}

/// One CloudWatch namespace.
#[derive(Debug)]
pub struct Namespace {
    /// The CloudWatch namespace, e.g. `AWS/ECS`.
    pub namespace: &'static str,
    /// YACE's short names for the namespace (the old config dialect's `type`).
    pub aliases: &'static [&'static str],
    /// Most specific first: a series belongs to the first type whose dimensions it all has.
    pub resources: &'static [ResourceType],
    /// The dimensions the old config dialect's jobs select by default (YACE's `awsDimensions`
    /// are added to them): those of the namespace's usual resource.
    pub base_dimensions: &'static [&'static str],
}

const ECS_SERVICE: ResourceType = ResourceType {
    tag_type: "ecs:service",
    dimensions: &["ClusterName", "ServiceName"],
    arn: "arn:{partition}:ecs:{region}:{account}:service/{ClusterName}/{ServiceName}",
};
const ECS_CLUSTER: ResourceType = ResourceType {
    tag_type: "ecs:cluster",
    dimensions: &["ClusterName"],
    arn: "arn:{partition}:ecs:{region}:{account}:cluster/{ClusterName}",
};
const EKS_CLUSTER: ResourceType = ResourceType {
    tag_type: "eks:cluster",
    dimensions: &["ClusterName"],
    arn: "arn:{partition}:eks:{region}:{account}:cluster/{ClusterName}",
};

const RDS_INSTANCE: ResourceType = ResourceType {
    tag_type: "rds:db",
    dimensions: &["DBInstanceIdentifier"],
    arn: "arn:{partition}:rds:{region}:{account}:db:{DBInstanceIdentifier}",
};
const RDS_CLUSTER: ResourceType = ResourceType {
    tag_type: "rds:cluster",
    dimensions: &["DBClusterIdentifier"],
    arn: "arn:{partition}:rds:{region}:{account}:cluster:{DBClusterIdentifier}",
};
const LAMBDA_FUNCTION: ResourceType = ResourceType {
    tag_type: "lambda:function",
    dimensions: &["FunctionName"],
    arn: "arn:{partition}:lambda:{region}:{account}:function:{FunctionName}",
};
/// Index series (`GlobalSecondaryIndexName`) belong to their table: an index has no ARN of its
/// own in the tagging API.
const DYNAMODB_TABLE: ResourceType = ResourceType {
    tag_type: "dynamodb:table",
    dimensions: &["TableName"],
    arn: "arn:{partition}:dynamodb:{region}:{account}:table/{TableName}",
};
/// Node series (`CacheNodeId`) belong to their cluster.
const ELASTICACHE_CLUSTER: ResourceType = ResourceType {
    tag_type: "elasticache:cluster",
    dimensions: &["CacheClusterId"],
    arn: "arn:{partition}:elasticache:{region}:{account}:cluster:{CacheClusterId}",
};
/// Serverless caches' series carry `clusterId` (lower-case c), the cache's name.
const ELASTICACHE_SERVERLESS: ResourceType = ResourceType {
    tag_type: "elasticache:serverlesscache",
    dimensions: &["clusterId"],
    arn: "arn:{partition}:elasticache:{region}:{account}:serverlesscache:{clusterId}",
};
const ELASTICACHE_REPLICATION_GROUP: ResourceType = ResourceType {
    tag_type: "elasticache:replicationgroup",
    dimensions: &["ReplicationGroupId"],
    arn: "arn:{partition}:elasticache:{region}:{account}:replicationgroup:{ReplicationGroupId}",
};

/// Every namespace the exporter knows how to discover.
pub static NAMESPACES: &[Namespace] = &[
    Namespace {
        namespace: "ECS/ContainerInsights",
        aliases: &["ecs-containerinsights"],
        resources: &[ECS_SERVICE, ECS_CLUSTER],
        base_dimensions: &["ClusterName"],
    },
    Namespace {
        namespace: "AWS/ECS",
        aliases: &["ecs-svc"],
        resources: &[ECS_SERVICE, ECS_CLUSTER],
        base_dimensions: &["ClusterName"],
    },
    Namespace {
        namespace: "ContainerInsights",
        aliases: &["containerinsights"],
        resources: &[EKS_CLUSTER],
        base_dimensions: &["ClusterName"],
    },
    Namespace {
        namespace: "AWS/EKS",
        aliases: &["eks"],
        resources: &[EKS_CLUSTER],
        base_dimensions: &["ClusterName"],
    },
    Namespace {
        namespace: "AWS/RDS",
        aliases: &["rds"],
        resources: &[RDS_INSTANCE, RDS_CLUSTER],
        base_dimensions: &["DBInstanceIdentifier"],
    },
    Namespace {
        namespace: "AWS/Lambda",
        aliases: &["lambda"],
        resources: &[LAMBDA_FUNCTION],
        base_dimensions: &["FunctionName"],
    },
    Namespace {
        namespace: "AWS/DynamoDB",
        aliases: &["dynamodb"],
        resources: &[DYNAMODB_TABLE],
        base_dimensions: &["TableName"],
    },
    Namespace {
        namespace: "AWS/ElastiCache",
        aliases: &["ec"],
        resources: &[
            ELASTICACHE_CLUSTER,
            ELASTICACHE_SERVERLESS,
            ELASTICACHE_REPLICATION_GROUP,
        ],
        base_dimensions: &["CacheClusterId"],
    },
];

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
    /// The resource type a series with these dimension names belongs to, if any.
    pub fn resource_for(&self, mut has: impl FnMut(&str) -> bool) -> Option<&'static ResourceType> {
        self.resources
            .iter()
            .find(|r| r.dimensions.iter().all(|d| has(d)))
    }
}

/// The README's namespace table, generated from the catalog (a unit test keeps the README's
/// copy equal to it).
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| Namespace | Alias | Found without tags | Resources, most specific first: tagging type {dimensions} → ARN |\n|---|---|---|---|\n",
    );
    for ns in NAMESPACES {
        let resources: Vec<String> = ns
            .resources
            .iter()
            .map(|r| {
                format!(
                    "`{}` {{{}}} → `{}`",
                    r.tag_type,
                    r.dimensions.join(", "),
                    r.arn
                )
            })
            .collect();
        let enhanced = enhanced::names_of(ns.namespace);
        out.push_str(&format!(
            "| `{}` | `{}` | yes | {}{} |\n",
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
    /// Builds the resource's ARN. `dim` gives the value of a dimension (present by construction).
    pub fn build_arn<'a>(
        &self,
        region: &str,
        account: &str,
        dim: impl Fn(&str) -> Option<&'a str>,
    ) -> String {
        let mut out = String::with_capacity(self.arn.len() + 48);
        let mut rest = self.arn;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let end = start + rest[start..].find('}').expect("catalog template is closed");
            let key = &rest[start + 1..end];
            match key {
                "partition" => out.push_str(partition(region)),
                "region" => out.push_str(region),
                "account" => out.push_str(account),
                d => out.push_str(dim(d).unwrap_or("")),
            }
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out
    }
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
        let r = ns.resource_for(|d| get(d).is_some()).unwrap();
        assert_eq!(r.tag_type, "ecs:service");
        assert_eq!(
            r.build_arn("us-east-1", "123456789012", get),
            "arn:aws:ecs:us-east-1:123456789012:service/prod/api"
        );
        let family = [("ClusterName", "prod"), ("TaskDefinitionFamily", "web")];
        let get = |k: &str| family.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        let r = ns.resource_for(|d| get(d).is_some()).unwrap();
        assert_eq!(
            r.build_arn("cn-north-1", "1", get),
            "arn:aws-cn:ecs:cn-north-1:1:cluster/prod"
        );
    }

    /// The ARN of a series with `dims` in `namespace`, by the catalog.
    fn arn_of(namespace: &str, dims: &[(&str, &str)]) -> Option<String> {
        let get = |k: &str| dims.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        let r = lookup(namespace)?.resource_for(|d| get(d).is_some())?;
        Some(r.build_arn("us-east-2", "123456789012", get))
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
            for a in ns.aliases {
                assert!(names.insert(a), "alias {a} twice");
            }
            assert!(!ns.resources.is_empty(), "{}", ns.namespace);
            for (i, r) in ns.resources.iter().enumerate() {
                // Every placeholder of the template is a dimension of its type (or context).
                let mut rest = r.arn;
                while let Some(a) = rest.find('{') {
                    let b = a + rest[a..].find('}').expect("closed");
                    let key = &rest[a + 1..b];
                    assert!(
                        ["partition", "region", "account"].contains(&key)
                            || r.dimensions.contains(&key),
                        "{}: {{{key}}} is not a dimension of {}",
                        ns.namespace,
                        r.tag_type
                    );
                    rest = &rest[b + 1..];
                }
                // Most specific first: a type whose dimensions are all a later type's would
                // claim that later type's series, so the later one could never be chosen.
                for later in &ns.resources[i + 1..] {
                    assert!(
                        !r.dimensions.iter().all(|d| later.dimensions.contains(d))
                            || r.dimensions == later.dimensions,
                        "{}: {} is shadowed by the broader type before it",
                        ns.namespace,
                        later.tag_type
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
    fn eks_clusters() {
        let ns = lookup("ContainerInsights").unwrap();
        let r = ns.resource_for(|d| d == "ClusterName").unwrap();
        assert_eq!(
            r.build_arn("eu-west-1", "42", |_| Some("k8s")),
            "arn:aws:eks:eu-west-1:42:cluster/k8s"
        );
        assert_eq!(ns.base_dimensions, &["ClusterName"]);
    }
}
