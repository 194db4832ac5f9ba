//! Stored session bytes: msgpack as msgspec writes it, JSON, and read-only pickle.
//!
//! Flask-Session 0.8 writes `msgspec.msgpack.Encoder().encode(dict(session))` (or JSON) and reads
//! msgpack, then JSON, then pickle; so does [`decode`]. Its filesystem backend hands the dict to
//! cachelib, which pickles it: [`encode_pickle`] writes that.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rmpv::Value;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::map::SessionMap;

pub use session_settings::SerializationFormat;

mod bounded;
mod pickle_size;
mod pickle_write;

pub(crate) use bounded::Codec;

/// Nesting deeper than this is refused when reading, so hostile data cannot exhaust the stack:
/// the top-level map is level 0, and no value sits at level `MAX_DEPTH` or below. Writing
/// refuses the same, so whatever is written reads back.
const MAX_DEPTH: usize = 128;

/// The most a pickle may unpickle into (roughly, in bytes): far above any session, far below
/// what a few hundred bytes of duplicated containers would otherwise expand to.
const MAX_UNPICKLED: u64 = 64 << 20;

/// Below [`MAX_UNPICKLED`], a pickle may unpickle into this much plus [`UNPICKLED_PER_BYTE`]
/// times its own size: memory stays in proportion to the input. (A small dict costs about 5 KiB
/// for its `MARK` in 20 bytes of pickle, so legitimate sessions stay well under 512 per byte.)
const UNPICKLED_BASE: u64 = 1 << 20;
const UNPICKLED_PER_BYTE: u64 = 512;

/// Stored bytes that are none of msgpack, JSON or pickle of a map with string keys.
#[derive(Debug)]
pub struct DecodeError {
    reason: String,
}

/// A value that cannot be written in the chosen format.
#[derive(Debug)]
pub struct EncodeError {
    reason: String,
}

impl DecodeError {
    pub(crate) fn new(reason: impl fmt::Display) -> Self {
        DecodeError { reason: reason.to_string() }
    }
}

impl EncodeError {
    fn new(reason: impl fmt::Display) -> Self {
        EncodeError { reason: reason.to_string() }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stored session data is unreadable: {}", self.reason)
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session data cannot be serialized: {}", self.reason)
    }
}

impl std::error::Error for DecodeError {}
impl std::error::Error for EncodeError {}

/// Serializes `map` in `format`.
pub fn encode(map: &SessionMap, format: SerializationFormat) -> Result<Vec<u8>, EncodeError> {
    check_depth(map)?;
    match format {
        SerializationFormat::Msgpack => encode_msgpack(map),
        SerializationFormat::Json => serde_json::to_vec(&Plain(map))
            .map_err(EncodeError::new),
        SerializationFormat::Pickle => pickle_write::encode(map),
    }
}

/// Reads msgpack, then JSON, then pickle, as Flask-Session 0.8 does.
pub fn decode(bytes: &[u8]) -> Result<SessionMap, DecodeError> {
    decode_msgpack(bytes)
        .or_else(|_| decode_json(bytes))
        .or_else(|_| decode_pickle(bytes))
        .map_err(|_| DecodeError::new("neither msgpack, JSON nor pickle of a map with string keys"))
}

/// Pickles `map` as cachelib stores sessions: [`SerializationFormat::Pickle`], the one pickle
/// writer (protocol 4, plain data only, which every Python 3.4+ reads).
pub fn encode_pickle(map: &SessionMap) -> Result<Vec<u8>, EncodeError> {
    encode(map, SerializationFormat::Pickle)
}

/// Reads a pickled dict of plain values (protocols 0 to 5).
pub fn decode_pickle(bytes: &[u8]) -> Result<SessionMap, DecodeError> {
    let budget = UNPICKLED_BASE.saturating_add(UNPICKLED_PER_BYTE.saturating_mul(bytes.len() as u64));
    pickle_size::check(bytes, budget.min(MAX_UNPICKLED)).map_err(DecodeError::new)?;
    let AnyValue(v) =
        serde_pickle::from_slice(bytes, serde_pickle::DeOptions::new()).map_err(DecodeError::new)?;
    into_map(v)
}

/// Refuses a session nested deeper than [`MAX_DEPTH`] allows reading back: written, it would be
/// lost on the next read; refused, the request fails and the stored session stays.
fn check_depth(map: &SessionMap) -> Result<(), EncodeError> {
    if map.iter().all(|(_, v)| fits_depth(v, 1)) {
        Ok(())
    } else {
        Err(EncodeError::new(format!("a value is nested more than {} levels deep", MAX_DEPTH - 1)))
    }
}

