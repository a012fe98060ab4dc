//! The one list of job kinds and of the periodic jobs that trigger them. The
//! worker, the API and the scheduler all read it; a kind not listed here
//! does not exist.

mod extract_requirements;
mod noop;
mod parse_resume;
mod prune_jobs;

pub use extract_requirements::ExtractRequirements;
pub use noop::{Noop, NOOP_TIMEOUT};
pub use parse_resume::ParseResume;
pub use prune_jobs::PruneJobs;

use crate::Registry;

/// Builds the registry of every kind and its default schedule, if it has
/// one (crontab syntax, UTC; `TALENTI_SCHEDULE` overrides). `diagnostics`
/// adds the `noop` kind used by tests, benchmarks and operators' smoke
/// checks.
pub fn registry(diagnostics: bool) -> Registry {
    let mut registry = Registry::default();
    registry
        .register::<ParseResume>()
        .register::<ExtractRequirements>()
        .register::<PruneJobs>()
        .every("prune_jobs", "17 3 * * *", PruneJobs::default());
    if diagnostics {
        registry.register::<Noop>();
    }
    registry
}
