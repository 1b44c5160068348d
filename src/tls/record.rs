//! RFC 8446 §5 record layer: framing, size limits, and record protection with the suite's AEAD.

use super::codec::{hex, opaque_value, Bytes, Field, Reader};
use super::crypto::{IV_LEN, TAG_LEN};
use super::enums::{ContentType, ProtocolVersion};
use super::error::Error;
use super::events::Protection;
use super::handshake::Handshake;
use super::key_schedule::TrafficKeys;

/// RFC 8446 §5.1: the largest TLSPlaintext.fragment.
pub const MAX_PLAINTEXT: usize = 1 << 14;
/// RFC 8446 §5.2: the largest TLSCiphertext.encrypted_record.
pub const MAX_CIPHERTEXT: usize = MAX_PLAINTEXT + 256;
pub const HEADER_LEN: usize = 5;

/// The handshake messages an endpoint has just decoded, kept for the next place that shows the
/// same bytes. A message sent is decoded for its own event, then shown again inside its record; a
/// message received is shown inside its record's plaintext, then read. Decoding is a function of
/// the bytes alone, so the second place takes the first one's result instead of decoding (and
/// annotating, the costly part) again.
#[derive(Default)]
pub struct Decoded(Vec<DecodedMessage>);

struct DecodedMessage {
    bytes: Vec<u8>,
    /// The message, when it decoded and the one who kept it will need it.
    message: Option<Handshake>,
    fields: Vec<Field>,
}

impl Decoded {
    /// Enough for a whole flight in one record; older ones are dropped (and decoded again, if
    /// they are ever asked for).
    const KEEP: usize = 8;

    pub fn keep(&mut self, bytes: &[u8], message: Option<Handshake>, fields: Vec<Field>) {
        if self.0.len() == Self::KEEP {
            self.0.remove(0);
        }
        self.0.push(DecodedMessage { bytes: bytes.to_vec(), message, fields });
    }

    /// What was kept for exactly these bytes, taken out.
    pub fn take(&mut self, bytes: &[u8]) -> Option<(Option<Handshake>, Vec<Field>)> {
        let i = self.0.iter().position(|d| d.bytes == bytes)?;
        let d = self.0.remove(i);
        Some((d.message, d.fields))
    }

    /// The fields of a message about to be shown: what was kept for it, or a fresh decoding,
    /// kept (with the message) for whoever reads it next.
    fn fields_of(&mut self, bytes: &[u8]) -> Vec<Field> {
        if let Some((_, fields)) = self.take(bytes) {
            return fields;
        }
        let (res, fields) = Handshake::decode(bytes);
        self.keep(bytes, res.ok(), fields.clone());
        fields
    }
}

/// One record as read off the wire.
#[derive(Clone, Debug)]
pub struct RawRecord {
    pub typ: ContentType,
    /// Header and payload, as received.
    pub bytes: Vec<u8>,
}

impl RawRecord {
    /// What follows the 5-byte header.
    pub fn payload(&self) -> &[u8] {
        self.bytes.get(HEADER_LEN..).unwrap_or(&[])
    }
}

pub fn header(typ: ContentType, len: usize) -> [u8; HEADER_LEN] {
    let l = u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes();
    let v = ProtocolVersion::TLSv1_2.0.to_be_bytes();
    [typ.0, v[0], v[1], l[0], l[1]]
}

pub fn plaintext_record(typ: ContentType, payload: &[u8]) -> Vec<u8> {
    let mut out = header(typ, payload.len()).to_vec();
    out.extend_from_slice(payload);
    out
}

/// Collects bytes from the wire and cuts them into records. [`Deframer::fill`] takes from its
/// input only what completes the next record, so a connection holds at most one record here
/// however much arrives at once; consumed records are cut off by an offset, never by moving what
/// is still buffered.
#[derive(Default)]
pub struct Deframer {
    buf: Vec<u8>,
    /// Where the unread bytes of `buf` begin.
    start: usize,
}

impl Deframer {
    /// Buffer all of `bytes` (a caller that has a whole flight at hand; a connection uses
    /// [`Deframer::fill`]).
    pub fn push(&mut self, bytes: &[u8]) {
        self.compact();
        self.buf.extend_from_slice(bytes);
    }

