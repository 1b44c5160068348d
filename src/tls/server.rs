//! The TLS 1.3 server (RFC 8446 §4, §2 figure 1).

use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use rand_chacha::ChaCha20Rng;

use super::client::signed_content;
use super::codec::Bytes;
use super::conn::{Common, RecordOptions, Role};
use super::enums::{CipherSuite, ExtensionType, NamedGroup, ProtocolVersion, SignatureScheme};
use super::error::Error;
use super::events::{Event, Phase};
use super::extensions::{find, Extension, KeyShareEntry};
use super::handshake::{CertificateEntry, ClientHello, Handshake, NewSessionTicket, ServerHello, HRR_RANDOM};
use super::key_schedule::{self, verify_data, EarlySecret, TrafficSecret};
use super::kx::{self, KeyExchange};

#[derive(Clone)]
pub struct ServerConfig {
    /// DER certificates, leaf first.
    pub chain: Vec<Vec<u8>>,
    pub key: SigningKey,
    pub alpn: Vec<Vec<u8>>,
    /// NewSessionTickets sent after the handshake.
    pub tickets: usize,
    pub records: RecordOptions,
}

pub const SERVER_CONTEXT: &[u8] = b"TLS 1.3, server CertificateVerify";

struct AwaitFinished {
    client_hs: TrafficSecret,
    client_ap: TrafficSecret,
    master: key_schedule::MasterSecret,
}

pub struct Server {
    pub common: Common,
    config: ServerConfig,
    sent_retry: bool,
    sent_ccs: bool,
    first_hello: Option<ClientHello>,
    pending: Option<AwaitFinished>,
    pub server_name: Option<String>,
    pub alpn: Option<Vec<u8>>,
}

const SUITE: CipherSuite = CipherSuite::TLS_AES_128_GCM_SHA256;
const GROUP: NamedGroup = NamedGroup::secp256r1;
const SCHEME: SignatureScheme = SignatureScheme::ecdsa_secp256r1_sha256;

impl Server {
    pub fn new(config: ServerConfig, rng: ChaCha20Rng) -> Self {
        let common = Common::new(rng, Phase::ExpectClientHello, config.records.clone());
        Server { common, config, sent_retry: false, sent_ccs: false, first_hello: None, pending: None, server_name: None, alpn: None }
    }

    pub fn phase(&self) -> Phase {
        self.common.phase
    }

    fn dispatch(&mut self, m: Handshake, raw: &[u8]) -> Result<(), Error> {
        match (self.common.phase, m) {
            (Phase::ExpectClientHello, Handshake::ClientHello(ch)) => self.on_client_hello(ch, raw),
            (Phase::ExpectClientFinished, Handshake::Finished(v)) => self.on_finished(&v, raw),
            (Phase::Connected, Handshake::KeyUpdate(k)) => self.common.receive_key_update(k),
            _ => Err(Error::UnexpectedMessage("a handshake message out of order")),
        }
    }

