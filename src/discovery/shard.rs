//! Sharding (`--shard=I --total-shards=N`, kube-state-metrics' flags): each process keeps the
//! resources, and their series, that rendezvous hashing gives its shard, so N shards export
//! together exactly what one process would, nothing twice, and each asks GetMetricData only
//! for its own series.
//!
//! Rendezvous (highest random weight) rather than jump hashing: a resource goes to the shard
//! with the highest score of hash(identity, shard), so going from N to N+1 shards moves only
//! the resources the new shard wins (1/(N+1) of them), any shard's loss spreads over all the
//! others, and the rule is one line with no table. It costs N hashes a resource; N is small.
//! The hash is FNV-1a with a 64-bit finalizer, written out here because shards built by
//! different releases must agree: std's hasher may change between Rust versions.

use super::Found;
use crate::catalog;
use crate::config::Job;

/// One process's shard: `index` of `total` (0 ≤ index < total).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Shard {
    /// `--shard`.
    pub index: u32,
    /// `--total-shards`.
    pub total: u32,
}

impl Default for Shard {
    fn default() -> Self {
        Shard { index: 0, total: 1 }
    }
}

/// FNV-1a over `parts` (each followed by a separator byte no part has), then `salt`, then
/// splitmix64's finalizer so that nearby salts give unrelated scores.
fn score(parts: &[&str], salt: u32) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    };
    for p in parts {
        p.bytes().for_each(&mut eat);
        eat(0x1f);
    }
    salt.to_le_bytes().into_iter().for_each(&mut eat);
    let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Shard {
    /// Whether shards run at all.
    pub fn is_sharded(&self) -> bool {
        self.total > 1
    }

    /// The shard that owns an identity (its parts: account, region, namespace, resource).
    pub fn owner(total: u32, parts: &[&str]) -> u32 {
        (0..total.max(1))
            .max_by_key(|&i| (score(parts, i), std::cmp::Reverse(i)))
            .unwrap_or(0)
    }

    /// Whether this shard owns the identity.
    pub fn owns(&self, parts: &[&str]) -> bool {
        !self.is_sharded() || Shard::owner(self.total, parts) == self.index
    }

    /// Keeps this shard's part of one (account, region)'s discovery: the series of the
    /// resources it owns (a series of no resource, `global`, is owned by its own identity:
    /// metric and dimensions), their info series and enhanced values.
    pub fn keep(&self, mut found: Found, jobs: &[Job], account: &str, region: &str) -> Found {
        if !self.is_sharded() {
            return found;
        }
        let ns = |job: usize| jobs[job].namespace.as_str();
        found.targets.retain(|t| {
            // A linked account's series (OAM) goes by the account that owns it.
            let account = t.account.as_deref().unwrap_or(account);
            if &*t.resource == catalog::GLOBAL {
                let metric = &jobs[t.job].metrics[t.metric].name;
                let mut dims: Vec<String> = t
                    .dimensions
                    .iter()
                    .map(|d| format!("{}={}", d.name, d.value))
                    .collect();
                dims.sort();
                let dims = dims.join(",");
                self.owns(&[account, region, ns(t.job), metric, &dims])
            } else {
                self.owns(&[account, region, ns(t.job), &t.resource])
            }
        });
        found.resources.retain(|r| {
            let account = r.account.as_deref().unwrap_or(account);
            self.owns(&[account, region, ns(r.job), &r.arn])
        });
        found
            .enhanced
            .retain(|e| self.owns(&[account, region, ns(e.job), &e.resource]));
        found
    }
}

/// The shard of a StatefulSet pod, from its name's ordinal (`cw-exporter-2` → 2).
pub fn ordinal(pod: &str) -> Option<u32> {
    let (_, n) = pod.rsplit_once('-')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("arn:aws:ecs:us-east-1:123456789012:service/c{}/s{i}", i % 7))
            .collect()
    }

    #[test]
    fn every_resource_has_exactly_one_shard_and_they_are_even() {
        let ids = ids(9000);
        let mut counts = [0usize; 3];
        for id in &ids {
            let owners: Vec<u32> = (0..3)
                .filter(|&i| Shard { index: i, total: 3 }.owns(&["1", "r", "ns", id]))
                .collect();
            assert_eq!(owners.len(), 1, "{id}");
            counts[owners[0] as usize] += 1;
        }
        for c in counts {
            assert!((2700..=3300).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn going_from_three_to_four_shards_moves_about_a_quarter() {
        let ids = ids(20_000);
        let moved = ids
            .iter()
            .filter(|id| {
                Shard::owner(3, &["1", "r", "ns", id]) != Shard::owner(4, &["1", "r", "ns", id])
            })
            .count();
        // Rendezvous moves exactly those the new shard wins: a quarter, give or take noise.
        let share = moved as f64 / ids.len() as f64;
        assert!((0.23..=0.27).contains(&share), "{share}");
        // And every one of them moved to the new shard.
        assert!(ids.iter().all(|id| {
            let (a, b) = (
                Shard::owner(3, &["1", "r", "ns", id]),
                Shard::owner(4, &["1", "r", "ns", id]),
            );
            a == b || b == 3
        }));
    }

    #[test]
    fn the_hash_is_fixed_across_releases() {
        // Shards of different builds must agree: these values are the contract. A change here
        // moves resources between shards on upgrade.
        assert_eq!(score(&["a"], 0), 8_002_350_732_776_768_517);
        let owner = |arn: &str| Shard::owner(5, &["123456789012", "us-east-1", "AWS/SQS", arn]);
        assert_eq!(owner("arn:aws:sqs:us-east-1:123456789012:orders"), 4);
        assert_eq!(owner("arn:aws:sqs:us-east-1:123456789012:mail"), 1);
        assert_eq!(
            owner("arn:aws:ecs:us-east-1:123456789012:service/prod/api"),
            0
        );
        // Parts are separated: moving a byte between parts changes the identity.
        assert_ne!(score(&["ab", "c"], 0), score(&["a", "bc"], 0));
    }

    #[test]
    fn pod_names_give_their_ordinal() {
        assert_eq!(ordinal("cw-exporter-0"), Some(0));
        assert_eq!(ordinal("cw-exporter-12"), Some(12));
        assert_eq!(ordinal("cw-exporter"), None);
        assert_eq!(ordinal("x-+1"), None);
    }
}
