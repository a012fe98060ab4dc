//! The AI provider's rate limits, shared by every process that calls it
//! (workers and the API's interviewer): token buckets in Redis, one for
//! requests and one for model tokens per minute, taken atomically by a Lua
//! script on Redis's own clock.
//!
//! A bucket holds at most `burst` (the rate over `TALENTI_AI_BURST_SECS`)
//! and refills continuously, so over any window of T seconds the provider
//! sees at most `burst + rate × T / 60`. A call that finds a bucket short is
//! not made: the caller learns how long until it refills and the job is
//! snoozed for that long ([`crate::JobError::Snooze`]), holding no slot.
//!
//! Tokens are not known before a call: it takes an estimate (the prompt's
//! characters / 4, plus the answer allowance), and after the answer the
//! difference to the provider's reported `usage.total_tokens` is settled
//! (a bucket may go below zero; later calls then wait longer).

use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio::sync::OnceCell;

/// Limits (per minute; None: unlimited).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u32>,
    /// How many seconds of the rate a bucket holds at most.
    pub burst_secs: u32,
}

impl Limits {
    pub fn any(&self) -> bool {
        self.requests_per_minute.is_some() || self.tokens_per_minute.is_some()
    }
}

/// Takes a cost from every bucket in `KEYS`, all or none. ARGV holds, per
/// bucket in order, its rate per minute, its burst (capacity) and the cost.
/// Returns 0 when taken, else the milliseconds until every bucket holds
/// its cost.
const TAKE: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS
local levels = {}
local wait = 0
for i = 1, n do
  local rate = tonumber(ARGV[3 * i - 2]) / 60000.0
  local burst = tonumber(ARGV[3 * i - 1])
  local cost = tonumber(ARGV[3 * i])
  local v = redis.call('HMGET', KEYS[i], 'level', 'at')
  local level = tonumber(v[1]) or burst
  local at = tonumber(v[2]) or now
  level = math.min(burst, level + math.max(0, now - at) * rate)
  levels[i] = level
  if level < cost then
    wait = math.max(wait, math.ceil((cost - level) / rate))
  end
end
for i = 1, n do
  local cost = tonumber(ARGV[3 * i])
  local level = levels[i]
  if wait == 0 then level = level - cost end
  redis.call('HSET', KEYS[i], 'level', tostring(level), 'at', now)
  redis.call('PEXPIRE', KEYS[i], 3600000)
end
return wait
"#;

/// Adds `ARGV[1]` (may be negative) to bucket `KEYS[1]` after a refill.
const SETTLE: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[2]) / 60000.0
local burst = tonumber(ARGV[3])
local v = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = tonumber(v[1]) or burst
local at = tonumber(v[2]) or now
level = math.min(burst, level + math.max(0, now - at) * rate) + tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', now)
redis.call('PEXPIRE', KEYS[1], 3600000)
return 0
"#;

/// Why a call may not go now.
#[derive(Debug)]
pub enum Refused {
    /// A bucket is short: it holds the cost after this long.
    Wait(Duration),
    /// Redis did not answer: the limit cannot be checked.
    Unavailable(String),
}

pub struct Limiter {
    client: redis::Client,
    redis: OnceCell<ConnectionManager>,
    requests_key: String,
    tokens_key: String,
    limits: Limits,
}

impl Limiter {
    /// Buckets under `{prefix}:ai-rate:`, shared by every process with the
    /// same Redis and prefix. Connects on first use.
    pub fn new(url: &str, prefix: &str, limits: Limits) -> anyhow::Result<Self> {
        Ok(Self {
            client: redis::Client::open(url)?,
            redis: OnceCell::new(),
            requests_key: format!("{prefix}:ai-rate:requests"),
            tokens_key: format!("{prefix}:ai-rate:tokens"),
            limits,
        })
    }

    async fn conn(&self) -> redis::RedisResult<ConnectionManager> {
        self.redis
            .get_or_try_init(|| ConnectionManager::new(self.client.clone()))
            .await
            .cloned()
    }

    fn burst(&self, per_minute: u32) -> u32 {
        ((u64::from(per_minute) * u64::from(self.limits.burst_secs.max(1))) / 60).max(1) as u32
    }

    /// Takes one request and `tokens` estimated tokens, or says how long to
    /// wait. A cost above a bucket's burst is capped at the burst (it could
    /// never be taken otherwise).
    pub async fn take(&self, tokens: u32) -> Result<(), Refused> {
        static SCRIPT: std::sync::LazyLock<redis::Script> =
            std::sync::LazyLock::new(|| redis::Script::new(TAKE));
        let mut script = SCRIPT.prepare_invoke();
        let mut any = false;
        if let Some(rpm) = self.limits.requests_per_minute {
            script
                .key(&self.requests_key)
                .arg(rpm)
                .arg(self.burst(rpm))
                .arg(1);
            any = true;
        }
        if let Some(tpm) = self.limits.tokens_per_minute {
            let burst = self.burst(tpm);
            script
                .key(&self.tokens_key)
                .arg(tpm)
                .arg(burst)
                .arg(tokens.min(burst));
            any = true;
        }
        if !any {
            return Ok(());
        }
        let mut conn = self
            .conn()
            .await
            .map_err(|e| Refused::Unavailable(e.to_string()))?;
        let wait: u64 = script
            .invoke_async(&mut conn)
            .await
            .map_err(|e| Refused::Unavailable(e.to_string()))?;
        if wait == 0 {
            Ok(())
        } else {
            Err(Refused::Wait(Duration::from_millis(wait)))
        }
    }

    /// After a call: the tokens it really used against the estimate taken.
    pub async fn settle(&self, estimated: u32, used: u32) {
        let Some(tpm) = self.limits.tokens_per_minute else {
            return;
        };
        let burst = self.burst(tpm);
        let delta = i64::from(estimated.min(burst)) - i64::from(used);
        if delta == 0 {
            return;
        }
        let Ok(mut conn) = self.conn().await else {
            return;
        };
        static SCRIPT: std::sync::LazyLock<redis::Script> =
            std::sync::LazyLock::new(|| redis::Script::new(SETTLE));
        let done: redis::RedisResult<i64> = SCRIPT
            .key(&self.tokens_key)
            .arg(delta)
            .arg(tpm)
            .arg(burst)
            .invoke_async(&mut conn)
            .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "AI rate limit: settling used tokens failed");
        }
    }
}
