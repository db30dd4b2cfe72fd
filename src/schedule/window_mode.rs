//! Window mode: each collection of a metric fetches every datapoint since the previous one,
//! so a 60 s metric collected every 600 s costs one query for ten points instead of ten
//! queries.

use crate::config::Metric;

/// The window to fetch for a target of `m` (collected every `interval` seconds) whose config
/// window is `configured`, given where its last successful window ended (`since`), in a
/// process that backfills `backfill` seconds (`--window-mode.backfill`).
///
/// Not in window mode: the configured window. In window mode: from `since` to the configured
/// end; the first time (a new or replaced process knows no `since`), the last
/// `max(length, interval + backfill)` seconds, so a replacement fills the gap its predecessor
/// left if it was down for less than `backfill`. After failures the window reaches back at
/// most `max(length, 3 × interval, interval + backfill)`: Prometheus would refuse much older
/// samples anyway. None when no new period has ended (cannot happen while the interval is a
/// multiple of the period, which the config requires, unless the clock went back).
pub fn window(
    m: &Metric,
    interval: u64,
    backfill: u64,
    since: Option<i64>,
    configured: (i64, i64),
) -> Option<(i64, i64)> {
    if !m.window_mode {
        return Some(configured);
    }
    let end = configured.1;
    let interval = interval as i64; // from a u32 in the config
    let backfill = backfill.min(3_600) as i64; // as the flag's parser bounds it
    let length = i64::from(m.length);
    let first = end - length.max(interval + backfill);
    let oldest = end - length.max(3 * interval).max(interval + backfill);
    let start = since.unwrap_or(first).max(oldest);
    (start < end).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(window_mode: bool) -> Metric {
        Metric {
            name: "m".into(),
            statistics: vec!["Sum".into()],
            period: 60,
            length: 300,
            delay: 0,
            nil_to_zero: false,
            add_cloudwatch_timestamp: window_mode,
            export_all_data_points: window_mode,
            collection_interval: Some(600),
            window_mode,
        }
    }

    #[test]
    fn the_window_is_the_time_since_the_last_poll() {
        let m = metric(true);
        let end = 6_000;
        let configured = (end - 300, end);
        // First poll: one interval back (longer than length).
        assert_eq!(window(&m, 600, 0, None, configured), Some((5_400, end)));
        // Next polls: from the previous end.
        assert_eq!(
            window(&m, 600, 0, Some(5_400), configured),
            Some((5_400, end))
        );
        // After failures: at most three intervals back.
        assert_eq!(window(&m, 600, 0, Some(0), configured), Some((4_200, end)));
        // Nothing new since the last poll.
        assert_eq!(window(&m, 600, 0, Some(end), configured), None);
        // Not in window mode: the configured window, whatever happened before.
        assert_eq!(
            window(&metric(false), 600, 900, Some(0), configured),
            Some(configured)
        );
    }

    #[test]
    fn a_new_process_backfills_what_its_predecessor_missed() {
        let m = metric(true);
        let end = 6_000;
        let configured = (end - 300, end);
        // First poll of a replacement: one interval and the backfill back.
        assert_eq!(window(&m, 600, 900, None, configured), Some((4_500, end)));
        // Once it knows where it ended, backfill changes nothing.
        assert_eq!(
            window(&m, 600, 900, Some(5_400), configured),
            Some((5_400, end))
        );
        // After failures: the longer of three intervals and interval + backfill.
        assert_eq!(
            window(&m, 600, 900, Some(0), configured),
            Some((4_200, end))
        );
        assert_eq!(
            window(&m, 60, 900, Some(0), (end - 60, end)),
            Some((5_040, end))
        );
        // A length longer than both wins.
        let mut long = metric(true);
        long.length = 3_600;
        assert_eq!(
            window(&long, 600, 900, None, configured),
            Some((2_400, end))
        );
    }
}
