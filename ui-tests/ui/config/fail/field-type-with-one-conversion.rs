// A field type that serves another setting: the error names the setting's type and the field
// types it accepts, without quoting the runtime's internals.
use session_runtime::session_config;

#[session_config(session_type = "filesystem")]
struct Sessions {
    session_file_dir: std::time::Duration,
}

fn main() {}
