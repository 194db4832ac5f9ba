//! Compile-fail and compile-pass cases of `#[session_config]`, `#[derive(SessionData)]` and
//! `#[session_model]`.
//!
//! `.stderr` files are generated with `TRYBUILD=overwrite cargo test -p session-ui-tests` and
//! reviewed. rustc's messages change between releases, so the whole `.stderr` is compared on the
//! toolchain it was generated with (stable 1.95). On any other toolchain each compile-fail case
//! must still fail to compile, with its key message: the first `error` line of its `.stderr`
//! (for most cases the macro's own message). `UI_TESTS_OTHER_TOOLCHAIN=1` forces that mode on
//! 1.95 too, to check it.

use std::fs;
use std::path::{Path, PathBuf};

/// The toolchain the `.stderr` files are pinned to.
#[rustversion::stable(1.95)]
const ON_PINNED_TOOLCHAIN: bool = true;
#[rustversion::not(stable(1.95))]
const ON_PINNED_TOOLCHAIN: bool = false;

const COMPILE_FAIL: [&str; 3] = ["ui/config/fail", "ui/data/fail", "ui/model/fail"];
const PASS: [&str; 3] = ["ui/config/pass/*.rs", "ui/data/pass/*.rs", "ui/model/pass/*.rs"];

#[test]
fn ui() {
    if ON_PINNED_TOOLCHAIN && std::env::var_os("UI_TESTS_OTHER_TOOLCHAIN").is_none() {
        let t = trybuild::TestCases::new();
        for dir in COMPILE_FAIL {
            t.compile_fail(format!("{dir}/*.rs"));
        }
        for cases in PASS {
            t.pass(cases);
        }
    } else {
        key_messages_only();
    }
}

/// A compile-fail case copied for the other-toolchain run, and the line its output must hold.
struct Case {
    /// Where trybuild writes the case's output (beside the copy).
    stderr: PathBuf,
    key: String,
}

/// The other-toolchain mode: trybuild builds copies of the compile-fail cases without their
/// `.stderr` and, told to overwrite, writes each case's output beside its copy instead of
/// comparing it (a case that compiles still fails the run); then each output must contain the
/// key line of the pinned `.stderr`. The pass cases run as on 1.95.
fn key_messages_only() {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copies = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-other-toolchain");
    let _ = fs::remove_dir_all(&copies);
    let mut cases = Vec::new();
    for dir in COMPILE_FAIL {
        let (from, to) = (manifest_dir.join(dir), copies.join(dir));
        fs::create_dir_all(&to).unwrap();
        for entry in fs::read_dir(&from).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let pinned = path.with_extension("stderr");
            let pinned_text = fs::read_to_string(&pinned).unwrap_or_else(|e| panic!("{}: {e}", pinned.display()));
            let key = pinned_text
                .lines()
                .find(|l| l.starts_with("error"))
                .unwrap_or_else(|| panic!("{} has no `error` line", pinned.display()))
                .to_owned();
            let copy = to.join(path.file_name().unwrap());
            fs::copy(&path, &copy).unwrap();
            cases.push(Case { stderr: copy.with_extension("stderr"), key });
        }
    }
    assert!(cases.len() > 50, "compile-fail cases found: {}", cases.len());

    // Read by trybuild when `TestCases` runs (on drop); this binary's only test, so no other
    // thread reads the environment meanwhile.
    std::env::set_var("TRYBUILD", "overwrite");
    {
        let t = trybuild::TestCases::new();
        for dir in COMPILE_FAIL {
            t.compile_fail(copies.join(dir).join("*.rs"));
        }
        for cases in PASS {
            t.pass(cases);
        }
    }

    let missing: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let got = fs::read_to_string(&case.stderr).unwrap_or_default();
            (!got.lines().any(|l| l == case.key)).then(|| format!("{}: no line `{}` in:\n{got}", case.stderr.display(), case.key))
        })
        .collect();
    assert!(missing.is_empty(), "{} of {} cases lack their key message:\n{}", missing.len(), cases.len(), missing.join("\n"));
}
