//! The SDK implementation of [`Sessions`] and [`Api`].

use std::collections::HashMap;
use std::sync::Arc;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudwatch::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types as cw;
use tokio::sync::Mutex;

use super::{Accounting, Api, AwsError, CallPoints, MetricQuery, RateLimits, Sessions};
use super::{accounting, attempts, redact};
use crate::catalog::Source;
use crate::config::Role;
use crate::model::{Described, Dim, ListedMetric, TaggedResource};

mod describe;
mod listed;

/// A failed call's (code, message), both fit to show: see [`redact`].
fn classify<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> (String, String) {
    let (code, message) = classify_raw(e);
    (redact::code(&code), redact::message(&message))
}

fn classify_raw<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> (String, String) {
    match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            (
                err.code().unwrap_or("unknown").to_string(),
                err.message().unwrap_or("").to_string(),
            )
        }
        SdkError::TimeoutError(_) => ("timeout".into(), "request timed out".into()),
        SdkError::DispatchFailure(d) => (
            "network".into(),
            d.as_connector_error()
                .map(|c| chain(c))
                .unwrap_or_else(|| "request not sent".into()),
        ),
        SdkError::ResponseError(_) => ("bad_response".into(), "unreadable response".into()),
        SdkError::ConstructionFailure(_) => ("client".into(), "request could not be built".into()),
        _ => ("unknown".into(), e.to_string()),
    }
}

/// An error and its causes, `a: b: c`: the SDK's top-level messages alone are often just
/// "io error".
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let m = s.to_string();
        if !out.contains(&m) {
            out.push_str(": ");
            out.push_str(&m);
        }
        cur = s.source();
    }
    out
}

/// The pagination tokens of one listing: a token seen before means the endpoint is going
/// round in circles, and following it would be billed forever.
#[derive(Default)]
struct PageTokens(std::collections::HashSet<String>);

/// The code of a listing stopped because a token came back.
const REPEATED_TOKEN: &str = "RepeatedNextToken";

impl PageTokens {
    /// The token of the next page (None: the listing is complete), or `Err` if it was seen
    /// before in this listing.
    fn next(&mut self, token: Option<&str>) -> Result<Option<String>, ()> {
        match token {
            Some(t) if !t.is_empty() => {
                if self.0.insert(t.to_string()) {
                    Ok(Some(t.to_string()))
                } else {
                    Err(())
                }
            }
            _ => Ok(None),
        }
    }
}

/// Clients for one (role, region), with the account they act in.
#[derive(Clone)]
pub struct Session {
    region: String,
    account: String,
    account_alias: Option<Arc<str>>,
    /// The role's config, for the clients only discovery's enhanced metrics need.
    conf: SdkConfig,
    cloudwatch: aws_sdk_cloudwatch::Client,
    tagging: aws_sdk_resourcegroupstagging::Client,
    acc: Arc<Accounting>,
    limits: Arc<RateLimits>,
}

/// How the exporter talks to AWS, from its flags.
#[derive(Clone, Debug)]
pub struct Options {
    /// Bounds one API call, retries included: the SDK has no read timeout of its own, and an
    /// endpoint that accepts and never answers would stall a cycle forever.
    pub call_timeout: std::time::Duration,
    /// AWS's FIPS endpoints (YACE's `-fips`).
    pub fips: bool,
    /// Look up each role's account alias (off: YACE's `-disable-account-alias-lookup`).
    pub alias_lookup: bool,
}

/// What is known of a role's account alias.
#[derive(Clone)]
enum Alias {
    /// Read: the alias, or none (the account has none).
    Known(Option<Arc<str>>),
    /// The last lookup failed at this moment; it is tried again [`ALIAS_RETRY`] later.
    Failed(tokio::time::Instant),
}

/// How long a failed alias lookup stands before it is tried again: a role without
/// `iam:ListAccountAliases` is not asked every cycle.
const ALIAS_RETRY: std::time::Duration = std::time::Duration::from_secs(900);

/// How long an alias lookup may take: it is on the way to a role's first session, and an
/// unreachable IAM endpoint must not hold up collection for the whole call timeout.
const ALIAS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Builds and caches sessions. The base config (credential chain, endpoints) is loaded once.
pub struct Aws {
    base: SdkConfig,
    sts_region: Option<String>,
    /// Every call made through its sessions, counted.
    pub accounting: Arc<Accounting>,
    limits: Arc<RateLimits>,
    alias_lookup: bool,
    /// role → (account id, config carrying the role's credentials). Account ids never change.
    roles: Mutex<HashMap<Role, (String, SdkConfig)>>,
    /// role → its account's alias. Aliases hardly ever change: read once per role. One lock
    /// per role, so a slow lookup holds up only its own role's sessions.
    aliases: Mutex<HashMap<Role, Arc<Mutex<Option<Alias>>>>>,
}

