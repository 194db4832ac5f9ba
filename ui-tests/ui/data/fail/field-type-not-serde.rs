use session_runtime::SessionData;

struct Cart {
    items: Vec<u64>,
}

#[derive(SessionData)]
struct Visitor {
    cart: Cart,
}

fn main() {}
