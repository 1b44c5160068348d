//! Reading and writing the TLS presentation language (RFC 8446 §3), with annotations.
//!
//! [`Reader`] records, for every field it decodes, the byte range, the RFC's field name, the value
//! and a plain-language meaning. Those records are the only source of the byte annotations the page
//! shows: they come from the same code that parses the bytes, so they cannot disagree with them.
//! [`Writer`] fills in length prefixes after the body is written (like rustls'
//! `LengthPrefixedBuffer`), so the nesting of the code follows the nesting on the wire.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::enums::Wire;
use super::error::Error;

/// One named range of bytes, with the fields inside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// The RFC's name for the field (`legacy_version`, `cipher_suites`, …).
    pub name: Cow<'static, str>,
    /// Offset of the first byte, relative to the start of the annotated buffer.
    pub start: usize,
    /// Number of bytes.
    pub len: usize,
    /// The value as shown to a reader of the RFC (`0x0303`, `TLS_AES_128_GCM_SHA256`, `32 bytes`).
    pub value: String,
    /// A short sentence for someone who has never read the RFC.
    pub meaning: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Field>,
}

impl Field {
    pub fn new(name: &'static str, start: usize, len: usize, value: String, meaning: &'static str) -> Self {
        Field::explained(name, start, len, value, Cow::Borrowed(meaning))
    }

    /// A field whose meaning is worked out from its value (names are always the RFC's, fixed).
    pub fn explained(name: &'static str, start: usize, len: usize, value: String, meaning: Cow<'static, str>) -> Self {
        Field { name: Cow::Borrowed(name), start, len, value, meaning, children: Vec::new() }
    }

    /// Shift this field and all its children by `by` bytes (used when a message is placed inside a
    /// record, or a record inside a flight).
    pub fn shifted(mut self, by: usize) -> Self {
        self.start += by;
        self.children = self.children.into_iter().map(|c| c.shifted(by)).collect();
        self
    }

    /// The leaves of the tree, in byte order.
    pub fn leaves(&self) -> Vec<&Field> {
        if self.children.is_empty() {
            return vec![self];
        }
        self.children.iter().flat_map(|c| c.leaves()).collect()
    }
}

/// Bytes that serialise as a lowercase hex string (readable in the trace JSON).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl core::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl From<&[u8]> for Bytes {
    fn from(b: &[u8]) -> Self {
        Bytes(b.to_vec())
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(b: Vec<u8>) -> Self {
        Bytes(b)
    }
}

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        unhex(&s).map(Bytes).ok_or_else(|| serde::de::Error::custom("not a hex string"))
    }
}

/// Parse a hex string (no separators); `None` if it is not one.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    s
}

/// Text in double quotes, with quotes, backslashes and control characters escaped as Rust
/// writes them (`"GET / HTTP/1.1\r\n"`). Written out rather than taken from `{:?}`, whose
/// Unicode tables the page would otherwise carry.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A short rendering of opaque bytes: the hex of short values, a count and a prefix of long ones.
pub fn opaque_value(bytes: &[u8]) -> String {
    if bytes.len() <= 48 {
        hex(bytes)
    } else {
        format!("{} bytes: {}…", bytes.len(), hex(&bytes[..16]))
    }
}

