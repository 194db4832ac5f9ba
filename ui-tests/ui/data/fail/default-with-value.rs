use session_runtime::SessionData;

#[derive(SessionData)]
struct Visitor {
    #[session(default = "zero")]
    visits: u32,
}

fn main() {}
