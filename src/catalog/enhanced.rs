//! YACE's `enhancedMetrics`: values no CloudWatch metric has (a database's allocated storage, a
//! function's timeout), read from the service's own list or describe API at discovery. A table:
//! adding a metric of a service already here is adding a row; a new service also needs its
//! listing ([`Source`]).

pub use super::Source;

/// One enhanced metric.
#[derive(Debug, PartialEq)]
pub struct EnhancedMetric {
    /// The CloudWatch namespace whose jobs may ask for it.
    pub namespace: &'static str,
    /// Its name in the config (`enhancedMetrics: [{name: ...}]`), as YACE spells it.
    pub name: &'static str,
    /// Where its values come from.
    pub source: Source,
    /// The field of the described resource (see `model::Described`).
    pub field: &'static str,
    /// The field's value is multiplied by this (RDS gives GiB; YACE exports bytes).
    pub scale: f64,
    /// The series' HELP text.
    pub help: &'static str,
    /// Whether YACE has it too (the others are ours).
    pub yace: bool,
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Every enhanced metric.
pub static ENHANCED: &[EnhancedMetric] = &[
    EnhancedMetric {
        namespace: "AWS/RDS",
        name: "AllocatedStorage",
        source: Source::RdsInstances,
        field: "AllocatedStorage",
        scale: GIB,
        help: "Storage allocated to the DB instance, bytes (RDS DescribeDBInstances)",
        yace: true,
    },
    EnhancedMetric {
        namespace: "AWS/Lambda",
        name: "Timeout",
        source: Source::LambdaFunctions,
        field: "Timeout",
        scale: 1.0,
        help: "The function's timeout, seconds (Lambda ListFunctions)",
        yace: true,
    },
    EnhancedMetric {
        namespace: "AWS/Lambda",
        name: "MemorySize",
        source: Source::LambdaFunctions,
        field: "MemorySize",
        scale: 1.0,
        help: "Memory available to the function, MiB (Lambda ListFunctions)",
        yace: false,
    },
    EnhancedMetric {
        namespace: "AWS/DynamoDB",
        name: "ItemCount",
        source: Source::DynamoDbTables,
        field: "ItemCount",
        scale: 1.0,
        help: "Items in the table, or in the global secondary index when `dimension_GlobalSecondaryIndexName` is set; AWS updates it about every six hours (DynamoDB DescribeTable)",
        yace: true,
    },
    EnhancedMetric {
        namespace: "AWS/DynamoDB",
        name: "TableSizeBytes",
        source: Source::DynamoDbTables,
        field: "TableSizeBytes",
        scale: 1.0,
        help: "Size of the table, bytes; AWS updates it about every six hours (DynamoDB DescribeTable)",
        yace: false,
    },
    EnhancedMetric {
        namespace: "AWS/DynamoDB",
        name: "IndexSizeBytes",
        source: Source::DynamoDbTables,
        field: "IndexSizeBytes",
        scale: 1.0,
        help: "Size of the global secondary index, bytes; AWS updates it about every six hours (DynamoDB DescribeTable)",
        yace: false,
    },
    EnhancedMetric {
        namespace: "AWS/ElastiCache",
        name: "NumCacheNodes",
        source: Source::ElastiCacheClusters,
        field: "NumCacheNodes",
        scale: 1.0,
        help: "Cache nodes in the cluster (ElastiCache DescribeCacheClusters)",
        yace: true,
    },
];

/// The enhanced metric `name` of `namespace`.
pub fn lookup(namespace: &str, name: &str) -> Option<&'static EnhancedMetric> {
    ENHANCED
        .iter()
        .find(|m| m.namespace == namespace && m.name == name)
}

/// The names of `namespace`'s enhanced metrics, for messages ("" when it has none).
pub fn names_of(namespace: &str) -> String {
    ENHANCED
        .iter()
        .filter(|m| m.namespace == namespace)
        .map(|m| m.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The namespaces that have enhanced metrics, in table order.
pub fn namespaces() -> Vec<&'static str> {
    let mut out: Vec<&str> = Vec::new();
    for m in ENHANCED {
        if !out.contains(&m.namespace) {
            out.push(m.namespace);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_per_namespace_and_namespaces_are_in_the_catalog() {
        for (i, m) in ENHANCED.iter().enumerate() {
            assert!(
                super::super::lookup(m.namespace).is_some(),
                "{} is not discoverable",
                m.namespace
            );
            assert!(
                ENHANCED[..i]
                    .iter()
                    .all(|o| (o.namespace, o.name) != (m.namespace, m.name)),
                "{} {} twice",
                m.namespace,
                m.name
            );
            assert!(m.scale > 0.0 && !m.help.is_empty());
        }
        assert_eq!(lookup("AWS/RDS", "AllocatedStorage").unwrap().scale, GIB);
        assert!(
            lookup("AWS/RDS", "allocatedstorage").is_none(),
            "exact, as YACE"
        );
        assert_eq!(names_of("AWS/Lambda"), "Timeout, MemorySize");
        assert_eq!(names_of("AWS/ECS"), "");
    }
}
