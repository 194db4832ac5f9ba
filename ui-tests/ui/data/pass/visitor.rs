use session_runtime::{Session, SessionData, SessionError};

#[derive(SessionData)]
pub struct Visitor {
    #[session(rename = "_user_id")]
    user_id: Option<String>,
    #[session(default)]
    visits: u32,
    #[session(rename = "_flashes", default)]
    flashes: Vec<(String, String)>,
    cart: Vec<u64>,
}

async fn handler(visitor: VisitorSession) -> Result<(), SessionError> {
    let visits: u32 = visitor.visits().await?;
    visitor.set_visits(visits + 1).await?;
    let _user: Option<String> = visitor.user_id().await?;
    let _cart: Option<Vec<u64>> = visitor.take_cart().await?;
    visitor.remove_flashes().await?;
    let _flashes: Vec<(String, String)> = visitor.flashes().await?;
    let _untyped: &Session = &visitor;
    Ok(())
}

fn main() {
    assert_eq!(<Visitor as SessionData>::KEYS, ["_user_id", "visits", "_flashes", "cart"]);
    let _ = handler;
}
