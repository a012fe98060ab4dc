//! Email: what the platform sends ([`Mail`], rendered from templates),
//! the MIME message ([`compose`]), and its delivery ([`Mailer`]) over SMTP
//! or, when no SMTP server is configured, as `.eml` files in an outbox
//! directory.
//!
//! Delivery is split at the one point that matters for sending a message
//! exactly once: the moment its body starts going to the server. Before it
//! nothing was accepted, so an attempt that fails or dies there can be
//! repeated; after it the server may have accepted the message even if no
//! answer came back. [`Mailer::deliver`] calls the caller back just before
//! that point, so the caller can record it durably first.

mod deliver;
pub mod templates;

use std::path::PathBuf;

use lettre::{
    message::{Mailbox, MultiPart},
    Address,
};
use uuid::Uuid;

pub use deliver::{Delivered, DeliveryError, Mailer, Tls};
pub use templates::{Mail, RenderError, Rendered};

/// Where mail goes and as whom: the settings of the processes that send
/// (worker) or compose (API, jobs) email.
#[derive(Debug, Clone, clap::Args)]
pub struct MailConfig {
    /// SMTP server host. Unset: every message is written as an `.eml` file
    /// into the outbox directory instead of being sent.
    #[arg(long, env = "TALENTI_SMTP_HOST")]
    pub smtp_host: Option<String>,

    /// SMTP port (default: 465 for `tls`, 587 for `starttls`, 25 for `none`).
    #[arg(long, env = "TALENTI_SMTP_PORT")]
    pub smtp_port: Option<u16>,

    /// `starttls` (upgrade required), `tls` (implicit TLS, "SMTPS") or
    /// `none` (plain text: a local relay only).
    #[arg(long, env = "TALENTI_SMTP_TLS", default_value = "starttls")]
    pub smtp_tls: Tls,

    /// SMTP user name (with `TALENTI_SMTP_PASSWORD`); unset: no AUTH.
    #[arg(long, env = "TALENTI_SMTP_USERNAME")]
    pub smtp_username: Option<String>,

    #[arg(long, env = "TALENTI_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,

    /// Longest wait for any one step of an SMTP conversation, seconds.
    #[arg(long, env = "TALENTI_SMTP_TIMEOUT_SECS", default_value_t = 30)]
    pub smtp_timeout_secs: u64,

    /// Directory of the outbox (used when no SMTP host is set).
    #[arg(long, env = "TALENTI_MAIL_OUTBOX", default_value = "var/outbox")]
    pub outbox: PathBuf,

    /// The sender of every email: `Name <address>` or an address.
    #[arg(
        long,
        env = "TALENTI_MAIL_FROM",
        default_value = "Talenti <no-reply@talenti.localhost>"
    )]
    pub from: String,

    /// Base URL of the web app, for links in emails (no trailing slash).
    #[arg(
        long,
        env = "TALENTI_PUBLIC_URL",
        default_value = "http://localhost:8080"
    )]
    pub public_url: String,
}

impl MailConfig {
    /// The sender, checked.
    pub fn sender(&self) -> anyhow::Result<Mailbox> {
        self.from
            .parse()
            .map_err(|e| anyhow::anyhow!("TALENTI_MAIL_FROM `{}`: {e}", self.from))
    }
}

/// A message ready to deliver: its envelope and its bytes.
#[derive(Debug, Clone)]
pub struct Composed {
    pub from: Address,
    pub to: Address,
    pub subject: String,
    pub raw: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// The recipient's address cannot be sent to.
    #[error("`{0}` is not an email address we can send to")]
    Recipient(String),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("building the message: {0}")]
    Build(String),
}

/// Renders `mail` for `to` (optionally with their name) as a MIME message
/// from `from`, with both parts and a `Message-ID` made of `id`, so any
/// copy of this email carries the same identity.
pub fn compose(
    id: Uuid,
    from: &Mailbox,
    to: &str,
    to_name: Option<&str>,
    mail: &Mail,
) -> Result<Composed, ComposeError> {
    let address: Address = to
        .trim()
        .parse()
        .map_err(|_| ComposeError::Recipient(to.to_owned()))?;
    let rendered = mail.render()?;
    let name = to_name
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|n| !n.is_empty());
    let message = lettre::Message::builder()
        .from(from.clone())
        .to(Mailbox::new(name, address.clone()))
        .subject(rendered.subject.clone())
        .message_id(Some(format!("<{id}@{}>", from.email.domain())))
        .multipart(MultiPart::alternative_plain_html(
            rendered.text,
            rendered.html,
        ))
        .map_err(|e| ComposeError::Build(e.to_string()))?;
    Ok(Composed {
        from: from.email.clone(),
        to: address,
        subject: rendered.subject,
        raw: message.formatted(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_composed_message_has_both_parts_and_a_stable_id() {
        let id = Uuid::now_v7();
        let from: Mailbox = "Talenti <no-reply@talenti.test>".parse().unwrap();
        let mail = Mail::TeamInvitation {
            organisation: "Acme".into(),
            inviter: None,
            role: "admin".into(),
            link: "https://x.test/join".into(),
            expires_at: chrono::Utc::now(),
        };
        let c = compose(id, &from, "new@acme.test", Some("New\r\nPerson"), &mail).unwrap();
        let raw = String::from_utf8(c.raw).unwrap();
        assert!(
            raw.contains(&format!("Message-ID: <{id}@talenti.test>")),
            "{raw}"
        );
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
        assert!(raw.contains("To: \"New Person\" <new@acme.test>"), "{raw}");
        assert_eq!(c.to.to_string(), "new@acme.test");
    }

    #[test]
    fn an_unusable_address_is_a_clear_error() {
        let from: Mailbox = "no-reply@talenti.test".parse().unwrap();
        let mail = Mail::ExportReady {
            name: "A".into(),
            organisation: "B".into(),
            link: "https://x.test/".into(),
            expires_at: chrono::Utc::now(),
        };
        let err = compose(Uuid::nil(), &from, "not an address", None, &mail).unwrap_err();
        assert!(matches!(err, ComposeError::Recipient(_)), "{err}");
    }
}