/// A decoder over a byte slice that records the fields it reads.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf[0]` in the annotated buffer.
    base: usize,
    /// Open groups: each holds the fields read inside it so far.
    stack: Vec<Field>,
    done: Vec<Field>,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self::with_base(buf, 0)
    }

    pub fn with_base(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base, stack: Vec::new(), done: Vec::new() }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn position(&self) -> usize {
        self.base + self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The bytes not read yet, without reading them.
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }

    pub fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Reject trailing bytes (RFC 8446 §6: decode_error).
    pub fn expect_end(&self) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::Decode("trailing bytes after the message"))
        }
    }

    fn push(&mut self, f: Field) {
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(f),
            None => self.done.push(f),
        }
    }

    /// The fields read so far. Groups left open by an error are closed where reading stopped, so a
    /// failed decode still shows how far it got.
    pub fn into_fields(mut self) -> Vec<Field> {
        while let Some(mut g) = self.stack.pop() {
            g.len = self.base + self.pos - g.start;
            self.push(g);
        }
        self.done
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if self.remaining() < n {
            return Err(Error::Decode("message truncated"));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn uint(&mut self, n: usize) -> Result<u32, Error> {
        let b = self.take(n)?;
        Ok(b.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x)))
    }

    /// Read an unsigned big-endian integer of `n` bytes and record it, with a meaning worked out
    /// from its value.
    pub fn read_uint(&mut self, n: usize, name: &'static str, meaning: impl FnOnce(u32) -> String) -> Result<u32, Error> {
        let v = self.uint(n)?;
        self.pos -= n;
        self.uint_field(n, name, Cow::Owned(meaning(v)))
    }

    fn uint_field(&mut self, n: usize, name: &'static str, meaning: Cow<'static, str>) -> Result<u32, Error> {
        let start = self.position();
        let v = self.uint(n)?;
        let value = format!("0x{:0width$x} ({v})", v, width = n * 2);
        self.push(Field::explained(name, start, n, value, meaning));
        Ok(v)
    }

    pub fn u8(&mut self, name: &'static str, meaning: &'static str) -> Result<u8, Error> {
        let v = self.uint_field(1, name, Cow::Borrowed(meaning))?;
        u8::try_from(v).map_err(|_| Error::Decode("u8"))
    }

    pub fn u16(&mut self, name: &'static str, meaning: &'static str) -> Result<u16, Error> {
        let v = self.uint_field(2, name, Cow::Borrowed(meaning))?;
        u16::try_from(v).map_err(|_| Error::Decode("u16"))
    }

    pub fn u32(&mut self, name: &'static str, meaning: &'static str) -> Result<u32, Error> {
        self.uint_field(4, name, Cow::Borrowed(meaning))
    }

    /// Read a wire enum (a newtype over an integer) and record its RFC name as the value.
    pub fn wire<T: Wire>(&mut self, name: &'static str) -> Result<T, Error> {
        let start = self.position();
        let raw = self.uint(T::SIZE)?;
        let v = T::from_raw(raw);
        let value = format!("0x{:0width$x} {}", raw, v.name(), width = T::SIZE * 2);
        self.push(Field::new(name, start, T::SIZE, value, v.meaning()));
        Ok(v)
    }

    /// Read `n` opaque bytes and record them.
    pub fn opaque(&mut self, n: usize, name: &'static str, meaning: &'static str) -> Result<&'a [u8], Error> {
        let start = self.position();
        let b = self.take(n)?;
        self.push(Field::new(name, start, n, opaque_value(b), meaning));
        Ok(b)
    }

    /// Read a length-prefixed vector `name<min..max>` whose length field is `len_size` bytes,
    /// calling `body` with a reader limited to the vector's bytes. The body must consume them all.
    pub fn vector<T>(
        &mut self,
        len_size: usize,
        min: usize,
        max: usize,
        name: &'static str,
        meaning: impl Into<Cow<'static, str>>,
        body: impl FnOnce(&mut Reader<'a>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        // The bookkeeping lives in two non-generic halves, so each call site adds only the call
        // of its body to the page's WebAssembly.
        let (mut sub, open) = self.vector_begin(len_size, min, max, name, meaning.into())?;
        let result = body(&mut sub);
        let consumed_all = self.vector_end(sub, open)?;
        let value = result?;
        if !consumed_all {
            return Err(Error::Decode("trailing bytes inside a vector"));
        }
        Ok(value)
    }

    /// Read a vector's length and take its bytes: a reader over them, and what `vector_end` needs.
    fn vector_begin(
        &mut self,
        len_size: usize,
        min: usize,
        max: usize,
        name: &'static str,
        meaning: Cow<'static, str>,
    ) -> Result<(Reader<'a>, OpenVector), Error> {
        let start = self.position();
        self.stack.push(Field::explained(name, start, 0, String::new(), meaning));
        let len_raw = self.read_uint(len_size, "length", |v| format!("{v} {} follow", if v == 1 { "byte" } else { "bytes" }))?;
        let len = usize::try_from(len_raw).map_err(|_| Error::Decode("length"))?;
        if len < min || len > max {
            return Err(Error::Decode("vector length out of range"));
        }
        // A truncated vector is still parsed as far as its bytes go, so the annotation shows
        // where the message stops; the truncation is reported after.
        let avail = len.min(self.remaining());
        let body_bytes = self.take(avail)?;
        let sub = Reader::with_base(body_bytes, self.base + self.pos - avail);
        Ok((sub, OpenVector { name_start: start, len, avail, len_size }))
    }

    /// Close a vector: its field holds what the body read. Returns whether the body read it all.
    fn vector_end(&mut self, sub: Reader<'a>, open: OpenVector) -> Result<bool, Error> {
        let consumed_all = sub.is_empty();
        let fields = sub.into_fields();
        let mut group = self.stack.pop().unwrap_or_else(|| Field::new("vector", open.name_start, 0, String::new(), ""));
        group.children.extend(fields);
        group.len = open.len_size + open.avail;
        group.value = format!("{} {}", open.len, if open.len == 1 { "byte" } else { "bytes" });
        self.push(group);
        if open.avail < open.len {
            return Err(Error::Decode("message truncated"));
        }
        Ok(consumed_all)
    }

    /// Read a length-prefixed opaque vector and record its content as one field.
    pub fn opaque_vector(
        &mut self,
        len_size: usize,
        min: usize,
        max: usize,
        name: &'static str,
        meaning: &'static str,
    ) -> Result<&'a [u8], Error> {
        self.vector(len_size, min, max, name, meaning, |r| {
            let n = r.remaining();
            r.opaque(n, "data", meaning)
        })
    }

    /// Group the fields read by `body` under one named node (no length prefix on the wire).
    pub fn group<T>(
        &mut self,
        name: &'static str,
        meaning: &'static str,
        body: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let depth = self.group_begin(name, meaning);
        let result = body(self);
        self.group_end(depth, result.is_ok());
        result
    }

    fn group_begin(&mut self, name: &'static str, meaning: &'static str) -> usize {
        let start = self.position();
        self.stack.push(Field::new(name, start, 0, String::new(), meaning));
        self.stack.len()
    }

    fn group_end(&mut self, depth: usize, ok: bool) {
        // On error the inner groups may still be open: `into_fields` closes them.
        if ok && self.stack.len() == depth {
            if let Some(mut g) = self.stack.pop() {
                g.len = self.position() - g.start;
                self.push(g);
            }
        }
    }

    fn last_mut(&mut self) -> Option<&mut Field> {
        match self.stack.last_mut() {
            Some(parent) => parent.children.last_mut(),
            None => self.done.last_mut(),
        }
    }

    /// Set the displayed value of the most recently completed field at the current depth.
    pub fn describe_last(&mut self, value: String) {
        if let Some(f) = self.last_mut() {
            f.value = value;
        }
    }

    /// Set the plain-language meaning of the most recently completed field at the current depth.
    pub fn explain_last(&mut self, meaning: &'static str) {
        if let Some(f) = self.last_mut() {
            f.meaning = Cow::Borrowed(meaning);
        }
    }

    /// Give the most recently completed field the fields another decoder found inside it (the
    /// DER of a certificate).
    pub fn annotate_last(&mut self, children: Vec<Field>) {
        if let Some(f) = self.last_mut() {
            f.children = children;
        }
    }
}

