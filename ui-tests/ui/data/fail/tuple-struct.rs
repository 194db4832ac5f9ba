use session_runtime::SessionData;

#[derive(SessionData)]
struct Visitor(u32);

fn main() {}
