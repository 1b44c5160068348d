//! RFC 8446 §4.2 extensions: the ones this engine speaks, and a raw form for all others.

use super::codec::{Reader, Writer};
use super::enums::{ExtensionType, NamedGroup, ProtocolVersion, PskKeyExchangeMode, SignatureScheme};
use super::error::Error;
use super::psk::OfferedPsks;

/// The message an extension block belongs to; it decides the format of some extensions and which
/// ones are allowed (RFC 8446 §4.2, the table of "TLS 1.3" message columns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtContext {
    ClientHello,
    ServerHello,
    HelloRetryRequest,
    EncryptedExtensions,
    Certificate,
    /// RFC 8446 §4.3.2.
    CertificateRequest,
    NewSessionTicket,
}

/// RFC 8446 §4.2.8 `KeyShareEntry`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyShareEntry {
    pub group: NamedGroup,
    pub key_exchange: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Extension {
    /// RFC 6066 §3: one host_name (in EncryptedExtensions: empty, "I used it").
    ServerName(Option<String>),
    SupportedVersionsOffered(Vec<ProtocolVersion>),
    SupportedVersionSelected(ProtocolVersion),
    SupportedGroups(Vec<NamedGroup>),
    SignatureAlgorithms(Vec<SignatureScheme>),
    KeyShareOffered(Vec<KeyShareEntry>),
    KeyShareChosen(KeyShareEntry),
    KeyShareRetry(NamedGroup),
    Alpn(Vec<Vec<u8>>),
    Cookie(Vec<u8>),
    /// RFC 8446 §4.2.9: how the client may use a ticket's PSK.
    PskKeyExchangeModes(Vec<PskKeyExchangeMode>),
    /// RFC 8446 §4.2.11: the client's tickets and binders (always the last extension).
    PreSharedKeyOffered(OfferedPsks),
    /// RFC 8446 §4.2.11: the server's choice among them.
    PreSharedKeySelected(u16),
    /// RFC 8446 §4.2.10: empty in ClientHello and EncryptedExtensions; in NewSessionTicket, the
    /// most early data the server will accept with the ticket.
    EarlyData(Option<u32>),
    /// RFC 8446 §4.2.4: the DER-encoded distinguished names of the CAs the sender trusts.
    CertificateAuthorities(Vec<Vec<u8>>),
    Other(ExtensionType, Vec<u8>),
}

impl Extension {
    pub fn typ(&self) -> ExtensionType {
        match self {
            Extension::ServerName(_) => ExtensionType::server_name,
            Extension::SupportedVersionsOffered(_) | Extension::SupportedVersionSelected(_) => ExtensionType::supported_versions,
            Extension::SupportedGroups(_) => ExtensionType::supported_groups,
            Extension::SignatureAlgorithms(_) => ExtensionType::signature_algorithms,
            Extension::KeyShareOffered(_) | Extension::KeyShareChosen(_) | Extension::KeyShareRetry(_) => ExtensionType::key_share,
            Extension::Alpn(_) => ExtensionType::application_layer_protocol_negotiation,
            Extension::Cookie(_) => ExtensionType::cookie,
            Extension::PskKeyExchangeModes(_) => ExtensionType::psk_key_exchange_modes,
            Extension::PreSharedKeyOffered(_) | Extension::PreSharedKeySelected(_) => ExtensionType::pre_shared_key,
            Extension::EarlyData(_) => ExtensionType::early_data,
            Extension::CertificateAuthorities(_) => ExtensionType::certificate_authorities,
            Extension::Other(t, _) => *t,
        }
    }

