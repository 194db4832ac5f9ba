//! How big a pickle becomes once unpickled, found by walking its opcodes before unpickling.
//!
//! serde_pickle copies a value for every `DUP` and every memo `GET`, so a pickle that duplicates
//! a container and nests the copies doubles in size per step: the `decode` fuzz target found a
//! 104-byte input (`DUP` and `TUPLE3`, repeated) that unpickles into gigabytes. The walk tracks
//! the unpickled size of every stack item and memo slot, exactly as the copies would be made, and
//! refuses the pickle once any item passes the limit; legitimate pickles, shared references
//! (memo `GET`s of strings and small values) included, cost what they hold.

use std::collections::HashMap;

/// What one value costs, on top of its payload bytes: about the memory serde_pickle spends on it.
const PER_VALUE: u64 = 64;

/// Why a pickle was refused before unpickling.
pub(crate) type Refusal = &'static str;

enum Item {
    Mark,
    Size(u64),
}

/// `Ok` when `bytes` unpickles into at most `limit` (in bytes, roughly: each value counts
/// [`PER_VALUE`] plus its payload). Malformed pickles are refused too; serde_pickle would
/// refuse them anyway.
pub(crate) fn check(bytes: &[u8], limit: u64) -> Result<(), Refusal> {
    let mut walk = Walk { rest: bytes, stack: Vec::new(), memo: HashMap::new(), limit };
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
    memo: HashMap<u64, u64>,
    limit: u64,
}

