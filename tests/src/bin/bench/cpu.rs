//! CPU time by component (the API, the workers, Postgres, Redis, the load
//! generator), read from /proc before and after a run: on two shared cores
//! throughput depends on everything else running, CPU per unit of work much
//! less so.

use std::collections::BTreeMap;

/// Processes to account for, by component.
#[derive(Debug, Clone, Default)]
pub struct Components {
    /// (component, pids) of processes this harness started.
    pub pids: Vec<(&'static str, Vec<u32>)>,
}

/// CPU seconds used so far, per component.
#[derive(Debug, Clone, Default)]
pub struct Sample(BTreeMap<&'static str, f64>);

fn ticks_per_sec() -> f64 {
    static TCK: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TCK.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// (utime + stime, cutime + cstime) of a process, in seconds.
fn stat(pid: &str) -> Option<(f64, f64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // state is field 3 of stat, so index 0 here; utime is field 14.
    let tck = ticks_per_sec();
    Some(((n(11) + n(12)) / tck, (n(13) + n(14)) / tck))
}

/// Every process whose command name is `comm`.
fn by_name(comm: &str) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|p| p.chars().all(|c| c.is_ascii_digit()))
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == comm)
        })
        .collect()
}

impl Components {
    pub fn sample(&self) -> Sample {
        let mut m = BTreeMap::new();
        for (name, pids) in &self.pids {
            let s: f64 = pids
                .iter()
                .filter_map(|p| stat(&p.to_string()))
                .map(|(own, _)| own)
                .sum();
            *m.entry(*name).or_insert(0.0) += s;
        }
        let sum = |comm: &str| -> f64 {
            by_name(comm)
                .iter()
                .filter_map(|p| stat(p))
                .map(|(own, _)| own)
                .sum()
        };
        // Backends come and go (a pool closing idle connections); the
        // postmaster keeps the time of those it reaped as its children's.
        let reaped: f64 = by_name("postgres")
            .iter()
            .filter_map(|p| stat(p))
            .map(|(_, children)| children)
            .sum();
        m.insert("postgres", sum("postgres") + reaped);
        m.insert("redis", sum("redis-server"));
        // Children this harness waited for (wrk, the Celery processes).
        m.insert(
            "load generator",
            stat("self").map(|(_, children)| children).unwrap_or(0.0),
        );
        m.insert("harness", stat("self").map(|(own, _)| own).unwrap_or(0.0));
        Sample(m)
    }
}

impl Sample {
    /// CPU seconds of one component.
    pub fn get(&self, name: &str) -> f64 {
        self.0.get(name).copied().unwrap_or(0.0)
    }

    /// As [`Sample::per_unit`], less what each component used while idle
    /// (`idle`: samples `idle_secs` apart with nothing to do) over the
    /// run's `secs`: at a few hundred units a second, the dispatchers'
    /// polls and Postgres's background work are a large share otherwise.
    pub fn per_unit_net(
        &self,
        later: &Sample,
        units: f64,
        secs: f64,
        idle: (&Sample, &Sample, f64),
    ) -> String {
        let (i0, i1, idle_secs) = idle;
        let mut parts = Vec::new();
        let mut total = 0.0;
        for name in later.0.keys() {
            let rate = (i1.get(name) - i0.get(name)) / idle_secs.max(1e-3);
            let used = (later.get(name) - self.get(name) - rate * secs).max(0.0);
            let us = used * 1e6 / units.max(1.0);
            total += us;
            parts.push(format!("{name} {us:.0}"));
        }
        format!(
            "net of idle CPU, µs per unit: {} = total {total:.0}",
            parts.join(", ")
        )
    }

    /// CPU microseconds of `name` per unit of work between `self` and
    /// `later`.
    pub fn us_per_unit(&self, later: &Sample, units: f64, name: &str) -> f64 {
        (later.get(name) - self.get(name)) * 1e6 / units.max(1.0)
    }

    /// CPU microseconds per unit of work between `self` and `later`, per
    /// component, and their total, as `name µs, …`.
    pub fn per_unit(&self, later: &Sample, units: f64) -> String {
        let mut parts = Vec::new();
        let mut total = 0.0;
        for (name, after) in &later.0 {
            let used = after - self.0.get(name).copied().unwrap_or(0.0);
            let us = used * 1e6 / units.max(1.0);
            total += us;
            parts.push(format!("{name} {us:.0}"));
        }
        format!("CPU µs per unit: {} = total {total:.0}", parts.join(", "))
    }
}
