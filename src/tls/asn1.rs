//! DER (ITU-T X.690), the encoding of X.509 certificates: a writer that fills in each length after
//! its content, and a strict reader that records every element it decodes as an annotated
//! [`Field`], as [`super::codec::Reader`] does for TLS messages. Only what certificates need is
//! here: definite lengths in their shortest form, low tag numbers, the universal types of RFC 5280.

use super::codec::{hex, opaque_value, Field};
use super::error::Error;

pub const BOOLEAN: u8 = 0x01;
pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const OID: u8 = 0x06;
pub const UTF8_STRING: u8 = 0x0c;
pub const PRINTABLE_STRING: u8 = 0x13;
pub const IA5_STRING: u8 = 0x16;
pub const UTC_TIME: u8 = 0x17;
pub const GENERALIZED_TIME: u8 = 0x18;
pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;

/// The tag of a context-specific element `[n]`.
pub const fn context(n: u8, constructed: bool) -> u8 {
    0x80 | if constructed { 0x20 } else { 0 } | n
}

/// Every decoding failure in a certificate is a bad certificate (RFC 8446 §6.2).
pub fn malformed(what: &str) -> Error {
    Error::BadCertificate(format!("the certificate does not parse: {what}"))
}

/// An encoder: each element's length is written after its content, in DER's shortest form.
#[derive(Default)]
pub struct DerWriter {
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
            self.primitive(UTC_TIME, format!("{:02}{:02}{:02}{:02}{:02}{:02}Z", t.year % 100, t.month, t.day, t.hour, t.minute, t.second).as_bytes());
        } else {
            self.primitive(GENERALIZED_TIME, format!("{:04}{:02}{:02}{:02}{:02}{:02}Z", t.year, t.month, t.day, t.hour, t.minute, t.second).as_bytes());
        }
    }
}