/// Whether `v`, at nesting `level` (a top-level value is at 1), stays above [`MAX_DEPTH`].
fn fits_depth(v: &Value, level: usize) -> bool {
    if level >= MAX_DEPTH {
        return false;
    }
    match v {
        Value::Array(items) => items.iter().all(|i| fits_depth(i, level + 1)),
        Value::Map(entries) => entries.iter().all(|(k, v)| fits_depth(k, level + 1) && fits_depth(v, level + 1)),
        _ => true,
    }
}

fn encode_msgpack(map: &SessionMap) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(64);
    rmp::encode::write_map_len(&mut out, map.len() as u32).map_err(EncodeError::new)?;
    for (k, v) in map.iter() {
        rmp::encode::write_str(&mut out, k).map_err(EncodeError::new)?;
        rmpv::encode::write_value(&mut out, v).map_err(EncodeError::new)?;
    }
    Ok(out)
}

/// Reads the top-level map straight into a [`SessionMap`]: every request that loads a session
/// runs this, and going through a `Value::Map` of pairs first cost a second pass and a second
/// set of allocations.
fn decode_msgpack(bytes: &[u8]) -> Result<SessionMap, DecodeError> {
    let mut rd = bytes;
    let len = rmp::decode::read_map_len(&mut rd).map_err(|_| DecodeError::new("the top level is not a msgpack map"))?;
    let mut map = SessionMap::new();
    for _ in 0..len {
        let key_len = rmp::decode::read_str_len(&mut rd).map_err(|_| DecodeError::new("a top-level key is not a string"))?;
        let Some((key, rest)) = rd.split_at_checked(key_len as usize) else {
            return Err(DecodeError::new("the msgpack map is truncated"));
        };
        let key = std::str::from_utf8(key).map_err(|_| DecodeError::new("a key is not valid UTF-8"))?;
        rd = rest;
        // rmpv spends two or three units of its depth budget per level (the value, then its
        // items or bytes): this budget lets every level we write through, still bounding the
        // recursion; the exact limit, the same as JSON's and pickle's, is checked after.
        let value = rmpv::decode::read_value_with_max_depth(&mut rd, 2 * MAX_DEPTH + 2).map_err(DecodeError::new)?;
        if !fits_depth(&value, 1) {
            return Err(DecodeError::new("nested too deeply"));
        }
        map.insert(key, value);
    }
    if !rd.is_empty() {
        return Err(DecodeError::new("trailing bytes after the msgpack map"));
    }
    Ok(map)
}

fn decode_json(bytes: &[u8]) -> Result<SessionMap, DecodeError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let AnyValue(v) = AnyValue::deserialize(&mut de).map_err(DecodeError::new)?;
    de.end().map_err(DecodeError::new)?;
    into_map(v)
}

fn into_map(v: Value) -> Result<SessionMap, DecodeError> {
    let Value::Map(entries) = v else {
        return Err(DecodeError::new("the top level is not a map"));
    };
    entries
        .into_iter()
        .map(|(k, v)| match k {
            Value::String(s) => s
                .into_str()
                .map(|s| (s, v))
                .ok_or_else(|| DecodeError::new("a key is not valid UTF-8")),
            _ => Err(DecodeError::new("a top-level key is not a string")),
        })
        .collect()
}

/// A value as `T`; a struct may be read from a map (as we write it) or an array.
pub(crate) fn from_value<T: DeserializeOwned>(v: Value) -> Result<T, DecodeError> {
    rmpv::ext::from_value(v).map_err(DecodeError::new)
}

/// `value` in the msgpack model, with structs as maps (rmpv alone would write arrays).
pub(crate) fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, EncodeError> {
    let bytes = rmp_serde::to_vec_named(value).map_err(EncodeError::new)?;
    rmpv::decode::read_value(&mut bytes.as_slice()).map_err(EncodeError::new)
}

/// Serializes the session map as msgspec's JSON does: bytes as base64 strings (JSON has none),
/// timestamps as RFC 3339 text.
struct Plain<'a>(&'a SessionMap);

struct PlainValue<'a>(&'a Value);

impl Serialize for Plain<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0.iter() {
            m.serialize_entry(k, &PlainValue(v))?;
        }
        m.end()
    }
}

