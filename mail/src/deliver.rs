//! Delivery of a composed message, over SMTP or into the outbox directory.

use std::{future::Future, path::PathBuf, time::Duration};

use lettre::{
    transport::smtp::{
        authentication::{Credentials, Mechanism},
        client::{AsyncSmtpConnection, TlsParameters},
        commands::{Data, Mail as MailFrom, Rcpt},
        extension::{ClientId, MailBodyParameter, MailParameter},
    },
    Address,
};
use uuid::Uuid;

use crate::MailConfig;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Tls {
    /// STARTTLS, required: a server that does not offer it is not used.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption (a relay on the same host or network).
    None,
}

#[derive(Clone)]
struct Smtp {
    host: String,
    port: u16,
    tls: Tls,
    credentials: Option<Credentials>,
    timeout: Duration,
    hello: ClientId,
}

#[derive(Clone)]
enum Transport {
    Smtp(Box<Smtp>),
    Outbox(PathBuf),
}

/// Sends composed messages. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// A message the server (or the outbox) took.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// The server's answer to the message (`250 …`), or the outbox file.
    pub receipt: String,
}

/// Why a delivery did not happen, by what the caller may do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Nothing was accepted and trying later may work: the server was
    /// unreachable, or answered 4xx.
    #[error("{0}")]
    Transient(String),
    /// The server refused for good (5xx: no such mailbox, policy): sending
    /// the same message again will be refused again.
    #[error("{0}")]
    Permanent(String),
    /// The message's body went out and no answer came back: the server may
    /// or may not have accepted it. Sending again risks a second copy.
    #[error("{0}")]
    Unconfirmed(String),
}

impl Mailer {
    pub fn from_config(config: &MailConfig) -> anyhow::Result<Self> {
        let transport = match &config.smtp_host {
            Some(host) if !host.trim().is_empty() => {
                let credentials = match (&config.smtp_username, &config.smtp_password) {
                    (Some(u), Some(p)) => Some(Credentials::new(u.clone(), p.clone())),
                    (None, None) => None,
                    _ => {
                        anyhow::bail!("TALENTI_SMTP_USERNAME and TALENTI_SMTP_PASSWORD go together")
                    }
                };
                let port = config.smtp_port.unwrap_or(match config.smtp_tls {
                    Tls::Tls => 465,
                    Tls::Starttls => 587,
                    Tls::None => 25,
                });
                let hello = ClientId::Domain(config.sender()?.email.domain().to_owned());
                Transport::Smtp(Box::new(Smtp {
                    host: host.trim().to_owned(),
                    port,
                    tls: config.smtp_tls,
                    credentials,
                    timeout: Duration::from_secs(config.smtp_timeout_secs.max(1)),
                    hello,
                }))
            }
            _ => Transport::Outbox(config.outbox.clone()),
        };
        Ok(Self { transport })
    }

    /// Where mail goes, for logs (no credentials).
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(s) => format!("smtp {}:{} ({:?})", s.host, s.port, s.tls),
            Transport::Outbox(dir) => format!("outbox {}", dir.display()),
        }
    }

    /// Whether the message `id` is known to have been delivered, when the
    /// transport can tell (the outbox can: its file is there or not; an
    /// SMTP server cannot be asked).
    pub async fn delivered(&self, id: Uuid) -> Option<bool> {
        match &self.transport {
            Transport::Outbox(dir) => Some(
                tokio::fs::try_exists(outbox_file(dir, id))
                    .await
                    .unwrap_or(false),
            ),
            Transport::Smtp(_) => None,
        }
    }

    /// Delivers `raw` from `from` to `to`. `before_body` runs once the
    /// server has agreed to take a message and just before its body is
    /// sent; if it fails, nothing is sent and the error is transient. The
    /// outbox writes the file `<id>.eml` atomically (no window to record).
    pub async fn deliver<F, Fut>(
        &self,
        id: Uuid,
        from: &Address,
        to: &Address,
        raw: &[u8],
        before_body: F,
    ) -> Result<Delivered, DeliveryError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(), String>>,
    {
        match &self.transport {
            Transport::Outbox(dir) => write_outbox(dir, id, raw).await,
            Transport::Smtp(smtp) => smtp.deliver(from, to, raw, before_body).await,
        }
    }
}

fn outbox_file(dir: &std::path::Path, id: Uuid) -> PathBuf {
    dir.join(format!("{id}.eml"))
}