impl Walk<'_> {
    fn step(&mut self, op: u8) -> Result<(), Refusal> {
        match op {
            // Scalars and strings with their payload: protocol 0 text lines, then binary forms.
            b'I' | b'L' | b'F' | b'S' | b'V' | b'P' => {
                let line = self.line()?;
                self.push(PER_VALUE + line)?;
            }
            b'N' | 0x88 | 0x89 => self.push(PER_VALUE)?,
            b'K' => self.scalar(1)?,
            b'M' => self.scalar(2)?,
            b'J' => self.scalar(4)?,
            b'G' => self.scalar(8)?,
            0x8a => self.sized(1)?,
            0x8b | b'T' | b'X' | b'B' => self.sized(4)?,
            b'U' | b'C' | 0x8c => self.sized(1)?,
            0x8d | 0x8e | 0x96 => self.sized(8)?,
            // Framing and protocol: no value.
            0x80 => self.skip(1)?,
            0x95 => self.skip(8)?,
            // Containers.
            b'(' => self.stack.push(Item::Mark),
            b')' | b']' | b'}' | 0x8f => self.push(PER_VALUE)?,
            0x85 => self.tuple(1)?,
            0x86 => self.tuple(2)?,
            0x87 => self.tuple(3)?,
            b't' | b'l' | b'd' | 0x91 => {
                let inside = self.pop_to_mark()?;
                self.push(PER_VALUE.saturating_add(inside))?;
            }
            b'a' | b'b' => {
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
            b'0' => drop(self.pop()?),
            b'1' => drop(self.pop_to_mark()?),
            // The copies.
            b'2' => {
                let top = self.top()?;
                self.push(top)?;
            }
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
                self.push(PER_VALUE)?;
            }
            b'i' => {
                self.line()?;
                self.line()?;
                let args = self.pop_to_mark()?;
                self.push(PER_VALUE.saturating_add(args))?;
            }
            b'o' => {
                let args = self.pop_to_mark()?;
                self.push(PER_VALUE.saturating_add(args))?;
            }
            0x93 | b'R' | 0x81 => {
                let v = self.pop()?.saturating_add(self.pop()?);
                self.push(PER_VALUE.saturating_add(v))?;
            }
            0x92 => {
                let v = self.pop()?.saturating_add(self.pop()?).saturating_add(self.pop()?);
                self.push(PER_VALUE.saturating_add(v))?;
            }
            b'Q' => {
                self.pop()?;
                self.push(PER_VALUE)?;
            }
            0x82 => self.scalar(1)?,
            0x83 => self.scalar(2)?,
            0x84 => self.scalar(4)?,
            0x97 => self.push(PER_VALUE)?,
            0x98 => {}
            _ => return Err("the pickle has an unknown opcode"),
        }
        Ok(())
    }

    fn push(&mut self, size: u64) -> Result<(), Refusal> {
        if size > self.limit {
            return Err("the pickle unpickles into more than the size limit");
        }
        self.stack.push(Item::Size(size));
        Ok(())
    }

    fn pop(&mut self) -> Result<u64, Refusal> {
        match self.stack.pop() {
            Some(Item::Size(size)) => Ok(size),
            _ => Err("the pickle pops a value it does not have"),
        }
    }

    fn top(&self) -> Result<u64, Refusal> {
        match self.stack.last() {
            Some(Item::Size(size)) => Ok(*size),
            _ => Err("the pickle copies a value it does not have"),
        }
    }

    fn grow_top(&mut self, by: u64) -> Result<(), Refusal> {
        let top = self.pop()?;
        self.push(top.saturating_add(by))
    }

    fn pop_to_mark(&mut self) -> Result<u64, Refusal> {
        let mut sum = 0u64;
        loop {
            match self.stack.pop() {
                Some(Item::Size(size)) => sum = sum.saturating_add(size),
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
        self.push(sum)
    }

    fn get(&mut self, index: u64) -> Result<(), Refusal> {
        let size = *self.memo.get(&index).ok_or("the pickle reads a memo slot it never wrote")?;
        self.push(size)
    }

    fn put(&mut self, index: u64) -> Result<(), Refusal> {
        let top = self.top()?;
        self.memo.insert(index, top);
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
        self.push(PER_VALUE)
    }

    /// A payload whose length comes first, in `n` bytes.
    fn sized(&mut self, n: usize) -> Result<(), Refusal> {
        let len = self.int(n)?;
        let len = usize::try_from(len).map_err(|_| "the pickle is truncated")?;
        self.skip(len)?;
        self.push(PER_VALUE.saturating_add(len as u64))
    }

    /// A protocol-0 argument: the bytes up to a newline; returns their count.
    fn line(&mut self) -> Result<u64, Refusal> {
        let end = self.rest.iter().position(|&b| b == b'\n').ok_or("the pickle is truncated")?;
        self.rest = &self.rest[end + 1..];
        Ok(end as u64)
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

    /// The fuzzer's find: `DUP` + `TUPLE3` repeated, 104 bytes.
    const BOMB: &[u8] = b"\x8b\x01\x00\x00\x00\x00222222\x87222\x872\x87222\x87\x8b\x01\x00\x00\x00\x00222222\x872\
22\x872\x87222\x8722222\x872\x872\x8722222222\x872\x872\x872222222222\x872\x872\x8722222\
222\x872\x872\x8722222\x87.";

    #[test]
    fn a_duplication_bomb_is_refused_before_unpickling() {
        assert_eq!(check(BOMB, 64 << 20), Err("the pickle unpickles into more than the size limit"));
    }

    #[test]
    fn python_pickles_with_shared_references_pass_and_cost_what_they_hold() {
        // pickle.dumps({"flashes": [("message", "a"), ("message", "b")], "n": 3}, protocol=4):
        // "message" is memoized once and read back with BINGET.
        let p = b"\x80\x04\x951\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x07flashes\x94]\x94(\x8c\x07message\x94\x8c\x01a\x94\x86\x94h\x03\x8c\x01b\x94\x86\x94e\x8c\x01n\x94K\x03u.";
        assert_eq!(check(p, 64 << 20), Ok(()));
        // Eleven values of at most 7 payload bytes: well under 2 KB.
        assert!(check(p, 11 * (PER_VALUE + 7)).is_ok());
        assert!(check(p, 3 * PER_VALUE).is_err());
    }

    #[test]
    fn malformed_pickles_are_refused() {
        for bad in [&b""[..], b"\x80\x04", b"h\x05.", b"2.", b"e.", b"\xff.", b"X\xff\xff\xff\xff."] {
            assert!(check(bad, 64 << 20).is_err(), "{bad:?}");
        }
    }
}