impl Aws {
    /// The AWS of a config (its STS region) and the flags' options.
    pub async fn new(
        sts_region: Option<String>,
        accounting: Arc<Accounting>,
        limits: Arc<RateLimits>,
        options: &Options,
    ) -> Self {
        let call_timeout = options.call_timeout;
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(std::time::Duration::from_secs(5).min(call_timeout))
            .operation_attempt_timeout(call_timeout / 3)
            .operation_timeout(call_timeout)
            .build();
        // Standard mode: transient errors and throttling are retried with exponential backoff
        // and jitter, throttling drawing on the retry token bucket.
        let base = aws_config::defaults(BehaviorVersion::latest())
            .use_fips(options.fips)
            .timeout_config(timeouts)
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(3))
            .load()
            .await;
        Aws {
            base,
            sts_region,
            accounting,
            limits,
            alias_lookup: options.alias_lookup,
            roles: Mutex::new(HashMap::new()),
            aliases: Mutex::new(HashMap::new()),
        }
    }

    fn sts_region(&self, fallback: &str) -> Region {
        Region::new(
            self.sts_region
                .clone()
                .or_else(|| self.base.region().map(|r| r.to_string()))
                .unwrap_or_else(|| fallback.to_string()),
        )
    }

    /// Resolves a role to its credentials and account: one GetCallerIdentity per role, ever.
    async fn role(&self, role: &Role, region: &str) -> Result<(String, SdkConfig), AwsError> {
        let mut roles = self.roles.lock().await;
        if let Some(hit) = roles.get(role) {
            return Ok(hit.clone());
        }
        let sts_region = self.sts_region(region);
        let conf = match &role.role_arn {
            None => self.base.clone(),
            Some(arn) => {
                let mut b = aws_config::sts::AssumeRoleProvider::builder(arn)
                    .session_name("cw-exporter")
                    .region(sts_region.clone())
                    .configure(&self.base);
                if let Some(id) = &role.external_id {
                    b = b.external_id(id);
                }
                let provider = b.build().await;
                self.base
                    .to_builder()
                    .credentials_provider(
                        aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                    )
                    .build()
            }
        };
        let sts_conf = aws_sdk_sts::config::Builder::from(&conf)
            .region(sts_region.clone())
            .build();
        let sts = aws_sdk_sts::Client::from_conf(sts_conf);
        let res = sts.get_caller_identity().send().await;
        let region_name = sts_region.to_string();
        let account = match res {
            Ok(out) => {
                let account = out.account().unwrap_or_default().to_string();
                self.accounting
                    .call("GetCallerIdentity", &region_name, &account, "success");
                account
            }
            Err(e) => {
                let (code, message) = classify(&e);
                self.accounting
                    .call("GetCallerIdentity", &region_name, "", &code);
                return Err(AwsError {
                    api: "GetCallerIdentity",
                    region: region_name,
                    code,
                    message,
                });
            }
        };
        roles.insert(role.clone(), (account.clone(), conf.clone()));
        Ok((account, conf))
    }

    /// The alias of the role's account (IAM ListAccountAliases; an account has at most one):
    /// read once per role, within [`ALIAS_TIMEOUT`]. A failed lookup is warned about once per
    /// role and tried again [`ALIAS_RETRY`] later; until then the series carry no alias, as
    /// YACE's do.
    async fn alias(
        &self,
        role: &Role,
        conf: &SdkConfig,
        region: &str,
        account: &str,
    ) -> Option<Arc<str>> {
        if !self.alias_lookup {
            return None;
        }
        let cell = self
            .aliases
            .lock()
            .await
            .entry(role.clone())
            .or_default()
            .clone();
        let mut known = cell.lock().await;
        let failed_before = match &*known {
            Some(Alias::Known(a)) => return a.clone(),
            Some(Alias::Failed(at)) if at.elapsed() < ALIAS_RETRY => return None,
            Some(Alias::Failed(_)) => true,
            None => false,
        };
        let iam_conf = aws_sdk_iam::config::Builder::from(conf)
            .region(Region::new(region.to_string()))
            .interceptor(self.counter(region, account))
            .build();
        let iam = aws_sdk_iam::Client::from_conf(iam_conf);
        let api = "ListAccountAliases";
        let answer = tokio::time::timeout(ALIAS_TIMEOUT, iam.list_account_aliases().send()).await;
        let answer = match answer {
            Ok(a) => a.map_err(|e| classify(&e)),
            Err(_) => Err(("timeout".to_string(), "no answer in 5 s".to_string())),
        };
        match answer {
            Ok(out) => {
                self.accounting.call(api, region, account, "success");
                let alias = out
                    .account_aliases()
                    .first()
                    .filter(|a| !a.is_empty())
                    .map(|a| Arc::from(a.as_str()));
                *known = Some(Alias::Known(alias.clone()));
                alias
            }
            Err((code, message)) => {
                self.accounting.call(api, region, account, &code);
                if !failed_before {
                    tracing::warn!(
                        account,
                        code,
                        message,
                        "could not read the account alias (iam:ListAccountAliases); series of this account carry no account_alias label, tried again in 15 minutes"
                    );
                }
                *known = Some(Alias::Failed(tokio::time::Instant::now()));
                None
            }
        }
    }

    fn counter(&self, region: &str, account: &str) -> attempts::AttemptCounter {
        attempts::AttemptCounter {
            region: region.to_string(),
            account: account.to_string(),
            acc: self.accounting.clone(),
        }
    }

    async fn connect(&self, role: &Role, region: &str) -> Result<Session, AwsError> {
        let (account, conf) = self.role(role, region).await?;
        let account_alias = self.alias(role, &conf, region, &account).await;
        let counter = || self.counter(region, &account);
        let cw_conf = aws_sdk_cloudwatch::config::Builder::from(&conf)
            .region(Region::new(region.to_string()))
            .interceptor(counter())
            .build();
        let tag_conf = aws_sdk_resourcegroupstagging::config::Builder::from(&conf)
            .region(Region::new(region.to_string()))
            .interceptor(counter())
            .build();
        Ok(Session {
            region: region.to_string(),
            account,
            account_alias,
            conf,
            cloudwatch: aws_sdk_cloudwatch::Client::from_conf(cw_conf),
            tagging: aws_sdk_resourcegroupstagging::Client::from_conf(tag_conf),
            acc: self.accounting.clone(),
            limits: self.limits.clone(),
        })
    }
}

