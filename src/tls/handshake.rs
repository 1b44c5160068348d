//! RFC 8446 §4 handshake messages: encoding, and decoding with annotations.

use super::codec::{hex, Field, Reader, Writer};
use super::enums::{CipherSuite, HandshakeType, KeyUpdateRequest, ProtocolVersion, SignatureScheme};
use super::error::Error;
use super::events::Message;
use super::extensions::{read_code_points, read_extensions, ExtContext, Extension};

/// RFC 8446 §4.1.3: the ServerHello.random that marks a HelloRetryRequest (SHA-256 of
/// "HelloRetryRequest").
pub const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// RFC 8446 §4.1.2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHello {
    pub legacy_version: ProtocolVersion,
    pub random: [u8; 32],
    pub legacy_session_id: Vec<u8>,
    pub cipher_suites: Vec<CipherSuite>,
    pub legacy_compression_methods: Vec<u8>,
    pub extensions: Vec<Extension>,
}

/// RFC 8446 §4.1.3 (a HelloRetryRequest is a ServerHello with [`HRR_RANDOM`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHello {
    pub legacy_version: ProtocolVersion,
    pub random: [u8; 32],
    pub legacy_session_id_echo: Vec<u8>,
    pub cipher_suite: CipherSuite,
    pub legacy_compression_method: u8,
    pub extensions: Vec<Extension>,
}

impl ServerHello {
    pub fn is_retry_request(&self) -> bool {
        self.random == HRR_RANDOM
    }
}

/// RFC 8446 §4.4.2 `CertificateEntry` (X.509 only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateEntry {
    pub cert_data: Vec<u8>,
    pub extensions: Vec<Extension>,
}

/// RFC 8446 §4.6.1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicket {
    pub ticket_lifetime: u32,
    pub ticket_age_add: u32,
    pub ticket_nonce: Vec<u8>,
    pub ticket: Vec<u8>,
    pub extensions: Vec<Extension>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handshake {
    ClientHello(ClientHello),
    /// A ServerHello or a HelloRetryRequest.
    ServerHello(ServerHello),
    EncryptedExtensions(Vec<Extension>),
    /// RFC 8446 §4.3.2: the server asks the client to authenticate with a certificate.
    CertificateRequest {
        context: Vec<u8>,
        extensions: Vec<Extension>,
    },
    Certificate {
        context: Vec<u8>,
        entries: Vec<CertificateEntry>,
    },
    CertificateVerify {
        algorithm: SignatureScheme,
        signature: Vec<u8>,
    },
    Finished(Vec<u8>),
    NewSessionTicket(NewSessionTicket),
    KeyUpdate(KeyUpdateRequest),
    /// RFC 8446 §4.5: the end of the client's 0-RTT data (empty).
    EndOfEarlyData,
}

impl Handshake {
    pub fn typ(&self) -> HandshakeType {
        match self {
            Handshake::ClientHello(_) => HandshakeType::client_hello,
            Handshake::ServerHello(_) => HandshakeType::server_hello,
            Handshake::EncryptedExtensions(_) => HandshakeType::encrypted_extensions,
            Handshake::CertificateRequest { .. } => HandshakeType::certificate_request,
            Handshake::Certificate { .. } => HandshakeType::certificate,
            Handshake::CertificateVerify { .. } => HandshakeType::certificate_verify,
            Handshake::Finished(_) => HandshakeType::finished,
            Handshake::NewSessionTicket(_) => HandshakeType::new_session_ticket,
            Handshake::KeyUpdate(_) => HandshakeType::key_update,
            Handshake::EndOfEarlyData => HandshakeType::end_of_early_data,
        }
    }

    /// The message as the trace names it (a HelloRetryRequest is told apart from a ServerHello).
    pub fn message(&self) -> Message {
        let hello_retry_request = matches!(self, Handshake::ServerHello(sh) if sh.is_retry_request());
        Message { typ: self.typ(), hello_retry_request }
    }

