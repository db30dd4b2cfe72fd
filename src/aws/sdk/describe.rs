//! The service APIs enhanced metrics read (see [`crate::catalog::enhanced`]): each lists every
//! resource of the region, so untagged ones get their values too. Pages are paced and counted
//! like every other call; the SDK's paginators follow the tokens. The listings that name
//! resources no dimension holds are beside, in `listed`.

use aws_config::Region;
use aws_sdk_cloudwatch::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_async::future::pagination_stream::PaginationStream;

use super::Session;
use crate::aws::AwsError;
use crate::model::{Described, Dim};

/// DescribeTable errors that concern only the table asked about.
const TABLE_ONLY: &[&str] = &["ResourceNotFoundException", "AccessDeniedException"];

pub(super) fn dim(name: &str, value: Option<&str>) -> Option<Dim> {
    value.filter(|v| !v.is_empty()).map(|v| Dim {
        name: name.to_string(),
        value: v.to_string(),
    })
}

fn values(pairs: &[(&'static str, Option<f64>)]) -> Vec<(&'static str, f64)> {
    pairs
        .iter()
        .filter_map(|(f, v)| v.map(|v| (*f, v)))
        .collect()
}

impl Session {
    pub(super) fn region_of(&self) -> Region {
        Region::new(self.region.clone())
    }

    /// Every page of a listing, each paced before it is asked for and counted.
    pub(super) async fn pages<O, E: ProvideErrorMetadata, R>(
        &self,
        api: &'static str,
        mut stream: PaginationStream<Result<O, SdkError<E, R>>>,
    ) -> Result<Vec<O>, AwsError> {
        let mut out = Vec::new();
        loop {
            self.pace(api).await;
            let Some(page) = stream.next().await else {
                break;
            };
            out.push(page.map_err(|e| self.fail(api, &e))?);
            self.ok(api);
        }
        Ok(out)
    }

    pub(super) async fn rds_instances(&self) -> Result<Vec<Described>, AwsError> {
        let conf = aws_sdk_rds::config::Builder::from(&self.conf)
            .region(self.region_of())
            .interceptor(self.counter())
            .build();
        let client = aws_sdk_rds::Client::from_conf(conf);
        let api = "DescribeDBInstances";
        let stream = client
            .describe_db_instances()
            .max_records(100)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        for page in self.pages(api, stream).await? {
            for db in page.db_instances() {
                let Some(arn) = db.db_instance_arn() else {
                    continue;
                };
                // As YACE labels them; each only when the API gave it.
                let dimensions = [
                    dim("DBInstanceIdentifier", db.db_instance_identifier()),
                    dim("DatabaseClass", db.db_instance_class()),
                    dim("EngineName", db.engine()),
                ];
                out.push(Described {
                    arn: arn.to_string(),
                    dimensions: dimensions.into_iter().flatten().collect(),
                    values: values(&[("AllocatedStorage", db.allocated_storage().map(f64::from))]),
                    tags: Vec::new(),
                });
            }
        }
        Ok(out)
    }

    pub(super) async fn lambda_functions(&self) -> Result<Vec<Described>, AwsError> {
        let conf = aws_sdk_lambda::config::Builder::from(&self.conf)
            .region(self.region_of())
            .interceptor(self.counter())
            .build();
        let client = aws_sdk_lambda::Client::from_conf(conf);
        let api = "ListFunctions";
        let stream = client
            .list_functions()
            .max_items(50)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        for page in self.pages(api, stream).await? {
            for f in page.functions() {
                let Some(arn) = f.function_arn() else {
                    continue;
                };
                out.push(Described {
                    arn: arn.to_string(),
                    dimensions: dim("FunctionName", f.function_name()).into_iter().collect(),
                    values: values(&[
                        ("Timeout", f.timeout().map(f64::from)),
                        ("MemorySize", f.memory_size().map(f64::from)),
                    ]),
                    tags: Vec::new(),
                });
            }
        }
        Ok(out)
    }

    /// ListTables gives names only; each table's counts and sizes take a DescribeTable. A
    /// table's global secondary indexes are described beside it, with the same ARN (an index
    /// has none of its own to tag) and a `GlobalSecondaryIndexName` dimension.
    pub(super) async fn dynamodb_tables(&self) -> Result<Vec<Described>, AwsError> {
        let conf = aws_sdk_dynamodb::config::Builder::from(&self.conf)
            .region(self.region_of())
            .interceptor(self.counter())
            .build();
        let client = aws_sdk_dynamodb::Client::from_conf(conf);
        let stream = client.list_tables().limit(100).into_paginator().send();
        let names: Vec<String> = self
            .pages("ListTables", stream)
            .await?
            .iter()
            .flat_map(|p| p.table_names().iter().cloned())
            .collect();
        let mut out = Vec::new();
        for name in names {
            self.pace("DescribeTable").await;
            let res = match client.describe_table().table_name(&name).send().await {
                Ok(r) => r,
                Err(e) => {
                    let err = self.fail("DescribeTable", &e);
                    // One table gone since ListTables, or denied by the policy, costs only
                    // its own values; anything else (throttling, the network) ends the
                    // listing.
                    if TABLE_ONLY.contains(&err.code.as_str()) {
                        tracing::debug!(table = name, code = err.code, "table skipped");
                        continue;
                    }
                    return Err(err);
                }
            };
            self.ok("DescribeTable");
            let Some(t) = res.table() else { continue };
            let Some(arn) = t.table_arn() else { continue };
            let table = dim("TableName", t.table_name().or(Some(&name)));
            out.push(Described {
                arn: arn.to_string(),
                dimensions: table.clone().into_iter().collect(),
                values: values(&[
                    ("ItemCount", t.item_count().map(|n| n as f64)),
                    ("TableSizeBytes", t.table_size_bytes().map(|n| n as f64)),
                ]),
                tags: Vec::new(),
            });
            for g in t.global_secondary_indexes() {
                let Some(index) = dim("GlobalSecondaryIndexName", g.index_name()) else {
                    continue;
                };
                out.push(Described {
                    arn: arn.to_string(),
                    dimensions: table.clone().into_iter().chain([index]).collect(),
                    values: values(&[
                        ("ItemCount", g.item_count().map(|n| n as f64)),
                        ("IndexSizeBytes", g.index_size_bytes().map(|n| n as f64)),
                    ]),
                    tags: Vec::new(),
                });
            }
        }
        Ok(out)
    }

    pub(super) async fn elasticache_clusters(&self) -> Result<Vec<Described>, AwsError> {
        let conf = aws_sdk_elasticache::config::Builder::from(&self.conf)
            .region(self.region_of())
            .interceptor(self.counter())
            .build();
        let client = aws_sdk_elasticache::Client::from_conf(conf);
        let api = "DescribeCacheClusters";
        let stream = client
            .describe_cache_clusters()
            .max_records(100)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        for page in self.pages(api, stream).await? {
            for c in page.cache_clusters() {
                let Some(arn) = c.arn() else { continue };
                let dimensions = [
                    dim("CacheClusterId", c.cache_cluster_id()),
                    dim("ReplicationGroupId", c.replication_group_id()),
                ];
                out.push(Described {
                    arn: arn.to_string(),
                    dimensions: dimensions.into_iter().flatten().collect(),
                    values: values(&[("NumCacheNodes", c.num_cache_nodes().map(f64::from))]),
                    tags: Vec::new(),
                });
            }
        }
        Ok(out)
    }
}
