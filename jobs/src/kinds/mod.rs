//! The one list of job kinds. The worker, the API and the scheduler all read
//! it; a kind not listed here does not exist.

mod extract_requirements;
mod noop;
mod parse_resume;

pub use extract_requirements::ExtractRequirements;
pub use noop::{Noop, NOOP_TIMEOUT};
pub use parse_resume::ParseResume;

use crate::Registry;

/// Builds the registry of every kind. `diagnostics` adds the `noop` kind used
/// by tests, benchmarks and operators' smoke checks.
pub fn registry(diagnostics: bool) -> Registry {
    let mut registry = Registry::default();
    registry
        .register::<ParseResume>()
        .register::<ExtractRequirements>();
    if diagnostics {
        registry.register::<Noop>();
    }
    registry
}
