//! Property tests over everything that reads network or stored input (the same functions the
//! `fuzz/` targets drive): no input panics, and whatever is accepted is well-formed.

use proptest::prelude::*;
use session_runtime::codec::{decode, decode_pickle, encode, encode_pickle, SerializationFormat};
use session_runtime::{SessionId, SessionMap, Signer, Value};

/// Session values as Flask-Session can store them (no NaN: it breaks equality, not decoding).
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Boolean),
        any::<i64>().prop_map(Value::from),
        (0..=i64::MAX as u64).prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::F64),
        ".{0,40}".prop_map(|s: String| Value::from(s)),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::Binary),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((".{0,8}".prop_map(|s: String| Value::from(s)), inner), 0..6).prop_map(Value::Map),
        ]
    })
}

fn session() -> impl Strategy<Value = SessionMap> {
    proptest::collection::vec((".{0,12}", value()), 0..10).prop_map(|kv| kv.into_iter().collect())
}

fn contains(v: &Value, pred: &dyn Fn(&Value) -> bool) -> bool {
    pred(v)
        || match v {
            Value::Array(items) => items.iter().any(|i| contains(i, pred)),
            Value::Map(entries) => entries.iter().any(|(k, v)| contains(k, pred) || contains(v, pred)),
            _ => false,
        }
}

/// Everything the pickle writer has a branch for: every integer width, any finite float, long
/// strings and bytes (the 4-byte length forms), long lists and maps (`APPENDS`/`SETITEMS` in
/// batches of 1000), and tuple keys.
fn wide_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Boolean),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("NaN breaks equality", |f| !f.is_nan()).prop_map(Value::F64),
        prop_oneof![".{0,8}", ".{250,300}"].prop_map(|s: String| Value::from(s)),
        proptest::collection::vec(any::<u8>(), 250..300).prop_map(Value::Binary),
        Just(Value::Array((0..2500).map(Value::from).collect())),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let key = prop_oneof![
            ".{0,8}".prop_map(|s: String| Value::from(s)),
            any::<i32>().prop_map(Value::from),
            proptest::collection::vec(any::<i16>().prop_map(Value::from), 0..5).prop_map(Value::Array),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key, inner), 0..6).prop_map(Value::Map),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The pickle writer against the reader: whatever it writes reads back equal, through the
    /// generic `decode` chain too (a pickle must never pass for msgpack or JSON).
    #[test]
    fn the_pickle_writer_round_trips_through_the_reader(
        kv in proptest::collection::vec((".{0,12}", wide_value()), 0..10),
        many in 0usize..2100,
    ) {
        let mut map: SessionMap = kv.into_iter().collect();
        for i in 0..many {
            map.insert(format!("k{i}"), Value::from(i as u64));
        }
        // Above i64::MAX the reader stops, so the writer refuses (and the stored session stays).
        let huge = |v: &Value| matches!(v, Value::Integer(i) if i.as_i64().is_none());
        match encode(&map, SerializationFormat::Pickle) {
            Ok(bytes) => prop_assert_eq!(&decode(&bytes).unwrap(), &map),
            Err(_) => prop_assert!(map.iter().any(|(_, v)| contains(v, &huge))),
        }
    }

    #[test]
    fn arbitrary_cookie_headers_never_panic(header in proptest::collection::vec(any::<u8>(), 0..300), signed in any::<bool>()) {
        if let Some(id) = session_runtime::__fuzz::read_cookie(&header, signed) {
            prop_assert!(SessionId::parse(&id).is_some());
        }
    }

    #[test]
    fn cookie_like_text_never_panics(text in "(session=)?[ -~]{0,200}", signed in any::<bool>()) {
        let _ = session_runtime::__fuzz::read_cookie(text.as_bytes(), signed);
    }

    #[test]
    fn arbitrary_stored_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = decode(&bytes);
        let _ = session_runtime::__fuzz::read_session_file(&bytes);
    }

    #[test]
    fn truncated_sessions_are_errors_not_panics(map in session(), cut in any::<prop::sample::Index>()) {
        let bytes = encode(&map, SerializationFormat::Msgpack).unwrap();
        let cut = cut.index(bytes.len().max(1));
        if cut < bytes.len() {
            prop_assert!(decode(&bytes[..cut]).map(|m| m != map).unwrap_or(true));
        }
    }

    #[test]
    fn msgpack_json_and_pickle_round_trip(map in session()) {
        let msgpack = encode(&map, SerializationFormat::Msgpack).unwrap();
        prop_assert_eq!(&decode(&msgpack).unwrap(), &map);
        prop_assert_eq!(&decode_pickle(&encode_pickle(&map).unwrap()).unwrap(), &map);
        // JSON has no bytes: compare after one JSON pass.
        let json = encode(&map, SerializationFormat::Json).unwrap();
        let once = decode(&json).unwrap();
        prop_assert_eq!(encode(&once, SerializationFormat::Json).unwrap(), json);
    }

    #[test]
    fn signatures_verify_only_unchanged(sid in "[A-Za-z0-9_-]{22,86}", flip in any::<prop::sample::Index>()) {
        let signer = Signer::new("key");
        let signed = signer.sign(&sid);
        prop_assert_eq!(signer.unsign(&signed), Some(sid.as_str()));
        let mut bytes = signed.into_bytes();
        let at = flip.index(bytes.len());
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        prop_assert_eq!(signer.unsign(&tampered), None);
    }
}

