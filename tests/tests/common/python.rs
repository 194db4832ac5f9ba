//! A Python venv that `scripts/services.sh` installs, a snippet run with it, and a web app of
//! it in a child process: what the Flask 3 and the Flask Unchained interop tests share.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One venv of `scripts/services.sh`.
pub struct Venv {
    /// The environment variable that overrides its directory.
    pub var: &'static str,
    /// Its directory by default.
    pub default: &'static str,
    /// The `scripts/services.sh` service that installs it.
    pub service: &'static str,
    /// What it holds, for messages.
    pub holds: &'static str,
}

impl Venv {
    /// The venv's Python; a missing venv fails the test, saying how to install it.
    pub fn python(&self) -> String {
        let venv = std::env::var(self.var).unwrap_or_else(|_| self.default.into());
        let python = format!("{venv}/bin/python");
        assert!(
            std::path::Path::new(&python).exists(),
            "{python} is missing: run ./scripts/test (or scripts/services.sh {}) to install {}",
            self.service,
            self.holds
        );
        python
    }

    /// Runs a Python snippet with `args` and `stdin`; returns its stdout, panicking on failure.
    pub fn run(&self, code: &str, args: &[&str], stdin: &[u8]) -> String {
        use std::io::Write as _;
        let mut child = Command::new(self.python())
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
}

/// A running app of a venv; killed on drop.
pub struct PythonApp {
    child: Child,
    pub base: String,
}

impl PythonApp {
    /// Starts `script` (relative to the tests crate) on a free port with `env`, and waits up to
    /// `wait` until its `/dump` answers.
    pub async fn start(venv: &Venv, script: &str, env: &[(&str, String)], wait: Duration) -> PythonApp {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let script = format!("{}/{script}", env!("CARGO_MANIFEST_DIR"));
        let child = Command::new(venv.python())
            .arg(&script)
            .env("PORT", port.to_string())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("start {script}: {e}"));
        let mut app = PythonApp { child, base: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + wait;
        // A bare client: the probe must not leave a session cookie anywhere.
        while reqwest::get(format!("{}/dump", app.base)).await.is_err() {
            if let Ok(Some(status)) = app.child.try_wait() {
                panic!("{script} exited with {status} before answering (its stderr is above)");
            }
            assert!(Instant::now() < deadline, "{script} did not answer within {wait:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        app
    }
}

impl Drop for PythonApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