    pub fn encode(&self, w: &mut Writer) {
        w.wire(self.typ());
        w.vector(2, |w| match self {
            Extension::ServerName(Some(name)) => w.vector(2, |w| {
                w.u8(0);
                w.opaque_vector(2, name.as_bytes());
            }),
            Extension::ServerName(None) => {}
            Extension::SupportedVersionsOffered(v) => w.vector(1, |w| v.iter().for_each(|x| w.wire(*x))),
            Extension::SupportedVersionSelected(v) => w.wire(*v),
            Extension::SupportedGroups(g) => w.vector(2, |w| g.iter().for_each(|x| w.wire(*x))),
            Extension::SignatureAlgorithms(s) => w.vector(2, |w| s.iter().for_each(|x| w.wire(*x))),
            Extension::KeyShareOffered(entries) => w.vector(2, |w| entries.iter().for_each(|e| e.encode(w))),
            Extension::KeyShareChosen(e) => e.encode(w),
            Extension::KeyShareRetry(g) => w.wire(*g),
            Extension::Alpn(protocols) => w.vector(2, |w| protocols.iter().for_each(|p| w.opaque_vector(1, p))),
            Extension::Cookie(c) => w.opaque_vector(2, c),
            Extension::PskKeyExchangeModes(m) => w.vector(1, |w| m.iter().for_each(|x| w.wire(*x))),
            Extension::PreSharedKeyOffered(o) => o.encode(w),
            Extension::PreSharedKeySelected(i) => w.u16(*i),
            Extension::EarlyData(max) => max.iter().for_each(|m| w.u32(*m)),
            Extension::CertificateAuthorities(names) => w.vector(2, |w| names.iter().for_each(|n| w.opaque_vector(2, n))),
            Extension::Other(_, data) => w.bytes(data),
        });
    }
}

impl KeyShareEntry {
    fn encode(&self, w: &mut Writer) {
        w.wire(self.group);
        w.opaque_vector(2, &self.key_exchange);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.group("KeyShareEntry", "one key share: a group and its key exchange value", |r| {
            let group = r.wire::<NamedGroup>("group")?;
            let key_exchange = r.opaque_vector(2, 1, 0xffff, "key_exchange", share_meaning(group))?.to_vec();
            Ok(KeyShareEntry { group, key_exchange })
        })
    }
}

/// What a key share's key_exchange holds, by group (RFC 8446 §4.2.8.2, RFC 7748 §6.1,
/// draft-ietf-tls-ecdhe-mlkem §3).
fn share_meaning(group: NamedGroup) -> &'static str {
    match group {
        NamedGroup::secp256r1 => "the public key: 04 || x || y, an uncompressed P-256 point (65 bytes)",
        NamedGroup::x25519 if cfg!(feature = "x25519") => "the public key: an X25519 u-coordinate (32 bytes)",
        NamedGroup::X25519MLKEM768 if cfg!(feature = "mlkem") => {
            "ML-KEM-768's part, then the X25519 public key (32 bytes): from a client the encapsulation key (1184 bytes), from a server the ciphertext (1088 bytes)"
        }
        NamedGroup::SecP256r1MLKEM768 if cfg!(feature = "mlkem") => {
            "the P-256 point 04 || x || y (65 bytes), then ML-KEM-768's part: from a client the encapsulation key (1184 bytes), from a server the ciphertext (1088 bytes)"
        }
        _ => "the key exchange value, in the group's own format",
    }
}

/// Whether a known extension may appear in a message (RFC 8446 §4.2). `None`: not known here.
fn allowed(t: ExtensionType, ctx: ExtContext) -> Option<bool> {
    use ExtContext::*;
    let ok = match t.0 {
        // server_name, max_fragment_length, supported_groups, use_srtp, heartbeat, alpn,
        // client/server_certificate_type
        0 | 1 | 10 | 14 | 15 | 16 | 19 | 20 => matches!(ctx, ClientHello | EncryptedExtensions),
        // status_request, signed_certificate_timestamp
        5 | 18 => matches!(ctx, ClientHello | Certificate | CertificateRequest),
        // signature_algorithms, signature_algorithms_cert, certificate_authorities
        13 | 47 | 50 => matches!(ctx, ClientHello | CertificateRequest),
        21 | 45 | 49 => ctx == ClientHello, // padding, psk_key_exchange_modes, post_handshake_auth
        41 => matches!(ctx, ClientHello | ServerHello),
        42 => matches!(ctx, ClientHello | EncryptedExtensions | NewSessionTicket),
        43 | 51 => matches!(ctx, ClientHello | ServerHello | HelloRetryRequest),
        44 => matches!(ctx, ClientHello | HelloRetryRequest),
        // oid_filters
        48 => ctx == CertificateRequest,
        _ => return None,
    };
    Some(ok)
}

