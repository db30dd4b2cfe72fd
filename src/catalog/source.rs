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
    /// Every source, for the tests that keep the IAM policy files in step.
    pub const ALL: [Source; 8] = [
        Source::RdsInstances,
        Source::LambdaFunctions,
        Source::DynamoDbTables,
        Source::ElastiCacheClusters,
        Source::ApiGatewayRestApis,
        Source::DmsReplicationInstances,
        Source::DmsReplicationTasks,
        Source::AutoScalingGroups,
    ];

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
