//! Reading back the mail the platform sent: the outbox directory (the
//! default), or a real SMTP server process (`smtp-sink`) started by the test.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use tests::wait_for;

/// One delivered message, parsed.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
}

impl Delivered {
    fn parse(raw: &[u8]) -> Self {
        let m = mail_parser::MessageParser::default()
            .parse(raw)
            .expect("a MIME message");
        Self {
            to: m
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_owned(),
            subject: m.subject().unwrap_or_default().to_owned(),
            message_id: m.message_id().unwrap_or_default().to_owned(),
            text: m.body_text(0).unwrap_or_default().into_owned(),
            html: m.body_html(0).unwrap_or_default().into_owned(),
        }
    }

    /// The link in the text part that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> String {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with(prefix))
            .unwrap_or_else(|| panic!("no link {prefix}… in {}", self.text))
            .to_owned()
    }
}

/// The `.eml` files of `dir`, oldest name first, parsed.
pub fn read_dir(dir: &Path) -> Vec<Delivered> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| Delivered::parse(&std::fs::read(p).unwrap()))
        .collect()
}

/// A real SMTP server process (`smtp-sink`) storing what it accepts in its
/// own directory; its recipients' local parts choose refusals and stalls
/// (see the binary's docs). Killed on drop.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl SmtpSink {
    pub fn start(dir: PathBuf) -> Self {
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_smtp-sink"))
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start smtp-sink");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("smtp-sink says where it listens");
        let port = line
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("smtp-sink said {line:?}"));
        Self { child, port, dir }
    }

    /// The settings that send a process's mail here.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("TALENTI_SMTP_HOST", "127.0.0.1".into()),
            ("TALENTI_SMTP_PORT", self.port.to_string()),
            ("TALENTI_SMTP_TLS", "none".into()),
            ("TALENTI_SMTP_TIMEOUT_SECS", "5".into()),
        ]
    }

    /// The same, as an in-process app's flags.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        vec![
            ("--smtp-host", "127.0.0.1".into()),
            ("--smtp-port", self.port.to_string()),
            ("--smtp-tls", "none".into()),
            ("--smtp-timeout-secs", "5".into()),
        ]
    }

    pub fn messages(&self) -> Vec<Delivered> {
        read_dir(&self.dir)
    }

    /// Waits until the server holds a session at `stage` (`rcpt`, `data`)
    /// for `address`.
    pub async fn held(&self, stage: &str, address: &str, deadline: Duration) {
        let marker = self.dir.join(format!("held-{stage}-{address}"));
        wait_for(
            &format!("smtp-sink to hold {address} at {stage}"),
            deadline,
            || {
                let marker = marker.clone();
                async move { marker.exists().then_some(()) }
            },
        )
        .await
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
