//! How much a pickle allocates once unpickled, bounded by walking its opcodes first.
//!
//! serde_pickle copies values: on `DUP`, on a memo `GET` when the reference is resolved, and when
//! a memoized value is consumed or memoized again. A pickle that copies containers into
//! containers doubles in size per step: the `decode` fuzz target found a 104-byte input (`DUP`
//! and `TUPLE3`, repeated) and then a 2-KB one (`DUP`s of memoized dicts) that unpickle into
//! gigabytes. So, before serde_pickle runs:
//!
//! * `DUP` is refused: Python's pickler never writes it.
//! * a memo `GET` of a container (list, dict, tuple, set, object) is refused: Python writes one
//!   only when one object is shared, which serde_pickle cannot rebuild anyway once the shared
//!   container holds another memoized value ("recursive structure"). `GET`s of strings, bytes
//!   and numbers, which Python writes for every repeated string, are allowed and cost their size.
//! * every value created or copied is added to a running total, refused past the limit, and so
//!   is every `MARK`: serde_pickle sets aside a fresh 128-slot stack for each one, so 250,000
//!   `(` bytes once made it allocate about a gigabyte.
//! * a protocol-0 integer (`I`, `L`) has at most [`MAX_INT_DIGITS`] digits, Python's own limit
//!   for converting text to an integer: parsing a decimal big integer takes time quadratic in
//!   its length (400,000 digits took 1.7 s).
//!
//! With containers never copied by reference, the total bounds what serde_pickle allocates.

use std::collections::HashMap;

/// What one value costs, on top of its payload bytes: about the memory serde_pickle spends on it.
const PER_VALUE: u64 = 64;

/// What one `MARK` costs: the stack serde_pickle allocates for it (128 values).
const PER_MARK: u64 = 128 * std::mem::size_of::<serde_pickle::Value>() as u64;
const _: () = assert!(PER_MARK >= 128 * 32, "a MARK costs at least 128 values of 32 bytes");

/// The most digits of a protocol-0 integer: Python's default `sys.int_max_str_digits`, so
/// nothing Python can unpickle is refused.
pub(crate) const MAX_INT_DIGITS: u64 = 4300;

/// Why a pickle was refused before unpickling.
pub(crate) type Refusal = &'static str;

#[derive(Clone, Copy)]
enum Item {
    Mark,
    Value(Value),
}

/// A value on the stack or in the memo, as far as its cost goes.
#[derive(Clone, Copy)]
struct Value {
    size: u64,
    container: bool,
    /// It is also in the memo: consuming it copies it out of there.
    memoized: bool,
}

impl Value {
    fn scalar(size: u64) -> Self {
        Value { size, container: false, memoized: false }
    }

    fn container(size: u64) -> Self {
        Value { size, container: true, memoized: false }
    }
}

/// `Ok` when unpickling `bytes` allocates at most `limit` (in bytes, roughly: each value counts
/// [`PER_VALUE`] plus its payload, each copy again). Malformed pickles and the copies described
/// in the module docs are refused too.
pub(crate) fn check(bytes: &[u8], limit: u64) -> Result<(), Refusal> {
    let mut walk = Walk { rest: bytes, stack: Vec::new(), memo: HashMap::new(), total: 0, limit };
    while let Some((&op, rest)) = walk.rest.split_first() {
        walk.rest = rest;
        if op == b'.' {
            return Ok(()); // STOP
        }
        walk.step(op)?;
    }
    Err("the pickle has no STOP opcode")
}

struct Walk<'a> {
    rest: &'a [u8],
    stack: Vec<Item>,
    memo: HashMap<u64, Value>,
    /// Everything created or copied so far.
    total: u64,
    limit: u64,
}

