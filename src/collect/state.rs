//! What the collector remembers from one cycle to the next, changed only through these
//! methods. None of them calls AWS or reads the clock: time is the schedule's moment (whole
//! seconds from its start) or a given epoch second, so each rule is tested as a function.

use std::collections::HashMap;
use std::sync::Arc;

use super::JobStatus;
use crate::aws::AwsError;
use crate::config::{Job, Role};
use crate::discovery::Found;
use crate::exposition::layout::List;
use crate::schedule::cadence::{Cadence, Due, rediscover};

/// A (role, region).
pub type Scope = (Role, String);
/// Per window-mode (job, metric) of a (role, region), where its last window ended.
pub type WindowEnds = Arc<HashMap<(usize, usize), i64>>;
/// A (job, cadence group, role, region).
type GroupKey = (usize, u64, Role, String);

/// A (role, region)'s state after its last collection: what its self-metrics and the landing
/// page say, so an alert can name the one scope that fails while the others collect.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScopeStatus {
    /// The role's ARN; empty for the default credentials.
    pub role: String,
    /// The account it acts in: resolved by STS, else the role ARN's, else empty.
    pub account: String,
    /// The region.
    pub region: String,
    /// Whether its last collection succeeded for every job.
    pub success: bool,
    /// When it last succeeded (seconds since the epoch).
    pub last_success: Option<i64>,
    /// Its last collection's error, if it failed (loggable text: no secrets).
    pub error: Option<String>,
    /// How long its last collection took.
    pub duration_seconds: f64,
}

/// The collector's memory.
#[derive(Debug, Default)]
pub struct State {
    /// Each job's last successful collection (epoch seconds).
    last_success: Vec<Option<i64>>,
    /// Each job's most recent error and when.
    last_error: Vec<Option<(String, i64)>>,
    /// Each (job, cadence group)'s error at its last collection (None: it succeeded).
    outcome: HashMap<(usize, u64), Option<String>>,
    /// The last complete discovery of each (role, region), and the moment it started.
    discovered: HashMap<Scope, (u64, Arc<Found>)>,
    /// Each (job, group, role, region)'s series from its last successful collection, and the
    /// moment of that collection.
    last_good: HashMap<GroupKey, (u64, Vec<List>)>,
    /// Where each window-mode metric's last successful window ended.
    window_ends: HashMap<Scope, WindowEnds>,
    /// Each (role, region)'s last collection.
    scopes: HashMap<Scope, ScopeStatus>,
    /// Each failing (role, region)'s error from its last collection that ended (a "still
    /// running" result does not replace it).
    causes: HashMap<Scope, String>,
}

impl State {
    /// The state before the first cycle of `jobs` jobs.
    pub fn new(jobs: usize) -> State {
        State {
            last_success: vec![None; jobs],
            last_error: vec![None; jobs],
            ..State::default()
        }
    }

    /// The discovery of `scope` to reuse at `moment`: its last complete one, if younger than
    /// `max_age` seconds.
    pub fn discovery(&self, scope: &Scope, moment: u64, max_age: u64) -> Option<Arc<Found>> {
        self.discovered
            .get(scope)
            .filter(|(at, _)| !rediscover(Some(*at), moment, max_age))
            .map(|(_, f)| f.clone())
    }

    /// A discovery of `scope` that started at `started` has ended. A complete one is kept,
    /// dated by its start, even if its cycle then failed (a fetch that timed out must not make
    /// it start over); a partial or failed one is not, so the next cycle tries again.
    pub fn discovery_ended(
        &mut self,
        scope: Scope,
        started: u64,
        found: &Result<Arc<Found>, Arc<AwsError>>,
    ) {
        if let Ok(found) = found
            && found.failed.is_empty()
            && found.sources_failed.is_empty()
        {
            self.discovered.insert(scope, (started, found.clone()));
        }
    }

    /// Where the window-mode metrics of `scope` last ended.
    pub fn window_ends(&self, scope: &Scope) -> WindowEnds {
        self.window_ends.get(scope).cloned().unwrap_or_default()
    }

    /// The windows of `scope` that succeeded ended at these times: the next ones start there.
    pub fn windows_ended(&mut self, scope: &Scope, ends: Vec<((usize, usize), i64)>) {
        if ends.is_empty() {
            return;
        }
        let mut all = self
            .window_ends
            .get(scope)
            .map(|m| (**m).clone())
            .unwrap_or_default();
        all.extend(ends);
        self.window_ends.insert(scope.clone(), Arc::new(all));
    }