    /// RFC 8446 §4.1.2, §4.2, §9.2: what a ClientHello must carry.
    fn on_client_hello(&mut self, ch: ClientHello, raw: &[u8]) -> Result<(), Error> {
        if ch.legacy_compression_methods != [0] {
            return Err(Error::IllegalParameter("legacy_compression_methods is not [0]"));
        }
        match find(&ch.extensions, ExtensionType::supported_versions) {
            Some(Extension::SupportedVersionsOffered(v)) if v.contains(&ProtocolVersion::TLSv1_3) => {}
            _ => return Err(Error::ProtocolVersion),
        }
        if let Some(first) = &self.first_hello {
            // RFC 8446 §4.1.2: the second ClientHello may change only the key share and cookie.
            if first.cipher_suites != ch.cipher_suites || first.random != ch.random || first.legacy_session_id != ch.legacy_session_id {
                return Err(Error::IllegalParameter("the second ClientHello changed more than its key share"));
            }
        }
        let groups = match find(&ch.extensions, ExtensionType::supported_groups) {
            Some(Extension::SupportedGroups(g)) => Some(g.clone()),
            _ => None,
        };
        let shares = match find(&ch.extensions, ExtensionType::key_share) {
            Some(Extension::KeyShareOffered(s)) => Some(s.clone()),
            _ => None,
        };
        let (groups, shares) = match (groups, shares) {
            (Some(g), Some(s)) => (g, s),
            (None, None) => return Err(Error::MissingExtension("no supported_groups and key_share: (EC)DHE is required")),
            _ => return Err(Error::MissingExtension("supported_groups and key_share must come together")),
        };
        if !matches!(find(&ch.extensions, ExtensionType::signature_algorithms), Some(Extension::SignatureAlgorithms(_))) {
            return Err(Error::MissingExtension("no signature_algorithms"));
        }
        if !ch.cipher_suites.contains(&SUITE) {
            return Err(Error::HandshakeFailure("no cipher suite in common"));
        }
        if !groups.contains(&GROUP) {
            return Err(Error::HandshakeFailure("no key-exchange group in common"));
        }
        for (i, s) in shares.iter().enumerate() {
            if !groups.contains(&s.group) {
                return Err(Error::IllegalParameter("a key share for a group not in supported_groups"));
            }
            if shares[..i].iter().any(|o| o.group == s.group) {
                return Err(Error::IllegalParameter("two key shares for one group"));
            }
        }
        match find(&ch.extensions, ExtensionType::signature_algorithms) {
            Some(Extension::SignatureAlgorithms(s)) if s.contains(&SCHEME) => {}
            _ => return Err(Error::HandshakeFailure("no signature scheme in common")),
        }
        if let Some(Extension::ServerName(Some(n))) = find(&ch.extensions, ExtensionType::server_name) {
            self.server_name = Some(n.clone());
        }
        if let Some(Extension::Alpn(offered)) = find(&ch.extensions, ExtensionType::application_layer_protocol_negotiation) {
            self.alpn = self.config.alpn.iter().find(|p| offered.contains(p)).cloned();
        }

        let Some(share) = shares.iter().find(|s| s.group == GROUP).cloned() else {
            if self.sent_retry {
                return Err(Error::IllegalParameter("the second ClientHello still has no P-256 key share"));
            }
            return self.send_retry(ch, raw);
        };
        let peer = kx::parse_public(&share.key_exchange)?;
        self.common.transcript.add("ClientHello", raw);
        self.common.events.push(Event::PeerPublicKey { group: GROUP.to_string(), public_key: Bytes(share.key_exchange.clone()) });
        let key = KeyExchange::generate(&mut self.common);
        let public = key.public.clone();
        let shared = key.agree(&mut self.common, &peer);

        // RFC 8446 §4.1.3 ServerHello.
        let sh = ServerHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random: self.common.random::<32>(),
            legacy_session_id_echo: ch.legacy_session_id.clone(),
            cipher_suite: SUITE,
            legacy_compression_method: 0,
            extensions: vec![
                Extension::SupportedVersionSelected(ProtocolVersion::TLSv1_3),
                Extension::KeyShareChosen(KeyShareEntry { group: GROUP, key_exchange: public }),
            ],
        };
        self.common.send_handshake(&Handshake::ServerHello(sh));
        self.compat_ccs(&ch)?;

        // RFC 8446 §7.1: handshake traffic secrets.
        let th = self.common.transcript.current();
        let mut log = Vec::new();
        let hs = EarlySecret::new(&mut log).into_handshake_secret(&mut log, &shared);
        let client_hs = hs.client_traffic(&mut log, &th);
        let server_hs = hs.server_traffic(&mut log, &th);
        self.common.log_derivations(log);
        self.common.set_write_keys(server_hs.clone())?;
        self.common.set_read_keys(client_hs.clone())?;

        // RFC 8446 §4.3.1 EncryptedExtensions.
        let mut ee = Vec::new();
        if self.server_name.is_some() {
            ee.push(Extension::ServerName(None));
        }
        if let Some(p) = &self.alpn {
            ee.push(Extension::Alpn(vec![p.clone()]));
        }
        self.common.send_handshake(&Handshake::EncryptedExtensions(ee));

        // RFC 8446 §4.4.2 Certificate.
        let entries = self.config.chain.iter().map(|c| CertificateEntry { cert_data: c.clone(), extensions: vec![] }).collect();
        self.common.send_handshake(&Handshake::Certificate { context: vec![], entries });

        // RFC 8446 §4.4.3 CertificateVerify.
        let content = signed_content(&self.common.transcript.current().hash, SERVER_CONTEXT);
        let sig: Signature = self.config.key.sign(&content);
        let sig = super::x509::ecdsa::ecdsa_signature_to_der(&sig);
        self.common.events.push(Event::Signature { signed: true, scheme: SCHEME.to_string(), content: Bytes(content), signature: Bytes(sig.clone()), ok: true });
        self.common.send_handshake(&Handshake::CertificateVerify { algorithm: SCHEME, signature: sig });

