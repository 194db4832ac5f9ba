//! The row model: which table and columns hold a session, described once and turned into SQL
//! by [`super::statements`] and [`super::ddl`].

use chrono::NaiveDateTime;

use crate::map::SessionMap;
use crate::Value;

use super::backend::{check_identifier, Backend};

/// A row model for the SQL store: what `#[session_model]` implements.
///
/// The model describes its table ([`SessionModel::schema`]) and fills its extra columns from
/// the session ([`SessionModel::extra_values`]); the store derives every statement from that
/// description (load, insert, update, delete, touch, delete-expired, sessions-of-a-user) and the
/// `CREATE TABLE` for each backend ([`SessionModel::create_table_sql`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a session model",
    label = "not a `#[session_model]` struct",
    note = "put `#[session_model(table = <diesel table>)]` on the struct to make it one"
)]
pub trait SessionModel: 'static {
    /// The table and its columns.
    fn schema() -> ModelSchema;

    /// The values of the columns with [`Role::Extra`] and a source key, in schema order,
    /// taken from the session being saved.
    fn extra_values(map: &SessionMap) -> Vec<ColumnValue>;

    /// `CREATE TABLE IF NOT EXISTS` and its indexes for `backend`, one statement per item.
    fn create_table_sql(backend: Backend) -> Vec<String> {
        super::ddl::create_table(&Self::schema(), backend)
    }
}

/// A table and its columns.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSchema {
    /// The table (optionally `schema.table`).
    pub table: String,
    /// The columns, in declaration order.
    pub columns: Vec<Column>,
}

/// One column of a [`ModelSchema`].
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The column's SQL name.
    pub name: String,
    /// What the store uses it for.
    pub role: Role,
    /// Its type, for `CREATE TABLE` and for binding values.
    pub kind: ColumnKind,
    /// Whether it may hold NULL.
    pub nullable: bool,
    /// Whether `CREATE TABLE` adds an index on it (lookups by user go through it).
    pub indexed: bool,
}

/// What the store does with a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// An auto-incremented primary key, written by the database.
    PrimaryKey,
    /// `session_key_prefix + sid`, unique.
    SessionId,
    /// The serialized session.
    Data,
    /// When the session expires (naive UTC).
    Expiry,
    /// Set to now (naive UTC) on insert.
    CreatedAt,
    /// Set to now (naive UTC) on every write.
    UpdatedAt,
    /// Filled from a session key on every write (`None`: left to the database default).
    Extra {
        /// The session key the value comes from, e.g. `_user_id`.
        from: Option<String>,
    },
}

/// A column type the store can create and bind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// `VARCHAR(255)`.
    Text,
    /// Bytes: `BYTEA`, `BLOB`, `LONGBLOB`.
    Binary,
    /// A timestamp without time zone, naive UTC.
    Timestamp,
    /// 16-bit integer.
    SmallInt,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// Boolean.
    Bool,
    /// 64-bit float.
    Double,
}

/// A value bound to a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValue {
    /// Text or NULL.
    Text(Option<String>),
    /// Bytes or NULL.
    Binary(Option<Vec<u8>>),
    /// A naive-UTC timestamp or NULL.
    Timestamp(Option<NaiveDateTime>),
    /// A 16-bit integer or NULL.
    SmallInt(Option<i16>),
    /// A 32-bit integer or NULL.
    Integer(Option<i32>),
    /// A 64-bit integer or NULL.
    BigInt(Option<i64>),
    /// A boolean or NULL.
    Bool(Option<bool>),
    /// A float or NULL.
    Double(Option<f64>),
}

impl ModelSchema {
    /// Flask Unchained's default model on `table`, as its `db.create_all()` makes it: `id`
    /// integer primary key, `session_id` varchar(255) unique not null, `data` bytes not null,
    /// `expiry` timestamp null, `created_at` and `updated_at` timestamps not null (default now).
    /// On an existing table without the last two (Flask-Session's own), the store leaves them out.
    pub fn flask_default(table: impl Into<String>) -> Self {
        let col = |name: &str, role, kind, nullable| Column { name: name.into(), role, kind, nullable, indexed: false };
        ModelSchema {
            table: table.into(),
            columns: vec![
                col("id", Role::PrimaryKey, ColumnKind::Integer, false),
                col("session_id", Role::SessionId, ColumnKind::Text, false),
                col("data", Role::Data, ColumnKind::Binary, false),
                col("expiry", Role::Expiry, ColumnKind::Timestamp, true),
                col("created_at", Role::CreatedAt, ColumnKind::Timestamp, false),
                col("updated_at", Role::UpdatedAt, ColumnKind::Timestamp, false),
            ],
        }
    }

    /// The column with `role`, if any.
    pub fn column(&self, role: &Role) -> Option<&Column> {
        self.columns.iter().find(|c| &c.role == role)
    }

    /// The columns the store writes from the session's extra keys, in order.
    pub(crate) fn filled_extras(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| matches!(&c.role, Role::Extra { from: Some(_) }))
    }

    /// Checks what the macro cannot: identifiers are plain, and the three roles exist once each.
    pub(crate) fn validate(&self) -> Result<(), String> {
        check_identifier("table", &self.table)?;
        for c in &self.columns {
            check_identifier("column", &c.name)?;
            if c.name.contains('.') {
                return Err(format!("column `{}` must not be qualified", c.name));
            }
        }
        for role in [Role::SessionId, Role::Data, Role::Expiry] {
            let n = self.columns.iter().filter(|c| c.role == role).count();
            if n != 1 {
                return Err(format!("the model of table `{}` needs exactly one {role:?} column, found {n}", self.table));
            }
        }
        Ok(())
    }

    /// The three columns every model has: (session id, data, expiry).
    pub(crate) fn core(&self) -> (&str, &str, &str) {
        let name = |r: Role| self.column(&r).map_or("", |c| c.name.as_str());
        (name(Role::SessionId), name(Role::Data), name(Role::Expiry))
    }
}