impl<'a> Walk<'a> {
    fn step(&mut self, op: u8) -> Result<(), Refusal> {
        match op {
            // Scalars and strings with their payload: protocol 0 text lines, then binary forms.
            b'I' | b'L' => {
                let text = self.line_text()?;
                if text.iter().filter(|b| b.is_ascii_digit()).count() as u64 > MAX_INT_DIGITS {
                    return Err("the pickle has an integer of more than 4300 digits, which Python refuses too");
                }
                self.create(Value::scalar(PER_VALUE + text.len() as u64))?;
            }
            b'F' | b'S' | b'V' | b'P' => {
                let line = self.line()?;
                self.create(Value::scalar(PER_VALUE + line))?;
            }
            b'N' | 0x88 | 0x89 | 0x97 => self.create(Value::scalar(PER_VALUE))?,
            b'K' | 0x82 => self.scalar(1)?,
            b'M' | 0x83 => self.scalar(2)?,
            b'J' | 0x84 => self.scalar(4)?,
            b'G' => self.scalar(8)?,
            0x8a | b'U' | b'C' | 0x8c => self.sized(1)?,
            0x8b | b'T' | b'X' | b'B' => self.sized(4)?,
            0x8d | 0x8e | 0x96 => self.sized(8)?,
            // Framing and protocol: no value.
            0x80 => self.skip(1)?,
            0x95 => self.skip(8)?,
            0x98 => {}
            // Containers.
            b'(' => {
                self.spend(PER_MARK)?;
                self.stack.push(Item::Mark);
            }
            b')' | b']' | b'}' | 0x8f => self.create(Value::container(PER_VALUE))?,
            0x85 => self.tuple(1)?,
            0x86 => self.tuple(2)?,
            0x87 => self.tuple(3)?,
            b't' | b'l' | b'd' | 0x91 | b'o' => {
                let inside = self.pop_to_mark()?;
                self.push(Value::container(PER_VALUE.saturating_add(inside)))?;
            }
            b'a' => {
                let v = self.pop()?;
                self.grow_top(v)?;
            }
            b's' => {
                let v = self.pop()?.saturating_add(self.pop()?);
                self.grow_top(v)?;
            }
            b'e' | b'u' | 0x90 => {
                let inside = self.pop_to_mark()?;
                self.grow_top(inside)?;
            }
            b'b' => {
                // BUILD: the state replaces the object.
                let state = self.pop_value()?;
                self.pop()?;
                self.push(Value { memoized: false, ..state })?;
            }
            b'0' => drop(self.pop()?),
            b'1' => drop(self.pop_to_mark()?),
            b'2' => return Err("the pickle duplicates a value with DUP, which Python never writes"),
            // The memo.
            b'g' => {
                let index = self.line_number()?;
                self.get(index)?;
            }
            b'h' => {
                let index = self.int(1)?;
                self.get(index)?;
            }
            b'j' => {
                let index = self.int(4)?;
                self.get(index)?;
            }
            b'p' => {
                let index = self.line_number()?;
                self.put(index)?;
            }
            b'q' => {
                let index = self.int(1)?;
                self.put(index)?;
            }
            b'r' => {
                let index = self.int(4)?;
                self.put(index)?;
            }
            0x94 => {
                let index = self.memo.len() as u64;
                self.put(index)?;
            }
            // Objects: a global and what builds it.
            b'c' => {
                self.line()?;
                self.line()?;
                self.create(Value::scalar(PER_VALUE))?;
            }
            b'i' => {
                self.line()?;
                self.line()?;
                let args = self.pop_to_mark()?;
                self.push(Value::container(PER_VALUE.saturating_add(args)))?;
            }
            0x93 => {
                let v = self.pop()?.saturating_add(self.pop()?);
                self.push(Value::scalar(PER_VALUE.saturating_add(v)))?;
            }
            b'R' | 0x81 => {
                let v = self.pop()?.saturating_add(self.pop()?);
                self.push(Value::container(PER_VALUE.saturating_add(v)))?;
            }
            0x92 => {
                let v = self.pop()?.saturating_add(self.pop()?).saturating_add(self.pop()?);
                self.push(Value::container(PER_VALUE.saturating_add(v)))?;
            }
            b'Q' => {
                self.pop()?;
                self.create(Value::scalar(PER_VALUE))?;
            }
            _ => return Err("the pickle has an unknown opcode"),
        }
        Ok(())
    }

    /// Counts `size` more allocated.
    fn spend(&mut self, size: u64) -> Result<(), Refusal> {
        self.total = self.total.saturating_add(size);
        if self.total > self.limit {
            return Err("the pickle unpickles into more than the size limit");
        }
        Ok(())
    }

    /// A new value: counted, then pushed.
    fn create(&mut self, v: Value) -> Result<(), Refusal> {
        self.spend(v.size)?;
        self.push(v)
    }

    /// Pushes a value built from others (already counted).
    fn push(&mut self, v: Value) -> Result<(), Refusal> {
        if v.size > self.limit {
            return Err("the pickle unpickles into more than the size limit");
        }
        self.stack.push(Item::Value(v));
        Ok(())
    }

