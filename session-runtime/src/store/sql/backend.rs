//! Which database a URL names, and how that database spells identifiers and placeholders.

use std::fmt;

/// One of the three databases the SQL store speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// PostgreSQL (feature `postgres`).
    Postgres,
    /// SQLite (feature `sqlite`).
    Sqlite,
    /// MySQL or MariaDB (feature `mysql`).
    Mysql,
}

impl Backend {
    /// The store name carried in [`StoreError`](crate::StoreError)s and logs.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
            Backend::Mysql => "mysql",
        }
    }

    /// The cargo feature that compiles this backend in.
    pub fn feature(self) -> &'static str {
        self.name()
    }

    /// Quotes a checked identifier; `schema.table` is quoted part by part.
    pub(crate) fn quote(self, ident: &str) -> String {
        let q = if self == Backend::Mysql { '`' } else { '"' };
        ident.split('.').map(|part| format!("{q}{part}{q}")).collect::<Vec<_>>().join(".")
    }

    /// The `n`th (1-based) bind placeholder.
    pub(crate) fn placeholder(self, n: usize) -> String {
        match self {
            Backend::Postgres => format!("${n}"),
            Backend::Sqlite | Backend::Mysql => "?".to_owned(),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A database URL split into the backend and what its driver takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DatabaseUrl {
    pub(crate) backend: Backend,
    /// What diesel's connection takes: the URL for PostgreSQL and MySQL, a file path for SQLite.
    pub(crate) target: String,
}

/// Picks the backend from the URL's scheme. SQLAlchemy's spellings are accepted too, so a Flask
/// app's `SQLALCHEMY_DATABASE_URI` can be pasted as is: `postgresql+psycopg2://`,
/// `mysql+pymysql://`, `sqlite:///relative.db`, `sqlite:////absolute.db`. Anything without a
/// scheme is a SQLite file path.
pub(crate) fn parse_url(url: &str) -> Result<DatabaseUrl, String> {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://").or_else(|| url.strip_prefix("sqlite:").map(|r| ("sqlite", r))) else {
        if url.is_empty() {
            return Err("session_sqlalchemy is empty; give a database URL or a SQLite file path".into());
        }
        return Ok(DatabaseUrl { backend: Backend::Sqlite, target: url.to_owned() });
    };
    // `postgresql+psycopg2` -> `postgresql`: the driver half means nothing to us.
    let base = scheme.split('+').next().unwrap_or(scheme).to_ascii_lowercase();
    match base.as_str() {
        "postgres" | "postgresql" => Ok(DatabaseUrl { backend: Backend::Postgres, target: format!("postgres://{rest}") }),
        "mysql" | "mariadb" => Ok(DatabaseUrl { backend: Backend::Mysql, target: format!("mysql://{rest}") }),
        "sqlite" => {
            // SQLAlchemy: `sqlite:///a.db` is relative, `sqlite:////a.db` absolute; after
            // stripping `://`, one leading slash separates the (empty) host from the path.
            let path = if url.contains("://") { rest.strip_prefix('/').unwrap_or(rest) } else { rest };
            if path.is_empty() {
                return Err("a sqlite URL needs a file path, e.g. sqlite:///sessions.db".into());
            }
            Ok(DatabaseUrl { backend: Backend::Sqlite, target: path.to_owned() })
        }
        other => Err(format!(
            "unknown database scheme `{other}://` in session_sqlalchemy; use postgres://, mysql:// or a sqlite file path"
        )),
    }
}

/// Table and column names are spliced into SQL text, so only plain identifiers pass:
/// letters, digits and `_`, not starting with a digit, at most 63 bytes (PostgreSQL's limit),
/// optionally `schema.`-qualified.
pub(crate) fn check_identifier(what: &str, ident: &str) -> Result<(), String> {
    let ok_part = |p: &str| {
        !p.is_empty()
            && p.len() <= 63
            && !p.as_bytes()[0].is_ascii_digit()
            && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    let parts: Vec<&str> = ident.split('.').collect();
    if parts.len() <= 2 && parts.iter().all(|p| ok_part(p)) {
        Ok(())
    } else {
        Err(format!(
            "{what} `{ident}` is not a plain SQL identifier; use letters, digits and `_` (optionally `schema.table`)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        let p = |u| parse_url(u).unwrap();
        assert_eq!(p("postgres://u@h/db").backend, Backend::Postgres);
        assert_eq!(p("postgresql+psycopg2://u@h/db").target, "postgres://u@h/db");
        assert_eq!(p("mysql+pymysql://root@h/db").target, "mysql://root@h/db");
        assert_eq!(p("mariadb://root@h/db").backend, Backend::Mysql);
        assert_eq!(p("sqlite:///rel.db").target, "rel.db");
        assert_eq!(p("sqlite:////abs/x.db").target, "/abs/x.db");
        assert_eq!(p("sqlite:x.db").target, "x.db");
        assert_eq!(p("/tmp/x.db"), DatabaseUrl { backend: Backend::Sqlite, target: "/tmp/x.db".into() });
        assert!(parse_url("redis://h").is_err());
        assert!(parse_url("sqlite://").is_err());
        assert!(parse_url("").is_err());
    }

    #[test]
    fn identifiers() {
        assert!(check_identifier("t", "flask_sessions").is_ok());
        assert!(check_identifier("t", "app.flask_sessions").is_ok());
        for bad in ["", "1x", "a-b", "a;drop", "a.b.c", "x\"y", &"a".repeat(64)] {
            assert!(check_identifier("t", bad).is_err(), "{bad}");
        }
        assert_eq!(Backend::Mysql.quote("a.b"), "`a`.`b`");
        assert_eq!(Backend::Postgres.quote("t"), "\"t\"");
    }
}