/// RFC 8446 §4.2: read an `Extension extensions<..>` block, rejecting duplicates and extensions
/// that the message may not carry (both illegal_parameter), ignoring unknown ones.
pub fn read_extensions(r: &mut Reader<'_>, ctx: ExtContext, min: usize, max: usize) -> Result<Vec<Extension>, Error> {
    r.vector(2, min, max, "extensions", "the extension block", |r| {
        let mut out: Vec<Extension> = Vec::new();
        // One bit per extension type: a block of thousands of extensions costs one pass.
        let mut seen = [0u64; 1 << 10];
        while !r.is_empty() {
            let ext = r.group("Extension", "one extension", |r| read_one(r, ctx))?;
            let t = usize::from(ext.typ().0);
            let bit = 1u64 << (t % 64);
            let word = seen.get_mut(t / 64).ok_or(Error::Internal("an extension type past 16 bits"))?;
            if *word & bit != 0 {
                return Err(Error::IllegalParameter("the same extension appears twice"));
            }
            *word |= bit;
            // RFC 8446 §4.2.11: pre_shared_key "MUST be the last extension in the ClientHello".
            if ext.typ() == ExtensionType::pre_shared_key && ctx == ExtContext::ClientHello && !r.is_empty() {
                return Err(Error::IllegalParameter("pre_shared_key is not the last extension of the ClientHello"));
            }
            out.push(ext);
        }
        Ok(out)
    })
}

fn read_one(r: &mut Reader<'_>, ctx: ExtContext) -> Result<Extension, Error> {
    let t = r.wire::<ExtensionType>("extension_type")?;
    if (t, ctx) == (ExtensionType::server_name, ExtContext::EncryptedExtensions) {
        // RFC 6066 §3: the server's empty server_name says it used the name the client sent.
        r.explain_last("empty in the server's answer: it used the host name the client sent (RFC 6066 §3)");
    }
    if allowed(t, ctx) == Some(false) {
        return Err(Error::IllegalParameter("an extension this message may not carry"));
    }
    let name = t.known_name().map_or_else(|| std::borrow::Cow::Owned(t.to_string()), std::borrow::Cow::Borrowed);
    r.vector(2, 0, 0xffff, "extension_data", name, |r| read_body(r, t, ctx))
}

