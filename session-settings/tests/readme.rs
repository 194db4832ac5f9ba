//! The settings tables of README.md and of `#[session_config]`'s docs are generated from the
//! settings table, so they cannot drift: this test renders them and compares them with what
//! each file holds between its markers.
//! `BLESS=1 cargo test -p session-settings --test readme` rewrites the files' copies.

use std::path::Path;

use session_settings::{Kind, ATTRIBUTE_ONLY, SETTINGS};

const SETTINGS_TABLE: (&str, &str) = (
    "<!-- settings table: generated from session-settings/src/table.rs; `BLESS=1 cargo test -p session-settings --test readme` rewrites it -->",
    "<!-- end of settings table -->",
);
const FIELD_TYPES: (&str, &str) = (
    "<!-- field types: generated from session-settings/src/table.rs; `BLESS=1 cargo test -p session-settings --test readme` rewrites it -->",
    "<!-- end of field types -->",
);

/// A markdown table; a `|` inside a cell would end it.
fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let line = |cells: Vec<String>| format!("| {} |\n", cells.iter().map(|c| c.replace('|', "\\|").replace('\n', " ")).collect::<Vec<_>>().join(" | "));
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    out += &format!("|{}\n", "---|".repeat(header.len()));
    rows.into_iter().for_each(|r| out += &line(r));
    out
}

fn settings_table() -> String {
    let settings = SETTINGS.iter().map(|s| vec![s.name.into(), (s.default)().to_string(), s.applies.short(), s.values.into()]);
    let keys = ATTRIBUTE_ONLY
        .iter()
        .map(|k| vec![k.name.into(), k.default.into(), format!("{} (`#[session_config]` only)", k.applies.short()), k.values.into()]);
    table(&["setting", "default", "applies to", "value"], settings.chain(keys))
}

/// The types a field may have, per kind: what the `<Kind>Field` traits of
/// session-runtime/src/private.rs are implemented for (their `note` says the same).
fn field_types(kind: Kind) -> &'static str {
    match kind {
        Kind::Bool => "`bool`",
        Kind::Text => "`String`, `&'static str`, `Box<str>`, `Cow<'static, str>`",
        Kind::OptText => "`String`, `&'static str`, `Option<String>`, `Option<&'static str>`",
        Kind::Duration => "`Duration`, `u64` (whole seconds)",
        Kind::OptDuration => "`Duration`, `Option<Duration>`, `u64`, `Option<u64>` (whole seconds)",
        Kind::SameSite => "`SameSite`, `Option<SameSite>`",
        Kind::SessionType => "`SessionType`",
        Kind::Format => "`SerializationFormat`",
        Kind::FileNameHash => "`FileNameHash`",
        Kind::Path => "`PathBuf`, `String`, `&'static str`, `&'static Path`",
        Kind::Usize => "`usize`",
        Kind::FileMode => "`u32`",
        Kind::OptU64 => "`u64`, `Option<u64>`",
        Kind::SecretKey => "`String`, `&'static str`, `Vec<u8>`, `SecretKey`, `Option<String>`, `Option<SecretKey>` (a field only, never a literal)",
        Kind::SecretKeys => "`Vec<String>`, `Vec<&'static str>`, `Vec<SecretKey>` (a field only)",
    }
}

fn field_types_table() -> String {
    let mut kinds: Vec<Kind> = Vec::new();
    for s in SETTINGS {
        if !kinds.contains(&s.kind) {
            kinds.push(s.kind);
        }
    }
    let rows = kinds.into_iter().map(|kind| {
        let names: Vec<_> = SETTINGS.iter().filter(|s| s.kind == kind).map(|s| format!("`{}`", s.name)).collect();
        vec![names.join(", "), field_types(kind).into()]
    });
    table(&["settings", "field types"], rows)
}

/// Checks (or with `BLESS` rewrites) the text between `markers` in `file` (from the workspace root).
fn check(file: &str, markers: (&str, &str), want: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let start = text.find(markers.0).map(|i| i + markers.0.len() + 1).unwrap_or_else(|| panic!("{file}: no marker {}", markers.0));
    let end = text[start..].find(markers.1).map(|i| start + i).unwrap_or_else(|| panic!("{file}: no marker {}", markers.1));
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, format!("{}{}{}", &text[..start], want, &text[end..])).unwrap_or_else(|e| panic!("{file}: {e}"));
        return;
    }
    assert!(
        text[start..end] == *want,
        "{file}'s generated table differs from session-settings/src/table.rs; rerun with BLESS=1 to rewrite it.\n--- {file}\n{}\n--- generated\n{want}",
        &text[start..end]
    );
}

#[test]
fn readme_settings_table_is_generated() {
    check("README.md", SETTINGS_TABLE, &settings_table());
}

#[test]
fn macro_docs_tables_are_generated() {
    check("session-macros/docs/session_config.md", SETTINGS_TABLE, &settings_table());
    check("session-macros/docs/session_config.md", FIELD_TYPES, &field_types_table());
}