impl Serialize for PlainValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Nil => s.serialize_unit(),
            Value::Boolean(b) => s.serialize_bool(*b),
            Value::Integer(i) => match (i.as_i64(), i.as_u64()) {
                (Some(n), _) => s.serialize_i64(n),
                (None, Some(n)) => s.serialize_u64(n),
                (None, None) => Err(ser::Error::custom("an integer out of range")),
            },
            Value::F32(f) => s.serialize_f32(*f),
            Value::F64(f) => s.serialize_f64(*f),
            Value::String(st) => match st.as_str() {
                Some(text) => s.serialize_str(text),
                None => s.serialize_str(&STANDARD.encode(st.as_bytes())),
            },
            Value::Binary(b) => s.serialize_str(&STANDARD.encode(b)),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&PlainValue(item))?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(&PlainValue(k), &PlainValue(v))?;
                }
                m.end()
            }
            Value::Ext(-1, data) => match timestamp_to_rfc3339(data) {
                Some(text) => s.serialize_str(&text),
                None => Err(ser::Error::custom("malformed msgpack timestamp")),
            },
            Value::Ext(tag, _) => {
                Err(ser::Error::custom(format_args!("msgpack extension type {tag} has no equivalent")))
            }
        }
    }
}

/// The msgpack timestamp extension (-1) as RFC 3339 in UTC, as msgspec writes datetimes to JSON.
fn timestamp_to_rfc3339(data: &[u8]) -> Option<String> {
    let (secs, nanos): (i64, u32) = match data.len() {
        4 => (u32::from_be_bytes(data.try_into().ok()?) as i64, 0),
        8 => {
            let raw = u64::from_be_bytes(data.try_into().ok()?);
            ((raw & 0x3_ffff_ffff) as i64, (raw >> 34) as u32)
        }
        12 => (
            i64::from_be_bytes(data[4..].try_into().ok()?),
            u32::from_be_bytes(data[..4].try_into().ok()?),
        ),
        _ => return None,
    };
    let t = time::OffsetDateTime::from_unix_timestamp(secs).ok()?
        + time::Duration::nanoseconds(nanos as i64);
    let (y, mo, d) = (t.year(), t.month() as u8, t.day());
    let (h, mi, s, micros) = (t.hour(), t.minute(), t.second(), t.microsecond());
    Some(if micros == 0 {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{micros:06}Z")
    })
}

/// Any serde value (from JSON or pickle) in the msgpack model, keeping map order.
struct AnyValue(Value);

impl<'de> Deserialize<'de> for AnyValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnyVisitor(0)).map(AnyValue)
    }
}

struct AnyVisitor(usize);

impl AnyVisitor {
    fn nested<A: de::Error>(&self) -> Result<AnySeed, A> {
        // The children sit one level down; level MAX_DEPTH is refused, as msgpack refuses it.
        if self.0 + 1 >= MAX_DEPTH {
            return Err(A::custom("nested too deeply"));
        }
        Ok(AnySeed(self.0 + 1))
    }
}

struct AnySeed(usize);

impl<'de> de::DeserializeSeed<'de> for AnySeed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(AnyVisitor(self.0))
    }
}

