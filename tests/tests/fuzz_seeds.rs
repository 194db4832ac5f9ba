//! Every named seed in `fuzz/seeds/` through the function its fuzz target calls, with what it
//! must give: the fuzz crate needs a nightly-flag build CI does not make, so this is where the
//! regressions the fuzzers found (and the inputs that show each reader's cases) are run.
//! A seed file without a row here, or a row without its file, fails the test.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use session_runtime::__fuzz::{cookie_target, decode_target, read_session_file};

/// The id in the cookie seeds.
const ID: &str = "uE8VW5JpjcNUdBJq6_3IGjSR5921D4avEevMeqhgYP0";

fn seeds(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds").join(target)
}

/// Runs `check` on every seed of `target`, named as in `want`, and checks no seed is missing
/// from `want` and no name in `want` from the directory.
fn run<T: PartialEq + std::fmt::Debug>(target: &str, want: &[(&str, T)], check: impl Fn(&[u8]) -> T) {
    let dir = seeds(target);
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    let listed: BTreeSet<String> = want.iter().map(|(name, _)| (*name).to_owned()).collect();
    assert_eq!(on_disk, listed, "the seeds in {} and the rows of this test", dir.display());
    for (name, expected) in want {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(&check(&bytes), expected, "{target}/{name}");
    }
}

#[test]
fn cookie_seeds() {
    let id = Some(ID.to_owned());
    run(
        "cookie",
        &[
            ("plain-id", id.clone()),
            ("signed-id-after-other-cookie", id.clone()),
            ("first-of-two-session-cookies", id),
            ("signed-id-bad-signature", None),
            ("unsigned-id-to-signed-reader", None),
            ("plain-id-too-short", None),
            // Not unquoted: Flask-Session never quotes the id, and `"` is no id character.
            ("plain-id-quoted", None),
            ("non-utf8-value", None),
            ("oversized-value", None),
            ("no-flag-byte", None),
        ],
        cookie_target,
    );
}

#[test]
fn decode_seeds() {
    run(
        "decode",
        &[
            ("msgpack-flask-session", true),
            ("json-flask-session", true),
            ("pickle-protocol-0-dict", true),
            ("pickle-protocol-4-dict", true),
            ("msgpack-2000-keys", true),
            // 127 levels inside the dict: the deepest that reads, and (the fuzzer's third find)
            // written back as msgpack it reads back too.
            ("pickle-tuples-128-deep", true),
            ("msgpack-array-not-map", false),
            ("msgpack-truncated-map", false),
            ("empty", false),
            // The fuzzer's first two finds: pickles serde_pickle would unpickle into gigabytes.
            ("pickle-bomb-dup-tuple3", false),
            ("pickle-bomb-dup-of-memoized-dicts", false),
            // Issue 12's hostile values: 20,000 MARKs, and an int of 5,000 digits.
            ("pickle-mark-bomb", false),
            ("pickle-long-5000-digits", false),
        ],
        decode_target,
    );
}

#[test]
fn session_file_seeds() {
    run(
        "session_file",
        &[
            ("cachelib-pickle-session", true),
            // Parsing does not judge the expiry; the store reads it from the header.
            ("cachelib-expired-pickle-session", true),
            ("header-only", false),
            ("short-header", false),
            // cachelib's files hold pickles only.
            ("json-body", false),
            ("pickle-mark-bomb", false),
            ("pickle-long-5000-digits", false),
        ],
        read_session_file,
    );
}
