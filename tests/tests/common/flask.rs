//! A real Flask 3 + Flask-Session 0.8 app (`tests/flask/app.py`) in a child process.

use std::time::Duration;

use super::python::{PythonApp, Venv};

/// The venv of `scripts/services.sh flask` (override with FLASK_VENV).
pub const VENV: Venv =
    Venv { var: "FLASK_VENV", default: "/opt/flask-session-venv", service: "flask", holds: "Flask-Session" };

/// A running Flask app; killed on drop.
pub type FlaskApp = PythonApp;

/// Starts the app with `env` (Flask's setting names) and waits until it answers.
pub async fn start(env: &[(&str, String)]) -> FlaskApp {
    PythonApp::start(&VENV, "flask/app.py", env, Duration::from_secs(30)).await
}

/// Runs a Python snippet with the venv's Python; returns its stdout, panicking on failure.
pub fn run_python(code: &str, args: &[&str]) -> String {
    VENV.run(code, args, b"")
}
