//! The table of CloudWatch namespaces the exporter knows how to discover.
//!
//! Each entry is data: its YACE alias, and the resource types its series belong to, most
//! specific first. A resource type names the dimensions that identify it, the tagging-API type
//! it is listed under, and how its ARN is built from those dimensions. Discovery and association
//! read this table and nothing else, so adding a namespace is adding a row.

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

/// Every namespace the exporter knows how to discover.
pub static NAMESPACES: &[Namespace] = &[
    Namespace {
        namespace: "ECS/ContainerInsights",
        aliases: &["ecs-containerinsights"],
        resources: &[ECS_SERVICE, ECS_CLUSTER],
    },
    Namespace {
        namespace: "AWS/ECS",
        aliases: &["ecs-svc"],
        resources: &[ECS_SERVICE, ECS_CLUSTER],
    },
    Namespace {
        namespace: "ContainerInsights",
        aliases: &["containerinsights"],
        resources: &[EKS_CLUSTER],
    },
    Namespace {
        namespace: "AWS/EKS",
        aliases: &["eks"],
        resources: &[EKS_CLUSTER],
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
    /// The dimensions every series of this namespace carries: those of its broadest resource.
    /// YACE's old `awsDimensions` list is added to these to form a job's exact dimension set.
    pub fn base_dimensions(&self) -> &'static [&'static str] {
        self.resources.last().map(|r| r.dimensions).unwrap_or(&[])
    }

    /// The resource type a series with these dimension names belongs to, if any.
    pub fn resource_for(&self, mut has: impl FnMut(&str) -> bool) -> Option<&'static ResourceType> {
        self.resources
            .iter()
            .find(|r| r.dimensions.iter().all(|d| has(d)))
    }
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

    #[test]
    fn eks_clusters() {
        let ns = lookup("ContainerInsights").unwrap();
        let r = ns.resource_for(|d| d == "ClusterName").unwrap();
        assert_eq!(
            r.build_arn("eu-west-1", "42", |_| Some("k8s")),
            "arn:aws:eks:eu-west-1:42:cluster/k8s"
        );
        assert_eq!(ns.base_dimensions(), &["ClusterName"]);
    }
}
