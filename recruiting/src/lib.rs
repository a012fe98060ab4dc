//! The recruiting domain: organisations' job roles (postings), candidates,
//! applications and their pipeline, interviews and rubrics. [`domain`] holds
//! the rules (no I/O); [`store`] owns every statement on these tables (the
//! API's handlers and the job kinds both call it); [`storage`] keeps the
//! uploaded resume files.

pub mod domain;
pub mod storage;
pub mod store;
