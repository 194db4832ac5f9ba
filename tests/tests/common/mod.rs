//! Shared by the integration tests: `mod common;` at the top of a test file.
#![allow(dead_code)]

pub mod conformance;
pub mod env;
pub mod spawn;
