//! The emails the platform sends, each a typed value rendered from its
//! templates (`templates/<name>.{subject.txt,txt,html}`, embedded in the
//! binary): a subject, a plain-text part and an HTML part. The HTML part is
//! auto-escaped, so every value a user typed (a candidate's name, a role's
//! title) stays text.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use minijinja::Environment;
use serde::{Deserialize, Serialize};

/// One email's content, by template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum Mail {
    /// A candidate is invited to an AI interview.
    InterviewInvitation {
        candidate_name: String,
        organisation: String,
        role_title: String,
        link: String,
        expires_at: DateTime<Utc>,
    },
    /// The invitation expires soon and the interview has not started.
    InterviewReminder {
        candidate_name: String,
        organisation: String,
        role_title: String,
        link: String,
        expires_at: DateTime<Utc>,
    },
    /// A scheduled interview starts within the hour.
    InterviewStarting {
        candidate_name: String,
        organisation: String,
        role_title: String,
        link: String,
        starts_at: DateTime<Utc>,
    },
    /// Someone is invited to join an organisation's team.
    TeamInvitation {
        organisation: String,
        inviter: Option<String>,
        role: String,
        link: String,
        expires_at: DateTime<Utc>,
    },
    /// A data-subject export is ready to download.
    ExportReady {
        name: String,
        organisation: String,
        link: String,
        expires_at: DateTime<Utc>,
    },
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
#[error("rendering the {template} email: {source}")]
pub struct RenderError {
    template: &'static str,
    #[source]
    source: minijinja::Error,
}

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(
            (concat!($name, ".subject.txt"), include_str!(concat!("../templates/", $name, ".subject.txt"))),
            (concat!($name, ".txt"), include_str!(concat!("../templates/", $name, ".txt"))),
            (concat!($name, ".html"), include_str!(concat!("../templates/", $name, ".html"))),
        )*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates!(
    "interview_invitation",
    "interview_reminder",
    "interview_starting",
    "team_invitation",
    "export_ready",
);

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // `.html` templates are HTML-escaped (minijinja's default by name).
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.add_template("layout.html", include_str!("../templates/layout.html"))
            .expect("layout template parses");
        env.add_template("button.html", include_str!("../templates/button.html"))
            .expect("button template parses");
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name} parses: {e}"));
        }
        env
    })
}

/// How times read in emails: `7 December 2026, 14:00 UTC`.
fn when(t: &DateTime<Utc>) -> String {
    t.format("%-d %B %Y, %H:%M UTC").to_string()
}

impl Mail {
    /// The template's name (also stored with the email).
    pub fn template(&self) -> &'static str {
        match self {
            Mail::InterviewInvitation { .. } => "interview_invitation",
            Mail::InterviewReminder { .. } => "interview_reminder",
            Mail::InterviewStarting { .. } => "interview_starting",
            Mail::TeamInvitation { .. } => "team_invitation",
            Mail::ExportReady { .. } => "export_ready",
        }
    }

    /// The values the templates see: the fields, with times formatted.
    fn context(&self) -> serde_json::Value {
        let mut ctx = serde_json::to_value(self).expect("mail values serialise");
        let fields = ctx.as_object_mut().expect("a mail is an object");
        fields.remove("template");
        for (field, name) in [("expires_at", "expires"), ("starts_at", "starts")] {
            if let Some(t) = fields
                .get(field)
                .and_then(|v| serde_json::from_value::<DateTime<Utc>>(v.clone()).ok())
            {
                fields.insert(name.into(), when(&t).into());
            }
        }
        ctx
    }

    pub fn render(&self) -> Result<Rendered, RenderError> {
        let template = self.template();
        let env = environment();
        let ctx = self.context();
        let render = |suffix: &str| {
            env.get_template(&format!("{template}.{suffix}"))
                .and_then(|t| t.render(&ctx))
                .map_err(|source| RenderError { template, source })
        };
        // A subject is one line whatever a value held.
        let subject = render("subject.txt")?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Rendered {
            subject,
            text: render("txt")?,
            html: render("html")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expires() -> DateTime<Utc> {
        "2026-12-07T14:00:00Z".parse().unwrap()
    }

    fn every_mail(name: &str) -> Vec<Mail> {
        vec![
            Mail::InterviewInvitation {
                candidate_name: name.into(),
                organisation: "Acme".into(),
                role_title: "Engineer".into(),
                link: "https://talenti.example/i/tok".into(),
                expires_at: expires(),
            },
            Mail::InterviewReminder {
                candidate_name: name.into(),
                organisation: "Acme".into(),
                role_title: "Engineer".into(),
                link: "https://talenti.example/i/tok".into(),
                expires_at: expires(),
            },
            Mail::InterviewStarting {
                candidate_name: name.into(),
                organisation: "Acme".into(),
                role_title: "Engineer".into(),
                link: "https://talenti.example/i/tok".into(),
                starts_at: expires(),
            },
            Mail::TeamInvitation {
                organisation: name.into(),
                inviter: Some(name.into()),
                role: "recruiter".into(),
                link: "https://talenti.example/join?t=tok".into(),
                expires_at: expires(),
            },
            Mail::ExportReady {
                name: name.into(),
                organisation: "Acme".into(),
                link: "https://talenti.example/e/tok".into(),
                expires_at: expires(),
            },
        ]
    }

    #[test]
    fn every_template_renders_its_values_and_link() {
        for mail in every_mail("Ada Lovelace") {
            let r = mail.render().unwrap();
            assert!(!r.subject.is_empty() && !r.subject.contains('\n'));
            // HTML escapes `/` too (`&#x2f;`), which links read as `/`.
            assert!(
                r.text.contains("https://talenti.example/"),
                "{}",
                mail.template()
            );
            assert!(
                r.html
                    .contains("href=\"https:&#x2f;&#x2f;talenti.example&#x2f;"),
                "{}",
                mail.template()
            );
            for part in [&r.text, &r.html] {
                assert!(part.contains("Ada Lovelace"), "{}: {part}", mail.template());
                assert!(
                    part.contains("7 December 2026, 14:00 UTC"),
                    "{}",
                    mail.template()
                );
            }
        }
    }

    #[test]
    fn user_values_stay_text_in_html() {
        let hostile = "<script>alert(1)</script> \"quoted\" & <b>bold</b>";
        for mail in every_mail(hostile) {
            let r = mail.render().unwrap();
            assert!(!r.html.contains("<script>"), "{}", mail.template());
            assert!(!r.html.contains("<b>bold"), "{}", mail.template());
            assert!(r.html.contains("&lt;script&gt;"), "{}", mail.template());
            // The text part is plain text: shown as typed.
            assert!(r.text.contains(hostile), "{}", mail.template());
        }
    }

    #[test]
    fn a_link_cannot_break_out_of_its_attribute() {
        let mail = Mail::ExportReady {
            name: "Ada".into(),
            organisation: "Acme".into(),
            link: "https://x.test/\" onmouseover=\"alert(1)".into(),
            expires_at: expires(),
        };
        let html = mail.render().unwrap().html;
        assert!(!html.contains("\" onmouseover"), "{html}");
    }

    #[test]
    fn a_subject_is_one_line_whatever_a_value_holds() {
        let mail = Mail::InterviewInvitation {
            candidate_name: "Ada".into(),
            organisation: "Acme\r\nBcc: victim@example.com".into(),
            role_title: "Engineer".into(),
            link: "https://x.test/".into(),
            expires_at: expires(),
        };
        let subject = mail.render().unwrap().subject;
        assert!(
            !subject.contains('\n') && !subject.contains('\r'),
            "{subject}"
        );
    }
}