        // RFC 8446 §4.4.4 Finished.
        let mut log = Vec::new();
        let fk = server_hs.finished_key(&mut log);
        self.common.log_derivations(log);
        let vd = verify_data(&fk, &self.common.transcript.current());
        self.common.events.push(Event::Finished { sent: true, verify_data: Bytes(vd.to_vec()), ok: true });
        self.common.send_handshake(&Handshake::Finished(vd.to_vec()));

        // Application secrets: the transcript now ends with the server's Finished.
        let th = self.common.transcript.current();
        let mut log = Vec::new();
        let master = hs.into_master_secret(&mut log);
        let client_ap = master.client_traffic(&mut log, &th);
        let server_ap = master.server_traffic(&mut log, &th);
        master.exporter(&mut log, &th);
        self.common.log_derivations(log);
        self.common.set_write_keys(server_ap)?;
        self.pending = Some(AwaitFinished { client_hs, client_ap, master });
        self.common.set_phase(Phase::ExpectClientFinished);
        Ok(())
    }

    /// RFC 8446 §D.4: in middlebox compatibility mode (the client sent a session id) the server
    /// sends one change_cipher_spec after its first handshake message.
    fn compat_ccs(&mut self, ch: &ClientHello) -> Result<(), Error> {
        if !ch.legacy_session_id.is_empty() && !self.sent_ccs {
            self.sent_ccs = true;
            self.common.send_ccs()?;
        }
        Ok(())
    }

    /// RFC 8446 §4.1.4: ask for a P-256 key share.
    fn send_retry(&mut self, ch: ClientHello, raw: &[u8]) -> Result<(), Error> {
        self.sent_retry = true;
        self.common.transcript.add("ClientHello", raw);
        self.common.transcript.replace_with_message_hash();
        let hrr = ServerHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random: HRR_RANDOM,
            legacy_session_id_echo: ch.legacy_session_id.clone(),
            cipher_suite: SUITE,
            legacy_compression_method: 0,
            extensions: vec![
                Extension::SupportedVersionSelected(ProtocolVersion::TLSv1_3),
                Extension::KeyShareRetry(GROUP),
            ],
        };
        self.common.note("found no P-256 key share in the ClientHello: it asks for one with HelloRetryRequest");
        self.common.send_handshake(&Handshake::ServerHello(hrr));
        self.compat_ccs(&ch)?;
        self.first_hello = Some(ch);
        Ok(())
    }

    /// RFC 8446 §4.4.4: the client's Finished completes the handshake.
    fn on_finished(&mut self, v: &[u8], raw: &[u8]) -> Result<(), Error> {
        let p = self.pending.take().ok_or(Error::Internal("no pending handshake"))?;
        let mut log = Vec::new();
        let expected = verify_data(&p.client_hs.finished_key(&mut log), &self.common.transcript.current());
        self.common.log_derivations(log);
        let ok = kx::ct_eq(&expected, v);
        self.common.events.push(Event::Finished { sent: false, verify_data: Bytes(v.to_vec()), ok });
        if !ok {
            return Err(Error::DecryptError("the client's Finished is wrong"));
        }
        self.common.peer_finished = true;
        self.common.transcript.add("Finished (client)", raw);
        self.common.set_read_keys(p.client_ap)?;
        let mut log = Vec::new();
        let rms = p.master.resumption(&mut log, &self.common.transcript.current());
        self.common.log_derivations(log);
        self.common.set_phase(Phase::Connected);
        for i in 0..self.config.tickets {
            let nonce = vec![u8::try_from(i).unwrap_or(0)];
            let mut log = Vec::new();
            key_schedule::ticket_psk(&mut log, &rms, &nonce);
            self.common.log_derivations(log);
            let age_add = u32::from_be_bytes(self.common.random::<4>());
            let ticket = self.common.random::<32>().to_vec();
            self.common.send_handshake(&Handshake::NewSessionTicket(NewSessionTicket {
                ticket_lifetime: 7200,
                ticket_age_add: age_add,
                ticket_nonce: nonce,
                ticket,
                extensions: vec![],
            }));
        }
        self.common.note("finished the handshake: its handshake keys are no longer needed");
        Ok(())
    }
}

impl Role for Server {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }

    fn handle(&mut self, m: Handshake, raw: &[u8]) -> Result<(), Error> {
        self.dispatch(m, raw)
    }
}
