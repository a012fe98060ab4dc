//! A small SMTP server for the end-to-end tests: it accepts mail over real
//! SMTP (plain TCP, no STARTTLS, no AUTH) and drops every message into a
//! directory, where the tests read it back.
//!
//! ```text
//! smtp-sink --dir <path> [--port <u16>]
//! ```
//!
//! Binds 127.0.0.1 (port 0, the default, picks a free one), prints exactly
//! one line `listening 127.0.0.1:<port>` to stdout, then serves forever.
//!
//! Each accepted message becomes `<dir>/<n>.eml` (the raw data as received,
//! dot-unstuffed) with an envelope sidecar `<dir>/<n>.json`
//! (`{"from": "...", "to": ["..."]}`), `n` being a process-wide counter from
//! 1, zero-padded to 6 digits. Both are written under a temporary name and
//! renamed into place, the `.json` first: whoever sees the `.eml` sees the
//! envelope too.
//!
//! The local part of the transaction's FIRST recipient (the first RCPT after
//! MAIL, accepted or not) picks the behaviour, by prefix:
//! - `bounce…`: every RCPT of the transaction gets `550 5.1.1 mailbox
//!   unavailable`.
//! - `busy…`: the first time this exact address is seen, RCPT gets
//!   `451 4.3.0 try again later`; later on it is accepted.
//! - `hold-rcpt…`: the first time, RCPT writes the empty marker file
//!   `<dir>/held-rcpt-<address>`, blocks the session for 120 s, then answers
//!   451; later on it is accepted.
//! - `hold-data…`: the first time a message for it reaches the end of its
//!   data, the message is stored (it counts as received), the empty marker
//!   file `<dir>/held-data-<address>` is written and the session blocks for
//!   120 s before answering 250; later on it is accepted without holding.
//! - anything else: accepted and stored.
//!
//! Sessions run on a pool of threads, so a held session does not stop the
//! others. Nothing about message content is logged; one stderr line per
//! stored message names its file.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use clap::Parser;
use mailin_embedded::{response, Handler, Response, Server};

/// How long the `hold-*` behaviours block their session.
const HOLD: Duration = Duration::from_secs(120);
/// Concurrent SMTP sessions (each held session occupies one).
const THREADS: u32 = 64;

#[derive(Debug, Parser)]
#[command(about = "SMTP sink for the end-to-end tests")]
struct Args {
    /// Directory the received messages are written to (created if missing).
    #[arg(long)]
    dir: PathBuf,
    /// Port to listen on, on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
}

/// State shared by every session of the process.
struct Shared {
    dir: PathBuf,
    /// Number of the last stored message.
    counter: AtomicU64,
    /// Addresses whose one-time behaviour (`busy`, `hold-*`) has been used.
    seen: Mutex<HashSet<String>>,
}

impl Shared {
    /// True the first time `address` is passed in this process's lifetime.
    fn first_time(&self, address: &str) -> bool {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(address.to_owned())
    }

    /// Stores one message: the `.json` envelope, then the `.eml`, each
    /// written under a temporary name and renamed into place. Returns the
    /// message's base name (`000001`).
    fn store(&self, from: &str, to: &[String], data: &[u8]) -> io::Result<String> {
        let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let name = format!("{n:06}");
        let envelope = serde_json::json!({ "from": from, "to": to });
        let envelope = serde_json::to_vec(&envelope).map_err(io::Error::other)?;
        write_atomically(&self.dir, &format!("{name}.json"), &envelope)?;
        write_atomically(&self.dir, &format!("{name}.eml"), data)?;
        Ok(name)
    }

    /// Writes the empty marker file `<dir>/<prefix>-<address>`.
    fn mark(&self, prefix: &str, address: &str) {
        let path = self.dir.join(format!("{prefix}-{}", file_safe(address)));
        if let Err(e) = fs::write(&path, b"") {
            eprintln!("smtp-sink: cannot write {}: {e}", path.display());
        }
    }
}

fn write_atomically(dir: &Path, name: &str, contents: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!("{name}.tmp"));
    fs::write(&tmp, contents)?;
    fs::rename(&tmp, dir.join(name))
}

/// An address made usable as (part of) a file name.
fn file_safe(address: &str) -> String {
    address
        .chars()
        .map(|c| if c == '/' || c == '\0' { '_' } else { c })
        .collect()
}

