//! The SQL store on PostgreSQL, MySQL/MariaDB and SQLite. The servers must run (see
//! `scripts/test`): a missing server fails these tests, it never skips them.

#[path = "../common/mod.rs"]
mod common;
mod conformance;
mod http;
mod measure;
mod model;
mod store;
mod support;

macro_rules! sql_suite {
    ($backend:ident, $url:path) => {
        mod $backend {
            macro_rules! case {
                ($name:ident, $module:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        crate::$module::$name(&$url(stringify!($name))).await;
                    }
                };
            }
            case!(rows_have_flask_layout, store);
            case!(expired_row_is_reported_as_it_is, store);
            case!(save_create_touch_delete, store);
            case!(delete_expired_one_shot, store);
            case!(background_cleanup_task, store);
            case!(flask_session_table, store);
            case!(creates_default_table_once, store);
            case!(load_with_refresh, store);
            case!(unreachable_server_fails_fast, store);
            case!(user_sessions_listed_and_revoked, model);
            case!(model_ddl_has_user_index, model);
            case!(http_visits_leave_flask_rows, http);
            case!(revoke_logs_user_out_of_every_browser, http);
            case!(an_expired_row_is_deleted_when_its_cookie_returns, http);
            case!(cleanup_every_n_requests_one_sweep_at_a_time, http);

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "a measurement, run on demand"]
            async fn measure_throughput() {
                crate::measure::measure_throughput(&$url("measure")).await;
            }
        }
    };
}

sql_suite!(postgres, crate::support::pg_url);
sql_suite!(mysql, crate::support::mysql_url);
sql_suite!(sqlite, crate::support::sqlite_url);

#[tokio::test]
async fn sqlite_in_memory() {
    store::sqlite_in_memory("").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_blob_column_limit() {
    store::mysql_blob_column_limit(&support::mysql_url("blob")).await;
}
