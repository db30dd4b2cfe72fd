//! The services' own list and describe APIs the catalog reads: for enhanced metrics' values
//! ([`super::enhanced`]), and for the resources whose ARN no dimension holds
//! ([`super::Arn::Listed`]). Each is called once per (role, region) and discovery, however many
//! jobs read it; its call lives in `aws::sdk`.

/// One service listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// RDS DescribeDBInstances.
    RdsInstances,
    /// Lambda ListFunctions.
    LambdaFunctions,
    /// DynamoDB ListTables, then DescribeTable per table (only it has the sizes and counts).
    DynamoDbTables,
    /// ElastiCache DescribeCacheClusters.
    ElastiCacheClusters,
    /// API Gateway GetRestApis: a REST API's ARN holds its id, its series its name (`ApiName`).
    ApiGatewayRestApis,
    /// DMS DescribeReplicationInstances: an instance's ARN holds an opaque id, its series the
    /// identifier it was given.
    DmsReplicationInstances,
    /// DMS DescribeReplicationTasks: likewise for tasks.
    DmsReplicationTasks,
    /// Auto Scaling DescribeAutoScalingGroups: a group's ARN holds a UUID, and the tagging API
    /// lists no groups, so the listing gives their tags too.
    AutoScalingGroups,
}

impl Source {
    /// The API calls it makes, as the accounting names them.
    pub fn apis(self) -> &'static [&'static str] {
        match self {
            Source::RdsInstances => &["DescribeDBInstances"],
            Source::LambdaFunctions => &["ListFunctions"],
            Source::DynamoDbTables => &["ListTables", "DescribeTable"],
            Source::ElastiCacheClusters => &["DescribeCacheClusters"],
            Source::ApiGatewayRestApis => &["GetRestApis"],
            Source::DmsReplicationInstances => &["DescribeReplicationInstances"],
            Source::DmsReplicationTasks => &["DescribeReplicationTasks"],
            Source::AutoScalingGroups => &["DescribeAutoScalingGroups"],
        }
    }

    /// The IAM actions it needs (the policy files in `deploy/aws/` list them). API Gateway's
    /// are HTTP verbs on its resource paths: `apigateway:GET` on `/restapis`.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Source::RdsInstances => &["rds:DescribeDBInstances"],
            Source::LambdaFunctions => &["lambda:ListFunctions"],
            Source::DynamoDbTables => &["dynamodb:ListTables", "dynamodb:DescribeTable"],
            Source::ElastiCacheClusters => &["elasticache:DescribeCacheClusters"],
            Source::ApiGatewayRestApis => &["apigateway:GET"],
            Source::DmsReplicationInstances => &["dms:DescribeReplicationInstances"],
            Source::DmsReplicationTasks => &["dms:DescribeReplicationTasks"],
            Source::AutoScalingGroups => &["autoscaling:DescribeAutoScalingGroups"],
        }
    }

    /// Resources per page of its listing (AWS's maximum), for `plan --offline`.
    pub fn page_size(self) -> usize {
        match self {
            Source::LambdaFunctions => 50,
            Source::ApiGatewayRestApis => 500,
            _ => 100,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{NAMESPACES, enhanced::ENHANCED};

    /// The actions a policy file of `deploy/aws/` grants, sorted.
    fn granted(file: &str) -> Vec<String> {
        let path = format!("{}/deploy/aws/{file}", env!("CARGO_MANIFEST_DIR"));
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut out: Vec<String> = v["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["Action"].as_array().unwrap())
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        out.sort_unstable();
        out
    }

    fn sorted(mut v: Vec<&str>) -> Vec<String> {
        v.sort_unstable();
        v.dedup();
        v.into_iter().map(String::from).collect()
    }

    #[test]
    fn the_iam_policy_files_grant_exactly_what_the_sources_call() {
        let enhanced = ENHANCED
            .iter()
            .flat_map(|m| m.source.permissions())
            .copied()
            .collect();
        assert_eq!(
            granted("iam-policy-enhanced-metrics.json"),
            sorted(enhanced)
        );
        let listings = NAMESPACES
            .iter()
            .flat_map(|n| n.resources)
            .filter_map(|r| r.listing())
            .flat_map(|(s, _)| s.permissions())
            .copied()
            .collect();
        assert_eq!(
            granted("iam-policy-resource-listings.json"),
            sorted(listings)
        );
    }
}
