//! Procedural macros for `session-runtime`.
//!
//! Use them through `session_runtime`, which re-exports them; this crate holds no logic a runtime
//! crate could hold instead.