/// The default model, Flask Unchained's `flask_sessions` table (renamed by
/// `session_sqlalchemy_table`).
#[derive(Debug, Clone, Copy)]
pub struct FlaskSession;

impl SessionModel for FlaskSession {
    fn schema() -> ModelSchema {
        ModelSchema::flask_default("flask_sessions")
    }

    fn extra_values(_map: &SessionMap) -> Vec<ColumnValue> {
        Vec::new()
    }
}

/// "The sessions whose `column` equals `value`": made by the `by_<field>` functions that
/// `#[session_model]` generates for extra columns, or by hand with [`SessionFilter::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct SessionFilter {
    pub(crate) column: String,
    pub(crate) value: ColumnValue,
}

impl SessionFilter {
    /// Sessions whose extra `column` equals `value`; the store checks that `column` is one of
    /// the model's extra columns.
    pub fn new(column: impl Into<String>, value: ColumnValue) -> Self {
        SessionFilter { column: column.into(), value }
    }
}

/// A Rust value that fills an extra column from a session value (the `from = "key"` columns),
/// and the column kind it is created as.
///
/// Conversions are lenient where Python is: Flask-Login stores `_user_id` as a string, but an
/// app may store an int; either fills a text or an integer column. A value that does not fit is
/// stored as NULL (and logged), never a failed save.
pub trait ColumnType: Sized {
    /// The column kind `CREATE TABLE` uses.
    const KIND: ColumnKind;
    /// The value from the session, if it converts.
    fn from_session(value: &Value) -> Option<Self>;
    /// Wraps an optional value for binding.
    fn bind(value: Option<Self>) -> ColumnValue;
}

impl ColumnType for String {
    const KIND: ColumnKind = ColumnKind::Text;
    fn from_session(value: &Value) -> Option<Self> {
        match value {
            Value::String(s) => s.as_str().map(str::to_owned),
            Value::Integer(i) => Some(i.to_string()),
            _ => None,
        }
    }
    fn bind(value: Option<Self>) -> ColumnValue {
        ColumnValue::Text(value)
    }
}

fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Integer(i) => i.as_i64(),
        Value::String(s) => s.as_str()?.trim().parse().ok(),
        _ => None,
    }
}

macro_rules! int_column {
    ($t:ty, $kind:ident) => {
        impl ColumnType for $t {
            const KIND: ColumnKind = ColumnKind::$kind;
            fn from_session(value: &Value) -> Option<Self> {
                integer(value).and_then(|n| <$t>::try_from(n).ok())
            }
            fn bind(value: Option<Self>) -> ColumnValue {
                ColumnValue::$kind(value)
            }
        }
    };
}
int_column!(i16, SmallInt);
int_column!(i32, Integer);
int_column!(i64, BigInt);

impl ColumnType for bool {
    const KIND: ColumnKind = ColumnKind::Bool;
    fn from_session(value: &Value) -> Option<Self> {
        value.as_bool()
    }
    fn bind(value: Option<Self>) -> ColumnValue {
        ColumnValue::Bool(value)
    }
}

impl ColumnType for f64 {
    const KIND: ColumnKind = ColumnKind::Double;
    fn from_session(value: &Value) -> Option<Self> {
        value.as_f64().or_else(|| integer(value).map(|n| n as f64))
    }
    fn bind(value: Option<Self>) -> ColumnValue {
        ColumnValue::Double(value)
    }
}

/// The value of an extra column from session key `key` (generated code calls this).
pub(crate) fn extra_from_session<T: ColumnType>(map: &SessionMap, key: &str, column: &str) -> ColumnValue {
    let value = map.get(key).filter(|v| !v.is_nil());
    let converted = value.and_then(T::from_session);
    if value.is_some() && converted.is_none() {
        tracing::warn!(key, column, "session value does not fit its SQL column; storing NULL");
    }
    T::bind(converted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_extras() {
        let mut m = SessionMap::new();
        m.insert("_user_id", Value::from("42"));
        m.insert("n", Value::from(7));
        m.insert("bad", Value::Array(vec![]));
        assert_eq!(extra_from_session::<String>(&m, "_user_id", "c"), ColumnValue::Text(Some("42".into())));
        assert_eq!(extra_from_session::<i64>(&m, "_user_id", "c"), ColumnValue::BigInt(Some(42)));
        assert_eq!(extra_from_session::<String>(&m, "n", "c"), ColumnValue::Text(Some("7".into())));
        assert_eq!(extra_from_session::<i32>(&m, "missing", "c"), ColumnValue::Integer(None));
        assert_eq!(extra_from_session::<String>(&m, "bad", "c"), ColumnValue::Text(None));
    }

    #[test]
    fn default_model_validates() {
        let s = FlaskSession::schema();
        assert!(s.validate().is_ok());
        assert_eq!(s.core(), ("session_id", "data", "expiry"));
        let mut bad = s.clone();
        bad.columns.retain(|c| c.role != Role::Expiry);
        assert!(bad.validate().is_err());
    }
}
