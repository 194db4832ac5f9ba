//! The pickle writer: a session map as protocol 4, the way Python's own pickler writes a dict of
//! plain values (one `FRAME`, `MEMOIZE` after every str, bytes, list and dict, `SETITEMS` and
//! `APPENDS` in batches of 1000). Flask Unchained reads it with `dill.loads`, cachelib with
//! `pickle.loads`; a small session comes out byte for byte as `dill.dumps` writes it.
//!
//! Only plain-data opcodes are ever written: no `GLOBAL`, `STACK_GLOBAL`, `REDUCE`, `BUILD`,
//! `INST`, `OBJ` or `NEWOBJ`, so reading what we write never imports or calls anything in Python.

use rmpv::Value;

use super::{timestamp_to_rfc3339, EncodeError};
use crate::map::SessionMap;

const PROTO: u8 = 0x80;
const FRAME: u8 = 0x95;
const STOP: u8 = b'.';
const MARK: u8 = b'(';
const MEMOIZE: u8 = 0x94;
const NONE: u8 = b'N';
const NEWTRUE: u8 = 0x88;
const NEWFALSE: u8 = 0x89;
const BININT1: u8 = b'K';
const BININT2: u8 = b'M';
const BININT: u8 = b'J';
const LONG1: u8 = 0x8a;
const BINFLOAT: u8 = b'G';
const SHORT_BINUNICODE: u8 = 0x8c;
const BINUNICODE: u8 = b'X';
const BINUNICODE8: u8 = 0x8d;
const SHORT_BINBYTES: u8 = b'C';
const BINBYTES: u8 = b'B';
const BINBYTES8: u8 = 0x8e;
const EMPTY_DICT: u8 = b'}';
const SETITEM: u8 = b's';
const SETITEMS: u8 = b'u';
const EMPTY_LIST: u8 = b']';
const APPEND: u8 = b'a';
const APPENDS: u8 = b'e';
const EMPTY_TUPLE: u8 = b')';
const TUPLE: u8 = b't';
const TUPLE1: u8 = 0x85;
const TUPLE2: u8 = 0x86;
const TUPLE3: u8 = 0x87;

/// Python's pickler puts at most this many items between one `MARK` and its `SETITEMS`/`APPENDS`.
const BATCH: usize = 1000;

/// `map` as a protocol-4 pickle of a dict. Depth is checked by the caller ([`super::encode`]).
pub(super) fn encode(map: &SessionMap) -> Result<Vec<u8>, EncodeError> {
    // PROTO 4, then FRAME with the body's length (filled in at the end), then the body.
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&[PROTO, 4, FRAME]);
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&[EMPTY_DICT, MEMOIZE]);
    let entries: Vec<(&str, &Value)> = map.iter().collect();
    for batch in entries.chunks(BATCH) {
        if batch.len() > 1 {
            out.push(MARK);
        }
        for (k, v) in batch {
            write_str(&mut out, k);
            write_value(&mut out, v)?;
        }
        out.push(if batch.len() > 1 { SETITEMS } else { SETITEM });
    }
    out.push(STOP);
    let body = (out.len() - 11) as u64;
    out[3..11].copy_from_slice(&body.to_le_bytes());
    Ok(out)
}

fn write_value(out: &mut Vec<u8>, v: &Value) -> Result<(), EncodeError> {
    match v {
        Value::Nil => out.push(NONE),
        Value::Boolean(b) => out.push(if *b { NEWTRUE } else { NEWFALSE }),
        Value::Integer(i) => match i.as_i64() {
            Some(n) => write_int(out, i128::from(n)),
            // Python would read it, but our pickle reader (serde_pickle) stops at i64: written,
            // the session would be lost on our next read. Refused, the stored one stays.
            None => return Err(EncodeError::new("integers above i64::MAX cannot be pickled and read back")),
        },
        // Python has one float type, a double: an f32 widens exactly.
        Value::F32(f) => write_float(out, f64::from(*f)),
        Value::F64(f) => write_float(out, *f),
        Value::String(s) => match s.as_str() {
            Some(text) => write_str(out, text),
            // msgpack str that is not UTF-8: Python could not hold it as str either.
            None => write_bytes(out, s.as_bytes()),
        },
        Value::Binary(b) => write_bytes(out, b),
        Value::Array(items) => {
            out.extend_from_slice(&[EMPTY_LIST, MEMOIZE]);
            for batch in items.chunks(BATCH) {
                if batch.len() > 1 {
                    out.push(MARK);
                }
                for item in batch {
                    write_value(out, item)?;
                }
                out.push(if batch.len() > 1 { APPENDS } else { APPEND });
            }
        }
        Value::Map(entries) => {
            out.extend_from_slice(&[EMPTY_DICT, MEMOIZE]);
            for batch in entries.chunks(BATCH) {
                if batch.len() > 1 {
                    out.push(MARK);
                }
                for (k, v) in batch {
                    write_key(out, k)?;
                    write_value(out, v)?;
                }
                out.push(if batch.len() > 1 { SETITEMS } else { SETITEM });
            }
        }
        Value::Ext(-1, data) => match timestamp_to_rfc3339(data) {
            // A datetime would need a GLOBAL; the text is what msgspec's JSON writes for it.
            Some(text) => write_str(out, &text),
            None => return Err(EncodeError::new("malformed msgpack timestamp")),
        },
        Value::Ext(tag, _) => {
            return Err(EncodeError::new(format_args!("msgpack extension type {tag} has no pickle equivalent")))
        }
    }
    Ok(())
}