    /// Move to `buf` the bytes of `input` that the next record still needs: its header, then, once
    /// the header is whole and its length within the limits, its body. RFC 8446 §5.1/§5.2: the
    /// length is checked before the body is waited for.
    pub fn fill(&mut self, input: &mut &[u8]) -> Result<(), Error> {
        self.compact();
        for _ in 0..2 {
            let want = match self.unread() {
                h if h.len() < HEADER_LEN => HEADER_LEN,
                h => HEADER_LEN + checked_length(h)?,
            };
            let n = want.saturating_sub(self.buf.len()).min(input.len());
            let (now, rest) = input.split_at(n);
            if self.buf.is_empty() {
                // The first bytes of a record: room for the largest record it can be, once.
                self.buf.reserve_exact(HEADER_LEN + MAX_CIPHERTEXT);
            }
            self.buf.extend_from_slice(now);
            *input = rest;
        }
        Ok(())
    }

    fn unread(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or(&[])
    }

    /// Drop the records already taken: only the unread bytes (less than one record) move.
    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.drain(..self.start.min(self.buf.len()));
            self.start = 0;
        }
    }

    /// Whether bytes of an incomplete record are waiting.
    pub fn has_partial(&self) -> bool {
        !self.unread().is_empty()
    }

    /// The next whole record, if one has arrived. The length is checked against the limits of
    /// RFC 8446 §5.1/§5.2 before waiting for the body.
    pub fn next_record(&mut self) -> Result<Option<RawRecord>, Error> {
        let rest = self.unread();
        if rest.len() < HEADER_LEN {
            return Ok(None);
        }
        let len = HEADER_LEN + checked_length(rest)?;
        let Some(bytes) = rest.get(..len) else { return Ok(None) };
        let rec = RawRecord { typ: ContentType(bytes[0]), bytes: bytes.to_vec() };
        self.start += len;
        if self.start >= self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        Ok(Some(rec))
    }
}

/// The payload length a record header announces, if it is within the limits of RFC 8446 §5.1
/// (plaintext) and §5.2 (protected records, which travel as application_data).
fn checked_length(hdr: &[u8]) -> Result<usize, Error> {
    let [typ, _, _, hi, lo, ..] = *hdr else { return Err(Error::Internal("a record header of fewer than 5 bytes")) };
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    let limit = if ContentType(typ) == ContentType::application_data { MAX_CIPHERTEXT } else { MAX_PLAINTEXT };
    if len > limit {
        return Err(Error::RecordOverflow("record length field over the limit"));
    }
    Ok(len)
}

/// The field tree of a record as it appears on the wire. A plaintext handshake record that holds
/// whole messages gets their trees nested; anything else is shown as an opaque fragment.
pub fn annotate_record(bytes: &[u8]) -> Vec<Field> {
    annotate_record_with(bytes, &mut Decoded::default())
}

/// [`annotate_record`], taking the fields of messages already decoded from `decoded`.
pub fn annotate_record_with(bytes: &[u8], decoded: &mut Decoded) -> Vec<Field> {
    let mut r = Reader::new(bytes);
    let mut payload_field = None;
    let _ = r.group("record", "one TLS record: a 5-byte header and its payload", |r| {
        let typ = r.wire::<ContentType>("type")?;
        r.wire::<ProtocolVersion>("legacy_record_version")?;
        let len = usize::from(r.u16("length", "bytes in this record's payload")?);
        let start = r.position();
        let payload = r.take(len.min(r.remaining()))?;
        payload_field = Some(match typ {
            ContentType::application_data => {
                let mut f = Field::new(
                    "encrypted_record",
                    start,
                    payload.len(),
                    opaque_value(payload),
                    "AES-128-GCM ciphertext followed by the 16-byte tag: all an eavesdropper sees",
                );
                // RFC 8446 §5.2: the AEAD output is the ciphertext, as long as the inner plaintext,
                // then the tag.
                if let Some(ct_len) = payload.len().checked_sub(TAG_LEN) {
                    let (ct, tag) = payload.split_at(ct_len);
                    f.children = vec![
                        Field::new(
                            "ciphertext",
                            start,
                            ct_len,
                            opaque_value(ct),
                            "the encrypted TLSInnerPlaintext: as long as it, unreadable without the key",
                        ),
                        Field::new(
                            "tag",
                            start + ct_len,
                            TAG_LEN,
                            opaque_value(tag),
                            "the 16-byte authentication tag: a change to the header, the ciphertext or the tag makes it fail",
                        ),
                    ];
                }
                f
            }
            ContentType::handshake => annotate_handshake_payload(payload, start, decoded),
            _ => {
                let mut pr = Reader::with_base(payload, start);
                let _ = annotate_plain_payload(&mut pr, typ);
                let mut f = Field::new("fragment", start, payload.len(), opaque_value(payload), "");
                f.children = pr.into_fields();
                f
            }
        });
        Ok::<(), Error>(())
    });
    let mut fields = r.into_fields();
    if let (Some(top), Some(pf)) = (fields.first_mut(), payload_field) {
        top.children.push(pf);
    }
    fields
}