    fn pop_value(&mut self) -> Result<Value, Refusal> {
        match self.stack.pop() {
            Some(Item::Value(v)) => Ok(v),
            _ => Err("the pickle pops a value it does not have"),
        }
    }

    /// Pops a value into another one; a memoized value is copied out of the memo.
    fn pop(&mut self) -> Result<u64, Refusal> {
        let v = self.pop_value()?;
        if v.memoized {
            self.spend(v.size)?;
        }
        Ok(v.size)
    }

    fn grow_top(&mut self, by: u64) -> Result<(), Refusal> {
        match self.stack.last_mut() {
            Some(Item::Value(top)) => {
                top.size = top.size.saturating_add(by);
                if top.size > self.limit {
                    return Err("the pickle unpickles into more than the size limit");
                }
                Ok(())
            }
            _ => Err("the pickle adds to a value it does not have"),
        }
    }

    fn pop_to_mark(&mut self) -> Result<u64, Refusal> {
        let mut sum = 0u64;
        loop {
            match self.stack.pop() {
                Some(Item::Value(v)) => {
                    if v.memoized {
                        self.spend(v.size)?;
                    }
                    sum = sum.saturating_add(v.size);
                }
                Some(Item::Mark) => return Ok(sum),
                None => return Err("the pickle closes a MARK it never opened"),
            }
        }
    }

    fn tuple(&mut self, n: usize) -> Result<(), Refusal> {
        let mut sum = PER_VALUE;
        for _ in 0..n {
            sum = sum.saturating_add(self.pop()?);
        }
        self.spend(PER_VALUE)?;
        self.push(Value::container(sum))
    }

    fn get(&mut self, index: u64) -> Result<(), Refusal> {
        let v = *self.memo.get(&index).ok_or("the pickle reads a memo slot it never wrote")?;
        if v.container {
            return Err("the pickle shares one container in several places, which is not supported");
        }
        self.create(Value::scalar(v.size))
    }

    /// Memoizes the top value; memoizing one that already is copies it.
    fn put(&mut self, index: u64) -> Result<(), Refusal> {
        let Some(Item::Value(top)) = self.stack.last().copied() else {
            return Err("the pickle memoizes a value it does not have");
        };
        if top.memoized {
            self.spend(top.size)?;
        }
        self.memo.insert(index, Value { memoized: false, ..top });
        if let Some(Item::Value(top)) = self.stack.last_mut() {
            top.memoized = true;
        }
        Ok(())
    }

    fn take(&mut self, n: usize) -> Result<&[u8], Refusal> {
        let Some((head, rest)) = self.rest.split_at_checked(n) else {
            return Err("the pickle is truncated");
        };
        self.rest = rest;
        Ok(head)
    }

    fn skip(&mut self, n: usize) -> Result<(), Refusal> {
        self.take(n).map(drop)
    }

    /// A little-endian unsigned argument of `n` bytes.
    fn int(&mut self, n: usize) -> Result<u64, Refusal> {
        Ok(self.take(n)?.iter().rev().fold(0u64, |acc, &b| acc << 8 | u64::from(b)))
    }

    fn scalar(&mut self, n: usize) -> Result<(), Refusal> {
        self.skip(n)?;
        self.create(Value::scalar(PER_VALUE))
    }

    /// A payload whose length comes first, in `n` bytes.
    fn sized(&mut self, n: usize) -> Result<(), Refusal> {
        let len = self.int(n)?;
        let len = usize::try_from(len).map_err(|_| "the pickle is truncated")?;
        self.skip(len)?;
        self.create(Value::scalar(PER_VALUE.saturating_add(len as u64)))
    }

    /// A protocol-0 argument: the bytes up to a newline; returns their count.
    fn line(&mut self) -> Result<u64, Refusal> {
        Ok(self.line_text()?.len() as u64)
    }