    /// The whole message: `msg_type`, a 24-bit length, the body (RFC 8446 §4).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.wire(self.typ());
        let at = w.buf.len();
        w.u24(0);
        self.encode_body(&mut w);
        let len = u32::try_from(w.buf.len() - at - 3).unwrap_or(0);
        w.buf[at..at + 3].copy_from_slice(&len.to_be_bytes()[1..]);
        w.buf
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Handshake::ClientHello(ch) => {
                w.wire(ch.legacy_version);
                w.bytes(&ch.random);
                w.opaque_vector(1, &ch.legacy_session_id);
                w.vector(2, |w| ch.cipher_suites.iter().for_each(|c| w.wire(*c)));
                w.opaque_vector(1, &ch.legacy_compression_methods);
                w.vector(2, |w| ch.extensions.iter().for_each(|e| e.encode(w)));
            }
            Handshake::ServerHello(sh) => {
                w.wire(sh.legacy_version);
                w.bytes(&sh.random);
                w.opaque_vector(1, &sh.legacy_session_id_echo);
                w.wire(sh.cipher_suite);
                w.u8(sh.legacy_compression_method);
                w.vector(2, |w| sh.extensions.iter().for_each(|e| e.encode(w)));
            }
            Handshake::EncryptedExtensions(exts) => w.vector(2, |w| exts.iter().for_each(|e| e.encode(w))),
            Handshake::CertificateRequest { context, extensions } => {
                w.opaque_vector(1, context);
                w.vector(2, |w| extensions.iter().for_each(|e| e.encode(w)));
            }
            Handshake::Certificate { context, entries } => {
                w.opaque_vector(1, context);
                w.vector(3, |w| {
                    for e in entries {
                        w.opaque_vector(3, &e.cert_data);
                        w.vector(2, |w| e.extensions.iter().for_each(|x| x.encode(w)));
                    }
                });
            }
            Handshake::CertificateVerify { algorithm, signature } => {
                w.wire(*algorithm);
                w.opaque_vector(2, signature);
            }
            Handshake::Finished(v) => w.bytes(v),
            Handshake::NewSessionTicket(t) => {
                w.u32(t.ticket_lifetime);
                w.u32(t.ticket_age_add);
                w.opaque_vector(1, &t.ticket_nonce);
                w.opaque_vector(2, &t.ticket);
                w.vector(2, |w| t.extensions.iter().for_each(|e| e.encode(w)));
            }
            Handshake::KeyUpdate(k) => w.wire(*k),
            Handshake::EndOfEarlyData => {}
        }
    }

    /// Decode one whole handshake message. Returns the message and its field tree (offsets
    /// relative to the message's first byte). On failure the tree shows how far decoding got.
    pub fn decode(bytes: &[u8]) -> (Result<Handshake, Error>, Vec<Field>) {
        let mut r = Reader::new(bytes);
        let res = Self::read(&mut r).and_then(|m| r.expect_end().map(|_| m));
        (res, r.into_fields())
    }

    fn read(r: &mut Reader<'_>) -> Result<Handshake, Error> {
        let name = r.peek().map_or("Handshake", |t| HandshakeType(t).message_name());
        r.group(name, "one handshake message", |r| {
            let typ = r.wire::<HandshakeType>("msg_type")?;
            r.vector(3, 0, 0xff_ffff, "body", "the message body", |r| Self::read_body(r, typ))
        })
    }

    fn read_body(r: &mut Reader<'_>, typ: HandshakeType) -> Result<Handshake, Error> {
        Ok(match typ {
            HandshakeType::client_hello => Handshake::ClientHello(read_client_hello(r)?),
            HandshakeType::server_hello => Handshake::ServerHello(read_server_hello(r)?),
            HandshakeType::encrypted_extensions => {
                Handshake::EncryptedExtensions(read_extensions(r, ExtContext::EncryptedExtensions, 0, 0xffff)?)
            }
            HandshakeType::certificate_request => {
                let context = r
                    .opaque_vector(1, 0, 255, "certificate_request_context", "empty in the handshake; echoed in the client's Certificate")?
                    .to_vec();
                let extensions = read_extensions(r, ExtContext::CertificateRequest, 2, 0xffff)?;
                Handshake::CertificateRequest { context, extensions }
            }
            HandshakeType::certificate => {
                let context = r
                    .opaque_vector(1, 0, 255, "certificate_request_context", "empty, except after a post-handshake CertificateRequest")?
                    .to_vec();
                let entries = r.vector(3, 0, 0xff_ffff, "certificate_list", "the chain, leaf first (a client may send none)", |r| {
                    let mut v = Vec::new();
                    while !r.is_empty() {
                        v.push(r.group("CertificateEntry", "one certificate", |r| {
                            let cert_data = r.vector(3, 1, 0xff_ffff, "cert_data", "an X.509 certificate in DER", |r| {
                                let (start, n) = (r.position(), r.remaining());
                                let der = r.opaque(n, "data", "an X.509 certificate in DER")?;
                                // The certificate's own structure, from the same parse that checks it.
                                if let Ok(c) = super::x509::parse::parse_at(der, start) {
                                    r.annotate_last(c.fields);
                                }
                                Ok(der.to_vec())
                            })?;
                            let extensions = read_extensions(r, ExtContext::Certificate, 0, 0xffff)?;
                            Ok(CertificateEntry { cert_data, extensions })
                        })?);
                    }
                    Ok(v)
                })?;
                Handshake::Certificate { context, entries }
            }
            HandshakeType::certificate_verify => {
                let algorithm = r.wire::<SignatureScheme>("algorithm")?;
                let signature = r.opaque_vector(2, 0, 0xffff, "signature", "a signature over the transcript hash")?.to_vec();
                Handshake::CertificateVerify { algorithm, signature }
            }
            HandshakeType::finished => {
                // RFC 8446 §4.4.4: verify_data is Hash.length bytes: 32 (SHA-256) or 48 (SHA-384);
                // the receiver checks it is its suite's.
                let n = r.remaining();
                if n != 32 && n != 48 {
                    return Err(Error::Decode("Finished must hold 32 (SHA-256) or 48 (SHA-384) bytes"));
                }
                Handshake::Finished(r.opaque(n, "verify_data", "HMAC of the transcript under the finished key")?.to_vec())
            }
            HandshakeType::new_session_ticket => {
                let ticket_lifetime = r.u32("ticket_lifetime", "seconds the ticket may be used")?;
                let ticket_age_add = r.u32("ticket_age_add", "obfuscates the ticket age")?;
                let ticket_nonce = r.opaque_vector(1, 0, 255, "ticket_nonce", "makes each ticket's PSK unique")?.to_vec();
                let ticket = r.opaque_vector(2, 1, 0xffff, "ticket", "opaque to the client")?.to_vec();
                let extensions = read_extensions(r, ExtContext::NewSessionTicket, 0, 0xfffe)?;
                Handshake::NewSessionTicket(NewSessionTicket { ticket_lifetime, ticket_age_add, ticket_nonce, ticket, extensions })
            }
            HandshakeType::key_update => {
                let k = r.wire::<KeyUpdateRequest>("request_update")?;
                if k.known_name().is_none() {
                    return Err(Error::IllegalParameter("request_update is neither 0 nor 1"));
                }
                Handshake::KeyUpdate(k)
            }
            HandshakeType::end_of_early_data => Handshake::EndOfEarlyData,
            _ => return Err(Error::UnexpectedMessage("a handshake type this engine does not expect")),
        })
    }
}