fn read_body(r: &mut Reader<'_>, t: ExtensionType, ctx: ExtContext) -> Result<Extension, Error> {
    use ExtContext::*;
    Ok(match (t, ctx) {
        (ExtensionType::server_name, EncryptedExtensions) => Extension::ServerName(None),
        (ExtensionType::server_name, _) => {
            let raw = r.rest();
            let name = r.vector(2, 1, 0xffff, "server_name_list", "the names the client wants", |r| {
                let mut host = None;
                while !r.is_empty() {
                    let name_type = r.u8("name_type", "0 = host_name")?;
                    let n = r.opaque_vector(2, 1, 0xffff, "HostName", "a DNS host name")?;
                    if name_type == 0 {
                        if host.is_some() {
                            return Err(Error::IllegalParameter("two host names in server_name"));
                        }
                        let s = std::str::from_utf8(n).map_err(|_| Error::Decode("host name is not text"))?;
                        r.describe_last(s.to_string());
                        host = Some(s.to_string());
                    }
                }
                Ok(host)
            })?;
            match name {
                Some(host) => Extension::ServerName(Some(host)),
                // RFC 6066 §3: a list with names of other types only names no host. It is kept as
                // it came (ServerName(None) is the server's empty acknowledgement, another thing).
                None => Extension::Other(ExtensionType::server_name, raw.to_vec()),
            }
        }
        (ExtensionType::supported_versions, ClientHello) => {
            Extension::SupportedVersionsOffered(r.vector(1, 2, 254, "versions", "TLS versions offered", |r| read_list(r, 2, "version"))?)
        }
        (ExtensionType::supported_versions, _) => Extension::SupportedVersionSelected(r.wire("selected_version")?),
        (ExtensionType::supported_groups, _) => Extension::SupportedGroups(r.vector(
            2,
            2,
            0xffff,
            "named_group_list",
            "groups for key exchange, most preferred first",
            |r| read_list(r, 2, "group"),
        )?),
        (ExtensionType::signature_algorithms, _) => Extension::SignatureAlgorithms(r.vector(
            2,
            2,
            0xfffe,
            "supported_signature_algorithms",
            "signature schemes accepted, most preferred first",
            |r| read_list(r, 2, "scheme"),
        )?),
        (ExtensionType::key_share, ClientHello) => {
            Extension::KeyShareOffered(r.vector(2, 0, 0xffff, "client_shares", "the client's public keys", |r| {
                let mut v = Vec::new();
                while !r.is_empty() {
                    v.push(KeyShareEntry::read(r)?);
                }
                Ok(v)
            })?)
        }
        (ExtensionType::key_share, HelloRetryRequest) => Extension::KeyShareRetry(r.wire("selected_group")?),
        (ExtensionType::key_share, _) => Extension::KeyShareChosen(KeyShareEntry::read(r)?),
        (ExtensionType::application_layer_protocol_negotiation, _) => {
            Extension::Alpn(r.vector(2, 2, 0xffff, "protocol_name_list", "application protocols", |r| {
                let mut v = Vec::new();
                while !r.is_empty() {
                    let p = r.opaque_vector(1, 1, 255, "ProtocolName", "an application protocol name")?;
                    r.describe_last(String::from_utf8_lossy(p).into_owned());
                    v.push(p.to_vec());
                }
                Ok(v)
            })?)
        }
        (ExtensionType::psk_key_exchange_modes, _) => {
            Extension::PskKeyExchangeModes(r.vector(1, 1, 255, "ke_modes", "how a ticket's PSK may be used", |r| read_list(r, 1, "mode"))?)
        }
        (ExtensionType::pre_shared_key, ClientHello) => Extension::PreSharedKeyOffered(OfferedPsks::read(r)?),
        (ExtensionType::pre_shared_key, _) => {
            Extension::PreSharedKeySelected(r.u16("selected_identity", "the ticket the server accepts, counted from 0")?)
        }
        (ExtensionType::early_data, NewSessionTicket) => {
            Extension::EarlyData(Some(r.u32("max_early_data_size", "the most 0-RTT data the server accepts with this ticket")?))
        }
        (ExtensionType::early_data, _) => Extension::EarlyData(None),
        (ExtensionType::certificate_authorities, _) => Extension::CertificateAuthorities(r.vector(
            2,
            3,
            0xffff,
            "authorities",
            "the distinguished names of the CAs the sender trusts",
            |r| {
                let mut v = Vec::new();
                while !r.is_empty() {
                    let dn = r.vector(2, 1, 0xffff, "DistinguishedName", "a CA's name, DER as in its certificate", |r| {
                        let (start, n) = (r.position(), r.remaining());
                        let der = r.opaque(n, "data", "a distinguished name in DER")?;
                        // The name's own structure, from the same parse that reads certificates.
                        if let Ok((text, fields)) = super::x509::parse::parse_name_at(der, start) {
                            r.describe_last(text);
                            r.annotate_last(fields);
                        }
                        Ok(der.to_vec())
                    })?;
                    v.push(dn);
                }
                Ok(v)
            },
        )?),
        (ExtensionType::cookie, _) => Extension::Cookie(r.opaque_vector(2, 1, 0xffff, "cookie", "opaque state to echo back")?.to_vec()),
        _ => {
            let n = r.remaining();
            Extension::Other(t, r.opaque(n, "data", "contents not interpreted by this engine")?.to_vec())
        }
    })
}

/// Read a list of 2-byte code points; an odd number of bytes is a decode_error (RFC 8446 §6).
fn read_list<T: super::enums::Wire>(r: &mut Reader<'_>, size: usize, name: &'static str) -> Result<Vec<T>, Error> {
    if !r.remaining().is_multiple_of(size) {
        return Err(Error::Decode("a list of pairs with an odd length"));
    }
    let mut v = Vec::new();
    while !r.is_empty() {
        v.push(r.wire::<T>(name)?);
    }
    Ok(v)
}

