// `session_data = T` gives the configuration a typed accessor.
use session_runtime::{session_config, Session, SessionData};

#[derive(SessionData)]
pub struct Visitor {
    #[session(default)]
    visits: u32,
}

#[session_config(session_type = "filesystem", session_data = Visitor)]
pub struct Sessions;

#[allow(dead_code)]
async fn count(session: Session) -> u32 {
    let visitor: VisitorSession = Sessions::data(session);
    visitor.visits().await.unwrap_or(0)
}

fn main() {}
