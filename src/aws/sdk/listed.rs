//! The listings that name resources whose ARN no dimension holds (see
//! [`crate::catalog::Arn::Listed`]): each gives every resource of the region with its ARN and
//! the dimension its series carry, so untagged ones are found.

use super::Session;
use super::describe::dim;
use crate::aws::AwsError;
use crate::catalog::partition;
use crate::model::Described;

impl Session {
    /// REST APIs (API Gateway v1): GetRestApis gives ids and names; the ARN is built from the
    /// id (AWS's ARN format has no account), the series carry the name (`ApiName`).
    pub(super) async fn rest_apis(&self) -> Result<Vec<Described>, AwsError> {
        let conf = aws_sdk_apigateway::config::Builder::from(&self.conf)
            .region(self.region_of())
            .interceptor(self.counter())
            .build();
        let client = aws_sdk_apigateway::Client::from_conf(conf);
        let stream = client.get_rest_apis().limit(500).into_paginator().send();
        let mut out = Vec::new();
        for page in self.pages("GetRestApis", stream).await? {
            for api in page.items() {
                let Some(id) = api.id() else { continue };
                let mut tags: Vec<(String, String)> = api
                    .tags()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                tags.sort();
                out.push(Described {
                    arn: format!(
                        "arn:{}:apigateway:{}::/restapis/{id}",
                        partition(&self.region),
                        self.region
                    ),
                    dimensions: dim("ApiName", api.name()).into_iter().collect(),
                    tags,
                    ..Described::default()
                });
            }
        }
        Ok(out)
    }

    fn dms(&self) -> aws_sdk_databasemigration::Client {
        let conf = aws_sdk_databasemigration::config::Builder::from(&self.conf)
            .region(self.region_of())
            .interceptor(self.counter())
            .build();
        aws_sdk_databasemigration::Client::from_conf(conf)
    }

    /// DMS replication instances, by the identifier their series carry.
    pub(super) async fn dms_instances(&self) -> Result<Vec<Described>, AwsError> {
        let stream = self
            .dms()
            .describe_replication_instances()
            .max_records(100)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        for page in self.pages("DescribeReplicationInstances", stream).await? {
            for i in page.replication_instances() {
                let Some(arn) = i.replication_instance_arn() else {
                    continue;
                };
                out.push(Described {
                    arn: arn.to_string(),
                    dimensions: dim(
                        "ReplicationInstanceIdentifier",
                        i.replication_instance_identifier(),
                    )
                    .into_iter()
                    .collect(),
                    ..Described::default()
                });
            }
        }
        Ok(out)
    }

    /// DMS replication tasks. A task's series carry the id that ends its ARN (`task:<id>`, as
    /// YACE found in its issue #485), not the identifier it was given; AWS's pages say
    /// neither, so each task is listed under both and either finds it.
    pub(super) async fn dms_tasks(&self) -> Result<Vec<Described>, AwsError> {
        let stream = self
            .dms()
            .describe_replication_tasks()
            .without_settings(true)
            .max_records(100)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        for page in self.pages("DescribeReplicationTasks", stream).await? {
            for t in page.replication_tasks() {
                let Some(arn) = t.replication_task_arn() else {
                    continue;
                };
                let id = arn.rsplit_once(":task:").map(|(_, id)| id);
                let mut names = vec![t.replication_task_identifier()];
                if id != names[0] {
                    names.push(id);
                }
                for name in names {
                    if let Some(d) = dim("ReplicationTaskIdentifier", name) {
                        out.push(Described {
                            arn: arn.to_string(),
                            dimensions: vec![d],
                            ..Described::default()
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    /// Auto Scaling groups with their tags (the tagging API lists no groups).
    pub(super) async fn auto_scaling_groups(&self) -> Result<Vec<Described>, AwsError> {
        let conf = aws_sdk_autoscaling::config::Builder::from(&self.conf)
            .region(self.region_of())
            .interceptor(self.counter())
            .build();
        let client = aws_sdk_autoscaling::Client::from_conf(conf);
        let stream = client
            .describe_auto_scaling_groups()
            .max_records(100)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        for page in self.pages("DescribeAutoScalingGroups", stream).await? {
            for g in page.auto_scaling_groups() {
                let Some(arn) = g.auto_scaling_group_arn() else {
                    continue;
                };
                let mut tags: Vec<(String, String)> = g
                    .tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                    .collect();
                tags.sort();
                out.push(Described {
                    arn: arn.to_string(),
                    dimensions: dim("AutoScalingGroupName", g.auto_scaling_group_name())
                        .into_iter()
                        .collect(),
                    tags,
                    ..Described::default()
                });
            }
        }
        Ok(out)
    }
}