impl Sessions for Aws {
    type Session = Session;

    async fn session(&self, role: &Role, region: &str) -> Result<Session, AwsError> {
        self.connect(role, region).await
    }

    fn accounting(&self) -> &Arc<Accounting> {
        &self.accounting
    }
}

impl Session {
    /// Counts the failed attempts of a client made for this session.
    fn counter(&self) -> attempts::AttemptCounter {
        attempts::AttemptCounter {
            region: self.region.clone(),
            account: self.account.clone(),
            acc: self.acc.clone(),
        }
    }

    fn fail<E: ProvideErrorMetadata, R>(&self, api: &'static str, e: &SdkError<E, R>) -> AwsError {
        let (code, message) = classify(e);
        self.acc.call(api, &self.region, &self.account, &code);
        AwsError {
            api,
            region: self.region.clone(),
            code,
            message,
        }
    }

    fn ok(&self, api: &'static str) {
        self.acc.call(api, &self.region, &self.account, "success");
    }

    /// A call whose answer arrived but cannot be used: counted under `code`, returned as an
    /// error.
    fn unusable(&self, api: &'static str, code: &str, message: String) -> AwsError {
        self.acc.call(api, &self.region, &self.account, code);
        AwsError {
            api,
            region: self.region.clone(),
            code: code.to_string(),
            message,
        }
    }

    /// The next page's token, or the error of a listing going round in circles.
    fn next_page(
        &self,
        api: &'static str,
        tokens: &mut PageTokens,
        token: Option<&str>,
    ) -> Result<Option<String>, AwsError> {
        tokens.next(token).map_err(|()| {
            self.unusable(
                api,
                REPEATED_TOKEN,
                format!(
                    "the answer repeated a NextToken already followed after {} page(s); the listing was stopped",
                    tokens.0.len() + 1
                ),
            )
        })
    }

    /// Waits for the rate limiter's go for one call (one page) of `api`.
    async fn pace(&self, api: &'static str) {
        let waited = self.limits.acquire(&self.account, &self.region, api).await;
        if !waited.is_zero() {
            self.acc
                .rate_limited(api, &self.region, &self.account, waited.as_secs_f64());
        }
    }
}