/// A key of a nested dict. Python dict keys must be hashable: a list key (msgspec reads a tuple
/// key as an array) is written as a tuple, a map key is refused, since Python could not read it.
fn write_key(out: &mut Vec<u8>, k: &Value) -> Result<(), EncodeError> {
    match k {
        Value::Map(_) => Err(EncodeError::new("a map used as a dict key cannot be pickled")),
        Value::Array(items) => {
            // As Python writes tuples: the short forms up to three items, else MARK ... TUPLE.
            let short = match items.len() {
                1 => Some(TUPLE1),
                2 => Some(TUPLE2),
                3 => Some(TUPLE3),
                _ => None,
            };
            if items.is_empty() {
                out.push(EMPTY_TUPLE);
                return Ok(());
            }
            if short.is_none() {
                out.push(MARK);
            }
            for item in items {
                write_key(out, item)?;
            }
            out.push(short.unwrap_or(TUPLE));
            out.push(MEMOIZE);
            Ok(())
        }
        other => write_value(out, other),
    }
}

/// Python's `save_long`: the 1, 2 and 4 byte forms, else `LONG1` with the minimal little-endian
/// two's complement (every i64 and u64 fits its 255 bytes; u64 is ready for a reader that
/// takes it).
fn write_int(out: &mut Vec<u8>, n: i128) {
    if (0..=0xff).contains(&n) {
        out.extend_from_slice(&[BININT1, n as u8]);
    } else if (0..=0xffff).contains(&n) {
        out.push(BININT2);
        out.extend_from_slice(&(n as u16).to_le_bytes());
    } else if (i128::from(i32::MIN)..=i128::from(i32::MAX)).contains(&n) {
        out.push(BININT);
        out.extend_from_slice(&(n as i32).to_le_bytes());
    } else {
        let bytes = n.to_le_bytes();
        // Drop high bytes that only repeat the sign, keeping the sign bit of the last one right.
        let mut len = bytes.len();
        while len > 1 {
            let (top, next) = (bytes[len - 1], bytes[len - 2]);
            let redundant = (top == 0x00 && next & 0x80 == 0) || (top == 0xff && next & 0x80 != 0);
            if !redundant {
                break;
            }
            len -= 1;
        }
        out.extend_from_slice(&[LONG1, len as u8]);
        out.extend_from_slice(&bytes[..len]);
    }
}

fn write_float(out: &mut Vec<u8>, f: f64) {
    out.push(BINFLOAT);
    out.extend_from_slice(&f.to_be_bytes());
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    write_sized(out, s.as_bytes(), [SHORT_BINUNICODE, BINUNICODE, BINUNICODE8]);
}

fn write_bytes(out: &mut Vec<u8>, b: &[u8]) {
    write_sized(out, b, [SHORT_BINBYTES, BINBYTES, BINBYTES8]);
}

/// The 1-, 4- or 8-byte length form of a str or bytes opcode, the payload, then `MEMOIZE`.
fn write_sized(out: &mut Vec<u8>, payload: &[u8], [short, long, huge]: [u8; 3]) {
    let len = payload.len();
    if len < 256 {
        out.extend_from_slice(&[short, len as u8]);
    } else if let Ok(len) = u32::try_from(len) {
        out.push(long);
        out.extend_from_slice(&len.to_le_bytes());
    } else {
        out.push(huge);
        out.extend_from_slice(&(len as u64).to_le_bytes());
    }
    out.extend_from_slice(payload);
    out.push(MEMOIZE);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn a_small_session_is_byte_for_byte_what_dill_writes() {
        // flask-unchained-format.md: dill.dumps({'_permanent': True, 'a': 1}) on Python 3.11.
        let mut m = SessionMap::new();
        m.insert("_permanent", Value::Boolean(true));
        m.insert("a", Value::from(1));
        let want = unhex("80049519000000000000007d94288c0a5f7065726d616e656e7494888c0161944b01752e");
        assert_eq!(encode(&m).unwrap(), want);
    }

    #[test]
    fn integers_take_pythons_shortest_form() {
        let int = |n: i128| {
            let mut out = Vec::new();
            write_int(&mut out, n);
            out
        };
        assert_eq!(int(0), [BININT1, 0]);
        assert_eq!(int(256), [BININT2, 0, 1]);
        assert_eq!(int(-1), [BININT, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(int(1 << 31), [LONG1, 5, 0, 0, 0, 0x80, 0]);
        assert_eq!(int(-(1 << 31) - 1), [LONG1, 5, 0xff, 0xff, 0xff, 0x7f, 0xff]);
        assert_eq!(int(i128::from(u64::MAX)), [LONG1, 9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0]);
        assert_eq!(int(i128::from(i64::MIN)), [LONG1, 8, 0, 0, 0, 0, 0, 0, 0, 0x80]);
    }

    #[test]
    fn a_map_key_is_refused_and_a_list_key_is_a_tuple() {
        let mut m = SessionMap::new();
        m.insert("m", Value::Map(vec![(Value::Map(vec![]), Value::Nil)]));
        assert!(encode(&m).is_err());
        let mut m = SessionMap::new();
        m.insert("t", Value::Map(vec![(Value::Array(vec![Value::from(1), Value::from(2)]), Value::Nil)]));
        let bytes = encode(&m).unwrap();
        assert!(bytes.windows(2).any(|w| w == [TUPLE2, MEMOIZE]));
    }
}
