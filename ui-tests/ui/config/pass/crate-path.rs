// `crate = path` for crates that re-export session-runtime under another name.
mod reexport {
    pub use session_runtime as sessions;
}

#[session_runtime::session_config(crate = reexport::sessions, session_type = "filesystem")]
struct Sessions;

fn main() {
    assert_eq!(Sessions.settings().session_type, session_runtime::SessionType::Filesystem);
}