pub fn read_code_points<T: super::enums::Wire>(r: &mut Reader<'_>, name: &'static str) -> Result<Vec<T>, Error> {
    read_list(r, T::SIZE, name)
}

/// Find an extension by type.
pub fn find(exts: &[Extension], t: ExtensionType) -> Option<&Extension> {
    exts.iter().find(|e| e.typ() == t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(exts: &[Extension]) -> Vec<u8> {
        let mut w = Writer::new();
        w.vector(2, |w| exts.iter().for_each(|e| e.encode(w)));
        w.buf
    }

    #[test]
    fn client_hello_extensions_round_trip() {
        let exts = vec![
            Extension::ServerName(Some("example.com".into())),
            Extension::SupportedVersionsOffered(vec![ProtocolVersion::TLSv1_3]),
            Extension::SupportedGroups(vec![NamedGroup::secp256r1]),
            Extension::KeyShareOffered(vec![KeyShareEntry { group: NamedGroup::secp256r1, key_exchange: vec![4; 65] }]),
            Extension::Alpn(vec![b"h2".to_vec()]),
            Extension::Other(ExtensionType(0x1a1a), vec![]),
        ];
        let bytes = block(&exts);
        let mut r = Reader::new(&bytes);
        assert_eq!(read_extensions(&mut r, ExtContext::ClientHello, 0, 0xffff).unwrap(), exts);
    }

    #[test]
    fn the_server_s_empty_server_name_is_explained_as_its_acknowledgement() {
        let meaning = |ctx, ext: Extension| {
            let bytes = block(&[ext]);
            let mut r = Reader::new(&bytes);
            read_extensions(&mut r, ctx, 0, 0xffff).unwrap();
            let fields = r.into_fields();
            let t = &fields[0].children[1].children[0];
            assert_eq!(t.name, "extension_type");
            t.meaning.clone()
        };
        assert!(meaning(ExtContext::EncryptedExtensions, Extension::ServerName(None)).contains("used the host name the client sent"));
        assert!(meaning(ExtContext::ClientHello, Extension::ServerName(Some("a.example".into()))).contains("wants to reach"));
    }

    #[test]
    fn a_server_name_list_without_a_host_name_survives_encoding() {
        // One entry of name_type 1 (not host_name): kept as it came.
        let raw = vec![0, 5, 1, 0, 2, b'x', b'y'];
        let exts = vec![Extension::Other(ExtensionType::server_name, raw)];
        let bytes = block(&exts);
        let mut r = Reader::new(&bytes);
        assert_eq!(read_extensions(&mut r, ExtContext::ClientHello, 0, 0xffff).unwrap(), exts);
    }

    #[test]
    fn rejects_the_same_extension_twice() {
        let exts = vec![Extension::SupportedGroups(vec![NamedGroup::secp256r1]); 2];
        let bytes = block(&exts);
        let mut r = Reader::new(&bytes);
        let res = read_extensions(&mut r, ExtContext::ClientHello, 0, 0xffff);
        assert!(matches!(res, Err(Error::IllegalParameter(_))));
    }

    #[test]
    fn rejects_key_share_in_encrypted_extensions() {
        let exts = vec![Extension::KeyShareChosen(KeyShareEntry { group: NamedGroup::secp256r1, key_exchange: vec![4] })];
        let bytes = block(&exts);
        let mut r = Reader::new(&bytes);
        let res = read_extensions(&mut r, ExtContext::EncryptedExtensions, 0, 0xffff);
        assert!(matches!(res, Err(Error::IllegalParameter(_))));
    }

    #[test]
    fn rejects_supported_groups_of_odd_length() {
        let bytes = [0, 7, 0, 10, 0, 3, 0, 1, 0x17];
        let mut r = Reader::new(&bytes);
        let res = read_extensions(&mut r, ExtContext::ClientHello, 0, 0xffff);
        assert!(matches!(res, Err(Error::Decode(_))));
    }
}
