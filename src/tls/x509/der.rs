//! DER (ITU-T X.690), the encoding of X.509 certificates: a writer that fills in each length after
//! its content, and a strict reader that records every element it decodes as an annotated
//! [`Field`], as [`crate::tls::codec::Reader`] does for TLS messages. Only what certificates need
//! is here: definite lengths in their shortest form, low tag numbers, the universal types of
//! RFC 5280. Object identifiers are in [`super::oid`], times in [`super::time`].

use super::oid::{oid_decode, oid_encode, oid_name};
use crate::tls::codec::{hex, opaque_value, Field};
use crate::tls::error::Error;
use crate::tls::time::DateTime;

pub(crate) const BOOLEAN: u8 = 0x01;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const NULL: u8 = 0x05;
pub(crate) const OID: u8 = 0x06;
pub(crate) const UTF8_STRING: u8 = 0x0c;
pub(crate) const PRINTABLE_STRING: u8 = 0x13;
pub(crate) const IA5_STRING: u8 = 0x16;
pub(crate) const UTC_TIME: u8 = 0x17;
pub(crate) const GENERALIZED_TIME: u8 = 0x18;
pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const SET: u8 = 0x31;

/// What a tag byte says, in words.
fn tag_meaning(tag: u8) -> &'static str {
    match tag {
        BOOLEAN => "BOOLEAN",
        INTEGER => "INTEGER",
        BIT_STRING => "BIT STRING",
        OCTET_STRING => "OCTET STRING",
        NULL => "NULL",
        OID => "OBJECT IDENTIFIER",
        UTF8_STRING => "UTF8String",
        PRINTABLE_STRING => "PrintableString",
        IA5_STRING => "IA5String",
        UTC_TIME => "UTCTime",
        GENERALIZED_TIME => "GeneralizedTime",
        SEQUENCE => "SEQUENCE",
        SET => "SET",
        t if t & 0xc0 == 0x80 => "a context-specific tag [n] (RFC 5280 names what it holds)",
        _ => "a DER tag",
    }
}

/// The tag of a context-specific element `[n]`.
pub(crate) const fn context(n: u8, constructed: bool) -> u8 {
    0x80 | if constructed { 0x20 } else { 0 } | n
}

/// Every decoding failure in a certificate is a bad certificate (RFC 8446 §6.2).
pub(crate) fn malformed(what: &str) -> Error {
    Error::BadCertificate(format!("the certificate does not parse: {what}"))
}

/// An encoder: each element's length is written after its content, in DER's shortest form.
#[derive(Default)]
pub(crate) struct DerWriter {
    pub buf: Vec<u8>,
}

impl DerWriter {
    pub fn new() -> Self {
        DerWriter::default()
    }

    /// One element: `tag`, the length, and what `body` writes.
    pub fn tlv(&mut self, tag: u8, body: impl FnOnce(&mut DerWriter)) {
        self.buf.push(tag);
        let at = self.buf.len();
        body(self);
        self.finish(at);
    }

    fn finish(&mut self, at: usize) {
        let len = self.buf.len() - at;
        let be = len.to_be_bytes();
        let skip = be.iter().take_while(|&&b| b == 0).count();
        if len < 0x80 {
            self.buf.insert(at, be[be.len() - 1]);
        } else {
            let n = be.len() - skip;
            let mut head = vec![0x80 | n as u8];
            head.extend_from_slice(&be[skip..]);
            self.buf.splice(at..at, head);
        }
    }

    pub fn primitive(&mut self, tag: u8, content: &[u8]) {
        self.tlv(tag, |w| w.buf.extend_from_slice(content));
    }

    /// A non-negative INTEGER from big-endian bytes.
    pub fn uint(&mut self, be: &[u8]) {
        let skip = be.iter().take_while(|&&b| b == 0).count().min(be.len().saturating_sub(1));
        let digits = &be[skip..];
        self.tlv(INTEGER, |w| {
            if digits.first().is_none_or(|&b| b & 0x80 != 0) {
                w.buf.push(0);
            }
            w.buf.extend_from_slice(digits);
        });
    }

    pub fn oid(&mut self, dotted: &str) {
        self.primitive(OID, &oid_encode(dotted));
    }

