use session_runtime::SessionData;

#[derive(SessionData)]
struct Visitor<'a> {
    name: &'a str,
}

fn main() {}