impl Api for Session {
    fn region(&self) -> &str {
        &self.region
    }

    fn account(&self) -> &str {
        &self.account
    }

    fn account_alias(&self) -> Option<&str> {
        self.account_alias.as_deref()
    }

    async fn list_metrics(
        &self,
        namespace: &str,
        metric: &str,
        recently_active: bool,
        linked: bool,
    ) -> Result<Vec<ListedMetric>, AwsError> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut tokens = PageTokens::default();
        let mut token: Option<String> = None;
        loop {
            let mut req = self
                .cloudwatch
                .list_metrics()
                .namespace(namespace)
                .metric_name(metric);
            if recently_active {
                req = req.recently_active(cw::RecentlyActive::Pt3H);
            }
            if linked {
                req = req.include_linked_accounts(true);
            }
            if let Some(t) = token.take() {
                req = req.next_token(t);
            }
            self.pace("ListMetrics").await;
            let page = req.send().await.map_err(|e| self.fail("ListMetrics", &e))?;
            // With linked accounts, `OwningAccounts` runs beside `Metrics`: the owner of each.
            // A page that gives owners for only some would put the others in the wrong account.
            let owners = page.owning_accounts();
            if !owners.is_empty() && owners.len() != page.metrics().len() {
                return Err(self.unusable(
                    "ListMetrics",
                    "IncompleteResponse",
                    format!(
                        "the answer gave {} OwningAccounts for {} metrics; the listing was stopped",
                        owners.len(),
                        page.metrics().len()
                    ),
                ));
            }
            for (i, m) in page.metrics().iter().enumerate() {
                let account = owners
                    .get(i)
                    .filter(|a| !a.is_empty() && a.as_str() != self.account)
                    .map(|a| Arc::from(a.as_str()));
                let listed = ListedMetric {
                    metric: m.metric_name().unwrap_or_default().to_string(),
                    dimensions: m
                        .dimensions()
                        .iter()
                        .map(|d| Dim {
                            name: d.name().unwrap_or_default().to_string(),
                            value: d.value().unwrap_or_default().to_string(),
                        })
                        .collect::<Vec<_>>()
                        .into(),
                    account,
                };
                if seen.insert(listed.identity()) {
                    out.push(listed);
                }
            }
            token = self.next_page("ListMetrics", &mut tokens, page.next_token())?;
            self.ok("ListMetrics");
            if token.is_none() {
                break;
            }
        }
        Ok(out)
    }

    async fn tagged_resources(&self, types: &[&str]) -> Result<Vec<TaggedResource>, AwsError> {
        let mut out = Vec::new();
        let mut tokens = PageTokens::default();
        let mut token: Option<String> = None;
        loop {
            let mut req = self
                .tagging
                .get_resources()
                .resources_per_page(100)
                .set_resource_type_filters(Some(types.iter().map(|s| s.to_string()).collect()));
            if let Some(t) = token.take() {
                req = req.pagination_token(t);
            }
            self.pace("GetResources").await;
            let page = req
                .send()
                .await
                .map_err(|e| self.fail("GetResources", &e))?;
            for r in page.resource_tag_mapping_list() {
                out.push(TaggedResource {
                    arn: r.resource_arn().unwrap_or_default().to_string(),
                    tags: r
                        .tags()
                        .iter()
                        .map(|t| (t.key().to_string(), t.value().to_string()))
                        .collect(),
                });
            }
            token = self.next_page("GetResources", &mut tokens, page.pagination_token())?;
            self.ok("GetResources");
            if token.is_none() {
                break;
            }
        }
        Ok(out)
    }

    async fn describe(&self, source: Source) -> Result<Vec<Described>, AwsError> {
        match source {
            Source::RdsInstances => self.rds_instances().await,
            Source::LambdaFunctions => self.lambda_functions().await,
            Source::DynamoDbTables => self.dynamodb_tables().await,
            Source::ElastiCacheClusters => self.elasticache_clusters().await,
            Source::ApiGatewayRestApis => self.rest_apis().await,
            Source::DmsReplicationInstances => self.dms_instances().await,
            Source::DmsReplicationTasks => self.dms_tasks().await,
            Source::AutoScalingGroups => self.auto_scaling_groups().await,
        }
    }

    async fn get_metric_data(
        &self,
        queries: &[MetricQuery],
        start: i64,
        end: i64,
    ) -> Result<CallPoints, AwsError> {
        let billed = accounting::requested(queries);
        let built: Vec<cw::MetricDataQuery> = queries
            .iter()
            .map(|q| {
                let metric = cw::Metric::builder()
                    .namespace(&q.namespace)
                    .metric_name(&q.metric)
                    .set_dimensions(Some(
                        q.dimensions
                            .iter()
                            .map(|d| {
                                cw::Dimension::builder()
                                    .name(&d.name)
                                    .value(&d.value)
                                    .build()
                            })
                            .collect(),
                    ))
                    .build();
                let stat = cw::MetricStat::builder()
                    .metric(metric)
                    .period(q.period as i32)
                    .stat(&q.statistic)
                    .build();
                cw::MetricDataQuery::builder()
                    .id(&q.id)
                    .metric_stat(stat)
                    .set_account_id(q.account.as_deref().map(str::to_string))
                    .return_data(true)
                    .build()
            })
            .collect();
        // Results come back by id; they are returned by position in `queries`.
        let position: HashMap<&str, usize> = queries
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.as_str(), i))
            .collect();
        // (query, time, value); a newest-only query's one point is overwritten in place.
        let mut raw: Vec<(u32, i64, f64)> = Vec::with_capacity(queries.len());
        let mut newest_at: Vec<u32> = vec![u32::MAX; queries.len()];
        // Which queries the answer has a usable result for: AWS answers every query of a
        // call, each with a status, so a query without one means the answer is broken.
        let mut answered = vec![false; queries.len()];
        // Results that came back with an InternalError or Forbidden status.
        let mut refused = 0;
        let mut tokens = PageTokens::default();
        let mut token: Option<String> = None;
        loop {
            let mut req = self
                .cloudwatch
                .get_metric_data()
                .set_metric_data_queries(Some(built.clone()))
                .start_time(DateTime::from_secs(start))
                .end_time(DateTime::from_secs(end))
                .scan_by(cw::ScanBy::TimestampDescending);
            if let Some(t) = token.take() {
                req = req.next_token(t);
            }
            self.pace("GetMetricData").await;
            let page = req
                .send()
                .await
                .map_err(|e| self.fail("GetMetricData", &e))?;
            // Billing counts metrics requested per call, pages included.
            self.acc
                .metrics_requested(&self.region, &self.account, billed);
            for r in page.metric_data_results() {
                let Some(&i) = position.get(r.id().unwrap_or_default()) else {
                    continue; // not a query of ours
                };
                let usable = !matches!(
                    r.status_code(),
                    Some(cw::StatusCode::InternalError | cw::StatusCode::Forbidden)
                );
                answered[i] |= usable;
                refused += usize::from(!usable);
                let newest = queries[i].newest_only;
                for (t, v) in r.timestamps().iter().zip(r.values()) {
                    let p = (i as u32, t.secs(), *v);
                    match newest_at[i] {
                        at if newest && at != u32::MAX => {
                            let have = &mut raw[at as usize];
                            if p.1 > have.1 {
                                *have = p;
                            }
                        }
                        _ => {
                            if newest {
                                newest_at[i] = raw.len() as u32;
                            }
                            raw.push(p);
                        }
                    }
                }
            }
            token = self.next_page("GetMetricData", &mut tokens, page.next_token())?;
            if token.is_some() {
                self.ok("GetMetricData");
                continue;
            }
            let missing = answered.iter().filter(|a| !**a).count();
            if missing > 0 {
                return Err(self.unusable(
                    "GetMetricData",
                    "IncompleteResponse",
                    format!(
                        "the answer had no usable result for {missing} of its {} queries ({refused} with an InternalError or Forbidden status, the rest missing)",
                        queries.len()
                    ),
                ));
            }
            self.ok("GetMetricData");
            break;
        }
        Ok(CallPoints::from_raw(queries.len(), raw))
    }
}

#[cfg(test)]
mod tests {
    use super::PageTokens;

    #[test]
    fn a_token_seen_before_in_a_listing_stops_it() {
        let mut t = PageTokens::default();
        assert_eq!(t.next(Some("a")), Ok(Some("a".into())));
        assert_eq!(t.next(Some("b")), Ok(Some("b".into())));
        assert_eq!(
            t.next(Some("a")),
            Err(()),
            "a cycle, not only the same token twice"
        );
        assert_eq!(PageTokens::default().next(Some("")), Ok(None));
        assert_eq!(PageTokens::default().next(None), Ok(None));
    }
}
