//! `examples/login.rs`, attacked over HTTP. (Its own test binary: `security.rs` captures log
//! lines with a thread-scoped subscriber, which another test hitting the same log call sites at
//! the same moment can make it miss.)

mod common;
#[allow(dead_code)]
#[path = "../../session-runtime/examples/login.rs"]
mod login_example;

use common::http::{bare, browser, serve, set_cookie, text};

/// The login example, attacked: a victim whose browser carries an id the attacker holds logs
/// in; the session behind that id is gone, the victim's login lives under a new id, and logout
/// ends it for good.
#[tokio::test]
async fn login_example_defeats_fixation_and_logout_sticks() {
    let sessions = login_example::Sessions { secret_key: "example-key".into(), session_file_dir: common::temp_dir("login-example") };
    let base = serve(login_example::router().layer(sessions.into_layer().await.unwrap())).await;
    let with_cookie = |path: &str, cookie: &str| bare().get(format!("{base}{path}")).header("cookie", format!("session={cookie}")).send();
    let post_with_cookie = |path: &str, form: &'static str, cookie: &str| {
        bare()
            .post(format!("{base}{path}"))
            .header("cookie", format!("session={cookie}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
    };
    let post = |b: &reqwest::Client, path: &str, form: &'static str| {
        b.post(format!("{base}{path}")).header("content-type", "application/x-www-form-urlencoded").body(form).send()
    };

    // Logging in and out are POSTs: a GET (a link, an <img> on another site) changes nothing.
    assert_eq!(bare().get(format!("{base}/login?user=alice")).send().await.unwrap().status(), 405);

    // The attacker gets a valid id of their own and plants it in the victim's browser.
    let res = post(&bare(), "/login", "user=mallory").await.unwrap();
    let (planted, _) = set_cookie(&res).expect("a session cookie");
    // The victim logs in with it.
    let res = post_with_cookie("/login", "user=alice", &planted).await.unwrap();
    assert_eq!(res.status(), 200);
    let (victim, _) = set_cookie(&res).expect("login sends a new cookie");
    assert_ne!(victim, planted, "login moved the session to a new id");
    assert_eq!(res.text().await.unwrap(), "logged in as alice");
    // The planted id leads nowhere now: not to alice, not even to mallory.
    assert_eq!(with_cookie("/", &planted).await.unwrap().text().await.unwrap(), "not logged in");
    assert_eq!(with_cookie("/", &victim).await.unwrap().text().await.unwrap(), "you are alice");

    // Logout: the cookie is expired and the stored session deleted, so a copy of the old cookie
    // (another tab, a thief) is logged out too.
    assert_eq!(with_cookie("/logout", &victim).await.unwrap().status(), 405, "a GET does not log out");
    let res = post_with_cookie("/logout", "", &victim).await.unwrap();
    let (_, header) = set_cookie(&res).expect("a removal cookie");
    assert!(header.contains("Expires=Thu, 01 Jan 1970") || header.contains("Max-Age=0"), "{header}");
    assert_eq!(with_cookie("/", &victim).await.unwrap().text().await.unwrap(), "not logged in");

    // And a browser with a jar sees the same story.
    let b = browser();
    assert_eq!(post(&b, "/login", "user=bob").await.unwrap().text().await.unwrap(), "logged in as bob");
    assert_eq!(text(&b, &format!("{base}/")).await, "you are bob");
    assert_eq!(post(&b, "/logout", "").await.unwrap().text().await.unwrap(), "logged out");
    assert_eq!(text(&b, &format!("{base}/")).await, "not logged in");
}
