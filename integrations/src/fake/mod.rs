//! Local servers speaking each provider's real protocol, for tests (this
//! crate's and the API's): request shapes, auth headers, signatures and
//! error codes as the providers document them. Built with the `fakes`
//! feature only.

pub mod acs;
pub mod speech;
pub mod ultravox;
pub mod zoom;
