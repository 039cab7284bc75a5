//! Pacing requests: per-host pauses after 429s, spacing when ARM reports few reads left in the caller's
//! bucket, and jittered backoff between retries.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{Client, lock};

#[derive(Debug)]
pub(super) struct HostPace {
    paused_until: Option<Instant>,
    spacing: Duration,
    next_slot: Instant,
}

impl Client {
    /// How long to wait before the next request to `host` may start.
    pub(super) fn reserve(&self, host: &str) -> Duration {
        let mut pace = lock(&self.pace);
        let now = Instant::now();
        let p = pace.entry(host.to_string()).or_insert(HostPace {
            paused_until: None,
            spacing: Duration::ZERO,
            next_slot: now,
        });
        let mut start = now;
        if let Some(until) = p.paused_until
            && until > start
        {
            start = until;
        }
        if !p.spacing.is_zero() {
            if p.next_slot > start {
                start = p.next_slot;
            }
            p.next_slot = start + p.spacing;
        }
        start - now
    }

    pub(super) fn pause(&self, host: &str, for_: Duration) {
        let mut pace = lock(&self.pace);
        let until = Instant::now()
            .checked_add(for_)
            .unwrap_or_else(Instant::now);
        let p = pace.entry(host.to_string()).or_insert(HostPace {
            paused_until: None,
            spacing: Duration::ZERO,
            next_slot: Instant::now(),
        });
        if p.paused_until.is_none_or(|u| u < until) {
            p.paused_until = Some(until);
        }
    }

    /// ARM tells how many reads are left in the caller's bucket; slow down before being throttled.
    pub(super) fn observe_remaining(&self, host: &str, headers: &reqwest::header::HeaderMap) {
        let remaining = headers
            .iter()
            .filter(|(name, _)| name.as_str().starts_with("x-ms-ratelimit-remaining-"))
            .filter_map(|(_, v)| v.to_str().ok()?.trim().parse::<u64>().ok())
            .min();
        let Some(remaining) = remaining else {
            return;
        };
        let spacing = spacing_for(remaining, self.opts.low_remaining);
        let mut pace = lock(&self.pace);
        if let Some(p) = pace.get_mut(host) {
            p.spacing = spacing;
        }
    }

    pub(super) async fn sleep(&self, d: Duration) {
        if d.is_zero() {
            return;
        }
        self.waited_ms
            .fetch_add(d.as_millis() as u64, Ordering::Relaxed);
        tokio::time::sleep(d).await;
    }

    pub(super) fn backoff(&self, retry: u32) -> Duration {
        let cap = self
            .opts
            .backoff_base
            .saturating_mul(1u32 << retry.min(16))
            .min(self.opts.backoff_max);
        // Equal jitter: half fixed, half random, so concurrent retries spread out but never retry at once.
        let half = cap / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// Request spacing for a number of remaining reads: none while plenty remain, about the refill rate of
/// ARM's bucket (25/s) when low, and much slower when nearly empty.
pub(crate) fn spacing_for(remaining: u64, low: u64) -> Duration {
    if remaining >= low {
        Duration::ZERO
    } else if remaining >= low / 4 {
        Duration::from_millis(40)
    } else if remaining > 0 {
        Duration::from_millis(250)
    } else {
        Duration::from_secs(1)
    }
}
