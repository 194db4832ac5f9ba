//! A real Flask Unchained 0.9.0 app (`tests/flask_unchained/run.py`, Session Bundle) in a child
//! process, on the venv `scripts/services.sh unchained` installs.

use std::time::Duration;

use super::python::{PythonApp, Venv};

/// The venv of `scripts/services.sh unchained` (override with UNCHAINED_VENV).
pub const VENV: Venv = Venv {
    var: "UNCHAINED_VENV",
    default: "/opt/flask-unchained-venv",
    service: "unchained",
    holds: "Flask Unchained 0.9.0",
};

/// A running Flask Unchained app; killed on drop.
pub type UnchainedApp = PythonApp;

/// Starts the app with `env` (Flask Unchained's setting names, see `app/config.py`) and waits
/// until it answers. With SESSION_TYPE sqlalchemy it drops and re-creates its table first.
pub async fn start(env: &[(&str, String)]) -> UnchainedApp {
    PythonApp::start(&VENV, "flask_unchained/run.py", env, Duration::from_secs(60)).await
}

/// Runs a Python snippet with the venv's Python; returns its stdout, panicking on failure.
pub fn run_python(code: &str, args: &[&str], stdin: &[u8]) -> String {
    VENV.run(code, args, stdin)
}