fn annotate_plain_payload(r: &mut Reader<'_>, typ: ContentType) -> Result<(), Error> {
    match typ {
        ContentType::alert => {
            r.u8("level", "1 = warning, 2 = fatal")?;
            r.wire::<super::enums::AlertDescription>("description")?;
        }
        ContentType::change_cipher_spec => {
            r.u8("change_cipher_spec", "always 1; ignored by TLS 1.3 (middlebox compatibility)")?;
        }
        _ => {}
    }
    Ok(())
}

/// Nest the trees of whole handshake messages in a payload; a partial one stays opaque.
fn annotate_handshake_payload(payload: &[u8], start: usize, decoded: &mut Decoded) -> Field {
    let mut f = Field::new("fragment", start, payload.len(), format!("{} bytes", payload.len()), "handshake messages");
    let mut at = 0;
    while at < payload.len() {
        let rest = &payload[at..];
        let whole = rest.len() >= 4 && {
            let len = (usize::from(rest[1]) << 16) | (usize::from(rest[2]) << 8) | usize::from(rest[3]);
            rest.len() >= 4 + len
        };
        if !whole {
            f.children.push(Field::new(
                "partial message",
                start + at,
                rest.len(),
                opaque_value(rest),
                "part of a handshake message split across records",
            ));
            break;
        }
        let len = (usize::from(rest[1]) << 16) | (usize::from(rest[2]) << 8) | usize::from(rest[3]);
        let fields = decoded.fields_of(&rest[..4 + len]);
        f.children.extend(fields.into_iter().map(|x| x.shifted(start + at)));
        at += 4 + len;
    }
    f
}

/// Record protection for one direction (RFC 8446 §5.2, §5.3).
pub struct RecordCipher {
    keys: TrafficKeys,
    seq: u64,
}

impl RecordCipher {
    pub fn new(keys: TrafficKeys) -> Self {
        RecordCipher { keys, seq: 0 }
    }

    /// The sequence number of the next record.
    pub fn sequence_number(&self) -> u64 {
        self.seq
    }

    /// RFC 8446 §5.3: the per-record nonce.
    fn nonce(&self) -> [u8; IV_LEN] {
        let mut n = self.keys.iv;
        for (i, b) in self.seq.to_be_bytes().iter().enumerate() {
            n[IV_LEN - 8 + i] ^= b;
        }
        n
    }

    fn next_seq(&mut self) -> Result<(), Error> {
        // RFC 8446 §5.3: the sequence number must not wrap.
        self.seq = self.seq.checked_add(1).ok_or(Error::Internal("sequence number exhausted"))?;
        Ok(())
    }

    /// Seal `content` of type `typ` with `padding` zero bytes into a whole TLSCiphertext record.
    pub fn seal(&mut self, typ: ContentType, content: &[u8], padding: usize) -> Result<(Vec<u8>, Protection), Error> {
        self.seal_with(typ, content, padding, &mut Decoded::default())
    }

