//! The TLS 1.3 client (RFC 8446 §4, §2 figure 1). States are named after what they wait for.

use p256::ecdsa::signature::Verifier;
use p256::ecdsa::VerifyingKey;
use rand_chacha::ChaCha20Rng;

use super::codec::Bytes;
use super::conn::{Common, RecordOptions, Role};
use super::enums::{CipherSuite, ExtensionType, NamedGroup, ProtocolVersion, SignatureScheme};
use super::error::Error;
use super::events::{Event, Phase};
use super::extensions::{find, Extension, KeyShareEntry};
use super::handshake::{ClientHello, Handshake, ServerHello};
use super::kx::{self, KeyExchange};
use super::key_schedule::{self, verify_data, EarlySecret, HandshakeSecret, TrafficSecret};
use super::server::SERVER_CONTEXT;

#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub server_name: String,
    /// DER of the one CA certificate the client trusts.
    pub trust_anchor: Vec<u8>,
    /// Unix seconds, for the certificate validity check.
    pub now: u64,
    pub alpn: Vec<Vec<u8>>,
    /// Send a P-256 key share in the first ClientHello; without it the server must ask for one
    /// with a HelloRetryRequest.
    pub initial_key_share: bool,
    pub records: RecordOptions,
}

/// What the client needs between ServerHello and its Finished.
struct Handshaking {
    hs: HandshakeSecret,
    client_hs: TrafficSecret,
    server_hs: TrafficSecret,
    server_key: Option<VerifyingKey>,
}

pub struct Client {
    pub common: Common,
    config: ClientConfig,
    key: Option<KeyExchange>,
    first_hello: Option<ClientHello>,
    retried: bool,
    offered_share: bool,
    hs: Option<Handshaking>,
    resumption_master: Option<[u8; 32]>,
    pub alpn: Option<Vec<u8>>,
    pub tickets: usize,
}

const SUITE: CipherSuite = CipherSuite::TLS_AES_128_GCM_SHA256;
const GROUP: NamedGroup = NamedGroup::secp256r1;
const SCHEME: SignatureScheme = SignatureScheme::ecdsa_secp256r1_sha256;

impl Client {
    pub fn new(config: ClientConfig, rng: ChaCha20Rng) -> Self {
        let common = Common::new(rng, Phase::Start, config.records.clone());
        Client {
            common,
            config,
            key: None,
            first_hello: None,
            retried: false,
            offered_share: false,
            hs: None,
            resumption_master: None,
            alpn: None,
            tickets: 0,
        }
    }

    pub fn phase(&self) -> Phase {
        self.common.phase
    }

    /// RFC 8446 §4.1.2: send the first ClientHello.
    pub fn start(&mut self) {
        let r = self.send_client_hello(None, self.config.initial_key_share);
        self.finish_step(r);
    }

    fn finish_step(&mut self, r: Result<(), Error>) {
        if let Err(e) = r.and_then(|_| self.common.flush()) {
            self.common.fail(&e);
        }
    }