#[test]
fn hostile_lengths_do_not_allocate_or_panic() {
    // A msgpack array32 claiming 4 billion elements, a bin32 claiming 4 GB, deep nesting.
    let mut huge_array = vec![0x81, 0xa1, b'a', 0xdd];
    huge_array.extend_from_slice(&u32::MAX.to_be_bytes());
    let mut huge_bin = vec![0x81, 0xa1, b'a', 0xc6];
    huge_bin.extend_from_slice(&u32::MAX.to_be_bytes());
    let mut deep = vec![0x81, 0xa1, b'a'];
    deep.extend(std::iter::repeat_n(0x91, 100_000));
    for bytes in [huge_array, huge_bin, deep] {
        assert!(decode(&bytes).is_err());
    }
}

/// The size walk that guards `decode_pickle` against duplication bombs lets Python's own
/// pickles through: every protocol (0 to 5), shared references (memo reads), tuples, sets,
/// bytes, big and negative ints, nesting, and a session of a few hundred KB.
#[test]
fn python_pickles_of_every_protocol_decode() {
    let script = r#"
import pickle, sys
shared = "message"
row = {"id": 1, "tags": ["a", "b"], "score": -1.5}
session = {
    "_permanent": True, "_user_id": "42", "n": 2**62, "neg": -7, "f": 0.1, "none": None,
    "_flashes": [(shared, "saved"), (shared, "again"), (shared, "third")],
    "nested": {"a": {"b": {"c": [1, (2, 3), {4, 5}]}}},
    "blob": bytes(range(256)), "text": "héllo ✓", "big": ["x" * 1000] * 200,
}
out = sys.stdout.buffer
for protocol in range(6):
    data = pickle.dumps(session, protocol=protocol)
    out.write(len(data).to_bytes(4, "little") + data)
"#;
    let out = std::process::Command::new("python3").args(["-c", script]).output().expect("python3 on the PATH");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut rest = &out.stdout[..];
    let mut protocol = 0;
    while let Some((len, tail)) = rest.split_first_chunk::<4>() {
        let (pickle, tail) = tail.split_at(u32::from_le_bytes(*len) as usize);
        let map = decode_pickle(pickle).unwrap_or_else(|e| panic!("protocol {protocol}: {e}"));
        assert_eq!(map.get("_user_id"), Some(&Value::from("42")), "protocol {protocol}");
        assert_eq!(map.get("big").and_then(Value::as_array).map(Vec::len), Some(200), "protocol {protocol}");
        rest = tail;
        protocol += 1;
    }
    assert_eq!(protocol, 6);
}
