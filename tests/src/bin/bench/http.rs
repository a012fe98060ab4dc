//! `--http`: wrk against the release API, with 2 release worker processes
//! draining what it enqueues, as the platform operator (a platform admin).
//!
//! Per round, each after a 3 s warm-up run of the same request that is
//! thrown away, with 32 connections on 2 threads:
//! (a) `POST /api/v1/admin/jobs` of a `noop` job: afterwards the jobs the
//!     table gained are compared with wrk's successful requests;
//! (b) `GET /api/v1/jobs/{id}` of a finished job;
//! (c) the same with `If-None-Match` holding the ETag (b) got: a `304`
//!     without body, checked before and after the run (wrk counts every 2xx
//!     and 3xx alike; its bytes read per request show the bodies are gone).

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use job_engine::db::JobStatus;
use serde_json::json;
use tests::TestEnv;

const CONNECTIONS: u32 = 32;
const THREADS: u32 = 2;
pub(crate) const WARMUP_SECS: u64 = 3;

/// What wrk reported for one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Wrk {
    pub requests: u64,
    pub secs: f64,
    pub bytes: f64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p75_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    /// "Non-2xx or 3xx responses".
    pub non_2xx_3xx: u64,
    /// Connect, read, write and timeout errors together.
    pub socket_errors: u64,
}

struct Run {
    round: usize,
    name: &'static str,
    wrk: Wrk,
    note: String,
}

