//! The emails about interviews, addressed to the interview's candidate,
//! each with its dedupe key: the invitation (one per link), the reminder
//! that it expires soon (one per link), and the one-hour notice of a
//! scheduled interview (one per interview and time).

use chrono::{DateTime, Utc};
use mail::Mail;
use recruiting::store::interview_invitations::Addressee;
use uuid::Uuid;

use crate::send_email::{Letter, Postbox};

/// The candidate's link to their interview. The token is in the fragment,
/// which browsers do not send to servers or put in referrers.
pub fn interview_link(postbox: &Postbox, token: &str) -> String {
    postbox.link(&format!("/interview#token={token}"))
}

fn letter<'a>(to: &'a Addressee, dedupe_key: String, mail: Mail) -> Letter<'a> {
    Letter {
        organisation_id: to.organisation_id,
        candidate_id: Some(to.candidate_id),
        dedupe_key,
        to: &to.email,
        to_name: Some(&to.first_name),
        mail,
    }
}

pub fn invitation<'a>(
    postbox: &Postbox,
    to: &'a Addressee,
    invitation: Uuid,
    token_version: i32,
    token: &str,
    expires_at: DateTime<Utc>,
) -> Letter<'a> {
    letter(
        to,
        format!("interview_invitation:{invitation}:{token_version}"),
        Mail::InterviewInvitation {
            candidate_name: to.name(),
            organisation: to.organisation.clone(),
            role_title: to.role_title.clone(),
            link: interview_link(postbox, token),
            expires_at,
        },
    )
}

pub fn reminder<'a>(
    postbox: &Postbox,
    to: &'a Addressee,
    invitation: Uuid,
    token_version: i32,
    token: &str,
    expires_at: DateTime<Utc>,
) -> Letter<'a> {
    letter(
        to,
        format!("interview_reminder:{invitation}:{token_version}"),
        Mail::InterviewReminder {
            candidate_name: to.name(),
            organisation: to.organisation.clone(),
            role_title: to.role_title.clone(),
            link: interview_link(postbox, token),
            expires_at,
        },
    )
}

pub fn starting<'a>(
    postbox: &Postbox,
    to: &'a Addressee,
    token: &str,
    starts_at: DateTime<Utc>,
) -> Letter<'a> {
    letter(
        to,
        format!(
            "interview_starting:{}:{}",
            to.interview_id,
            starts_at.timestamp()
        ),
        Mail::InterviewStarting {
            candidate_name: to.name(),
            organisation: to.organisation.clone(),
            role_title: to.role_title.clone(),
            link: interview_link(postbox, token),
            starts_at,
        },
    )
}