    /// A cycle starts: the due groups of every job touched start as successes, so any scope's
    /// error can fail them.
    pub fn begin(&mut self, touched: &[usize], cadence: &Cadence, due: &Due) {
        for &j in touched {
            for &g in cadence.of_job(j) {
                if due.contains(g) {
                    self.outcome.insert((j, g), None);
                }
            }
        }
    }

    /// One (role, region)'s collection at `moment`. Each due group of its `jobs` either keeps
    /// this collection's series (`fresh`), or, if its job is in `failed`, takes the job's error
    /// and keeps its last good series until they are older than `retention(group)` seconds,
    /// then drops them (so Prometheus marks them stale).
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        moment: u64,
        scope: &Scope,
        jobs: &[usize],
        cadence: &Cadence,
        due: &Due,
        failed: &HashMap<usize, Arc<AwsError>>,
        mut fresh: HashMap<(usize, u64), Vec<List>>,
        retention: impl Fn(u64) -> u64,
    ) {
        for &j in jobs {
            for &g in cadence.of_job(j) {
                if !due.contains(g) {
                    continue;
                }
                let key = (j, g, scope.0.clone(), scope.1.clone());
                if let Some(e) = failed.get(&j) {
                    let outcome = self.outcome.entry((j, g)).or_default();
                    outcome.get_or_insert_with(|| e.to_string());
                    if self
                        .last_good
                        .get(&key)
                        .is_some_and(|(at, _)| moment.saturating_sub(*at) > retention(g))
                    {
                        self.last_good.remove(&key);
                    }
                } else {
                    let list = fresh.remove(&(j, g)).unwrap_or_default();
                    self.last_good.insert(key, (moment, list));
                }
            }
        }
    }

    /// Every job's state after a cycle that touched `touched` and finished at `finished`
    /// (epoch seconds): a job succeeds when each of its groups did at its last collection.
    pub fn status(
        &mut self,
        jobs: &[Job],
        cadence: &Cadence,
        touched: &[usize],
        finished: i64,
    ) -> Vec<JobStatus> {
        let mut status: Vec<JobStatus> = jobs
            .iter()
            .enumerate()
            .map(|(j, job)| {
                let error = cadence
                    .of_job(j)
                    .iter()
                    .find_map(|&g| self.outcome.get(&(j, g)).cloned().flatten());
                JobStatus {
                    label: job.label.clone(),
                    namespace: job.namespace.clone(),
                    success: error.is_none(),
                    error,
                    series: 0,
                    last_success: None,
                    interval_seconds: cadence.info(j),
                    last_error: None,
                }
            })
            .collect();
        for ((j, ..), (_, list)) in &self.last_good {
            status[*j].series += list.iter().map(List::len).sum::<usize>();
        }
        for &j in touched {
            match &status[j].error {
                None => self.last_success[j] = Some(finished),
                Some(e) => self.last_error[j] = Some((e.clone(), finished)),
            }
        }
        for (j, s) in status.iter_mut().enumerate() {
            s.last_success = self.last_success[j];
            s.last_error = self.last_error[j].clone();
        }
        status
    }

    /// One (role, region) was collected, finishing at `finished` (epoch seconds) after
    /// `duration` seconds: `account` is the one it acted in (empty if it never got that far),
    /// `error` its first failure; `ended` is false for a collection still running.
    pub fn scope_collected(
        &mut self,
        scope: &Scope,
        account: &str,
        error: Option<String>,
        ended: bool,
        finished: i64,
        duration: f64,
    ) {
        if ended {
            match &error {
                Some(e) => self.causes.insert(scope.clone(), e.clone()),
                None => self.causes.remove(scope),
            };
        }
        let st = self.scopes.entry(scope.clone()).or_insert_with(|| {
            let role = scope.0.role_arn.clone().unwrap_or_default();
            ScopeStatus {
                account: role.split(':').nth(4).unwrap_or_default().to_string(),
                role,
                region: scope.1.clone(),
                ..ScopeStatus::default()
            }
        });
        if !account.is_empty() {
            st.account = account.to_string();
        }
        st.success = error.is_none();
        if st.success {
            st.last_success = Some(finished);
        }
        st.error = error;
        st.duration_seconds = duration;
    }

    /// The error of `scope`'s last collection that ended, if it failed.
    pub fn scope_error(&self, scope: &Scope) -> Option<String> {
        self.causes.get(scope).cloned()
    }

    /// Whether the last collection of `scope` failed.
    pub fn failing(&self, scope: &Scope) -> bool {
        self.scopes.get(scope).is_some_and(|s| !s.success)
    }

    /// Every (role, region) collected so far, ordered by account, region and role. Scopes
    /// the labels cannot tell apart (one role ARN with two external ids) are one: up only if
    /// all are, the oldest last success, the longest duration, the first error.
    pub fn scopes(&self) -> Vec<ScopeStatus> {
        let mut v: Vec<ScopeStatus> = self.scopes.values().cloned().collect();
        v.sort_by(|a, b| {
            (&a.account, &a.region, &a.role, &a.error)
                .cmp(&(&b.account, &b.region, &b.role, &b.error))
        });
        let mut out: Vec<ScopeStatus> = Vec::with_capacity(v.len());
        for s in v {
            match out.last_mut() {
                Some(o) if (&o.account, &o.region, &o.role) == (&s.account, &s.region, &s.role) => {
                    o.success &= s.success;
                    o.last_success = match (o.last_success, s.last_success) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        _ => None,
                    };
                    o.duration_seconds = o.duration_seconds.max(s.duration_seconds);
                    if o.error.is_none() {
                        o.error = s.error;
                    }
                }
                _ => out.push(s),
            }
        }
        out
    }

    /// The series to serve: each group's from this collection where it succeeded, its last
    /// good ones where it failed (for a bounded time), what it last collected where it was not
    /// due. In a fixed order, so the renderer sees the same shape from one cycle to the next.
    pub fn lists(&self) -> Vec<&List> {
        let mut lists: Vec<_> = self.last_good.iter().collect();
        lists.sort_by(|a, b| a.0.cmp(b.0));
        lists.iter().flat_map(|(_, (_, l))| l.iter()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::layout::{Meta, Row};
    use crate::test_support::{TWO_ECS_JOBS, jobs};

    #[test]
    fn a_scope_keeps_its_account_and_last_success_through_failures() {
        let role = Role {
            role_arn: Some("arn:aws:iam::222233334444:role/read".into()),
            external_id: Some("x".into()),
        };
        let key: Scope = (role, "eu-west-1".into());
        let mut st = State::new(1);
        // Denied before STS answered: the account is the role ARN's.
        st.scope_collected(&key, "", Some("AccessDenied".into()), true, 100, 0.5);
        let s = &st.scopes()[0];
        assert_eq!(
            (s.account.as_str(), s.success, s.last_success),
            ("222233334444", false, None)
        );
        assert_eq!(s.role, "arn:aws:iam::222233334444:role/read");
        st.scope_collected(&key, "222233334444", None, true, 200, 1.5);
        st.scope_collected(&key, "", Some("timeout".into()), true, 300, 60.0);
        let s = &st.scopes()[0];
        assert_eq!((s.success, s.last_success), (false, Some(200)));
        assert_eq!(
            (s.error.as_deref(), s.duration_seconds),
            (Some("timeout"), 60.0)
        );
        // The same role ARN with another external id: one series of labels, down if either is.
        let twin: Scope = (
            Role {
                external_id: Some("y".into()),
                ..key.0.clone()
            },
            "eu-west-1".into(),
        );
        st.scope_collected(&twin, "222233334444", None, true, 400, 2.0);
        let s = &st.scopes()[0];
        assert_eq!(
            (st.scopes().len(), s.success, s.last_success),
            (1, false, Some(200))
        );
        assert_eq!(st.scope_error(&key).as_deref(), Some("timeout"));
        // The default credentials: no role, the account STS resolved.
        st.scope_collected(&scope(), "111122223333", None, true, 300, 1.0);
        let all = st.scopes();
        assert_eq!(all.len(), 2);
        assert_eq!(
            (all[0].account.as_str(), all[0].role.as_str()),
            ("111122223333", "")
        );
    }

    fn scope() -> Scope {
        (Role::default(), "eu-west-1".into())
    }

    fn err(code: &str) -> Arc<AwsError> {
        Arc::new(AwsError {
            api: "GetMetricData",
            region: "eu-west-1".into(),
            code: code.into(),
            message: "m".into(),
        })
    }

    /// A list of `n` rows: the state only counts and keeps them.
    fn list(n: usize) -> Vec<List> {
        let meta = Arc::new(Meta::gauge("m", "h"));
        let rows: Vec<Row> = (0..n).map(|_| (meta.clone(), Arc::from(vec![]))).collect();
        vec![List {
            rows: rows.into(),
            values: vec![0.0; n],
            timestamps: vec![],
        }]
    }

    /// Job 0 of [`TWO_ECS_JOBS`] (a 60 s group and a 120 s one), collected moment by moment.
    struct Run {
        jobs: Vec<Job>,
        cadence: Cadence,
        state: State,
    }

    impl Run {
        fn new() -> Run {
            let jobs = jobs(TWO_ECS_JOBS);
            let cadence = Cadence::new(&jobs, 60);
            let state = State::new(jobs.len());
            Run {
                jobs,
                cadence,
                state,
            }
        }

        /// Job 0's collection at `moment`: it fails with `error`, or each due group gets its
        /// `fresh` rows; series are kept three intervals. Returns job 0's status.
        fn at(&mut self, moment: u64, error: Option<&str>, fresh: &[(u64, usize)]) -> JobStatus {
            let due = self.cadence.due_at(moment);
            self.state.begin(&[0], &self.cadence, &due);
            let failed: HashMap<_, _> = error.map(|e| (0, err(e))).into_iter().collect();
            let fresh = fresh.iter().map(|&(g, n)| ((0, g), list(n))).collect();
            let c = &self.cadence;
            self.state
                .record(moment, &scope(), &[0], c, &due, &failed, fresh, |g| 3 * g);
            let finished = 1000 + moment as i64;
            self.state.status(&self.jobs, c, &[0], finished).remove(0)
        }
    }

    #[test]
    fn a_failing_group_keeps_its_last_good_series_for_the_retention_then_drops_them() {
        let mut run = Run::new();
        let s = run.at(0, None, &[(60, 3), (120, 2)]);
        assert!(s.success);
        assert_eq!((s.series, s.last_success), (5, Some(1000)));
        // The 60 s group fails from moment 60 on; the 120 s group is not due at 60.
        for moment in [60, 120, 180] {
            let s = run.at(moment, Some("Throttling"), &[]);
            assert!(!s.success);
            assert!(s.error.as_deref().unwrap().contains("Throttling"));
            assert_eq!(s.series, 5, "at {moment}: not older than 3 × 60 s, kept");
            assert_eq!(s.last_success, Some(1000));
            assert_eq!(s.last_error.as_ref().unwrap().1, 1000 + moment as i64);
        }
        // Each group by its own interval: at 240 the 60 s group's are past 3 × 60 s, the
        // 120 s group's (also collected at 0) within 3 × 120 s; at 480 past it.
        for (moment, left) in [(240, 2), (360, 2), (480, 0)] {
            assert_eq!(
                run.at(moment, Some("Throttling"), &[]).series,
                left,
                "at {moment}"
            );
        }
        assert_eq!(run.state.lists().len(), 0);
    }

    #[test]
    fn a_job_succeeds_again_only_when_each_of_its_groups_did() {
        let mut run = Run::new();
        run.at(0, Some("InternalError"), &[]);
        // At 60 only the 60 s group is collected, and succeeds: the 120 s one still failed.
        let s = run.at(60, None, &[(60, 1)]);
        assert!(!s.success, "{s:?}");
        assert!(run.at(120, None, &[]).success);
        let later = run.state.status(&run.jobs, &run.cadence, &[], 9999);
        assert_eq!(
            later[0].last_success,
            Some(1120),
            "a job not touched keeps its date"
        );
    }

    #[test]
    fn only_a_complete_discovery_is_reused_and_only_while_young() {
        let mut st = State::new(1);
        let partial = Found {
            failed: vec![(0, err("AccessDenied"))],
            ..Found::default()
        };
        st.discovery_ended(scope(), 0, &Ok(Arc::new(partial)));
        assert!(st.discovery(&scope(), 0, 600).is_none());
        st.discovery_ended(scope(), 0, &Err(err("timeout")));
        assert!(st.discovery(&scope(), 0, 600).is_none());
        st.discovery_ended(scope(), 60, &Ok(Arc::new(Found::default())));
        assert!(st.discovery(&scope(), 60, 600).is_some());
        assert!(st.discovery(&scope(), 659, 600).is_some());
        assert!(st.discovery(&scope(), 660, 600).is_none(), "600 s old");
        assert!(
            st.discovery(&(Role::default(), "us-east-1".into()), 60, 600)
                .is_none()
        );
    }

    #[test]
    fn window_ends_accumulate_per_scope() {
        let mut st = State::new(1);
        st.windows_ended(&scope(), vec![((0, 0), 100), ((0, 1), 100)]);
        st.windows_ended(&scope(), vec![((0, 1), 160)]);
        st.windows_ended(&scope(), vec![]);
        let ends = st.window_ends(&scope());
        assert_eq!(ends.get(&(0, 0)), Some(&100));
        assert_eq!(ends.get(&(0, 1)), Some(&160));
        assert!(st.window_ends(&(Role::default(), "x".into())).is_empty());
    }
}
