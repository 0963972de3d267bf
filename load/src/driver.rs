//! An open-loop load driver: requests leave at a fixed rate whatever the server does, and each
//! latency is measured from the moment the request was *due*, so a server that stalls cannot hide
//! it by slowing the sender (coordinated omission).

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::{applicants::signup_body, wire};

pub type HttpClient = wire::Client;

pub fn client(base: &str) -> HttpClient {
    wire::Client::new(base).expect("the portal's address is http://host:port")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 200 and the signup accepted: the portal acknowledged it.
    Acknowledged,
    /// 503 "please wait" from admission control.
    ToldToWait,
    /// Anything else: an error status, a broken connection, a timeout.
    Failed,
}

#[derive(Clone, Debug)]
pub struct Sample {
    /// When the request was due, from the start of the run.
    pub due: Duration,
    pub latency: Duration,
    /// How late the load generator itself started sending it (its own share of `latency`, when
    /// it competes for the same cores).
    pub sender_lag: Duration,
    pub outcome: Outcome,
    pub applicant: u64,
}

/// The idempotency key of applicant `n`'s submission in a run: the same every time it is sent,
/// as the browser's offline queue keeps it, so a replay can be checked to create nothing new.
pub fn key_of(seed: u64, n: u64) -> uuid::Uuid {
    // The version and variant bits land in bytes 6 and 8: the high bytes of n (always zero) and
    // the seed, so distinct applicants always get distinct keys.
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&n.to_le_bytes());
    bytes[8..].copy_from_slice(&seed.to_le_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// One signup in flight: applicant `n`, signed in with session `token`, submitted with `key`.
pub async fn send(client: &HttpClient, cookie: &str, n: u64, token: &str, key: uuid::Uuid) -> Outcome {
    let body = format!("{}&idempotency_key={key}", signup_body(n));
    let headers = format!("Accept: application/json\r\nCookie: {cookie}={token}\r\n");
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        client.post_form("/api/signup-submit", &headers, &body),
    )
    .await;
    match answer {
        Ok(Ok(answer)) => match answer.status {
            200 if answer.body.starts_with(b"{\"Accepted\"") => Outcome::Acknowledged,
            503 => Outcome::ToldToWait,
            _ => Outcome::Failed,
        },
        _ => Outcome::Failed,
    }
}

/// What to drive.
pub struct Run<'a> {
    pub client: &'a HttpClient,
    pub cookie: &'a str,
    /// Session tokens, one per applicant; applicant n uses `tokens[n]`.
    pub tokens: Arc<Vec<String>>,
    pub first_applicant: u64,
    pub rate: u32,
    pub duration: Duration,
    /// Seeds the idempotency keys (see [`key_of`]).
    pub key_seed: u64,
}

/// Sends `rate` signups a second for `duration` and returns one sample per signup.
pub async fn drive(run: Run<'_>) -> Vec<Sample> {
    let total = (run.rate as f64 * run.duration.as_secs_f64()) as u64;
    assert!(
        (run.first_applicant + total) as usize <= run.tokens.len(),
        "not enough sessions prepared"
    );
    let samples = Arc::new(Mutex::new(Vec::with_capacity(total as usize)));
    let interval = Duration::from_secs_f64(1.0 / run.rate as f64);
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        let due = start + interval.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        let (client, cookie) = (run.client.clone(), run.cookie.to_owned());
        let (tokens, samples) = (run.tokens.clone(), samples.clone());
        let n = run.first_applicant + i;
        let key = key_of(run.key_seed, n);
        tasks.spawn(async move {
            let sender_lag = due.elapsed();
            let outcome = send(&client, &cookie, n, &tokens[n as usize], key).await;
            let sample = Sample {
                due: due - start,
                latency: due.elapsed(),
                sender_lag,
                outcome,
                applicant: n,
            };
            samples.lock().unwrap_or_else(|e| e.into_inner()).push(sample);
        });
        // Reap finished tasks as we go, so the set stays small.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let mut samples = std::mem::take(&mut *samples.lock().unwrap_or_else(|e| e.into_inner()));
    samples.sort_by_key(|s| s.due);
    samples
}

/// Latency percentiles and counts of a set of samples.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub sent: usize,
    pub acknowledged: usize,
    pub told_to_wait: usize,
    pub failed: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub p999: Duration,
    pub max: Duration,
    /// Latency of acknowledged signups only.
    pub acknowledged_p50: Duration,
    pub acknowledged_p99: Duration,
    pub sender_lag_p99: Duration,
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

pub fn summarize(samples: &[Sample]) -> Summary {
    let mut all: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
    all.sort_unstable();
    let mut acknowledged: Vec<Duration> = samples
        .iter()
        .filter(|s| s.outcome == Outcome::Acknowledged)
        .map(|s| s.latency)
        .collect();
    acknowledged.sort_unstable();
    let mut sender_lags: Vec<Duration> = samples.iter().map(|s| s.sender_lag).collect();
    sender_lags.sort_unstable();
    let count = |o: Outcome| samples.iter().filter(|s| s.outcome == o).count();
    Summary {
        sent: samples.len(),
        acknowledged: count(Outcome::Acknowledged),
        told_to_wait: count(Outcome::ToldToWait),
        failed: count(Outcome::Failed),
        p50: percentile(&all, 0.50),
        p99: percentile(&all, 0.99),
        p999: percentile(&all, 0.999),
        max: all.last().copied().unwrap_or_default(),
        acknowledged_p50: percentile(&acknowledged, 0.50),
        acknowledged_p99: percentile(&acknowledged, 0.99),
        sender_lag_p99: percentile(&sender_lags, 0.99),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_applicant_of_a_run_gets_its_own_key() {
        let keys: std::collections::HashSet<uuid::Uuid> = (0..100_000).map(|n| key_of(42, n)).collect();
        assert_eq!(keys.len(), 100_000);
        assert_eq!(key_of(42, 7), key_of(42, 7));
        assert_ne!(key_of(42, 7), key_of(43, 7));
    }

    #[test]
    fn percentiles_take_the_ceiling_rank() {
        let sorted: Vec<Duration> = (1..=1000).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 0.5), Duration::from_millis(500));
        assert_eq!(percentile(&sorted, 0.99), Duration::from_millis(990));
        assert_eq!(percentile(&sorted, 0.999), Duration::from_millis(999));
        assert_eq!(percentile(&[], 0.99), Duration::ZERO);
    }
}