    fn send_client_hello(&mut self, retry: Option<(&ServerHello, Option<Vec<u8>>)>, with_share: bool) -> Result<(), Error> {
        let mut shares = Vec::new();
        if with_share {
            let k = KeyExchange::generate(&mut self.common);
            shares.push(KeyShareEntry { group: GROUP, key_exchange: k.public.clone() });
            self.key = Some(k);
            self.offered_share = true;
        }
        let (random, session_id) = match &self.first_hello {
            // RFC 8446 §4.1.2: the second ClientHello repeats the first but for the key share
            // and the cookie.
            Some(first) => (first.random, first.legacy_session_id.clone()),
            None => (self.common.random::<32>(), self.common.random::<32>().to_vec()),
        };
        let mut extensions = vec![
            Extension::ServerName(Some(self.config.server_name.clone())),
            Extension::SupportedVersionsOffered(vec![ProtocolVersion::TLSv1_3]),
            Extension::SupportedGroups(vec![GROUP]),
            Extension::SignatureAlgorithms(vec![SCHEME]),
            Extension::KeyShareOffered(shares),
        ];
        if !self.config.alpn.is_empty() {
            extensions.push(Extension::Alpn(self.config.alpn.clone()));
        }
        if let Some((_, Some(cookie))) = retry {
            extensions.push(Extension::Cookie(cookie));
        }
        let ch = ClientHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random,
            legacy_session_id: session_id,
            cipher_suites: vec![SUITE],
            legacy_compression_methods: vec![0],
            extensions,
        };
        self.common.send_handshake(&Handshake::ClientHello(ch.clone()));
        if self.first_hello.is_none() {
            self.first_hello = Some(ch);
        }
        self.common.set_phase(Phase::ExpectServerHello);
        Ok(())
    }

    fn dispatch(&mut self, m: Handshake, bytes: &[u8]) -> Result<(), Error> {
        match (self.common.phase, m) {
            (Phase::ExpectServerHello, Handshake::ServerHello(sh)) if sh.is_retry_request() => self.on_retry(sh, bytes),
            (Phase::ExpectServerHello, Handshake::ServerHello(sh)) => self.on_server_hello(sh, bytes),
            (Phase::ExpectEncryptedExtensions, Handshake::EncryptedExtensions(e)) => self.on_encrypted_extensions(e, bytes),
            (Phase::ExpectCertificate, Handshake::Certificate { context, entries }) => {
                self.on_certificate(context, entries.into_iter().map(|e| e.cert_data).collect(), bytes)
            }
            (Phase::ExpectCertificateVerify, Handshake::CertificateVerify { algorithm, signature }) => {
                self.on_certificate_verify(algorithm, &signature, bytes)
            }
            (Phase::ExpectFinished, Handshake::Finished(v)) => self.on_finished(&v, bytes),
            (Phase::Connected, Handshake::NewSessionTicket(t)) => {
                // RFC 8446 §4.6.1: the client stores the ticket and the PSK it stands for.
                let mut log = Vec::new();
                if let Some(rms) = &self.resumption_master {
                    key_schedule::ticket_psk(&mut log, rms, &t.ticket_nonce);
                }
                self.common.log_derivations(log);
                self.tickets += 1;
                self.common.note(format!(
                    "stored a session ticket ({} bytes, valid {} s) for resuming later",
                    t.ticket.len(),
                    t.ticket_lifetime
                ));
                Ok(())
            }
            (Phase::Connected, Handshake::KeyUpdate(k)) => self.common.receive_key_update(k),
            _ => Err(Error::UnexpectedMessage("a handshake message out of order")),
        }
    }

    /// RFC 8446 §4.1.3 checks shared by ServerHello and HelloRetryRequest.
    fn check_server_hello(&self, sh: &ServerHello) -> Result<(), Error> {
        let first = self.first_hello.as_ref().ok_or(Error::Internal("no ClientHello"))?;
        match find(&sh.extensions, ExtensionType::supported_versions) {
            Some(Extension::SupportedVersionSelected(v)) if *v == ProtocolVersion::TLSv1_3 => {}
            Some(_) => return Err(Error::IllegalParameter("the server selected a version other than TLS 1.3")),
            None => return Err(Error::ProtocolVersion),
        }
        if sh.legacy_version != ProtocolVersion::TLSv1_2 {
            return Err(Error::ProtocolVersion);
        }
        if sh.cipher_suite != SUITE {
            return Err(Error::IllegalParameter("the server chose a cipher suite that was not offered"));
        }
        if sh.legacy_session_id_echo != first.legacy_session_id {
            return Err(Error::IllegalParameter("legacy_session_id_echo is not the client's session id"));
        }
        if sh.legacy_compression_method != 0 {
            return Err(Error::IllegalParameter("legacy_compression_method is not 0"));
        }
        Ok(())
    }

    /// RFC 8446 §4.1.4: HelloRetryRequest.
    fn on_retry(&mut self, sh: ServerHello, bytes: &[u8]) -> Result<(), Error> {
        if self.retried {
            return Err(Error::UnexpectedMessage("a second HelloRetryRequest"));
        }
        self.check_server_hello(&sh)?;
        let group = match find(&sh.extensions, ExtensionType::key_share) {
            Some(Extension::KeyShareRetry(g)) => Some(*g),
            _ => None,
        };
        let cookie = match find(&sh.extensions, ExtensionType::cookie) {
            Some(Extension::Cookie(c)) => Some(c.clone()),
            _ => None,
        };
        if let Some(g) = group {
            if g != GROUP {
                return Err(Error::IllegalParameter("HelloRetryRequest asks for a group that was not offered"));
            }
            if self.offered_share {
                return Err(Error::IllegalParameter("HelloRetryRequest asks for a share that was already sent"));
            }
        } else if cookie.is_none() {
            return Err(Error::IllegalParameter("a HelloRetryRequest that would change nothing"));
        }
        self.retried = true;
        self.common.transcript.replace_with_message_hash();
        self.common.transcript.add("HelloRetryRequest", bytes);
        self.common.note("was asked for a P-256 key share: it sends a second ClientHello");
        self.send_client_hello(Some((&sh, cookie)), true)?;
        self.common.flush()
    }

    /// RFC 8446 §4.1.3 ServerHello, then §7.1 handshake secrets.
    fn on_server_hello(&mut self, sh: ServerHello, bytes: &[u8]) -> Result<(), Error> {
        self.check_server_hello(&sh)?;
        let share = match find(&sh.extensions, ExtensionType::key_share) {
            Some(Extension::KeyShareChosen(e)) => e.clone(),
            _ => return Err(Error::MissingExtension("ServerHello has no key_share")),
        };
        if share.group != GROUP || !self.offered_share {
            return Err(Error::IllegalParameter("the server's key share is for a group the client sent no share for"));
        }
        let key = self.key.take().ok_or(Error::Internal("no key share"))?;
        let peer = kx::parse_public(&share.key_exchange)?;
        self.common.events.push(Event::PeerPublicKey { group: GROUP.to_string(), public_key: Bytes(share.key_exchange.clone()) });
        let shared = key.agree(&mut self.common, &peer);
        self.common.transcript.add("ServerHello", bytes);
        let th = self.common.transcript.current();
        let mut log = Vec::new();
        let hs = EarlySecret::new(&mut log).into_handshake_secret(&mut log, &shared);
        let client_hs = hs.client_traffic(&mut log, &th);
        let server_hs = hs.server_traffic(&mut log, &th);
        self.common.log_derivations(log);
        self.common.set_read_keys(server_hs.clone())?;
        // From here on, anything the client sends (its Finished, or an alert) is encrypted.
        self.common.set_write_keys(client_hs.clone())?;
        self.hs = Some(Handshaking { hs, client_hs, server_hs, server_key: None });
        self.common.set_phase(Phase::ExpectEncryptedExtensions);
        Ok(())
    }

    /// RFC 8446 §4.3.1.
    fn on_encrypted_extensions(&mut self, exts: Vec<Extension>, bytes: &[u8]) -> Result<(), Error> {
        for e in &exts {
            match e {
                Extension::Alpn(p) => {
                    let [one] = p.as_slice() else {
                        return Err(Error::IllegalParameter("ALPN must select exactly one protocol"));
                    };
                    if !self.config.alpn.contains(one) {
                        return Err(Error::IllegalParameter("ALPN selected a protocol that was not offered"));
                    }
                    self.alpn = Some(one.clone());
                }
                Extension::ServerName(_) | Extension::SupportedGroups(_) => {}
                Extension::Other(t, _) if t.known_name().is_none() => {
                    return Err(Error::UnsupportedExtension("an extension the client did not offer"));
                }
                _ => return Err(Error::UnsupportedExtension("an extension the client did not offer")),
            }
        }
        self.common.transcript.add("EncryptedExtensions", bytes);
        self.common.set_phase(Phase::ExpectCertificate);
        Ok(())
    }

    /// RFC 8446 §4.4.2: the server's chain, checked against the trust anchor.
    fn on_certificate(&mut self, context: Vec<u8>, chain: Vec<Vec<u8>>, bytes: &[u8]) -> Result<(), Error> {
        if !context.is_empty() {
            return Err(Error::IllegalParameter("a server Certificate with a request context"));
        }
        if chain.is_empty() {
            return Err(Error::Decode("the server sent an empty certificate list"));
        }
        for der in &chain {
            if let Ok(info) = super::x509::describe::describe(der) {
                self.common.events.push(Event::Certificate { info });
            }
        }
        let mut checks = Vec::new();
        let res = super::x509::verify::verify_server_chain(&chain, &self.config.trust_anchor, &self.config.server_name, self.config.now, &mut checks);
        for c in checks {
            self.common.events.push(Event::Check { check: c.name.into(), ok: c.ok, detail: c.detail });
        }
        let key = res?;
        self.common.transcript.add("Certificate", bytes);
        if let Some(h) = self.hs.as_mut() {
            h.server_key = Some(key);
        }
        self.common.set_phase(Phase::ExpectCertificateVerify);
        Ok(())
    }

    /// RFC 8446 §4.4.3: the signature proves the server holds the certificate's private key.
    fn on_certificate_verify(&mut self, scheme: SignatureScheme, sig: &[u8], bytes: &[u8]) -> Result<(), Error> {
        if scheme != SCHEME {
            return Err(Error::IllegalParameter("CertificateVerify uses a scheme the client did not offer"));
        }
        let key = self.hs.as_ref().and_then(|h| h.server_key).ok_or(Error::Internal("no server key"))?;
        let content = signed_content(&self.common.transcript.current().hash, SERVER_CONTEXT);
        let ok = super::x509::ecdsa::ecdsa_signature_from_der(sig).is_some_and(|s| key.verify(&content, &s).is_ok());
        self.common.events.push(Event::Signature {
            signed: false,
            scheme: scheme.to_string(),
            content: Bytes(content),
            signature: Bytes(sig.to_vec()),
            ok,
        });
        self.common.events.push(Event::Check {
            check: "CertificateVerify signature".into(),
            ok,
            detail: if ok {
                "CertificateVerify: the server holds the certificate's private key".into()
            } else {
                "CertificateVerify does not verify with the certificate's key".into()
            },
        });
        if !ok {
            return Err(Error::DecryptError("CertificateVerify signature"));
        }
        self.common.transcript.add("CertificateVerify", bytes);
        self.common.set_phase(Phase::ExpectFinished);
        Ok(())
    }

    /// RFC 8446 §4.4.4: check the server's Finished, derive the application secrets, answer with
    /// the client's Finished.
    fn on_finished(&mut self, v: &[u8], bytes: &[u8]) -> Result<(), Error> {
        let h = self.hs.take().ok_or(Error::Internal("no handshake secrets"))?;
        let th = self.common.transcript.current();
        let mut log = Vec::new();
        let expected = verify_data(&h.server_hs.finished_key(&mut log), &th);
        self.common.log_derivations(log);
        let ok = kx::ct_eq(&expected, v);
        self.common.events.push(Event::Finished { sent: false, verify_data: Bytes(v.to_vec()), ok });
        if !ok {
            return Err(Error::DecryptError("the server's Finished is wrong"));
        }
        self.common.peer_finished = true;
        self.common.transcript.add("Finished (server)", bytes);
        let th = self.common.transcript.current();
        let mut log = Vec::new();
        let master = h.hs.into_master_secret(&mut log);
        let client_ap = master.client_traffic(&mut log, &th);
        let server_ap = master.server_traffic(&mut log, &th);
        master.exporter(&mut log, &th);
        let finished_key = h.client_hs.finished_key(&mut log);
        self.common.log_derivations(log);
        self.common.set_read_keys(server_ap)?;

        // RFC 8446 §D.4: a compatibility change_cipher_spec before the second flight.
        self.common.send_ccs()?;
        let vd = verify_data(&finished_key, &self.common.transcript.current());
        self.common.events.push(Event::Finished { sent: true, verify_data: Bytes(vd.to_vec()), ok: true });
        self.common.send_handshake(&Handshake::Finished(vd.to_vec()));
        self.common.set_write_keys(client_ap)?;
        let mut log = Vec::new();
        self.resumption_master = Some(master.resumption(&mut log, &self.common.transcript.current()));
        self.common.log_derivations(log);
        self.common.note("finished the handshake: its handshake keys are no longer needed, only the application traffic keys");
        self.common.set_phase(Phase::Connected);
        Ok(())
    }
}

impl Role for Client {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }

    fn handle(&mut self, m: Handshake, raw: &[u8]) -> Result<(), Error> {
        self.dispatch(m, raw)
    }
}

/// RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the transcript hash.
pub fn signed_content(transcript_hash: &[u8], context: &[u8]) -> Vec<u8> {
    let mut c = vec![0x20u8; 64];
    c.extend_from_slice(context);
    c.push(0);
    c.extend_from_slice(transcript_hash);
    c
}
