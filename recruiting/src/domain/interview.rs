//! Interview statuses and their allowed changes.

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[sqlx(type_name = "interview_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum InterviewStatus {
    Scheduled,
    InProgress,
    Completed,
    Cancelled,
    Expired,
}

impl InterviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    pub fn can_move_to(self, to: Self) -> bool {
        use InterviewStatus::*;
        matches!(
            (self, to),
            (Scheduled, InProgress | Cancelled | Expired)
                | (InProgress, Completed | Cancelled | Expired)
        )
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled | Self::Expired)
    }

    /// Transcript segments may be appended while the interview is not over.
    pub fn accepts_transcript(self) -> bool {
        matches!(self, Self::Scheduled | Self::InProgress)
    }
}

#[cfg(test)]
mod tests {
    use super::InterviewStatus::*;

    #[test]
    fn transitions() {
        assert!(Scheduled.can_move_to(InProgress));
        assert!(InProgress.can_move_to(Completed));
        assert!(!Scheduled.can_move_to(Completed));
        assert!(!Completed.can_move_to(InProgress));
        assert!(!Cancelled.can_move_to(Scheduled));
    }
}