async fn write_outbox(
    dir: &std::path::Path,
    id: Uuid,
    raw: &[u8],
) -> Result<Delivered, DeliveryError> {
    let fail = |e: std::io::Error| DeliveryError::Transient(format!("writing to the outbox: {e}"));
    tokio::fs::create_dir_all(dir).await.map_err(fail)?;
    let path = outbox_file(dir, id);
    let partial = dir.join(format!(".{id}.eml.partial"));
    tokio::fs::write(&partial, raw).await.map_err(fail)?;
    tokio::fs::rename(&partial, &path).await.map_err(fail)?;
    Ok(Delivered {
        receipt: format!("written to {}", path.display()),
    })
}

/// A step of the SMTP conversation, cut off after `timeout`.
async fn step<T>(
    timeout: Duration,
    what: &str,
    fut: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, DeliveryError> {
    match tokio::time::timeout(timeout, fut).await {
        Err(_) => Err(DeliveryError::Transient(format!(
            "the mail server did not answer {what} within {}s",
            timeout.as_secs()
        ))),
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(refusal(what, &e)),
    }
}

/// An SMTP error before the body: a 5xx answer is permanent; a 4xx answer,
/// a network or TLS failure is worth another try later.
fn refusal(what: &str, e: &lettre::transport::smtp::Error) -> DeliveryError {
    let message = format!("the mail server refused {what}: {e}");
    if e.is_permanent() {
        DeliveryError::Permanent(message)
    } else {
        DeliveryError::Transient(message)
    }
}

impl Smtp {
    async fn deliver<F, Fut>(
        &self,
        from: &Address,
        to: &Address,
        raw: &[u8],
        before_body: F,
    ) -> Result<Delivered, DeliveryError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(), String>>,
    {
        let tls = || {
            TlsParameters::new(self.host.clone())
                .map_err(|e| DeliveryError::Transient(format!("TLS settings: {e}")))
        };
        let implicit = match self.tls {
            Tls::Tls => Some(tls()?),
            _ => None,
        };
        let mut conn = step(
            self.timeout,
            "the connection",
            AsyncSmtpConnection::connect_tokio1(
                (self.host.as_str(), self.port),
                Some(self.timeout),
                &self.hello,
                implicit,
                None,
            ),
        )
        .await?;
        if self.tls == Tls::Starttls {
            if !conn.can_starttls() {
                conn.abort().await;
                return Err(DeliveryError::Transient(
                    "the mail server does not offer STARTTLS, which is required".into(),
                ));
            }
            step(self.timeout, "STARTTLS", conn.starttls(tls()?, &self.hello)).await?;
        }
        let result = self.transact(&mut conn, from, to, raw, before_body).await;
        match &result {
            Ok(_) => {
                let _ = tokio::time::timeout(self.timeout, conn.quit()).await;
            }
            Err(_) => conn.abort().await,
        }
        result
    }

    async fn transact<F, Fut>(
        &self,
        conn: &mut AsyncSmtpConnection,
        from: &Address,
        to: &Address,
        raw: &[u8],
        before_body: F,
    ) -> Result<Delivered, DeliveryError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(), String>>,
    {
        if let Some(credentials) = &self.credentials {
            step(
                self.timeout,
                "the credentials",
                conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials),
            )
            .await?;
        }
        let mut params = Vec::new();
        if !raw.is_ascii() {
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        step(
            self.timeout,
            "the sender",
            conn.command(MailFrom::new(Some(from.clone()), params)),
        )
        .await?;
        step(
            self.timeout,
            "the recipient",
            conn.command(Rcpt::new(to.clone(), vec![])),
        )
        .await?;
        step(self.timeout, "the message", conn.command(Data)).await?;
        before_body()
            .await
            .map_err(|e| DeliveryError::Transient(format!("not sent: {e}")))?;
        // From here on the server may take the message whatever we hear.
        match tokio::time::timeout(self.timeout, conn.message(raw)).await {
            Ok(Ok(response)) => Ok(Delivered {
                receipt: format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                ),
            }),
            Ok(Err(e)) if e.is_permanent() => Err(DeliveryError::Permanent(format!(
                "the mail server refused the message: {e}"
            ))),
            Ok(Err(e)) if e.is_transient() => Err(DeliveryError::Transient(format!(
                "the mail server deferred the message: {e}"
            ))),
            Ok(Err(e)) => Err(DeliveryError::Unconfirmed(format!(
                "the connection failed while the message was being sent: {e}"
            ))),
            Err(_) => Err(DeliveryError::Unconfirmed(format!(
                "the mail server did not confirm the message within {}s",
                self.timeout.as_secs()
            ))),
        }
    }
}