    /// [`RecordCipher::seal`], taking the fields of messages already decoded from `decoded`.
    pub fn seal_with(
        &mut self,
        typ: ContentType,
        content: &[u8],
        padding: usize,
        decoded: &mut Decoded,
    ) -> Result<(Vec<u8>, Protection), Error> {
        let mut inner = content.to_vec();
        inner.push(typ.0);
        inner.extend(std::iter::repeat_n(0u8, padding));
        let hdr = header(ContentType::application_data, inner.len() + TAG_LEN);
        let nonce = self.nonce();
        let (ct, tag) = self.keys.suite.aead.seal(&self.keys.key, &nonce, &hdr, &inner)?;
        let mut rec = hdr.to_vec();
        rec.extend_from_slice(&ct);
        rec.extend_from_slice(&tag);
        let p = self.protection(nonce, &hdr, inner, typ, padding, ct, tag.to_vec(), decoded);
        self.next_seq()?;
        Ok((rec, p))
    }

    /// Open a TLSCiphertext; returns the inner content type and content.
    pub fn open(&mut self, rec: &RawRecord) -> Result<(ContentType, Vec<u8>, Protection), Error> {
        self.open_with(rec, &mut Decoded::default())
    }

    /// [`RecordCipher::open`], keeping the messages it decodes to show the plaintext in `decoded`.
    pub fn open_with(&mut self, rec: &RawRecord, decoded: &mut Decoded) -> Result<(ContentType, Vec<u8>, Protection), Error> {
        let payload = rec.payload();
        if payload.len() < TAG_LEN {
            return Err(Error::BadRecordMac);
        }
        let (ct, tag) = payload.split_at(payload.len() - TAG_LEN);
        let nonce = self.nonce();
        let hdr = rec.bytes.get(..HEADER_LEN).ok_or(Error::BadRecordMac)?;
        let inner = self.keys.suite.aead.open(&self.keys.key, &nonce, hdr, ct, tag)?;
        // RFC 8446 §5.4: the inner plaintext may be at most 2^14 + 1 bytes.
        if inner.len() > MAX_PLAINTEXT + 1 {
            return Err(Error::RecordOverflow("decrypted record over 2^14 + 1 bytes"));
        }
        // The content type is the last non-zero byte; all zeros is an error.
        let Some(pos) = inner.iter().rposition(|&b| b != 0) else {
            return Err(Error::UnexpectedMessage("inner plaintext has no content type"));
        };
        let typ = ContentType(inner[pos]);
        let padding = inner.len() - pos - 1;
        let content = inner[..pos].to_vec();
        let p = self.protection(nonce, hdr, inner, typ, padding, ct.to_vec(), tag.to_vec(), decoded);
        self.next_seq()?;
        Ok((typ, content, p))
    }

    #[allow(clippy::too_many_arguments)]
    fn protection(
        &self,
        nonce: [u8; IV_LEN],
        aad: &[u8],
        inner: Vec<u8>,
        typ: ContentType,
        padding: usize,
        ct: Vec<u8>,
        tag: Vec<u8>,
        decoded: &mut Decoded,
    ) -> Protection {
        let inner_fields = annotate_inner(&inner, typ, padding, decoded);
        Protection {
            secret: self.keys.secret,
            suite: self.keys.suite.wire,
            key: Bytes(self.keys.key.clone()),
            iv: Bytes(self.keys.iv.to_vec()),
            sequence_number: self.seq,
            nonce: Bytes(nonce.to_vec()),
            additional_data: Bytes(aad.to_vec()),
            inner_plaintext: Bytes(inner),
            content_type: typ,
            padding,
            ciphertext: Bytes(ct),
            tag: Bytes(tag),
            inner_fields,
        }
    }
}

