//! Fetch: the GetMetricData calls of one (role, region)'s plan, a few at a time. Each call's
//! result stays by itself, so one failed call fails only the jobs with queries in it.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::aws::{Api, AwsError, CallPoints};
use crate::config::Job;
use crate::discovery::Found;
use crate::plan::Plan;

/// How many GetMetricData calls of one (role, region) run at once, unless YACE's
/// `-cloudwatch-concurrency` says otherwise.
pub const CALLS_IN_FLIGHT: usize = 4;

/// One call's datapoints, or why the call failed.
pub type Fetched = Result<CallPoints, Arc<AwsError>>;

/// Makes every call of `plan` (made from `found`'s targets) through `session`, at most
/// `in_flight` at once, and returns their results in the plan's order.
pub async fn fetch<A: Api>(
    session: &A,
    jobs: &Arc<Vec<Job>>,
    found: &Arc<Found>,
    plan: &Plan,
    in_flight: usize,
) -> Vec<Fetched> {
    let limit = Arc::new(Semaphore::new(in_flight.max(1)));
    let mut set = JoinSet::new();
    for (i, call) in plan.calls.iter().enumerate() {
        let (session, call, limit) = (session.clone(), call.clone(), limit.clone());
        let (jobs, found) = (jobs.clone(), found.clone());
        set.spawn(async move {
            let _permit = limit.acquire_owned().await.expect("never closed");
            // Built only now, so at most `in_flight` calls' queries exist at once.
            let queries = call.metric_queries(&jobs, &found.targets);
            let r = session
                .get_metric_data(&queries, call.start, call.end)
                .await
                .map_err(Arc::new);
            (i, r)
        });
    }
    let mut out: Vec<Option<Fetched>> = (0..plan.calls.len()).map(|_| None).collect();
    while let Some(r) = set.join_next().await {
        if let Ok((i, r)) = r {
            out[i] = Some(r);
        }
    }
    out.into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(Arc::new(AwsError {
                    api: "GetMetricData",
                    region: session.region().to_string(),
                    code: "internal".into(),
                    message: "the call's task ended abnormally".into(),
                }))
            })
        })
        .collect()
}
