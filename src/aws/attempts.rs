//! Counts every failed HTTP attempt, retried or not, by its error code. The SDK retries
//! throttling and transient errors inside one call, so per-call counters alone would hide
//! that CloudWatch throttled us or answered 503 before a retry succeeded.

use std::sync::Arc;

use aws_sdk_cloudwatch::config::interceptors::FinalizerInterceptorContextRef;
use aws_sdk_cloudwatch::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_cloudwatch::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::Error;
use aws_smithy_runtime_api::client::orchestrator::{Metadata, OrchestratorError};

use super::Accounting;

#[derive(Debug)]
pub struct AttemptCounter {
    pub region: String,
    pub account: String,
    pub acc: Arc<Accounting>,
}

/// The AWS error code of an operation error, for the operations this exporter calls.
fn code(e: &Error) -> String {
    use aws_sdk_apigateway::operation::get_rest_apis::GetRestApisError;
    use aws_sdk_autoscaling::operation::describe_auto_scaling_groups::DescribeAutoScalingGroupsError;
    use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataError;
    use aws_sdk_cloudwatch::operation::list_metrics::ListMetricsError;
    use aws_sdk_databasemigration::operation::describe_replication_instances::DescribeReplicationInstancesError;
    use aws_sdk_databasemigration::operation::describe_replication_tasks::DescribeReplicationTasksError;
    use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
    use aws_sdk_dynamodb::operation::list_tables::ListTablesError;
    use aws_sdk_elasticache::operation::describe_cache_clusters::DescribeCacheClustersError;
    use aws_sdk_iam::operation::list_account_aliases::ListAccountAliasesError;
    use aws_sdk_lambda::operation::list_functions::ListFunctionsError;
    use aws_sdk_rds::operation::describe_db_instances::DescribeDBInstancesError;
    use aws_sdk_resourcegroupstagging::operation::get_resources::GetResourcesError;
    fn of<T: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
        e: &Error,
    ) -> Option<Option<&str>> {
        e.downcast_ref::<T>().map(|x| x.code())
    }
    let c = of::<GetMetricDataError>(e)
        .or_else(|| of::<ListMetricsError>(e))
        .or_else(|| of::<GetResourcesError>(e))
        .or_else(|| of::<ListAccountAliasesError>(e))
        .or_else(|| of::<DescribeDBInstancesError>(e))
        .or_else(|| of::<ListFunctionsError>(e))
        .or_else(|| of::<ListTablesError>(e))
        .or_else(|| of::<DescribeTableError>(e))
        .or_else(|| of::<DescribeCacheClustersError>(e))
        .or_else(|| of::<GetRestApisError>(e))
        .or_else(|| of::<DescribeAutoScalingGroupsError>(e))
        .or_else(|| of::<DescribeReplicationInstancesError>(e))
        .or_else(|| of::<DescribeReplicationTasksError>(e))
        .flatten();
    super::redact::code(c.unwrap_or("unknown"))
}

/// The outcome word for a failed attempt, as [`super::classify`] names whole-call failures.
pub fn outcome(e: &OrchestratorError<Error>) -> String {
    if let Some(op) = e.as_operation_error() {
        code(op)
    } else if e.is_timeout_error() {
        "timeout".into()
    } else if e.is_connector_error() {
        "network".into()
    } else if e.is_response_error() {
        "bad_response".into()
    } else {
        "unknown".into()
    }
}

impl Intercept for AttemptCounter {
    fn name(&self) -> &'static str {
        "AttemptCounter"
    }

    fn read_after_attempt(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(Err(e)) = ctx.output_or_error() {
            let api = cfg
                .load::<Metadata>()
                .map(|m| m.name().to_string())
                .unwrap_or_else(|| "unknown".into());
            self.acc
                .attempt_failed(&api, &self.region, &self.account, &outcome(e));
        }
        Ok(())
    }
}