fn read_random(r: &mut Reader<'_>, meaning: &'static str) -> Result<[u8; 32], Error> {
    let b = r.opaque(32, "random", meaning)?;
    let mut out = [0u8; 32];
    out.copy_from_slice(b);
    Ok(out)
}

fn read_client_hello(r: &mut Reader<'_>) -> Result<ClientHello, Error> {
    let legacy_version = r.wire("legacy_version")?;
    let random = read_random(r, "32 fresh random bytes from the client")?;
    let legacy_session_id =
        r.opaque_vector(1, 0, 32, "legacy_session_id", "a random value echoed by the server (middlebox compatibility)")?.to_vec();
    let cipher_suites =
        r.vector(2, 2, 0xfffe, "cipher_suites", "the cipher suites the client offers", |r| read_code_points(r, "cipher_suite"))?;
    let legacy_compression_methods =
        r.opaque_vector(1, 1, 255, "legacy_compression_methods", "must be exactly [0]: no compression")?.to_vec();
    let extensions = read_extensions(r, ExtContext::ClientHello, 8, 0xffff)?;
    Ok(ClientHello { legacy_version, random, legacy_session_id, cipher_suites, legacy_compression_methods, extensions })
}

fn read_server_hello(r: &mut Reader<'_>) -> Result<ServerHello, Error> {
    let legacy_version = r.wire("legacy_version")?;
    let random = read_random(r, "32 random bytes from the server (a fixed value marks a HelloRetryRequest)")?;
    if random == HRR_RANDOM {
        r.describe_last(format!("{} (HelloRetryRequest)", hex(&random)));
    }
    let legacy_session_id_echo = r.opaque_vector(1, 0, 32, "legacy_session_id_echo", "the client's legacy_session_id, echoed")?.to_vec();
    let cipher_suite = r.wire("cipher_suite")?;
    let legacy_compression_method = r.u8("legacy_compression_method", "always 0")?;
    let ctx = if random == HRR_RANDOM { ExtContext::HelloRetryRequest } else { ExtContext::ServerHello };
    let extensions = read_extensions(r, ctx, 6, 0xffff)?;
    Ok(ServerHello { legacy_version, random, legacy_session_id_echo, cipher_suite, legacy_compression_method, extensions })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::enums::NamedGroup;

    fn hello() -> Handshake {
        Handshake::ClientHello(ClientHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random: [7; 32],
            legacy_session_id: vec![1; 32],
            cipher_suites: vec![CipherSuite::TLS_AES_128_GCM_SHA256],
            legacy_compression_methods: vec![0],
            extensions: vec![
                Extension::SupportedVersionsOffered(vec![ProtocolVersion::TLSv1_3]),
                Extension::SupportedGroups(vec![NamedGroup::secp256r1]),
            ],
        })
    }

    #[test]
    fn client_hello_round_trips_and_its_fields_cover_every_byte() {
        let m = hello();
        let bytes = m.encode();
        let (res, fields) = Handshake::decode(&bytes);
        assert_eq!(res.unwrap(), m);
        let leaves = fields[0].leaves();
        let mut at = 0;
        for l in &leaves {
            assert_eq!(l.start, at, "gap or overlap before {}", l.name);
            at += l.len;
        }
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn a_certificate_message_is_annotated_down_to_the_der_and_its_parts_line_up() {
        use rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let ca = crate::tls::x509::issue::generate_ca(&mut rng, 1_795_000_000).unwrap();
        let leaf = crate::tls::x509::issue::generate_leaf(&mut rng, &ca, "example.com", 1_795_000_000).unwrap();
        let m =
            Handshake::Certificate { context: vec![], entries: vec![CertificateEntry { cert_data: leaf.der.clone(), extensions: vec![] }] };
        let bytes = m.encode();
        let (res, fields) = Handshake::decode(&bytes);
        assert_eq!(res.unwrap(), m);
        // Inside every element its parts follow one another and end where it ends (a DER
        // element's tag and length come before its first part).
        fn check(f: &crate::tls::codec::Field) {
            for pair in f.children.windows(2) {
                assert_eq!(pair[0].start + pair[0].len, pair[1].start, "gap or overlap before {}", pair[1].name);
            }
            if let (Some(first), Some(last)) = (f.children.first(), f.children.last()) {
                assert!(first.start >= f.start && first.start <= f.start + 4, "{} starts outside {}", first.name, f.name);
                assert_eq!(last.start + last.len, f.start + f.len, "{} does not end with {}", f.name, last.name);
            }
            f.children.iter().for_each(check);
        }
        check(&fields[0]);
        assert_eq!(fields[0].len, bytes.len());
        let leaves = fields[0].leaves();
        assert!(leaves.len() > 25, "only {} leaves", leaves.len());
        // Header (4), context (1), list length (3), cert_data length (3), then the DER.
        let der_start = 11;
        // The leaves cover every byte once, DER tags and lengths included.
        let mut at = 0;
        for l in &leaves {
            assert_eq!(l.start, at, "a gap before {}", l.name);
            at += l.len;
        }
        assert_eq!(at, bytes.len());
        fn find<'f>(fs: &'f [crate::tls::codec::Field], name: &str) -> Option<&'f crate::tls::codec::Field> {
            fs.iter().find_map(|f| if f.name == name { Some(f) } else { find(&f.children, name) })
        }
        let key = find(&fields, "subjectPublicKey").expect("the key is named");
        let spki = crate::tls::x509::parse::parse(&leaf.der).unwrap().public_key;
        assert_eq!(&bytes[key.start + key.len - 65..key.start + key.len], spki);
        assert!(key.start > der_start);
        let dns = find(&fields, "dNSName").expect("the name is named");
        assert_eq!((dns.value.as_str(), &bytes[dns.start + 2..dns.start + dns.len]), ("example.com", &b"example.com"[..]));
    }

    #[test]
    fn rejects_trailing_bytes_after_a_message() {
        let mut bytes = hello().encode();
        bytes.push(0);
        assert!(matches!(Handshake::decode(&bytes).0, Err(Error::Decode(_))));
    }

    #[test]
    fn rejects_a_truncated_message() {
        let bytes = hello().encode();
        assert!(matches!(Handshake::decode(&bytes[..bytes.len() - 1]).0, Err(Error::Decode(_))));
    }

    #[test]
    fn a_failed_decode_still_reports_the_fields_read() {
        let bytes = hello().encode();
        let (_, fields) = Handshake::decode(&bytes[..40]);
        let names: Vec<String> = fields[0].leaves().iter().map(|f| f.name.to_string()).collect();
        assert!(names.contains(&"random".to_string()), "{names:?}");
    }
}