    #[cfg_attr(not(feature = "rsa"), allow(dead_code))]
    pub fn null(&mut self) {
        self.primitive(NULL, &[]);
    }

    pub fn boolean(&mut self, v: bool) {
        self.primitive(BOOLEAN, &[if v { 0xff } else { 0 }]);
    }

    pub fn bit_string(&mut self, unused_bits: u8, bytes: &[u8]) {
        self.tlv(BIT_STRING, |w| {
            w.buf.push(unused_bits);
            w.buf.extend_from_slice(bytes);
        });
    }

    /// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
    pub fn time(&mut self, t: DateTime) {
        if t.year < 2050 {
            self.primitive(
                UTC_TIME,
                format!("{:02}{:02}{:02}{:02}{:02}{:02}Z", t.year % 100, t.month, t.day, t.hour, t.minute, t.second).as_bytes(),
            );
        } else {
            self.primitive(
                GENERALIZED_TIME,
                format!("{:04}{:02}{:02}{:02}{:02}{:02}Z", t.year, t.month, t.day, t.hour, t.minute, t.second).as_bytes(),
            );
        }
    }
}

/// A strict DER decoder over one buffer that records each element it reads (or, made by
/// [`DerReader::unannotated`], checks the same and records nothing).
pub(crate) struct DerReader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf[0]` in the annotated buffer.
    base: usize,
    /// Whether elements are recorded as fields: a signature check needs the values, not the
    /// names, texts and byte ranges a reader sees.
    annotate: bool,
    fields: Vec<Field>,
    /// The whole encoding (tag, length, content) of the element read last.
    last: &'a [u8],
    /// How many bytes the tag and the length of the element read last take.
    head: usize,
}

impl<'a> DerReader<'a> {
    pub fn new(buf: &'a [u8], base: usize) -> Self {
        DerReader { buf, pos: 0, base, annotate: true, fields: Vec::new(), last: &[], head: 0 }
    }

    /// A reader that makes every check [`DerReader::new`]'s does and records no field.
    pub fn unannotated(buf: &'a [u8]) -> Self {
        DerReader { annotate: false, ..DerReader::new(buf, 0) }
    }

    /// A reader of part of this one's buffer, which begins at `base`, annotating as this one does.
    fn inner(&self, buf: &'a [u8], base: usize) -> Self {
        DerReader { annotate: self.annotate, ..DerReader::new(buf, base) }
    }

    /// Whether this reader records fields (a caller can skip making a value no one will see).
    pub fn annotates(&self) -> bool {
        self.annotate
    }

    pub fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }

    pub fn peek_tag(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    pub fn into_fields(self) -> Vec<Field> {
        self.fields
    }

    /// The whole encoding of the element read last (a signed `tbsCertificate`, a `Name`).
    pub fn last(&self) -> &'a [u8] {
        self.last
    }

    /// Set the shown value of the element read last.
    pub fn describe_last(&mut self, value: String) {
        if let Some(f) = self.fields.last_mut() {
            f.value = value;
        }
    }

    /// Read one element with tag `tag`: returns where it starts and its content. Lengths must be
    /// definite and minimal (X.690 §10.1), and fit in what is left.
    fn element(&mut self, tag: u8) -> Result<(usize, &'a [u8]), Error> {
        let start = self.pos;
        let rest = &self.buf[start..];
        match rest.first() {
            None => return Err(malformed("an element is missing")),
            Some(&t) if t != tag => return Err(malformed(&format!("expected tag 0x{tag:02x}, found 0x{t:02x}"))),
            _ => {}
        }
        let first = *rest.get(1).ok_or_else(|| malformed("truncated length"))?;
        let (len, head) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 {
                return Err(malformed("indefinite length"));
            }
            if n > 3 {
                return Err(malformed("length too large"));
            }
            let bytes = rest.get(2..2 + n).ok_or_else(|| malformed("truncated length"))?;
            let len = bytes.iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
            if bytes[0] == 0 || len < 0x80 {
                return Err(malformed("length not in its shortest form"));
            }
            (len, 2 + n)
        };
        let content = rest.get(head..head + len).ok_or_else(|| malformed("an element runs past its end"))?;
        self.pos = start + head + len;
        self.last = &rest[..head + len];
        self.head = head;
        Ok((start, content))
    }

    /// Record the element read last, which began at `start`, with `head` bytes of tag and
    /// length: its tree covers every byte, the tag, the length, then the content (`children` for a
    /// constructed element, one leaf for a primitive one).
    fn record(
        &mut self,
        name: &'static str,
        start: usize,
        head: usize,
        value: String,
        meaning: &'static str,
        children: Option<Vec<Field>>,
    ) {
        if !self.annotate {
            return;
        }
        let at = self.base + start;
        let whole = self.pos - start;
        let tag = self.buf.get(start).copied().unwrap_or(0);
        let content_len = whole.saturating_sub(head);
        let mut kids = vec![
            Field::new("tag", at, 1, format!("0x{tag:02x}"), tag_meaning(tag)),
            Field::new(
                "length",
                at + 1,
                head.saturating_sub(1),
                format!("{content_len}"),
                "bytes of content follow (DER: definite, shortest form)",
            ),
        ];
        match children {
            Some(c) => kids.extend(c),
            None if content_len > 0 => {
                let content = self.buf.get(start + head..self.pos).unwrap_or(&[]);
                kids.push(Field::new("content", at + head, content_len, opaque_value(content), "the value's bytes"));
            }
            None => {}
        }
        let mut f = Field::new(name, at, whole, value, meaning);
        f.children = kids;
        self.fields.push(f);
    }

    /// A primitive element: `check` may reject its content, and `show` turns it into the value
    /// shown (only when annotating).
    pub fn primitive(
        &mut self,
        tag: u8,
        name: &'static str,
        meaning: &'static str,
        check: impl FnOnce(&'a [u8]) -> Result<(), Error>,
        show: impl FnOnce(&'a [u8]) -> String,
    ) -> Result<&'a [u8], Error> {
        let (start, content) = self.element(tag)?;
        check(content)?;
        if self.annotate {
            let head = self.head;
            self.record(name, start, head, show(content), meaning, None);
        }
        Ok(content)
    }

    /// A constructed element: `body` reads its content, all of it.
    pub fn constructed<T>(
        &mut self,
        tag: u8,
        name: &'static str,
        meaning: &'static str,
        body: impl FnOnce(&mut DerReader<'a>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let (start, content, mut sub) = self.open(tag)?;
        let out = body(&mut sub);
        self.close(start, content, sub, name, meaning, out.is_ok())?;
        out
    }

    fn open(&mut self, tag: u8) -> Result<(usize, &'a [u8], DerReader<'a>), Error> {
        let (start, content) = self.element(tag)?;
        let inner = self.base + self.pos - content.len();
        let sub = self.inner(content, inner);
        Ok((start, content, sub))
    }

    fn close(
        &mut self,
        start: usize,
        content: &'a [u8],
        sub: DerReader<'a>,
        name: &'static str,
        meaning: &'static str,
        ok: bool,
    ) -> Result<(), Error> {
        let consumed = sub.is_empty();
        let last = self.last;
        if self.annotate {
            let head = self.pos - start - content.len();
            self.record(name, start, head, format!("{} bytes", content.len()), meaning, Some(sub.into_fields()));
        }
        self.last = last;
        if ok && !consumed {
            return Err(malformed(&format!("trailing bytes inside {name}")));
        }
        Ok(())
    }

    /// An OBJECT IDENTIFIER, returned in dotted form and shown with its name.
    pub fn oid(&mut self, name: &'static str, meaning: &'static str) -> Result<String, Error> {
        let (start, content) = self.element(OID)?;
        let dotted = oid_decode(content).ok_or_else(|| malformed("a bad object identifier"))?;
        if self.annotate {
            let head = self.head;
            self.record(name, start, head, oid_name(&dotted), meaning, None);
        }
        Ok(dotted)
    }

    /// A non-negative INTEGER in its minimal encoding, returned without the sign byte.
    pub fn uint(&mut self, name: &'static str, meaning: &'static str) -> Result<&'a [u8], Error> {
        let content = self.primitive(INTEGER, name, meaning, check_integer, |c| match c {
            [b] => b.to_string(),
            _ => hex(c),
        })?;
        Ok(if content.len() > 1 && content[0] == 0 { &content[1..] } else { content })
    }

    pub fn boolean(&mut self, name: &'static str, meaning: &'static str) -> Result<bool, Error> {
        let content = self.primitive(
            BOOLEAN,
            name,
            meaning,
            |c| if matches!(c, [0] | [0xff]) { Ok(()) } else { Err(malformed("a BOOLEAN that is not 00 or ff")) },
            |c| if c == [0xff] { "TRUE" } else { "FALSE" }.into(),
        )?;
        Ok(content == [0xff])
    }

    /// A BIT STRING: the unused-bit count and the bits.
    pub fn bit_string(&mut self, name: &'static str, meaning: &'static str) -> Result<(u8, &'a [u8]), Error> {
        let content = self.primitive(
            BIT_STRING,
            name,
            meaning,
            |c| match c {
                [] => Err(malformed("an empty BIT STRING")),
                [u, ..] if *u > 7 || (c.len() == 1 && *u != 0) => Err(malformed("a bad BIT STRING")),
                _ => Ok(()),
            },
            |c| opaque_value(c.get(1..).unwrap_or(&[])),
        )?;
        Ok((content[0], &content[1..]))
    }

    /// A BIT STRING whose bits are themselves DER (an RSAPublicKey, RFC 8017 appendix A.1.1):
    /// `body` reads them, and each element it reads is a field of the BIT STRING's, after the
    /// unused-bits byte. Returns what `body` returned and the bits.
    pub fn bit_string_der<T>(
        &mut self,
        name: &'static str,
        meaning: &'static str,
        body: impl FnOnce(&mut DerReader<'a>) -> Result<T, Error>,
    ) -> Result<(T, &'a [u8]), Error> {
        let (start, content) = self.element(BIT_STRING)?;
        let head = self.head;
        let at = self.base + start + head;
        let bits = match content {
            [0, bits @ ..] if !bits.is_empty() => bits,
            _ => return Err(malformed("a BIT STRING of DER that is not whole bytes")),
        };
        let mut sub = self.inner(bits, at + 1);
        let out = body(&mut sub);
        let consumed = sub.is_empty();
        if self.annotate {
            let mut kids = vec![Field::new("unused bits", at, 1, "0".into(), "how many bits of the last byte are not part of the value")];
            kids.extend(sub.into_fields());
            self.record(name, start, head, format!("{} bytes", content.len()), meaning, Some(kids));
        }
        let out = out?;
        if !consumed {
            return Err(malformed(&format!("trailing bytes inside {name}")));
        }
        Ok((out, bits))
    }

    /// A NULL (X.690 §8.8): no content.
    pub fn null(&mut self, name: &'static str, meaning: &'static str) -> Result<(), Error> {
        self.primitive(
            NULL,
            name,
            meaning,
            |c| if c.is_empty() { Ok(()) } else { Err(malformed("a NULL with content")) },
            |_| "NULL".into(),
        )?;
        Ok(())
    }

    pub fn octet_string(&mut self, name: &'static str, meaning: &'static str) -> Result<&'a [u8], Error> {
        self.primitive(OCTET_STRING, name, meaning, |_| Ok(()), opaque_value)
    }

    /// A string of one of the types RFC 5280 names use, returned as text.
    pub fn string(&mut self, name: &'static str, meaning: &'static str) -> Result<String, Error> {
        match self.peek_tag() {
            Some(UTF8_STRING) => self.text(UTF8_STRING, false, name, meaning),
            Some(t @ (PRINTABLE_STRING | IA5_STRING)) => self.text(t, true, name, meaning),
            _ => Err(malformed("a name attribute that is not a UTF8String, PrintableString or IA5String")),
        }
    }

    /// An ASCII string under `tag` (an IA5String, possibly implicitly tagged as in dNSName).
    pub fn ascii(&mut self, tag: u8, name: &'static str, meaning: &'static str) -> Result<String, Error> {
        self.text(tag, true, name, meaning)
    }

    fn text(&mut self, tag: u8, ascii: bool, name: &'static str, meaning: &'static str) -> Result<String, Error> {
        let content = self.primitive(
            tag,
            name,
            meaning,
            |c| match std::str::from_utf8(c) {
                Ok(s) if !ascii || s.is_ascii() => Ok(()),
                _ => Err(malformed(if ascii { "a string that is not ASCII" } else { "a string that is not UTF-8" })),
            },
            |c| String::from_utf8_lossy(c).into_owned(),
        )?;
        Ok(String::from_utf8_lossy(content).into_owned())
    }

    /// A UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5), as seconds since 1970.
    pub fn time(&mut self, name: &'static str, meaning: &'static str) -> Result<u64, Error> {
        let tag = self.peek_tag().unwrap_or(0);
        if tag != UTC_TIME && tag != GENERALIZED_TIME {
            return Err(malformed("a time that is not a UTCTime or GeneralizedTime"));
        }
        let (start, content) = self.element(tag)?;
        let t = DateTime::parse(tag == UTC_TIME, content)?;
        if self.annotate {
            let head = self.head;
            self.record(name, start, head, t.to_string(), meaning, None);
        }
        Ok(t.unix())
    }

    /// The rest of the content as one opaque field (an extension this code does not decode).
    pub fn rest(&mut self, name: &'static str, meaning: &'static str) -> &'a [u8] {
        let start = self.pos;
        self.pos = self.buf.len();
        let b = &self.buf[start..];
        if self.annotate {
            self.fields.push(Field::new(name, self.base + start, b.len(), opaque_value(b), meaning));
        }
        b
    }

    /// Skip one element of any tag, recording it as opaque.
    pub fn any(&mut self, name: &'static str, meaning: &'static str) -> Result<(u8, &'a [u8]), Error> {
        let tag = self.peek_tag().ok_or_else(|| malformed("an element is missing"))?;
        if tag & 0x1f == 0x1f {
            return Err(malformed("a high tag number"));
        }
        let content = self.primitive(tag, name, meaning, |_| Ok(()), opaque_value)?;
        Ok((tag, content))
    }
}

/// X.690 §8.3.2: an INTEGER's content is at least one byte, with no redundant leading byte; and
/// RFC 5280 integers here are non-negative.
fn check_integer(c: &[u8]) -> Result<(), Error> {
    match c {
        [] => Err(malformed("an empty INTEGER")),
        [0, b, ..] if b & 0x80 == 0 => Err(malformed("an INTEGER with a redundant leading zero")),
        [b, ..] if b & 0x80 != 0 => Err(malformed("a negative INTEGER")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_take_their_shortest_form() {
        for (len, head) in
            [(0usize, vec![0x04, 0x00]), (127, vec![0x04, 0x7f]), (128, vec![0x04, 0x81, 0x80]), (300, vec![0x04, 0x82, 0x01, 0x2c])]
        {
            let mut w = DerWriter::new();
            w.primitive(OCTET_STRING, &vec![7; len]);
            assert_eq!(&w.buf[..head.len()], &head[..], "length {len}");
            assert_eq!(w.buf.len(), head.len() + len);
        }
    }

    #[test]
    fn the_reader_rejects_what_der_forbids() {
        let read = |b: &[u8]| DerReader::new(b, 0).octet_string("x", "").map(<[u8]>::to_vec);
        assert_eq!(read(&[0x04, 0x02, 1, 2]).unwrap(), vec![1, 2]);
        assert!(read(&[0x04, 0x81, 0x02, 1, 2]).is_err(), "long form for a short length");
        assert!(read(&[0x04, 0x80, 1, 2, 0, 0]).is_err(), "indefinite length");
        assert!(read(&[0x04, 0x03, 1, 2]).is_err(), "runs past the end");
        assert!(read(&[0x05, 0x00]).is_err(), "wrong tag");
        let int = |b: &[u8]| DerReader::new(b, 0).uint("x", "").map(<[u8]>::to_vec);
        assert_eq!(int(&[0x02, 0x02, 0x00, 0x80]).unwrap(), vec![0x80]);
        assert!(int(&[0x02, 0x02, 0x00, 0x7f]).is_err(), "redundant zero");
        assert!(int(&[0x02, 0x01, 0x80]).is_err(), "negative");
    }
}
