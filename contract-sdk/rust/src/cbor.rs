//! Canonical CBOR (docs/formats.md section 1) of the one shape contracts pass:
//! a map with text keys whose values are integers (i64), text, bytes or
//! booleans. The encoder writes shortest heads and sorts keys by their encoded
//! bytes; the decoder accepts only what the encoder writes.

const MAJOR_UINT: u8 = 0;
const MAJOR_NEGINT: u8 = 1;
const MAJOR_BYTES: u8 = 2;
const MAJOR_TEXT: u8 = 3;
const MAJOR_MAP: u8 = 5;
const MAJOR_SIMPLE: u8 = 7;

/// One value of a map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
    Bool(bool),
}

/// A map with text keys, kept sorted by the keys' encoded bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Map {
    entries: Vec<(Vec<u8>, String, Value)>,
}

fn write_head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    if n < 24 {
        out.push(m | n as u8);
    } else if n <= 0xff {
        out.push(m | 24);
        out.push(n as u8);
    } else if n <= 0xffff {
        out.push(m | 25);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else if n <= 0xffff_ffff {
        out.push(m | 26);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn encoded_key(key: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 9);
    write_head(&mut out, MAJOR_TEXT, key.len() as u64);
    out.extend_from_slice(key.as_bytes());
    out
}

impl Map {
    /// An empty map.
    pub fn new() -> Map {
        Map { entries: Vec::new() }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(_, k, v)| (k.as_str(), v))
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(_, k, _)| k == key).map(|(_, _, v)| v)
    }

    /// Sets `key`, replacing its value when present.
    pub fn set(&mut self, key: &str, value: Value) {
        let encoded = encoded_key(key);
        match self.entries.binary_search_by(|(e, _, _)| e.as_slice().cmp(encoded.as_slice())) {
            Ok(at) => self.entries[at].2 = value,
            Err(at) => self.entries.insert(at, (encoded, key.to_string(), value)),
        }
    }

    /// The map with `key` set: `Map::new().with("fee", Value::Int(5))`.
    pub fn with(mut self, key: &str, value: Value) -> Map {
        self.set(key, value);
        self
    }

    /// The integer under `key`, else the call ends with the reason.
    pub fn int(&self, key: &str) -> i64 {
        match self.get(key) {
            Some(Value::Int(v)) => *v,
            Some(_) => crate::fail(&format!("field {} is not an integer", key)),
            None => crate::fail(&format!("missing field {}", key)),
        }
    }

    /// The text under `key`, else the call ends with the reason.
    pub fn text(&self, key: &str) -> &str {
        match self.get(key) {
            Some(Value::Text(v)) => v.as_str(),
            Some(_) => crate::fail(&format!("field {} is not text", key)),
            None => crate::fail(&format!("missing field {}", key)),
        }
    }

    /// The bytes under `key`, else the call ends with the reason.
    pub fn bytes(&self, key: &str) -> &[u8] {
        match self.get(key) {
            Some(Value::Bytes(v)) => v.as_slice(),
            Some(_) => crate::fail(&format!("field {} is not bytes", key)),
            None => crate::fail(&format!("missing field {}", key)),
        }
    }

    /// The boolean under `key`, else the call ends with the reason.
    pub fn boolean(&self, key: &str) -> bool {
        match self.get(key) {
            Some(Value::Bool(v)) => *v,
            Some(_) => crate::fail(&format!("field {} is not a boolean", key)),
            None => crate::fail(&format!("missing field {}", key)),
        }
    }

    /// Canonical CBOR of the map.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        write_head(&mut out, MAJOR_MAP, self.entries.len() as u64);
        for (encoded, _, value) in &self.entries {
            out.extend_from_slice(encoded);
            match value {
                Value::Int(v) if *v >= 0 => write_head(&mut out, MAJOR_UINT, *v as u64),
                Value::Int(v) => write_head(&mut out, MAJOR_NEGINT, (-1 - *v) as u64),
                Value::Text(t) => {
                    write_head(&mut out, MAJOR_TEXT, t.len() as u64);
                    out.extend_from_slice(t.as_bytes());
                }
                Value::Bytes(b) => {
                    write_head(&mut out, MAJOR_BYTES, b.len() as u64);
                    out.extend_from_slice(b);
                }
                Value::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
            }
        }
        out
    }

    /// Decodes canonical CBOR of such a map, or says why it is not one.
    pub fn decode(data: &[u8]) -> Result<Map, &'static str> {
        let mut r = Reader { data, pos: 0 };
        let (major, count) = r.head()?;
        if major != MAJOR_MAP {
            return Err("bad CBOR: expected a map");
        }
        if count > (r.left() / 2) as u64 {
            return Err("bad CBOR: more entries than the input holds");
        }
        let mut entries: Vec<(Vec<u8>, String, Value)> = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let start = r.pos;
            let (major, len) = r.head()?;
            if major != MAJOR_TEXT {
                return Err("bad CBOR: a map key is not text");
            }
            let key = r.text(len)?;
            let encoded = data[start..r.pos].to_vec();
            if let Some((previous, _, _)) = entries.last() {
                if previous.as_slice() >= encoded.as_slice() {
                    return Err("bad CBOR: map keys are not sorted or repeat");
                }
            }
            let value = r.value()?;
            entries.push((encoded, key, value));
        }
        if r.left() != 0 {
            return Err("bad CBOR: trailing bytes");
        }
        Ok(Map { entries })
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn left(&self) -> usize {
        self.data.len() - self.pos
    }

    fn byte(&mut self) -> Result<u8, &'static str> {
        let b = *self.data.get(self.pos).ok_or("bad CBOR: input ends early")?;
        self.pos += 1;
        Ok(b)
    }

    fn head(&mut self) -> Result<(u8, u64), &'static str> {
        let first = self.byte()?;
        let info = first & 0x1f;
        if info < 24 {
            return Ok((first >> 5, info as u64));
        }
        if info > 27 {
            return Err("bad CBOR: indefinite length or reserved head");
        }
        let width = 1usize << (info - 24);
        let mut n: u64 = 0;
        for _ in 0..width {
            n = (n << 8) | self.byte()? as u64;
        }
        let shortest: u64 = match width {
            1 => 24,
            2 => 0x100,
            4 => 0x1_0000,
            _ => 0x1_0000_0000,
        };
        if n < shortest {
            return Err("bad CBOR: head is not in its shortest form");
        }
        Ok((first >> 5, n))
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], &'static str> {
        if n > self.left() as u64 {
            return Err("bad CBOR: a string is longer than the input");
        }
        let out = &self.data[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(out)
    }

    fn text(&mut self, n: u64) -> Result<String, &'static str> {
        let raw = self.take(n)?;
        core::str::from_utf8(raw)
            .map(|s| s.to_string())
            .map_err(|_| "bad CBOR: invalid UTF-8")
    }

    fn value(&mut self) -> Result<Value, &'static str> {
        let (major, n) = self.head()?;
        match major {
            MAJOR_UINT if n <= i64::MAX as u64 => Ok(Value::Int(n as i64)),
            MAJOR_NEGINT if n <= i64::MAX as u64 => Ok(Value::Int(-1 - n as i64)),
            MAJOR_UINT | MAJOR_NEGINT => Err("bad CBOR: integer out of range"),
            MAJOR_BYTES => Ok(Value::Bytes(self.take(n)?.to_vec())),
            MAJOR_TEXT => Ok(Value::Text(self.text(n)?)),
            MAJOR_SIMPLE if n == 20 || n == 21 => Ok(Value::Bool(n == 21)),
            _ => Err("bad CBOR: values are integers, text, bytes or booleans"),
        }
    }
}
