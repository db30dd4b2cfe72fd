//! Metric and label names exactly as YACE v0.67 builds them, so dashboards keep working.

/// Characters YACE turns into `_` (and `%` into `_percent`).
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | ',' | '\t' | '/' | '\\' | '.' | '-' | ':' | '=' | '@' | '<' | '>' | '(' | ')' | '“'
    )
}

/// YACE's `PromString`: separators to `_`, `%` to `_percent`, `_` before an upper-case letter
/// that follows a lower-case letter or digit, everything lower-cased. Runs of capitals stay
/// together (`CPUUtilization` → `cpuutilization`).
///
/// ```
/// use cw_exporter::exposition::names::prom_string;
/// assert_eq!(prom_string("CpuReserved"), "cpu_reserved");
/// assert_eq!(prom_string("HTTPCode_Target_5XX_Count"), "httpcode_target_5_xx_count");
/// assert_eq!(prom_string("Free%"), "free_percent");
/// ```
pub fn prom_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut prev: Option<char> = None;
    for c in text.chars() {
        if is_separator(c) {
            out.push('_');
        } else if c == '%' {
            out.push_str("_percent");
        } else {
            if c.is_uppercase() && prev.is_some_and(|p| p.is_lowercase() || p.is_numeric()) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        }
        prev = Some(c);
    }
    out
}

/// YACE's `BuildMetricName`: `aws_` + namespace + metric + statistic, with the namespace's
/// words trimmed off the front of the metric name when it repeats them.
///
/// ```
/// use cw_exporter::exposition::names::metric_name;
/// assert_eq!(
///     metric_name("ECS/ContainerInsights", "CpuReserved", "Average"),
///     "aws_ecs_containerinsights_cpu_reserved_average"
/// );
/// assert_eq!(metric_name("AWS/ECS", "CPUUtilization", "p99.9"), "aws_ecs_cpuutilization_p99_9");
/// ```
pub fn metric_name(namespace: &str, metric: &str, statistic: &str) -> String {
    let ns = prom_string(&namespace.to_lowercase());
    let ns = ns.strip_prefix('_').unwrap_or(&ns);
    let mut out = String::with_capacity(ns.len() + metric.len() + statistic.len() + 8);
    if !ns.starts_with("aws") {
        out.push_str("aws_");
    }
    out.push_str(ns);
    out.push('_');
    let full = prom_string(metric);
    let mut m: &str = &full;
    for part in ns.split('_') {
        m = m.strip_prefix(part).unwrap_or(m);
    }
    out.push_str(m.strip_prefix('_').unwrap_or(m));
    if !statistic.is_empty() {
        out.push('_');
        out.push_str(&prom_string(statistic));
    }
    out
}

/// A dimension or tag key as a label-name suffix: YACE's `PromStringTag`. Returns None when the
/// result is still not a valid Prometheus label name (the caller logs and skips it, as YACE does).
pub fn label_suffix(key: &str, snake_case: bool) -> Option<String> {
    let s = if snake_case {
        prom_string(key)
    } else {
        let mut s = String::with_capacity(key.len());
        for c in key.chars() {
            if is_separator(c) {
                s.push('_');
            } else if c == '%' {
                s.push_str("_percent");
            } else {
                s.push(c);
            }
        }
        s
    };
    valid_label_name(&s).then_some(s)
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`: what Prometheus accepts as a metric name. A CloudWatch metric
/// or custom namespace with other characters (`#`, `é`, `[` ...) would otherwise make the whole
/// exposition unparseable.
pub fn valid_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`
pub fn valid_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yace_build_metric_name_cases() {
        // YACE v0.67 TestBuildMetricName.
        let cases = [
            (
                "AWS/ElastiCache",
                "CPUUtilization",
                "Average",
                "aws_elasticache_cpuutilization_average",
            ),
            (
                "/aws/sagemaker/TrainingJobs",
                "CPUUtilization",
                "Average",
                "aws_sagemaker_trainingjobs_cpuutilization_average",
            ),
            (
                "Glue",
                "glue.driver.aggregate.bytesRead",
                "Average",
                "aws_glue_driver_aggregate_bytes_read_average",
            ),
            (
                "Glue",
                "aggregate.glue.jobs.bytesRead",
                "Average",
                "aws_glue_aggregate_glue_jobs_bytes_read_average",
            ),
            // And the ones our users query.
            (
                "ECS/ContainerInsights",
                "CpuReserved",
                "Average",
                "aws_ecs_containerinsights_cpu_reserved_average",
            ),
            (
                "ECS/ContainerInsights",
                "EBSFilesystemUtilized",
                "Average",
                "aws_ecs_containerinsights_ebsfilesystem_utilized_average",
            ),
            (
                "ECS/ContainerInsights",
                "UnHealthyContainerHealthStatus",
                "Sum",
                "aws_ecs_containerinsights_un_healthy_container_health_status_sum",
            ),
            (
                "AWS/ECS",
                "CPUUtilization",
                "Average",
                "aws_ecs_cpuutilization_average",
            ),
            (
                "AWS/ECS",
                "CPUUtilization",
                "SampleCount",
                "aws_ecs_cpuutilization_sample_count",
            ),
            (
                "ContainerInsights",
                "pod_cpu_utilization",
                "Average",
                "aws_containerinsights_pod_cpu_utilization_average",
            ),
            (
                "ContainerInsights",
                "pod_cpu_utilization_over_pod_limit",
                "Maximum",
                "aws_containerinsights_pod_cpu_utilization_over_pod_limit_maximum",
            ),
            (
                "AWS/ApplicationELB",
                "HTTPCode_Target_5XX_Count",
                "Sum",
                "aws_applicationelb_httpcode_target_5_xx_count_sum",
            ),
            (
                "AWS/EBS",
                "BurstBalance%",
                "Average",
                "aws_ebs_burst_balance_percent_average",
            ),
            (
                "AWS/ECS",
                "MemoryUtilization",
                "p99.9",
                "aws_ecs_memory_utilization_p99_9",
            ),
            (
                "AWS/EKS",
                "scheduler_pending_pods",
                "Maximum",
                "aws_eks_scheduler_pending_pods_maximum",
            ),
        ];
        for (ns, m, s, want) in cases {
            assert_eq!(metric_name(ns, m, s), want, "{ns} {m} {s}");
        }
        assert_eq!(metric_name("AWS/ECS", "info", ""), "aws_ecs_info");
        assert_eq!(
            metric_name("ECS/ContainerInsights", "info", ""),
            "aws_ecs_containerinsights_info"
        );
    }

    #[test]
    fn yace_label_cases() {
        assert_eq!(
            label_suffix("Global.Topic.Count", false).unwrap(),
            "Global_Topic_Count"
        );
        assert_eq!(
            label_suffix("IHaveA%Sign", false).unwrap(),
            "IHaveA_percentSign"
        );
        assert_eq!(label_suffix("labelName", false).unwrap(), "labelName");
        assert_eq!(label_suffix("labelName", true).unwrap(), "label_name");
        assert_eq!(label_suffix("label_name", true).unwrap(), "label_name");
        assert_eq!(label_suffix("ClusterName", true).unwrap(), "cluster_name");
        assert_eq!(label_suffix("invalidChars@$", false), None);
        assert_eq!(label_suffix("invalidChars@$", true), None);
        assert_eq!(
            label_suffix("aws:cloudformation:stack-name", false).unwrap(),
            "aws_cloudformation_stack_name"
        );
    }
}