impl<'de> Visitor<'de> for AnyVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a plain value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Boolean(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::from)
            .or_else(|_| u64::try_from(v).map(Value::from))
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::F64(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Binary(v.to_vec()))
    }
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Binary(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self.nested::<A::Error>()?)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key_seed(self.nested::<A::Error>()?)? {
            let v = map.next_value_seed(self.nested::<A::Error>()?)?;
            entries.push((k, v));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn alice() -> SessionMap {
        let mut m = SessionMap::new();
        m.insert("_permanent", Value::Boolean(true));
        m.insert("name", Value::from("alice"));
        m.insert("n", Value::from(42));
        m
    }

    #[test]
    fn msgpack_bytes_match_msgspec() {
        let want = unhex("83 aa 5f7065726d616e656e74 c3 a4 6e616d65 a5 616c696365 a1 6e 2a");
        assert_eq!(encode(&alice(), SerializationFormat::Msgpack).unwrap(), want);
        assert_eq!(decode(&want).unwrap(), alice());
    }

    #[test]
    fn json_matches_msgspec() {
        let json = encode(&alice(), SerializationFormat::Json).unwrap();
        assert_eq!(json, br#"{"_permanent":true,"name":"alice","n":42}"#);
        assert_eq!(decode(&json).unwrap(), alice());
    }

    #[test]
    fn reads_cachelib_pickle() {
        // flask-format.md (d): the pickle part of a file written by Flask-Session 0.8.
        let p = unhex("80059522000000000000007d94288c0a5f7065726d616e656e7494888c046e616d65948c05616c69636594752e");
        let m = decode_pickle(&p).unwrap();
        assert!(m.is_permanent());
        assert_eq!(m.get("name"), Some(&Value::from("alice")));
        assert_eq!(decode(&p).unwrap(), m, "the generic chain falls through to pickle");
    }

    /// Reading and writing agree on the deepest nesting, in every format: what one accepts the
    /// other does too (the `decode` fuzz target found a pickle 128 levels deep that read, wrote
    /// as msgpack, and did not read back).
    #[test]
    fn the_nesting_limit_is_the_same_for_reading_and_writing() {
        let nested = |levels: usize| {
            let mut v = Value::from(1);
            for _ in 0..levels {
                v = Value::Array(vec![v]);
            }
            let mut m = SessionMap::new();
            m.insert("deep", v);
            m
        };
        // The value under "deep" sits at level 1; `levels` arrays put the 1 at level 1 + levels.
        let deepest = nested(MAX_DEPTH - 2);
        for format in [SerializationFormat::Msgpack, SerializationFormat::Json] {
            let bytes = encode(&deepest, format).unwrap();
            assert_eq!(decode(&bytes).unwrap(), deepest, "{format:?}");
        }
        assert_eq!(decode_pickle(&encode_pickle(&deepest).unwrap()).unwrap(), deepest);

        let too_deep = nested(MAX_DEPTH - 1);
        assert!(encode(&too_deep, SerializationFormat::Msgpack).is_err());
        assert!(encode(&too_deep, SerializationFormat::Json).is_err());
        assert!(encode_pickle(&too_deep).is_err());
        let json = format!("{{\"deep\":{}1{}}}", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        assert!(decode(json.as_bytes()).is_err(), "JSON refuses what msgpack refuses");
        let json = format!("{{\"deep\":{}1{}}}", "[".repeat(MAX_DEPTH - 2), "]".repeat(MAX_DEPTH - 2));
        assert!(decode(json.as_bytes()).is_ok());
        // The fuzzer's find: it decodes no more, or decodes and reads back after writing.
        let found = include_bytes!("testdata/pickle-tuples-128-deep.bin");
        if let Ok(map) = decode(found) {
            let bytes = encode(&map, SerializationFormat::Msgpack).unwrap();
            assert_eq!(decode(&bytes).unwrap(), map);
        }
    }

    #[test]
    fn pickle_round_trip_keeps_bytes_and_nesting() {
        let mut m = alice();
        m.insert("raw", Value::Binary(vec![0, 255, 10]));
        m.insert("nested", Value::Array(vec![Value::from(1.5), Value::Map(vec![(Value::from(7), Value::Nil)])]));
        assert_eq!(decode_pickle(&encode_pickle(&m).unwrap()).unwrap(), m);
    }

    #[test]
    fn huge_integers_are_refused_by_pickle_only() {
        let mut m = SessionMap::new();
        m.insert("big", Value::from(u64::MAX));
        assert!(encode_pickle(&m).is_err());
        let json = encode(&m, SerializationFormat::Json).unwrap();
        assert_eq!(decode(&json).unwrap(), m);
    }

    #[test]
    fn unknown_values_survive_byte_for_byte() {
        // bytes, a nested map with an int key, a msgpack timestamp, a float: all re-encoded as read.
        let mut src = SessionMap::new();
        src.insert("b", Value::Binary(vec![0, 1, 2]));
        src.insert("m", Value::Map(vec![(Value::from(1), Value::Array(vec![Value::from("x")]))]));
        src.insert("t", Value::Ext(-1, vec![0x65, 0x53, 0xf1, 0x00]));
        src.insert("f", Value::F64(0.1));
        let bytes = encode(&src, SerializationFormat::Msgpack).unwrap();
        let mut m = decode(&bytes).unwrap();
        m.insert("visits", Value::from(1));
        let again = encode(&m, SerializationFormat::Msgpack).unwrap();
        assert_eq!(&again[1..bytes.len()], &bytes[1..], "old entries unchanged, in place");
    }

    #[test]
    fn timestamps_become_rfc3339_in_json() {
        let mut m = SessionMap::new();
        m.insert("t", Value::Ext(-1, 1_700_000_000u32.to_be_bytes().to_vec()));
        assert_eq!(encode(&m, SerializationFormat::Json).unwrap(), br#"{"t":"2023-11-14T22:13:20Z"}"#);
    }

    #[test]
    fn garbage_is_a_decode_error() {
        for bad in [&b""[..], b"\x81", b"[1,2]", b"\x93\x01\x02\x03", b"{\"a\":1} x", b"\x80\x05N.", b"\xc1"] {
            assert!(decode(bad).is_err(), "{bad:?}");
        }
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(decode(format!("{{\"a\":{deep}}}").as_bytes()).is_err());
    }

    #[test]
    fn typed_values_are_maps() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct User {
            id: u32,
            name: String,
        }
        let v = to_value(&User { id: 1, name: "a".into() }).unwrap();
        assert!(matches!(v, Value::Map(_)));
        assert_eq!(from_value::<User>(v).unwrap(), User { id: 1, name: "a".into() });
    }
}