pub async fn run(secs: u64, rounds: usize) -> anyhow::Result<()> {
    anyhow::ensure!(
        Command::new("wrk")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok(),
        "wrk is not installed (Debian: apt-get install wrk)"
    );
    crate::peer::print_machine().await;
    crate::peer::print_load("before");
    println!(
        "http: wrk, {CONNECTIONS} connections, {THREADS} threads, {secs} s a run after a {WARMUP_SECS} s warm-up; release api and 2 release worker processes"
    );
    let mut runs = Vec::new();
    for round in 1..=rounds {
        runs.extend(one_round(round, secs).await?);
    }
    crate::peer::print_load("after");

    println!();
    println!("### HTTP: wrk -t{THREADS} -c{CONNECTIONS} -d{secs}s --latency");
    println!();
    println!("| round | run | requests/s | p50 ms | p90 ms | p99 ms | requests | non-2xx/3xx | socket errors | bytes/request | check |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &runs {
        let w = &r.wrk;
        println!(
            "| {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {} | {} | {:.0} | {} |",
            r.round,
            r.name,
            w.rps,
            w.p50_ms,
            w.p90_ms,
            w.p99_ms,
            w.requests,
            w.non_2xx_3xx,
            w.socket_errors,
            w.bytes / w.requests.max(1) as f64,
            r.note
        );
    }
    let bad: Vec<&Run> = runs.iter().filter(|r| r.wrk.non_2xx_3xx > 0).collect();
    anyhow::ensure!(
        bad.is_empty(),
        "non-2xx/3xx responses in: {}",
        bad.iter()
            .map(|r| format!("round {} {}", r.round, r.name))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

async fn one_round(round: usize, secs: u64) -> anyhow::Result<Vec<Run>> {
    let env = TestEnv::new(&format!("bench-http-{round}")).await;
    let workers = crate::start_workers(&env, 2).await;
    let api = bench_api(&env, 3 * (secs + WARMUP_SECS)).await;
    let scripts = ScriptDir::new()?;
    let mut runs = Vec::new();
    let cpu = crate::cpu::Components {
        pids: vec![
            ("api", vec![api.proc.pid()]),
            ("workers", workers.iter().map(|w| w.pid()).collect()),
        ],
    };

    // (a) enqueue.
    let post = scripts.write(
        "post.lua",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &format!("Bearer {}", api.token)),
        ],
        Some(r#"{"kind":"noop","payload":{}}"#),
    )?;
    let url = api.url("/api/v1/admin/jobs");
    wrk(&post, &url, WARMUP_SECS).await?;
    let before = settled_jobs(&env).await;
    let cpu_before = cpu.sample();
    let w = wrk(&post, &url, secs).await?;
    let cpu_used = cpu_before.per_unit(&cpu.sample(), w.requests as f64);
    let ended = Instant::now();
    let backlog = env
        .count("SELECT count(*) FROM jobs WHERE status <> 'succeeded'")
        .await;
    let after = settled_jobs(&env).await;
    let created = after - before;
    let ok = w.requests as i64 - w.non_2xx_3xx as i64;
    // wrk does not count requests still in flight when its time is up, of
    // which the API may have committed some: up to one per connection.
    let close = (created - ok).abs() <= CONNECTIONS as i64;
    let total = after as usize;
    crate::wait_all_succeeded(
        &env,
        "every enqueued job to succeed",
        total,
        Duration::from_secs(900),
    )
    .await;
    let drained = ended.elapsed().as_secs_f64();
    let failed = env
        .count("SELECT count(*) FROM jobs WHERE status <> 'succeeded'")
        .await;
    anyhow::ensure!(failed == 0, "{failed} enqueued jobs did not succeed");
    let note = format!(
        "{created} jobs created for {ok} 2xx ({}); {backlog} not yet run at the end, all succeeded {drained:.1} s later; {cpu_used}",
        if close { "match" } else { "MISMATCH" }
    );
    println!("round {round} POST /admin/jobs: {}; {note}", line(&w));
    runs.push(Run {
        round,
        name: "POST /admin/jobs",
        wrk: w,
        note,
    });

    // (b) and (c): one finished job.
    let id = api.enqueue("noop", json!({})).await;
    env.wait_status(id, JobStatus::Succeeded, Duration::from_secs(60))
        .await;
    let path = format!("/api/v1/jobs/{id}");
    let url = api.url(&path);
    let (status, etag, body_len) = get(&api, &path, None).await?;
    anyhow::ensure!(status == 200, "GET {path} answered {status}");
    let etag = etag.ok_or_else(|| anyhow::anyhow!("GET {path} sent no ETag"))?;

    let plain = scripts.write(
        "get.lua",
        &[("Authorization", &format!("Bearer {}", api.token))],
        None,
    )?;
    wrk(&plain, &url, WARMUP_SECS).await?;
    let cpu_before = cpu.sample();
    let w = wrk(&plain, &url, secs).await?;
    let cpu_used = cpu_before.per_unit(&cpu.sample(), w.requests as f64);
    let note = format!("200 with a {body_len}-byte body; {cpu_used}");
    println!("round {round} GET /jobs/{{id}}: {}; {note}", line(&w));
    runs.push(Run {
        round,
        name: "GET /jobs/{id}",
        wrk: w,
        note,
    });

    let conditional = scripts.write(
        "get-etag.lua",
        &[
            ("Authorization", &format!("Bearer {}", api.token)),
            ("If-None-Match", &etag),
        ],
        None,
    )?;
    let (before, _, _) = get(&api, &path, Some(&etag)).await?;
    wrk(&conditional, &url, WARMUP_SECS).await?;
    let cpu_before = cpu.sample();
    let w = wrk(&conditional, &url, secs).await?;
    let cpu_used = cpu_before.per_unit(&cpu.sample(), w.requests as f64);
    let (after, after_tag, _) = get(&api, &path, Some(&etag)).await?;
    let both = before == 304 && after == 304 && after_tag.as_deref() == Some(etag.as_str());
    let note = format!(
        "If-None-Match {etag}: {before} before, {after} after{}; {cpu_used}",
        if both { "" } else { " (NOT 304)" }
    );
    println!(
        "round {round} GET /jobs/{{id}} If-None-Match: {}; {note}",
        line(&w)
    );
    anyhow::ensure!(both, "the conditional GET did not answer 304: {note}");
    runs.push(Run {
        round,
        name: "GET /jobs/{id} If-None-Match",
        wrk: w,
        note,
    });
    drop(api);
    Ok(runs)
}

/// The release API of a benchmark, its access tokens (the operator's,
/// and those of the sessions it signs in) valid for `secs` and an hour
/// more: they must outlive every wrk run.
pub(crate) async fn bench_api(env: &TestEnv, secs: u64) -> tests::Api {
    let ttl = (secs + 3_600).to_string();
    env.api(&[
        ("TALENTI_ACCESS_TOKEN_TTL_SECS", ttl.as_str()),
        ("TALENTI_LOG_FORMAT", "json"),
        ("RUST_LOG", "info"),
    ])
    .await
}

pub(crate) fn line(w: &Wrk) -> String {
    format!(
        "{:.0} requests/s, latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms; {} requests in {:.2} s, {} non-2xx/3xx, {} socket errors, {:.0} bytes/request",
        w.rps,
        w.p50_ms,
        w.p90_ms,
        w.p99_ms,
        w.requests,
        w.secs,
        w.non_2xx_3xx,
        w.socket_errors,
        w.bytes / w.requests.max(1) as f64
    )
}

/// Jobs in the table once the count holds still (requests wrk gave up on
/// when its time ran out may still be committing).
async fn settled_jobs(env: &TestEnv) -> i64 {
    let mut last = env.count("SELECT count(*) FROM jobs").await;
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = env.count("SELECT count(*) FROM jobs").await;
        if now == last {
            return now;
        }
        last = now;
    }
}

