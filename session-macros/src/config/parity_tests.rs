//! Every rule accepts and refuses the same values at compile time (this macro's checks on
//! literals) and at run time (`Settings::validate`): one table of cases through both.

use std::time::Duration;

use proc_macro2::TokenStream;
use quote::quote;
use session_runtime::{SameSite, SecretKey, Settings};

use super::{ast, check};
use crate::ctxt::Ctxt;

/// A case: the attribute, the same values set at run time, and the setting refused (if any).
struct Case {
    attr: TokenStream,
    runtime: fn(&mut Settings),
    refused: Option<&'static str>,
}

fn macro_refusal(attr: TokenStream) -> Result<(), String> {
    let item: syn::ItemStruct = syn::parse2(quote!(struct S { secret_key: String })).unwrap();
    let cx = Ctxt::new();
    let cont = ast::Config::from_ast(&cx, attr, &item);
    check::check(&cx, &cont);
    cx.check().map_err(|e| e.into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn cases() -> Vec<Case> {
    macro_rules! case {
        ($refused:expr, ($($attr:tt)*), |$s:ident| $runtime:expr) => {
            Case { attr: quote!($($attr)*), runtime: |$s: &mut Settings| { $runtime; }, refused: $refused }
        };
    }
    vec![
        case!(None, (session_cookie_name = "id"), |s| s.session_cookie_name = "id".into()),
        case!(Some("session_cookie_name"), (session_cookie_name = "bad name"), |s| s.session_cookie_name = "bad name".into()),
        case!(Some("session_cookie_name"), (session_cookie_name = ""), |s| s.session_cookie_name = String::new()),
        case!(None, (session_cookie_domain = "example.com"), |s| s.session_cookie_domain = Some("example.com".into())),
        case!(Some("session_cookie_domain"), (session_cookie_domain = "example.com/x"), |s| s.session_cookie_domain = Some("example.com/x".into())),
        case!(Some("session_cookie_domain"), (session_cookie_domain = "a b"), |s| s.session_cookie_domain = Some("a b".into())),
        case!(None, (session_cookie_path = "/app"), |s| s.session_cookie_path = Some("/app".into())),
        case!(Some("session_cookie_path"), (session_cookie_path = "app"), |s| s.session_cookie_path = Some("app".into())),
        case!(Some("session_cookie_path"), (session_cookie_path = "/a;b"), |s| s.session_cookie_path = Some("/a;b".into())),
        case!(Some("session_cookie_samesite"), (session_cookie_samesite = "None"), |s| s.session_cookie_samesite = Some(SameSite::None)),
        case!(None, (session_cookie_samesite = "None", session_cookie_secure = true), |s| {
            s.session_cookie_samesite = Some(SameSite::None);
            s.session_cookie_secure = true
        }),
        case!(Some("session_cookie_name"), (session_cookie_name = "__Host-id"), |s| s.session_cookie_name = "__Host-id".into()),
        case!(Some("session_cookie_name"), (session_cookie_name = "__host-id"), |s| s.session_cookie_name = "__host-id".into()),
        case!(None, (session_cookie_name = "__Host-id", session_cookie_secure = true), |s| {
            s.session_cookie_name = "__Host-id".into();
            s.session_cookie_secure = true
        }),
        case!(Some("session_cookie_domain"), (session_cookie_name = "__Host-id", session_cookie_secure = true, session_cookie_domain = "example.com"), |s| {
            s.session_cookie_name = "__Host-id".into();
            s.session_cookie_secure = true;
            s.session_cookie_domain = Some("example.com".into())
        }),
        case!(Some("session_cookie_path"), (session_cookie_name = "__Host-id", session_cookie_secure = true, session_cookie_path = "/app"), |s| {
            s.session_cookie_name = "__Host-id".into();
            s.session_cookie_secure = true;
            s.session_cookie_path = Some("/app".into())
        }),
        case!(Some("session_cookie_name"), (session_cookie_name = "__Secure-id"), |s| s.session_cookie_name = "__Secure-id".into()),
        case!(None, (permanent_session_lifetime = "1s"), |s| s.permanent_session_lifetime = std::time::Duration::from_secs(1)),
        case!(Some("permanent_session_lifetime"), (permanent_session_lifetime = "500ms"), |s| s.permanent_session_lifetime = std::time::Duration::from_millis(500)),
        case!(Some("permanent_session_lifetime"), (permanent_session_lifetime = 0), |s| s.permanent_session_lifetime = std::time::Duration::ZERO),
        case!(None, (permanent_session_lifetime = "1h", session_absolute_lifetime = "1h"), |s| {
            s.permanent_session_lifetime = secs(3600);
            s.session_absolute_lifetime = Some(secs(3600))
        }),
        case!(Some("session_absolute_lifetime"), (session_absolute_lifetime = "30d"), |s| s.session_absolute_lifetime = Some(secs(30 * 86_400))),
        case!(Some("session_absolute_lifetime"), (session_absolute_lifetime = "0s"), |s| s.session_absolute_lifetime = Some(Duration::ZERO)),
        case!(None, (session_absolute_lifetime = "90d", session_renew_interval = "1h"), |s| {
            s.session_absolute_lifetime = Some(secs(90 * 86_400));
            s.session_renew_interval = Some(secs(3600))
        }),
        case!(Some("session_renew_interval"), (session_absolute_lifetime = "31d", session_renew_interval = "31d"), |s| {
            s.session_absolute_lifetime = Some(secs(31 * 86_400));
            s.session_renew_interval = Some(secs(31 * 86_400))
        }),
        case!(None, (session_renew_interval = "365d"), |s| s.session_renew_interval = Some(secs(365 * 86_400))),
        case!(Some("session_renew_interval"), (session_renew_interval = "500ms"), |s| s.session_renew_interval = Some(Duration::from_millis(500))),
        case!(None, (session_refresh_interval = "5m"), |s| s.session_refresh_interval = Some(secs(300))),
        case!(Some("session_refresh_interval"), (permanent_session_lifetime = "1h", session_refresh_interval = "1h"), |s| {
            s.permanent_session_lifetime = secs(3600);
            s.session_refresh_interval = Some(secs(3600))
        }),
        case!(Some("session_refresh_interval"), (session_refresh_interval = 0), |s| s.session_refresh_interval = Some(Duration::ZERO)),
        case!(None, (session_id_length = 16), |s| s.session_id_length = 16),
        case!(None, (session_id_length = 64), |s| s.session_id_length = 64),
        case!(Some("session_id_length"), (session_id_length = 15), |s| s.session_id_length = 15),
        case!(Some("session_id_length"), (session_id_length = 65), |s| s.session_id_length = 65),
        case!(None, (session_type = "filesystem", session_file_mode = 0o640), |s| s.session_file_mode = 0o640),
        case!(Some("session_file_mode"), (session_type = "filesystem", session_file_mode = 0o400), |s| s.session_file_mode = 0o400),
        case!(Some("session_file_mode"), (session_type = "filesystem", session_file_mode = 600), |s| s.session_file_mode = 600),
        case!(Some("session_cleanup_n_requests"), (session_type = "filesystem", session_cleanup_n_requests = 0), |s| s.session_cleanup_n_requests = Some(0)),
        case!(None, (session_type = "filesystem", session_cleanup_n_requests = 1), |s| s.session_cleanup_n_requests = Some(1)),
        case!(Some("session_store_timeout"), (session_type = "null", session_store_timeout = "0s"), |s| s.session_store_timeout = std::time::Duration::ZERO),
        case!(None, (session_type = "filesystem", session_max_size = 1024), |s| s.session_max_size = 1024),
        case!(Some("session_max_size"), (session_type = "filesystem", session_max_size = 1023), |s| s.session_max_size = 1023),
        case!(None, (session_use_signer = true), |s| {
            s.session_use_signer = true;
            s.secret_key = Some(SecretKey::from("k"))
        }),
    ]
}

#[test]
fn compile_time_and_run_time_refuse_the_same_values() {
    for case in cases() {
        let at_compile_time = macro_refusal(case.attr.clone());
        let mut settings = Settings::default();
        // The attribute's backend only matters to the macro's backend checks.
        (case.runtime)(&mut settings);
        let at_run_time = settings.validate();
        match case.refused {
            None => {
                assert_eq!(at_compile_time, Ok(()), "{}", case.attr);
                assert_eq!(at_run_time, Ok(()), "{}", case.attr);
            }
            Some(setting) => {
                let err = at_compile_time.expect_err(&case.attr.to_string());
                assert!(err.contains(&format!("`{setting}`:")), "{}: {err}", case.attr);
                assert_eq!(at_run_time.map_err(|e| e.setting), Err(setting), "{}", case.attr);
            }
        }
    }
}
