//! A real Flask 3 + Flask-Session 0.8 app (`tests/flask/app.py`) in a child process.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python of the venv `scripts/services.sh` prepares (override with FLASK_VENV).
pub fn python() -> String {
    let venv = std::env::var("FLASK_VENV").unwrap_or_else(|_| "/opt/flask-session-venv".into());
    let python = format!("{venv}/bin/python");
    assert!(
        std::path::Path::new(&python).exists(),
        "{python} is missing: run ./scripts/test (or scripts/services.sh flask) to install Flask-Session"
    );
    python
}

/// A running Flask app; killed on drop.
pub struct FlaskApp {
    child: Child,
    pub base: String,
}

impl FlaskApp {
    /// Starts the app with `env` (Flask's setting names) and waits until it answers.
    pub async fn start(env: &[(&str, String)]) -> FlaskApp {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/flask/app.py");
        let child = Command::new(python())
            .arg(script)
            .env("PORT", port.to_string())
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the Flask app");
        let app = FlaskApp { child, base: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(30);
        while reqwest::get(format!("{}/dump", app.base)).await.is_err() {
            assert!(Instant::now() < deadline, "the Flask app did not answer within 30 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        app
    }
}

impl Drop for FlaskApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a Python snippet with the venv's Python; returns its stdout, panicking on failure.
pub fn run_python(code: &str, args: &[&str]) -> String {
    let out = Command::new(python()).arg("-c").arg(code).args(args).output().expect("run python");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