/// One GET as the operator: (status, ETag, body length).
pub(crate) async fn get(
    api: &tests::Api,
    path: &str,
    if_none_match: Option<&str>,
) -> anyhow::Result<(u16, Option<String>, usize)> {
    let mut req = api.req(reqwest::Method::GET, path);
    if let Some(tag) = if_none_match {
        req = req.header("If-None-Match", tag);
    }
    let res = req.send().await?;
    let status = res.status().as_u16();
    let etag = res
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = res.bytes().await?;
    Ok((status, etag, body.len()))
}

/// A temporary directory of wrk Lua scripts (they hold a bearer token),
/// removed when dropped.
pub(crate) struct ScriptDir(PathBuf);

impl ScriptDir {
    pub(crate) fn new() -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "talenti-wrk-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }

    pub(crate) fn write(
        &self,
        name: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> anyhow::Result<PathBuf> {
        let mut lua = format!(
            "wrk.method = {}\n",
            lua_str(if body.is_some() { "POST" } else { "GET" })
        );
        if let Some(b) = body {
            lua.push_str(&format!("wrk.body = {}\n", lua_str(b)));
        }
        for (k, v) in headers {
            lua.push_str(&format!("wrk.headers[{}] = {}\n", lua_str(k), lua_str(v)));
        }
        let path = self.0.join(name);
        std::fs::write(&path, lua)?;
        Ok(path)
    }
}

impl Drop for ScriptDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A Lua string literal.
fn lua_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(crate) async fn wrk(script: &Path, url: &str, secs: u64) -> anyhow::Result<Wrk> {
    let mut cmd = Command::new("wrk");
    cmd.arg(format!("-t{THREADS}"))
        .arg(format!("-c{CONNECTIONS}"))
        .arg(format!("-d{secs}s"))
        .arg("--latency")
        .arg("-s")
        .arg(script)
        .arg(url)
        .stdin(Stdio::null());
    let out = tokio::task::spawn_blocking(move || cmd.output()).await??;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    anyhow::ensure!(
        out.status.success(),
        "wrk failed ({}): {text}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    parse_wrk(&text)
}

/// wrk's `--latency` report.
fn parse_wrk(text: &str) -> anyhow::Result<Wrk> {
    let mut w = Wrk::default();
    let (mut got_requests, mut got_rps) = (false, false);
    let mut in_distribution = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("Latency Distribution") {
            in_distribution = true;
            continue;
        }
        if in_distribution {
            if let Some((pct, value)) = t.split_once('%') {
                let ms = duration_ms(value.trim())?;
                match pct.trim() {
                    "50" => w.p50_ms = ms,
                    "75" => w.p75_ms = ms,
                    "90" => w.p90_ms = ms,
                    "99" => w.p99_ms = ms,
                    _ => {}
                }
                continue;
            }
            in_distribution = false;
        }
        if let Some((n, rest)) = t.split_once(" requests in ") {
            // "12345 requests in 5.00s, 3.45MB read"
            w.requests = n.trim().parse()?;
            let (time, read) = rest
                .split_once(',')
                .ok_or_else(|| anyhow::anyhow!("wrk line: {t}"))?;
            w.secs = duration_ms(time.trim())? / 1000.0;
            w.bytes = bytes(read.trim().trim_end_matches("read").trim())?;
            got_requests = true;
        } else if let Some(rest) = t.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            for part in rest.split(',') {
                if let Some(n) = part.split_whitespace().nth(1) {
                    w.socket_errors += n.parse::<u64>()?;
                }
            }
        } else if let Some(rest) = t.strip_prefix("Non-2xx or 3xx responses:") {
            w.non_2xx_3xx = rest.trim().parse()?;
        } else if let Some(rest) = t.strip_prefix("Requests/sec:") {
            w.rps = rest.trim().parse()?;
            got_rps = true;
        }
    }
    anyhow::ensure!(
        got_requests && got_rps && w.p50_ms > 0.0,
        "could not read wrk's report:\n{text}"
    );
    Ok(w)
}