    /// A protocol-0 argument: the bytes up to a newline.
    fn line_text(&mut self) -> Result<&'a [u8], Refusal> {
        let end = self.rest.iter().position(|&b| b == b'\n').ok_or("the pickle is truncated")?;
        let (text, rest) = self.rest.split_at(end);
        self.rest = &rest[1..];
        Ok(text)
    }

    /// A protocol-0 decimal memo index.
    fn line_number(&mut self) -> Result<u64, Refusal> {
        let end = self.rest.iter().position(|&b| b == b'\n').ok_or("the pickle is truncated")?;
        let text = std::str::from_utf8(&self.rest[..end]).map_err(|_| "the pickle has a bad memo index")?;
        let index = text.trim().parse().map_err(|_| "the pickle has a bad memo index")?;
        self.rest = &self.rest[end + 1..];
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: u64 = 64 << 20;

    /// The fuzzer's finds, each of which made serde_pickle allocate past 2 GB.
    #[test]
    fn the_fuzzers_pickle_bombs_are_refused_before_unpickling() {
        for bomb in [
            &include_bytes!("testdata/pickle-bomb-dup-tuple3.bin")[..],
            include_bytes!("testdata/pickle-bomb-dup-of-memoized-dicts.bin"),
        ] {
            // Refused for what makes them bombs, not for some malformation on the way.
            assert_eq!(check(bomb, LIMIT), Err("the pickle duplicates a value with DUP, which Python never writes"));
        }
    }

    #[test]
    fn python_pickles_with_shared_strings_pass_and_cost_what_they_hold() {
        // pickle.dumps({"flashes": [("message", "a"), ("message", "b")], "n": 3}, protocol=4):
        // "message" is memoized once and read back with BINGET.
        let p = b"\x80\x04\x951\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x07flashes\x94]\x94(\x8c\x07message\x94\x8c\x01a\x94\x86\x94h\x03\x8c\x01b\x94\x86\x94e\x8c\x01n\x94K\x03u.";
        assert_eq!(check(p, LIMIT), Ok(()));
        // Twelve values of at most 7 payload bytes, the tuples' copies of memoized strings
        // included: well under 2 KB, besides the two MARKs' stacks.
        assert!(check(p, 2 * PER_MARK + 2048).is_ok());
        assert!(check(p, 2 * PER_MARK).is_err());
    }

    /// 250,000 MARKs (250 KB) made serde_pickle allocate about a gigabyte: each costs its stack.
    #[test]
    fn a_mark_bomb_is_refused() {
        let mut bomb = b"\x80\x04".to_vec();
        bomb.extend(std::iter::repeat_n(b'(', 250_000));
        bomb.extend(b"}.");
        assert_eq!(check(&bomb, LIMIT), Err("the pickle unpickles into more than the size limit"));
    }

    /// Protocol-0 integers are as long as Python itself converts (4300 digits), no longer:
    /// parsing a decimal big integer takes time quadratic in its length.
    #[test]
    fn protocol_0_integers_are_bounded_as_python_bounds_them() {
        let long = |digits: usize| {
            let mut p = b"(dp0\nS'n'\np1\nL".to_vec();
            p.extend(std::iter::repeat_n(b'7', digits));
            p.extend(b"L\ns.");
            p
        };
        assert_eq!(check(&long(4300), LIMIT), Ok(()));
        assert!(check(&long(4301), LIMIT).unwrap_err().contains("4300 digits"));
        assert!(check(&long(400_000), LIMIT).is_err());
    }

    #[test]
    fn every_copy_of_a_memoized_string_counts() {
        // A 1,000-byte string memoized (slot 1), then read back 99 times into a list.
        let mut p = b"\x80\x04]\x94(X\xe8\x03\x00\x00".to_vec();
        p.extend([b'a'; 1000]);
        p.push(0x94);
        for _ in 0..99 {
            p.extend(b"h\x01");
        }
        p.extend(b"e.");
        let one = PER_VALUE + 1000;
        assert!(check(&p, 110 * one).is_ok());
        assert!(check(&p, 90 * one).is_err());
    }

    #[test]
    fn a_shared_container_and_dup_are_refused() {
        // l = [1]; pickle.dumps((l, l), protocol=4)
        let shared = b"\x80\x04\x95\n\x00\x00\x00\x00\x00\x00\x00]\x94K\x01ah\x00\x86\x94.";
        assert_eq!(check(shared, LIMIT), Err("the pickle shares one container in several places, which is not supported"));
        assert_eq!(check(b"K\x012\x86.", LIMIT), Err("the pickle duplicates a value with DUP, which Python never writes"));
    }

    #[test]
    fn malformed_pickles_are_refused() {
        for bad in [&b""[..], b"\x80\x04", b"h\x05.", b"e.", b"\xff.", b"X\xff\xff\xff\xff."] {
            assert!(check(bad, LIMIT).is_err(), "{bad:?}");
        }
    }
}
