//! A real Flask Unchained 0.9.0 app (`tests/flask_unchained/run.py`, Session Bundle) in a child
//! process, on the venv `scripts/services.sh unchained` installs.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The venv's Python (override with UNCHAINED_VENV).
pub fn python() -> String {
    let venv = std::env::var("UNCHAINED_VENV").unwrap_or_else(|_| "/opt/flask-unchained-venv".into());
    let python = format!("{venv}/bin/python");
    assert!(
        std::path::Path::new(&python).exists(),
        "{python} is missing: run ./scripts/test (or scripts/services.sh unchained) to install Flask Unchained 0.9.0"
    );
    python
}

/// A running Flask Unchained app; killed on drop.
pub struct UnchainedApp {
    child: Child,
    pub base: String,
}

impl UnchainedApp {
    /// Starts the app with `env` (Flask Unchained's setting names, see `app/config.py`) and waits
    /// until it answers. With SESSION_TYPE sqlalchemy it drops and re-creates its table first.
    pub async fn start(env: &[(&str, String)]) -> UnchainedApp {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/flask_unchained/run.py");
        let child = Command::new(python())
            .arg(script)
            .env("PORT", port.to_string())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the Flask Unchained app");
        let mut app = UnchainedApp { child, base: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(60);
        // A bare client: the probe must not leave a session cookie anywhere.
        while reqwest::get(format!("{}/dump", app.base)).await.is_err() {
            if let Ok(Some(status)) = app.child.try_wait() {
                panic!("the Flask Unchained app exited with {status} before answering (its stderr is above)");
            }
            assert!(Instant::now() < deadline, "the Flask Unchained app did not answer within 60 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        app
    }
}

impl Drop for UnchainedApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a Python snippet with the venv's Python; returns its stdout, panicking on failure.
pub fn run_python(code: &str, args: &[&str], stdin: &[u8]) -> String {
    use std::io::Write as _;
    let mut child = Command::new(python())
        .arg("-c")
        .arg(code)
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python");
    // Written from a thread: Python answers as it reads, and a full stdout pipe would block it.
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&stdin));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().expect("write to python");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
