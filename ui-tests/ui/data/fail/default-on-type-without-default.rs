use session_runtime::SessionData;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
enum Theme {
    Light,
    Dark,
}

#[derive(SessionData)]
struct Visitor {
    #[session(default)]
    theme: Theme,
}

fn main() {}