/// What `vector_end` needs to close a vector opened by `vector_begin`.
struct OpenVector {
    name_start: usize,
    len: usize,
    avail: usize,
    len_size: usize,
}

/// An encoder that fills in length prefixes after their body is written.
#[derive(Default)]
pub struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Writer { buf: Vec::new() }
    }

    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn u24(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes()[1..]);
    }

    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn wire<T: Wire>(&mut self, v: T) {
        let raw = v.raw().to_be_bytes();
        self.buf.extend_from_slice(&raw[4 - T::SIZE..]);
    }

    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    /// Write a vector with a `len_size`-byte length prefix filled in after `body` has run.
    pub fn vector(&mut self, len_size: usize, body: impl FnOnce(&mut Writer)) {
        let at = self.buf.len();
        self.buf.extend(std::iter::repeat_n(0u8, len_size));
        body(self);
        let len = self.buf.len() - at - len_size;
        let be = (len as u64).to_be_bytes();
        self.buf[at..at + len_size].copy_from_slice(&be[8 - len_size..]);
    }

    pub fn opaque_vector(&mut self, len_size: usize, b: &[u8]) {
        self.vector(len_size, |w| w.bytes(b));
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn quoted_text_escapes_as_debug_does_for_the_page_s_messages() {
        for t in ["GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", "a \"quote\" and a \\ and a\ttab", "héllo ✓ <b>", "nul\u{0}"] {
            assert_eq!(quoted(t), format!("{t:?}"));
        }
    }

    use super::*;

    #[test]
    fn vector_length_is_filled_in_after_the_body() {
        let mut w = Writer::new();
        w.vector(2, |w| {
            w.u8(1);
            w.vector(1, |w| w.bytes(&[9, 9, 9]));
        });
        assert_eq!(w.buf, vec![0, 5, 1, 3, 9, 9, 9]);
    }

    #[test]
    fn reader_records_byte_ranges_of_nested_fields() {
        let bytes = [0, 3, 7, 0, 1];
        let mut r = Reader::new(&bytes);
        r.vector(2, 0, 10, "outer", "", |r| {
            r.u8("a", "")?;
            r.u16("b", "")
        })
        .unwrap();
        let f = r.into_fields();
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].start, f[0].len), (0, 5));
        let names: Vec<_> = f[0].children.iter().map(|c| (&*c.name, c.start, c.len)).collect();
        assert_eq!(names, vec![("length", 0, 2), ("a", 2, 1), ("b", 3, 2)]);
    }

    #[test]
    fn rejects_a_vector_longer_than_its_buffer() {
        let bytes = [0, 9, 1];
        let mut r = Reader::new(&bytes);
        assert!(matches!(r.opaque_vector(2, 0, 100, "v", ""), Err(Error::Decode(_))));
    }

    #[test]
    fn rejects_bytes_left_inside_a_vector() {
        let bytes = [0, 3, 0, 1, 2];
        let mut r = Reader::new(&bytes);
        let res = r.vector(2, 0, 100, "v", "", |r| r.u16("x", ""));
        assert!(matches!(res, Err(Error::Decode(_))));
    }
}