/// RFC 8446 §5.2 TLSInnerPlaintext, annotated.
fn annotate_inner(inner: &[u8], typ: ContentType, padding: usize, decoded: &mut Decoded) -> Vec<Field> {
    let content_len = inner.len().saturating_sub(1 + padding);
    let content = &inner[..content_len];
    let mut top = Field::new("TLSInnerPlaintext", 0, inner.len(), format!("{} bytes", inner.len()), "the record before encryption");
    let mut c = match typ {
        ContentType::handshake => annotate_handshake_payload(content, 0, decoded),
        _ => {
            let mut pr = Reader::new(content);
            let _ = annotate_plain_payload(&mut pr, typ);
            let mut f = Field::new("content", 0, content_len, opaque_value(content), "");
            f.children = pr.into_fields();
            if typ == ContentType::application_data {
                f.value = super::codec::quoted(&String::from_utf8_lossy(content));
                f.meaning = "the application's data".into();
            }
            f
        }
    };
    c.name = "content".into();
    top.children.push(c);
    top.children.push(Field::new(
        "type",
        content_len,
        1,
        format!("0x{:02x} {}", typ.0, typ),
        "the real content type, hidden inside the encryption",
    ));
    if padding > 0 {
        top.children.push(Field::new(
            "zeros",
            content_len + 1,
            padding,
            hex(&inner[content_len + 1..]),
            "padding that hides the true length",
        ));
    }
    vec![top]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{self, Options, Scenario};
    use crate::tls::events::Event;

    /// Each message is decoded once per endpoint and its fields reused where it is shown again:
    /// every annotation in a run must still be what decoding its bytes afresh gives, in every
    /// scenario, with messages split across records and with many messages in one record.
    #[test]
    fn every_annotation_in_a_run_is_what_a_fresh_decoding_of_its_bytes_gives() {
        let mut runs: Vec<Options> =
            Scenario::ALL.iter().map(|s| Options { seed: Some(5), scenario: s.clone(), ..Options::default() }).collect();
        runs.push(Options { seed: Some(6), max_fragment: 37, ..Options::default() });
        runs.push(Options { seed: Some(7), key_update: true, ..Options::default() });
        let (mut records, mut plaintexts, mut messages) = (0, 0, 0);
        for opts in &runs {
            let trace = sim::run(opts);
            for e in &trace.events {
                match e.event() {
                    Some(Event::RecordSent { bytes, fields, protection, .. }) => {
                        assert_eq!(fields, &annotate_record(&bytes.0), "{:?}: a record's fields", opts.scenario);
                        records += 1;
                        if let Some(p) = protection {
                            let fresh = annotate_inner(&p.inner_plaintext.0, p.content_type, p.padding, &mut Decoded::default());
                            assert_eq!(p.inner_fields, fresh, "{:?}: a sealed record's plaintext", opts.scenario);
                            plaintexts += 1;
                        }
                    }
                    Some(Event::RecordReceived { protection: Some(p), .. }) => {
                        let fresh = annotate_inner(&p.inner_plaintext.0, p.content_type, p.padding, &mut Decoded::default());
                        assert_eq!(p.inner_fields, fresh, "{:?}: an opened record's plaintext", opts.scenario);
                        plaintexts += 1;
                    }
                    Some(Event::HandshakeSent { bytes, fields, .. } | Event::HandshakeReceived { bytes, fields, .. }) => {
                        assert_eq!(fields, &Handshake::decode(&bytes.0).1, "{:?}: a message's fields", opts.scenario);
                        messages += 1;
                    }
                    _ => {}
                }
            }
        }
        // The runs above have hundreds of each; a trace that lost its events would pass vacuously.
        assert!(records > 200 && plaintexts > 200 && messages > 200, "{records} records, {plaintexts} plaintexts, {messages} messages");
    }

    #[test]
    fn a_message_kept_is_given_once_to_the_same_bytes_only() {
        let mut d = Decoded::default();
        let f = vec![Field::new("x", 0, 1, "v".into(), "")];
        d.keep(&[1, 2, 3], None, f.clone());
        assert!(d.take(&[1, 2]).is_none());
        assert_eq!(d.take(&[1, 2, 3]), Some((None, f)));
        assert!(d.take(&[1, 2, 3]).is_none(), "taken once");
        for i in 0..=Decoded::KEEP as u8 {
            d.keep(&[i], None, Vec::new());
        }
        assert!(d.take(&[0]).is_none(), "the oldest is dropped past KEEP");
        assert!(d.take(&[Decoded::KEEP as u8]).is_some());
    }
}