/// wrk's durations ("812.00us", "1.23ms", "1.02s", "2.00m", "1.00h") in ms.
fn duration_ms(s: &str) -> anyhow::Result<f64> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| anyhow::anyhow!("no unit in wrk duration `{s}`"))?;
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse()?;
    Ok(match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        "h" => n * 3_600_000.0,
        _ => anyhow::bail!("unknown unit in wrk duration `{s}`"),
    })
}

/// wrk's byte counts ("512.00B", "3.45MB"; powers of 1024).
fn bytes(s: &str) -> anyhow::Result<f64> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| anyhow::anyhow!("no unit in wrk size `{s}`"))?;
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse()?;
    let k = 1024f64;
    Ok(match unit {
        "B" => n,
        "KB" => n * k,
        "MB" => n * k * k,
        "GB" => n * k * k * k,
        "TB" => n * k * k * k * k,
        _ => anyhow::bail!("unknown unit in wrk size `{s}`"),
    })
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn reads_a_wrk_report() {
        let text = "Running 5s test @ http://127.0.0.1:4000/api/v1/admin/jobs
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     9.85ms    4.12ms  61.17ms   80.11%
    Req/Sec     1.64k   201.25     2.05k    71.00%
  Latency Distribution
     50%    9.12ms
     75%   11.64ms
     90%   14.81ms
     99%    1.02s
  16321 requests in 5.01s, 4.86MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:   3257.62
Transfer/sec:      0.97MB
";
        let w = parse_wrk(text).unwrap();
        assert_eq!(w.requests, 16321);
        assert!((w.secs - 5.01).abs() < 1e-9);
        assert!((w.p50_ms - 9.12).abs() < 1e-9);
        assert!((w.p90_ms - 14.81).abs() < 1e-9);
        assert!((w.p99_ms - 1020.0).abs() < 1e-9);
        assert!((w.bytes - 4.86 * 1024.0 * 1024.0).abs() < 1.0);
        assert_eq!(w.socket_errors, 3);
        assert_eq!(w.non_2xx_3xx, 7);
        assert!((w.rps - 3257.62).abs() < 1e-9);
        assert!((duration_ms("812.00us").unwrap() - 0.812).abs() < 1e-9);
    }
}