/// The local part of an address: what comes before the (last) `@`.
fn local_part(address: &str) -> &str {
    address.rsplit_once('@').map_or(address, |(local, _)| local)
}

fn has_prefix(local: &str, prefix: &str) -> bool {
    local.len() >= prefix.len()
        && local.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// What the first recipient of a transaction decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Accept the recipients and store the message.
    Accept,
    /// Accept, then hold the session at the end of the data.
    HoldData,
    /// Reject every recipient with 550.
    Bounce,
    /// Reject every recipient with 451.
    TryLater,
}

fn bounce() -> Response {
    Response::custom(550, "5.1.1 mailbox unavailable".to_owned())
}

fn try_later() -> Response {
    Response::custom(451, "4.3.0 try again later".to_owned())
}

/// One per SMTP connection (cloned from a template by the server).
#[derive(Clone)]
struct Sink {
    shared: Arc<Shared>,
    /// The current transaction's first recipient and its verdict.
    first: Option<(String, Verdict)>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Sink {
    fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            first: None,
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
        }
    }

    fn verdict_for_first(&self, to: &str) -> Verdict {
        let local = local_part(to);
        if has_prefix(local, "bounce") {
            Verdict::Bounce
        } else if has_prefix(local, "busy") {
            if self.shared.first_time(to) {
                Verdict::TryLater
            } else {
                Verdict::Accept
            }
        } else if has_prefix(local, "hold-rcpt") {
            if self.shared.first_time(to) {
                self.shared.mark("held-rcpt", to);
                eprintln!("smtp-sink: holding RCPT for {HOLD:?}");
                thread::sleep(HOLD);
                Verdict::TryLater
            } else {
                Verdict::Accept
            }
        } else if has_prefix(local, "hold-data") {
            // Whether to hold is decided when the data ends, so an attempt
            // that never got that far does not use up the hold.
            Verdict::HoldData
        } else {
            Verdict::Accept
        }
    }
}

impl Handler for Sink {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        // A new transaction (also after RSET, which has no callback).
        self.first = None;
        self.from = from.to_owned();
        self.to.clear();
        self.data.clear();
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        let verdict = match &self.first {
            Some((_, verdict)) => *verdict,
            None => {
                let verdict = self.verdict_for_first(to);
                self.first = Some((to.to_owned(), verdict));
                verdict
            }
        };
        match verdict {
            Verdict::Accept | Verdict::HoldData => response::OK,
            Verdict::Bounce => bounce(),
            Verdict::TryLater => try_later(),
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_owned();
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let data = std::mem::take(&mut self.data);
        let name = match self.shared.store(&self.from, &self.to, &data) {
            Ok(name) => name,
            Err(e) => {
                eprintln!("smtp-sink: cannot store a message: {e}");
                return Response::custom(451, "4.3.0 local error in processing".to_owned());
            }
        };
        eprintln!("smtp-sink: stored {name}.eml");
        if let Some((first, Verdict::HoldData)) = &self.first {
            if self.shared.first_time(first) {
                self.shared.mark("held-data", first);
                eprintln!("smtp-sink: holding end of data of {name}.eml for {HOLD:?}");
                thread::sleep(HOLD);
            }
        }
        Response::custom(250, format!("2.0.0 queued as {name}"))
    }
}

fn run(args: Args) -> Result<(), String> {
    fs::create_dir_all(&args.dir)
        .map_err(|e| format!("cannot create {}: {e}", args.dir.display()))?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, args.port))
        .map_err(|e| format!("cannot bind 127.0.0.1:{}: {e}", args.port))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;

    let shared = Arc::new(Shared {
        dir: args.dir,
        counter: AtomicU64::new(0),
        seen: Mutex::new(HashSet::new()),
    });
    let mut server = Server::new(Sink::new(shared));
    server
        .with_name("smtp-sink")
        .with_num_threads(THREADS)
        .with_tcp_listener(listener);

    let mut stdout = io::stdout().lock();
    writeln!(stdout, "listening {addr}")
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))?;
    drop(stdout);

    server.serve().map_err(|e| format!("server stopped: {e}"))
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("smtp-sink: {e}");
            ExitCode::FAILURE
        }
    }
}