/// A strict DER decoder over one buffer that records each element it reads.
pub struct DerReader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf[0]` in the annotated buffer.
    base: usize,
    fields: Vec<Field>,
    /// The whole encoding (tag, length, content) of the element read last.
    last: &'a [u8],
}

impl<'a> DerReader<'a> {
    pub fn new(buf: &'a [u8], base: usize) -> Self {
        DerReader { buf, pos: 0, base, fields: Vec::new(), last: &[] }
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
        Ok((start, content))
    }

    fn record(&mut self, name: &str, start: usize, value: String, meaning: &str, children: Vec<Field>) {
        let mut f = Field::new(name, self.base + start, self.pos - start, value, meaning);
        f.children = children;
        self.fields.push(f);
    }

    /// A primitive element: `show` turns its content into the value shown (and may reject it).
    pub fn primitive(
        &mut self,
        tag: u8,
        name: &str,
        meaning: &str,
        show: impl FnOnce(&'a [u8]) -> Result<String, Error>,
    ) -> Result<&'a [u8], Error> {
        let (start, content) = self.element(tag)?;
        let value = show(content)?;
        self.record(name, start, value, meaning, Vec::new());
        Ok(content)
    }

    /// A constructed element: `body` reads its content, all of it.
    pub fn constructed<T>(
        &mut self,
        tag: u8,
        name: &str,
        meaning: &str,
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
        Ok((start, content, DerReader::new(content, inner)))
    }

    fn close(&mut self, start: usize, content: &'a [u8], sub: DerReader<'a>, name: &str, meaning: &str, ok: bool) -> Result<(), Error> {
        let consumed = sub.is_empty();
        let last = self.last;
        self.record(name, start, format!("{} bytes", content.len()), meaning, sub.into_fields());
        self.last = last;
        if ok && !consumed {
            return Err(malformed(&format!("trailing bytes inside {name}")));
        }
        Ok(())
    }

    /// An OBJECT IDENTIFIER, returned in dotted form and shown with its name.
    pub fn oid(&mut self, name: &str, meaning: &str) -> Result<String, Error> {
        let content = self.primitive(OID, name, meaning, |c| {
            let dotted = oid_decode(c).ok_or_else(|| malformed("a bad object identifier"))?;
            Ok(oid_name(&dotted))
        })?;
        oid_decode(content).ok_or_else(|| malformed("a bad object identifier"))
    }

    /// A non-negative INTEGER in its minimal encoding, returned without the sign byte.
    pub fn uint(&mut self, name: &str, meaning: &str) -> Result<&'a [u8], Error> {
        let content = self.primitive(INTEGER, name, meaning, |c| {
            check_integer(c)?;
            Ok(match c {
                [b] => b.to_string(),
                _ => hex(c),
            })
        })?;
        Ok(if content.len() > 1 && content[0] == 0 { &content[1..] } else { content })
    }

    pub fn boolean(&mut self, name: &str, meaning: &str) -> Result<bool, Error> {
        let content = self.primitive(BOOLEAN, name, meaning, |c| match c {
            [0] => Ok("FALSE".into()),
            [0xff] => Ok("TRUE".into()),
            _ => Err(malformed("a BOOLEAN that is not 00 or ff")),
        })?;
        Ok(content == [0xff])
    }

    /// A BIT STRING: the unused-bit count and the bits.
    pub fn bit_string(&mut self, name: &str, meaning: &str) -> Result<(u8, &'a [u8]), Error> {
        let content = self.primitive(BIT_STRING, name, meaning, |c| match c {
            [] => Err(malformed("an empty BIT STRING")),
            [u, ..] if *u > 7 || (c.len() == 1 && *u != 0) => Err(malformed("a bad BIT STRING")),
            [_, rest @ ..] => Ok(opaque_value(rest)),
        })?;
        Ok((content[0], &content[1..]))
    }

    pub fn octet_string(&mut self, name: &str, meaning: &str) -> Result<&'a [u8], Error> {
        self.primitive(OCTET_STRING, name, meaning, |c| Ok(opaque_value(c)))
    }

    /// A string of one of the types RFC 5280 names use, returned as text.
    pub fn string(&mut self, name: &str, meaning: &str) -> Result<String, Error> {
        match self.peek_tag() {
            Some(UTF8_STRING) => self.text(UTF8_STRING, false, name, meaning),
            Some(t @ (PRINTABLE_STRING | IA5_STRING)) => self.text(t, true, name, meaning),
            _ => Err(malformed("a name attribute that is not a UTF8String, PrintableString or IA5String")),
        }
    }

    /// An ASCII string under `tag` (an IA5String, possibly implicitly tagged as in dNSName).
    pub fn ascii(&mut self, tag: u8, name: &str, meaning: &str) -> Result<String, Error> {
        self.text(tag, true, name, meaning)
    }

    fn text(&mut self, tag: u8, ascii: bool, name: &str, meaning: &str) -> Result<String, Error> {
        let content = self.primitive(tag, name, meaning, |c| match std::str::from_utf8(c) {
            Ok(s) if !ascii || s.is_ascii() => Ok(s.to_string()),
            _ => Err(malformed(if ascii { "a string that is not ASCII" } else { "a string that is not UTF-8" })),
        })?;
        Ok(String::from_utf8_lossy(content).into_owned())
    }

    /// A UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5), as seconds since 1970.
    pub fn time(&mut self, name: &str, meaning: &str) -> Result<u64, Error> {
        let tag = self.peek_tag().unwrap_or(0);
        if tag != UTC_TIME && tag != GENERALIZED_TIME {
            return Err(malformed("a time that is not a UTCTime or GeneralizedTime"));
        }
        let content = self.primitive(tag, name, meaning, |c| Ok(DateTime::parse(tag, c)?.to_string()))?;
        Ok(DateTime::parse(tag, content)?.unix())
    }

    /// The rest of the content as one opaque field (an extension this code does not decode).
    pub fn rest(&mut self, name: &str, meaning: &str) -> &'a [u8] {
        let start = self.pos;
        self.pos = self.buf.len();
        let b = &self.buf[start..];
        self.record(name, start, opaque_value(b), meaning, Vec::new());
        b
    }

    /// Skip one element of any tag, recording it as opaque.
    pub fn any(&mut self, name: &str, meaning: &str) -> Result<(u8, &'a [u8]), Error> {
        let tag = self.peek_tag().ok_or_else(|| malformed("an element is missing"))?;
        if tag & 0x1f == 0x1f {
            return Err(malformed("a high tag number"));
        }
        let content = self.primitive(tag, name, meaning, |c| Ok(opaque_value(c)))?;
        Ok((tag, content))
    }
}

/// RFC 5480 §2.2 / RFC 3279 §2.2.3 `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`, the
/// signature format of certificates and of TLS 1.3's ecdsa_secp256r1_sha256 (RFC 8446 §4.2.3).
pub fn ecdsa_signature_to_der(sig: &p256::ecdsa::Signature) -> Vec<u8> {
    let rs = sig.to_bytes();
    let mut w = DerWriter::new();
    w.tlv(SEQUENCE, |w| {
        w.uint(&rs[..32]);
        w.uint(&rs[32..]);
    });
    w.buf
}

/// The inverse of [`ecdsa_signature_to_der`]: strict DER, each integer in 1..n.
pub fn ecdsa_signature_from_der(der: &[u8]) -> Option<p256::ecdsa::Signature> {
    let mut r = DerReader::new(der, 0);
    let mut rs = [0u8; 64];
    r.constructed(SEQUENCE, "ECDSA-Sig-Value", "", |r| {
        for half in rs.chunks_mut(32) {
            let v = r.uint("integer", "")?;
            if v.len() > 32 {
                return Err(malformed("an ECDSA integer over 32 bytes"));
            }
            half[32 - v.len()..].copy_from_slice(v);
        }
        Ok(())
    })
    .ok()?;
    if !r.is_empty() {
        return None;
    }
    p256::ecdsa::Signature::from_slice(&rs).ok()
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

/// X.690 §8.19: the content octets of an OBJECT IDENTIFIER given in dotted form.
pub fn oid_encode(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|a| a.parse().ok()).collect();
    let mut out = Vec::new();
    let (a, b) = (arcs.first().copied().unwrap_or(0), arcs.get(1).copied().unwrap_or(0));
    for arc in std::iter::once(a * 40 + b).chain(arcs.iter().skip(2).copied()) {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut v = arc >> 7;
        while v > 0 {
            groups.push((v & 0x7f) as u8 | 0x80);
            v >>= 7;
        }
        out.extend(groups.iter().rev());
    }
    out
}

/// The dotted form of an OBJECT IDENTIFIER's content octets; `None` if they are malformed.
pub fn oid_decode(c: &[u8]) -> Option<String> {
    if c.is_empty() || c.last().is_some_and(|&b| b & 0x80 != 0) {
        return None;
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut v: u64 = 0;
    let mut fresh = true;
    for &b in c {
        if fresh && b == 0x80 {
            return None; // a non-minimal subidentifier
        }
        if v > u64::MAX >> 7 {
            return None;
        }
        v = (v << 7) | u64::from(b & 0x7f);
        fresh = b & 0x80 == 0;
        if fresh {
            if arcs.is_empty() {
                let first = (v / 40).min(2);
                arcs.push(first);
                arcs.push(v - first * 40);
            } else {
                arcs.push(v);
            }
            v = 0;
        }
    }
    Some(arcs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join("."))
}

/// The object identifiers these certificates use, with their names.
pub const OIDS: &[(&str, &str)] = &[
    ("1.2.840.10045.2.1", "id-ecPublicKey"),
    ("1.2.840.10045.3.1.7", "prime256v1 (P-256)"),
    ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256"),
    ("2.5.4.3", "commonName"),
    ("2.5.4.6", "countryName"),
    ("2.5.4.10", "organizationName"),
    ("2.5.4.11", "organizationalUnitName"),
    ("2.5.29.14", "subjectKeyIdentifier"),
    ("2.5.29.15", "keyUsage"),
    ("2.5.29.17", "subjectAltName"),
    ("2.5.29.19", "basicConstraints"),
    ("2.5.29.35", "authorityKeyIdentifier"),
    ("2.5.29.37", "extKeyUsage"),
    ("1.3.6.1.5.5.7.3.1", "serverAuth"),
    ("1.3.6.1.5.5.7.3.2", "clientAuth"),
];

/// `name (dotted)` for a known identifier, the dotted form otherwise.
pub fn oid_name(dotted: &str) -> String {
    match OIDS.iter().find(|(o, _)| *o == dotted) {
        Some((_, n)) => format!("{n} ({dotted})"),
        None => dotted.to_string(),
    }
}

/// A calendar time in UTC, to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    pub year: u32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl DateTime {
    /// Days since 1970-01-01 to a civil date (H. Hinnant's `civil_from_days`), for years 1970–9999.
    pub fn from_unix(secs: u64) -> Option<DateTime> {
        let days = secs / 86400;
        let rem = secs % 86400;
        let z = days + 719_468;
        let era = z / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + u64::from(month <= 2);
        if year > 9999 {
            return None;
        }
        Some(DateTime {
            year: year as u32,
            month: month as u32,
            day: day as u32,
            hour: (rem / 3600) as u32,
            minute: (rem / 60 % 60) as u32,
            second: (rem % 60) as u32,
        })
    }

    /// Seconds since 1970 (`days_from_civil`, the inverse of [`DateTime::from_unix`]).
    pub fn unix(&self) -> u64 {
        let (y, m) = (u64::from(self.year) - u64::from(self.month <= 2), u64::from(self.month));
        let era = y / 400;
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + u64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86400 + u64::from(self.hour) * 3600 + u64::from(self.minute) * 60 + u64::from(self.second)
    }

    /// RFC 5280 §4.1.2.5.1 and §4.1.2.5.2: `YYMMDDHHMMSSZ` (years 1950–2049) or
    /// `YYYYMMDDHHMMSSZ`, in UTC, with seconds and no fraction.
    pub fn parse(tag: u8, c: &[u8]) -> Result<DateTime, Error> {
        let digits = if tag == UTC_TIME { 12 } else { 14 };
        if c.len() != digits + 1 || c[digits] != b'Z' || !c[..digits].iter().all(u8::is_ascii_digit) {
            return Err(malformed("a time not in the form RFC 5280 requires"));
        }
        let n = |i: usize| u32::from(c[i] - b'0') * 10 + u32::from(c[i + 1] - b'0');
        let (year, at) = if tag == UTC_TIME {
            let yy = n(0);
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, 2)
        } else {
            (n(0) * 100 + n(2), 4)
        };
        let t = DateTime { year, month: n(at), day: n(at + 2), hour: n(at + 4), minute: n(at + 6), second: n(at + 8) };
        let valid = year >= 1970
            && (1..=12).contains(&t.month)
            && t.day >= 1
            && t.day <= days_in_month(year, t.month)
            && t.hour < 24
            && t.minute < 60
            && t.second < 60;
        if !valid {
            return Err(malformed("a time that is not a real date"));
        }
        Ok(t)
    }
}

impl core::fmt::Display for DateTime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", self.year, self.month, self.day, self.hour, self.minute, self.second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_take_their_shortest_form() {
        for (len, head) in [(0usize, vec![0x04, 0x00]), (127, vec![0x04, 0x7f]), (128, vec![0x04, 0x81, 0x80]), (300, vec![0x04, 0x82, 0x01, 0x2c])] {
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

    #[test]
    fn object_identifiers_match_x690_examples() {
        // X.690 §8.19.5's example 2.999.3 and the P-256 OID as OpenSSL writes it.
        assert_eq!(oid_encode("2.999.3"), vec![0x88, 0x37, 0x03]);
        assert_eq!(oid_decode(&[0x88, 0x37, 0x03]).as_deref(), Some("2.999.3"));
        assert_eq!(oid_encode("1.2.840.10045.3.1.7"), vec![0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);
        assert_eq!(oid_decode(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]).as_deref(), Some("1.2.840.10045.3.1.7"));
        assert_eq!(oid_decode(&[0x2a, 0x80, 0x01]), None, "non-minimal");
        assert_eq!(oid_decode(&[0x2a, 0x86]), None, "truncated");
    }

    #[test]
    fn ecdsa_signatures_round_trip_and_reject_non_der() {
        use p256::ecdsa::signature::Signer;
        let key = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
        let sig: p256::ecdsa::Signature = key.sign(b"message");
        let der = ecdsa_signature_to_der(&sig);
        assert_eq!(ecdsa_signature_from_der(&der), Some(sig));
        assert_eq!(der[0], SEQUENCE);
        assert_eq!(usize::from(der[1]) + 2, der.len());
        // A zero integer, an extra byte, a long-form length for a short value.
        assert_eq!(ecdsa_signature_from_der(&[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01]), None);
        let mut longer = der.clone();
        longer.push(0);
        assert_eq!(ecdsa_signature_from_der(&longer), None);
        let mut long_form = vec![0x30, 0x81, der[1]];
        long_form.extend_from_slice(&der[2..]);
        assert_eq!(ecdsa_signature_from_der(&long_form), None);
    }

    #[test]
    fn times_convert_both_ways() {
        // 2000-02-29 (a leap day in a century year) and the UTCTime/GeneralizedTime switch.
        let t = DateTime::parse(UTC_TIME, b"000229123456Z").unwrap();
        assert_eq!(t.unix(), 951_827_696);
        assert_eq!(DateTime::from_unix(951_827_696), Some(t));
        assert_eq!(t.to_string(), "2000-02-29T12:34:56Z");
        assert_eq!(DateTime::parse(UTC_TIME, b"491231235959Z").unwrap().year, 2049);
        assert_eq!(DateTime::parse(UTC_TIME, b"500101000000Z").map(|t| t.year).ok(), None, "1950 is before 1970");
        assert_eq!(DateTime::parse(GENERALIZED_TIME, b"20500101000000Z").unwrap().unix(), 2_524_608_000);
        assert!(DateTime::parse(UTC_TIME, b"010229000000Z").is_err(), "2001 has no 29 February");
        assert!(DateTime::parse(UTC_TIME, b"0102280000Z").is_err(), "no seconds");
        let mut w = DerWriter::new();
        w.time(DateTime::from_unix(2_524_608_000).unwrap());
        assert_eq!(w.buf[0], GENERALIZED_TIME);
    }
}
