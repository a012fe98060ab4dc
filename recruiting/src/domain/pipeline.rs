//! The ATS pipeline of an application and its allowed moves.

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[sqlx(type_name = "application_stage", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Applied,
    Screening,
    Interview,
    Offer,
    Hired,
    Rejected,
    Withdrawn,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Applied,
        Stage::Screening,
        Stage::Interview,
        Stage::Offer,
        Stage::Hired,
        Stage::Rejected,
        Stage::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Applied => "applied",
            Stage::Screening => "screening",
            Stage::Interview => "interview",
            Stage::Offer => "offer",
            Stage::Hired => "hired",
            Stage::Rejected => "rejected",
            Stage::Withdrawn => "withdrawn",
        }
    }

    /// Stages an application may move to from this one. Forward through the
    /// funnel (skipping ahead is allowed), out to rejected/withdrawn from any
    /// open stage, and a rejected or withdrawn application may be reopened.
    /// Hired is final.
    pub fn next(self) -> &'static [Stage] {
        use Stage::*;
        match self {
            Applied => &[Screening, Interview, Offer, Rejected, Withdrawn],
            Screening => &[Interview, Offer, Rejected, Withdrawn],
            Interview => &[Offer, Rejected, Withdrawn],
            Offer => &[Hired, Rejected, Withdrawn],
            Hired => &[],
            Rejected | Withdrawn => &[Applied],
        }
    }

    /// The next stage forward for an application that is doing well:
    /// applied → screening → interview → offer. None from offer (hiring is
    /// a person's decision) and from closed stages.
    pub fn advance(self) -> Option<Stage> {
        use Stage::*;
        match self {
            Applied => Some(Screening),
            Screening => Some(Interview),
            Interview => Some(Offer),
            Offer | Hired | Rejected | Withdrawn => None,
        }
    }

    pub fn can_move_to(self, to: Stage) -> bool {
        self.next().contains(&to)
    }
}

#[cfg(test)]
mod tests {
    use super::Stage::*;

    #[test]
    fn moves_follow_the_funnel() {
        assert!(Applied.can_move_to(Screening));
        assert!(Screening.can_move_to(Offer));
        assert!(Offer.can_move_to(Hired));
        assert!(Interview.can_move_to(Rejected));
        assert!(Rejected.can_move_to(Applied));
        assert!(!Hired.can_move_to(Rejected));
        assert!(!Interview.can_move_to(Screening));
        assert!(!Applied.can_move_to(Hired));
        assert!(!Applied.can_move_to(Applied));
        for stage in [
            Applied, Screening, Interview, Offer, Hired, Rejected, Withdrawn,
        ] {
            if let Some(next) = stage.advance() {
                assert!(stage.can_move_to(next), "{stage:?} → {next:?}");
            }
        }
        assert_eq!(Offer.advance(), None);
    }
}
