use session_runtime::SessionData;

#[derive(SessionData)]
struct Prefs {
    permanent: bool,
}

fn main() {}
