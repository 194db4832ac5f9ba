// Raw identifiers, `std::option::Option` and private structs.
use session_runtime::SessionData;

#[derive(SessionData)]
struct Prefs {
    r#type: Option<String>,
    theme: std::option::Option<String>,
    #[session(rename = "lang")]
    language: String,
}

#[allow(dead_code)]
async fn read(prefs: PrefsSession) {
    let _: Option<String> = prefs.r#type().await.unwrap();
    let _: Option<String> = prefs.theme().await.unwrap();
    let _: Option<String> = prefs.language().await.unwrap();
    prefs.set_type(None).await.unwrap();
}

fn main() {}
