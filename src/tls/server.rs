//! The TLS 1.3 server (RFC 8446 §4, §2 figure 1). Each state owns exactly what the server holds
//! while it waits for the next message.

mod resume;

use rand_chacha::ChaCha20Rng;

use super::auth::{self, PublicKey, SigningKey};
use super::codec::Bytes;
use super::conn::{Common, RecordOptions, Role, Status};
use super::enums::{CipherSuite, ExtensionType, NamedGroup, ProtocolVersion, PskKeyExchangeMode, SignatureScheme};
use super::error::Error;
use super::events::{Check, CheckKind, Endpoint, Event, Failure, Message, Phase};
use super::extensions::{find, Extension, KeyShareEntry};
use super::handshake::{CertificateEntry, ClientHello, Handshake, ServerHello, HRR_RANDOM};
use super::key_schedule::{verify_data, EarlySecret, MasterSecret, TrafficSecret};
use super::kx;
use super::suite::{self, Suite};
use super::ticket::TicketKeeper;

#[derive(Clone)]
pub struct ServerConfig {
    /// DER certificates, leaf first.
    pub chain: Vec<Vec<u8>>,
    pub key: SigningKey,
    pub alpn: Vec<Vec<u8>>,
    /// NewSessionTickets sent after the handshake, to a client that can use them.
    pub tickets: usize,
    pub records: RecordOptions,
    /// The key-exchange groups the server accepts, in its order of preference (those this build
    /// cannot do are ignored, see `kx::SUPPORTED`).
    pub groups: Vec<NamedGroup>,
    /// The cipher suites the server accepts, in its order of preference (those this build
    /// cannot run are ignored, see `suite::SUPPORTED`).
    pub suites: Vec<CipherSuite>,
    /// Ask the client for a certificate (RFC 8446 §4.3.2), in a handshake that is not resumed.
    pub client_auth: Option<ClientAuth>,
    /// The signature schemes the server signs with and checks a client's CertificateVerify
    /// with, in its order of preference (those this build cannot do are ignored, see
    /// `auth::SUPPORTED`): it signs with the first its key can do that the client offers.
    pub signature_schemes: Vec<SignatureScheme>,
}

/// How the server asks for and checks client certificates (RFC 8446 §4.3.2, §4.4.2.4).
#[derive(Clone, Debug)]
pub struct ClientAuth {
    /// DER of the one CA certificate a client's chain must lead to; its subject is the
    /// CertificateRequest's certificate_authorities.
    pub trust_anchor: Vec<u8>,
    /// Refuse a client without a certificate (certificate_required); otherwise it goes on
    /// unauthenticated.
    pub required: bool,
    /// Unix seconds, for the validity check.
    pub now: u64,
}

/// What the server holds from its flight until the client's Finished.
struct Pending {
    client_hs: TrafficSecret,
    client_ap: TrafficSecret,
    master: MasterSecret,
    send_tickets: bool,
}

enum State {
    ExpectClientHello,
    /// A HelloRetryRequest went out: the second ClientHello must repeat this one.
    ExpectSecondClientHello(ClientHello),
    /// The server accepted 0-RTT data and reads it under the early keys until EndOfEarlyData;
    /// then it reads with `client_hs` (the rest as in ExpectClientFinished).
    ExpectEndOfEarlyData {
        client_hs: TrafficSecret,
        client_ap: TrafficSecret,
        master: MasterSecret,
        send_tickets: bool,
    },
    /// The server's flight ended with a CertificateRequest: the client's Certificate comes next.
    ExpectClientCertificate {
        pending: Pending,
        required: bool,
    },
    /// The client sent this chain, which checked out; its CertificateVerify must verify with
    /// `key`.
    ExpectClientCertificateVerify {
        pending: Pending,
        key: PublicKey,
        chain: Vec<Vec<u8>>,
    },
    /// The server's flight is sent; the client's Finished is checked with `client_hs`.
    ExpectClientFinished {
        client_hs: TrafficSecret,
        client_ap: TrafficSecret,
        master: MasterSecret,
        /// Whether the client offered psk_dhe_ke (RFC 8446 §4.2.9: tickets only then).
        send_tickets: bool,
    },
    Connected,
    Ended,
}

pub struct Server {
    pub common: Common,
    config: ServerConfig,
    state: State,
    sent_ccs: bool,
    /// The name the client asked for, if it sent one.
    pub server_name: Option<String>,
    /// The protocol ALPN agreed on, if any.
    pub alpn: Option<Vec<u8>>,
    /// The cipher suite it chose.
    pub suite: Option<CipherSuite>,
    /// The scheme its CertificateVerify was signed with (none in a resumption).
    pub signature_scheme: Option<SignatureScheme>,
    /// The client's chain, leaf first, once its CertificateVerify has verified.
    pub client_chain: Option<Vec<Vec<u8>>>,
    /// Seals the tickets this server issues and judges the ones it is offered (see
    /// [`Server::with_tickets`]); made on first use when not given.
    keeper: Option<std::sync::Arc<std::sync::Mutex<TicketKeeper>>>,
    /// This connection's clock for tickets, Unix milliseconds.
    now_ms: u64,
    /// The group a HelloRetryRequest asked for: the second ClientHello must share a key for it.
    retry_group: Option<NamedGroup>,
}

/// RFC 8446 §4.2.10: how many bytes of early data the server skips when it rejects the client's.
/// Counted as whole records on the wire, so the limit also bounds the number of records skipped.
pub const MAX_EARLY_DATA_SKIPPED: usize = 16384;

impl Server {
    pub fn new(config: ServerConfig, rng: ChaCha20Rng) -> Self {
        let common = Common::new(rng, Endpoint::Server, Phase::ExpectClientHello, config.records.clone());
        Server {
            common,
            config,
            state: State::ExpectClientHello,
            sent_ccs: false,
            server_name: None,
            alpn: None,
            suite: None,
            signature_scheme: None,
            client_chain: None,
            keeper: None,
            now_ms: 0,
            retry_group: None,
        }
    }

    /// What the server waits for (see [`Role::phase`]).
    pub fn phase(&self) -> Phase {
        <Self as Role>::phase(self)
    }

    fn dispatch(&mut self, state: State, m: Handshake, raw: &[u8]) -> Result<State, Error> {
        let message = m.message();
        match (state, m) {
            (State::ExpectClientHello, Handshake::ClientHello(ch)) => self.on_client_hello(None, ch, message, raw),
            (State::ExpectSecondClientHello(first), Handshake::ClientHello(ch)) => self.on_client_hello(Some(first), ch, message, raw),
            (State::ExpectEndOfEarlyData { client_hs, client_ap, master, send_tickets }, Handshake::EndOfEarlyData) => {
                // RFC 8446 §4.5: the early data is over; the client's Finished comes under its
                // handshake keys.
                self.common.accept(message, raw);
                self.common.end_early_data();
                self.common.set_read_keys(client_hs.clone())?;
                Ok(State::ExpectClientFinished { client_hs, client_ap, master, send_tickets })
            }
            (State::ExpectClientCertificate { pending, required }, Handshake::Certificate { context, entries }) => {
                let chain = self.on_client_certificate(required, context, entries)?;
                self.common.accept(message, raw);
                Ok(match chain {
                    Some((key, chain)) => State::ExpectClientCertificateVerify { pending, key, chain },
                    None => pending.expect_finished(),
                })
            }
            (State::ExpectClientCertificateVerify { pending, key, chain }, Handshake::CertificateVerify { algorithm, signature }) => {
                self.on_client_certificate_verify(&key, algorithm, signature)?;
                self.common.accept(message, raw);
                self.client_chain = Some(chain);
                Ok(pending.expect_finished())
            }
            (State::ExpectClientFinished { client_hs, client_ap, master, send_tickets }, Handshake::Finished(v)) => {
                self.on_finished(&client_hs, client_ap, master, send_tickets, &v, message, raw)?;
                Ok(State::Connected)
            }
            (State::Connected, Handshake::KeyUpdate(k)) => {
                self.common.receive_key_update(k)?;
                Ok(State::Connected)
            }
            _ => Err(Error::UnexpectedMessage("a handshake message out of order")),
        }
    }

    /// RFC 8446 §4.1.2, §4.2, §9.2: what a ClientHello must carry; then the server's flight.
    fn on_client_hello(&mut self, first: Option<ClientHello>, ch: ClientHello, message: Message, raw: &[u8]) -> Result<State, Error> {
        // RFC 8446 §D.5: a hello with legacy_version 0x0300 (SSL 3.0) or lower is refused outright,
        // whatever its supported_versions says.
        if ch.legacy_version.0 <= 0x0300 {
            return Err(Error::ProtocolVersion);
        }
        if ch.legacy_compression_methods != [0] {
            return Err(Error::IllegalParameter("legacy_compression_methods is not [0]"));
        }
        match find(&ch.extensions, ExtensionType::supported_versions) {
            Some(Extension::SupportedVersionsOffered(v)) if v.contains(&ProtocolVersion::TLSv1_3) => {}
            _ => return Err(Error::ProtocolVersion),
        }
        let offers_early_data = find(&ch.extensions, ExtensionType::early_data).is_some();
        if let Some(first) = &first {
            // RFC 8446 §4.1.2: the second ClientHello may change only the key share and cookie,
            // and must drop early_data: "Early data is not permitted after a HelloRetryRequest."
            if first.cipher_suites != ch.cipher_suites || first.random != ch.random || first.legacy_session_id != ch.legacy_session_id {
                return Err(Error::IllegalParameter("the second ClientHello changed more than its key share"));
            }
            if offers_early_data {
                return Err(Error::IllegalParameter("early_data in the ClientHello after a HelloRetryRequest"));
            }
            self.common.stop_skipping_early_data();
        } else if offers_early_data {
            // RFC 8446 §4.2.10: the server ignores the extension (it sends no early_data back)
            // and skips the early data that follows instead of failing on it.
            self.common.skip_rejected_early_data(MAX_EARLY_DATA_SKIPPED);
        }
        let groups = match find(&ch.extensions, ExtensionType::supported_groups) {
            Some(Extension::SupportedGroups(g)) => Some(g.clone()),
            _ => None,
        };
        let shares = match find(&ch.extensions, ExtensionType::key_share) {
            Some(Extension::KeyShareOffered(s)) => Some(s.clone()),
            _ => None,
        };
        // RFC 8446 §9.2: a resumption in psk_ke mode needs no (EC)DHE.
        let psk_ke_only = matches!(
            find(&ch.extensions, ExtensionType::psk_key_exchange_modes),
            Some(Extension::PskKeyExchangeModes(m)) if !m.contains(&PskKeyExchangeMode::psk_dhe_ke)
        ) && find(&ch.extensions, ExtensionType::pre_shared_key).is_some();
        let mine: Vec<NamedGroup> = self.config.groups.iter().copied().filter(|g| kx::supports(*g)).collect();
        let (groups, shares) = match (groups, shares) {
            (Some(g), Some(s)) => (g, s),
            (None, None) if psk_ke_only => (mine.clone(), vec![]),
            (None, None) => return Err(Error::MissingExtension("no supported_groups and key_share: (EC)DHE is required")),
            _ => return Err(Error::MissingExtension("supported_groups and key_share must come together")),
        };
        let Some(Extension::SignatureAlgorithms(schemes)) = find(&ch.extensions, ExtensionType::signature_algorithms) else {
            return Err(Error::MissingExtension("no signature_algorithms"));
        };
        // RFC 8446 §4.1.1: the server's most preferred suite that the client offers. After a
        // HelloRetryRequest the client's list is the same, so is the choice (§4.1.4).
        let chosen = self.config.suites.iter().copied().filter_map(suite::lookup).find(|s| ch.cipher_suites.contains(&s.wire));
        let Some(chosen) = chosen else {
            return Err(Error::HandshakeFailure("no cipher suite in common"));
        };
        self.common.transcript.set_hash(chosen.hash);
        self.suite = Some(chosen.wire);
        // RFC 8446 §4.2.7: the server's most preferred group the client supports; a key share
        // for one of them, in the server's order, saves a HelloRetryRequest (§4.2.8). After a
        // HelloRetryRequest only the group it asked for will do (§4.1.4).
        let common_groups: Vec<NamedGroup> = mine.iter().copied().filter(|g| groups.contains(g)).collect();
        let Some(&preferred) = common_groups.first() else {
            return Err(Error::HandshakeFailure("no key-exchange group in common"));
        };
        let group =
            self.retry_group.unwrap_or_else(|| *common_groups.iter().find(|g| shares.iter().any(|s| s.group == **g)).unwrap_or(&preferred));
        for (i, s) in shares.iter().enumerate() {
            if !groups.contains(&s.group) {
                return Err(Error::IllegalParameter("a key share for a group not in supported_groups"));
            }
            if shares[..i].iter().any(|o| o.group == s.group) {
                return Err(Error::IllegalParameter("two key shares for one group"));
            }
        }
        // RFC 8446 §4.2.3, §4.4.3: a scheme the server's key can sign with that the client offers.
        let Some(scheme) = auth::choose(self.config.key.key_type(), &self.config.signature_schemes, schemes) else {
            return Err(Error::HandshakeFailure("no signature scheme in common"));
        };
        if let Some(Extension::ServerName(Some(n))) = find(&ch.extensions, ExtensionType::server_name) {
            self.server_name = Some(n.clone());
        }
        let alpn_check = self.choose_alpn(&ch)?;
        let send_tickets = matches!(
            find(&ch.extensions, ExtensionType::psk_key_exchange_modes),
            Some(Extension::PskKeyExchangeModes(m)) if !m.is_empty()
        );

        let share = shares.iter().find(|s| s.group == group).cloned();
        let resumed =
            if share.is_some() || psk_ke_only { self.try_resume(&ch, raw, chosen, share.is_some(), first.is_some())? } else { None };
        let dhe = resumed.as_ref().is_none_or(|r| r.mode == PskKeyExchangeMode::psk_dhe_ke);
        let share = match share {
            Some(s) if dhe => Some(s),
            _ if !dhe => None,
            _ if psk_ke_only => return Err(Error::HandshakeFailure("only a PSK without key exchange was offered, and it cannot be used")),
            _ if first.is_some() => {
                return Err(Error::IllegalParameter(
                    "the second ClientHello has no key share for the group the HelloRetryRequest asked for",
                ));
            }
            _ => {
                self.send_retry(&ch, chosen, group, message, raw)?;
                return Ok(State::ExpectSecondClientHello(ch));
            }
        };
        if let Some(s) = &share {
            kx::check_public(group, &s.key_exchange)?;
        }
        self.common.accept(message, raw);
        if let Some(c) = alpn_check {
            self.common.events.push(Event::Check(c));
        }
        if let Some(share) = &share {
            self.common.events.push(Event::Chose {
                suite: chosen.wire,
                group,
                signature_scheme: scheme,
                alpn: self.alpn.as_ref().map(|p| String::from_utf8_lossy(p).into_owned()),
            });
            let parts = kx::share_parts(group, &share.key_exchange, true);
            self.common.events.push(Event::PeerPublicKey { group, public_key: Bytes(share.key_exchange.clone()), parts });
        }
        let identity = resumed.as_ref().map(|r| r.identity);
        let early_data = resumed.as_ref().and_then(|r| r.early_data);
        // A full handshake's early secret is logged with the handshake secrets, after the ServerHello.
        let mut early_log = Vec::new();
        let early = match resumed {
            Some(r) => r.early,
            None => EarlySecret::new(&mut early_log, chosen),
        };
        if early_data.is_some() {
            // RFC 8446 §4.2.10: the 0-RTT data is read with keys from the ClientHello alone.
            let mut log = Vec::new();
            let client_early = early.client_early_traffic(&mut log, &self.common.transcript.current());
            self.common.log_derivations(log);
            self.common.set_read_keys(client_early)?;
        }
        let kx = match &share {
            Some(share) => Some(kx::respond(&mut self.common, group, &share.key_exchange)?),
            None => None,
        };

        // RFC 8446 §4.1.3 ServerHello.
        let mut extensions = vec![Extension::SupportedVersionSelected(ProtocolVersion::TLSv1_3)];
        if let Some((public, _)) = &kx {
            extensions.push(Extension::KeyShareChosen(KeyShareEntry { group, key_exchange: public.clone() }));
        }
        if let Some(i) = identity {
            extensions.push(Extension::PreSharedKeySelected(i));
        }
        let sh = ServerHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random: self.common.random::<32>(),
            legacy_session_id_echo: ch.legacy_session_id.clone(),
            cipher_suite: chosen.wire,
            legacy_compression_method: 0,
            extensions,
        };
        self.common.send_handshake(&Handshake::ServerHello(sh));
        self.compat_ccs(&ch)?;

        // RFC 8446 §7.1: handshake traffic secrets.
        let th = self.common.transcript.current();
        let mut log = early_log;
        let hs = match &kx {
            Some((_, shared)) => early.into_handshake_secret(&mut log, shared),
            None => early.into_handshake_secret_without_dhe(&mut log),
        };
        let client_hs = hs.client_traffic(&mut log, &th);
        let server_hs = hs.server_traffic(&mut log, &th);
        self.common.log_derivations(log);
        self.common.set_write_keys(server_hs.clone())?;
        match early_data {
            Some(max) => self.common.accept_early_data(max),
            None => self.common.set_read_keys(client_hs.clone())?,
        }

        // RFC 8446 §4.3.1 EncryptedExtensions.
        let mut ee = Vec::new();
        if self.server_name.is_some() {
            ee.push(Extension::ServerName(None));
        }
        if let Some(p) = &self.alpn {
            ee.push(Extension::Alpn(vec![p.clone()]));
        }
        if early_data.is_some() {
            ee.push(Extension::EarlyData(None));
        }
        self.common.send_handshake(&Handshake::EncryptedExtensions(ee));

        // RFC 8446 §4.3.2: a server that authenticates with a certificate may ask for the
        // client's (never in a resumption).
        let client_auth = self.config.client_auth.clone().filter(|_| identity.is_none());
        if let Some(auth) = &client_auth {
            self.send_certificate_request(auth)?;
        }

        // RFC 8446 §2.2: a resumption proves the server by the PSK; no certificate, no signature.
        if identity.is_none() {
            // RFC 8446 §4.4.2 Certificate.
            let entries = self.config.chain.iter().map(|c| CertificateEntry { cert_data: c.clone(), extensions: vec![] }).collect();
            self.common.send_handshake(&Handshake::Certificate { context: vec![], entries });

            // RFC 8446 §4.4.3 CertificateVerify.
            let content = auth::signed_content(&self.common.transcript.current().hash, Endpoint::Server);
            let sig = auth::sign(&self.config.key, scheme, &content, &mut self.common.rng)?;
            self.common.events.push(Event::Signed { scheme, content: Bytes(content), signature: Bytes(sig.clone()) });
            self.common.send_handshake(&Handshake::CertificateVerify { algorithm: scheme, signature: sig });
            self.signature_scheme = Some(scheme);
        }

        // RFC 8446 §4.4.4 Finished.
        let mut log = Vec::new();
        let fk = server_hs.finished_key(&mut log);
        self.common.log_derivations(log);
        let vd = verify_data(&fk, &self.common.transcript.current());
        self.common.events.push(Event::FinishedComputed { verify_data: Bytes(vd.to_vec()) });
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
        if early_data.is_some() {
            return Ok(State::ExpectEndOfEarlyData { client_hs, client_ap, master, send_tickets });
        }
        let pending = Pending { client_hs, client_ap, master, send_tickets };
        Ok(match client_auth {
            Some(auth) => State::ExpectClientCertificate { pending, required: auth.required },
            None => pending.expect_finished(),
        })
    }

    /// RFC 7301 §3.2: the first of the server's protocols that the client offers. A server with
    /// protocols of its own refuses a client that offers none of them (no_application_protocol);
    /// one without ignores the extension. Returns the check, to be recorded once the server
    /// answers the ClientHello (a failed one is recorded at once).
    fn choose_alpn(&mut self, ch: &ClientHello) -> Result<Option<Check>, Error> {
        let Some(Extension::Alpn(offered)) = find(&ch.extensions, ExtensionType::application_layer_protocol_negotiation) else {
            return Ok(None);
        };
        if self.config.alpn.is_empty() {
            return Ok(None);
        }
        let selected = self.config.alpn.iter().find(|p| offered.contains(p)).cloned();
        let text = |p: &Vec<u8>| String::from_utf8_lossy(p).into_owned();
        let kind = CheckKind::ApplicationProtocol {
            offered: offered.iter().map(text).collect(),
            supported: self.config.alpn.iter().map(text).collect(),
            selected: selected.as_ref().map(text),
        };
        let err = selected.is_none().then_some(Error::NoApplicationProtocol("the client offers none of the server's protocols"));
        let check = Check { kind, ok: err.is_none(), failure: err.as_ref().map(Failure::of) };
        if let Some(e) = err {
            self.common.events.push(Event::Check(check));
            return Err(e);
        }
        self.alpn = selected;
        Ok(Some(check))
    }

    /// The schemes the server checks a client's CertificateVerify with.
    fn verify_schemes(&self) -> Vec<SignatureScheme> {
        self.config.signature_schemes.iter().copied().filter(|s| auth::SUPPORTED.contains(s)).collect()
    }

    /// RFC 8446 §4.3.2: an empty request context, the signature schemes the server checks, and
    /// the name of the CA it trusts for client certificates.
    fn send_certificate_request(&mut self, auth: &ClientAuth) -> Result<(), Error> {
        let anchor = super::x509::parse::parse_unannotated(&auth.trust_anchor)
            .map_err(|_| Error::Internal("the client-CA certificate does not parse"))?;
        let schemes = self.verify_schemes();
        self.common.events.push(Event::CertificateRequested {
            signature_schemes: schemes.clone(),
            authorities: vec![anchor.subject.text.clone()],
            required: Some(auth.required),
        });
        let extensions =
            vec![Extension::SignatureAlgorithms(schemes), Extension::CertificateAuthorities(vec![anchor.subject.der.to_vec()])];
        self.common.send_handshake(&Handshake::CertificateRequest { context: vec![], extensions });
        Ok(())
    }

    /// RFC 8446 §4.4.2, §4.4.2.4: the client's Certificate. An empty one is refused with
    /// certificate_required when a certificate is required; a chain is checked like a server's
    /// (without the name). Returns the leaf's key and the chain, if there is one.
    #[allow(clippy::type_complexity)]
    fn on_client_certificate(
        &mut self,
        required: bool,
        context: Vec<u8>,
        entries: Vec<CertificateEntry>,
    ) -> Result<Option<(PublicKey, Vec<Vec<u8>>)>, Error> {
        if !context.is_empty() {
            return Err(Error::IllegalParameter("the client's Certificate does not echo the empty request context"));
        }
        // RFC 8446 §4.4.2: its extensions must answer ones of the CertificateRequest, which asked
        // for none a certificate entry can carry.
        if entries.iter().any(|e| !e.extensions.is_empty()) {
            return Err(Error::UnsupportedExtension("an extension in the client's Certificate that the server did not ask for"));
        }
        let ok = !(required && entries.is_empty());
        let err = (!ok).then_some(Error::CertificateRequired("the client sent no certificate"));
        let kind = CheckKind::ClientCertificate { required, certificates: entries.len() };
        self.common.events.push(Event::Check(Check { kind, ok, failure: err.as_ref().map(Failure::of) }));
        if let Some(e) = err {
            return Err(e);
        }
        if entries.is_empty() {
            return Ok(None);
        }
        let chain: Vec<Vec<u8>> = entries.into_iter().map(|e| e.cert_data).collect();
        for der in &chain {
            if let Ok(info) = super::x509::describe::describe(der) {
                self.common.events.push(Event::Certificate { info });
            }
        }
        let (anchor, now) = match &self.config.client_auth {
            Some(a) => (a.trust_anchor.clone(), a.now),
            None => return Err(Error::Internal("a client certificate without client authentication configured")),
        };
        let mut checks = Vec::new();
        let res = super::x509::verify::verify_client_chain(&chain, &anchor, now, &mut checks);
        self.common.events.extend(checks.into_iter().map(Event::Check));
        Ok(Some((res?, chain)))
    }

    /// RFC 8446 §4.4.3: the client's signature over the transcript through its Certificate.
    fn on_client_certificate_verify(&mut self, key: &PublicKey, scheme: SignatureScheme, sig: Vec<u8>) -> Result<(), Error> {
        if !self.verify_schemes().contains(&scheme) {
            return Err(Error::IllegalParameter("CertificateVerify uses a scheme the server did not ask for"));
        }
        if !key.key_type().schemes().contains(&scheme) {
            return Err(Error::IllegalParameter("CertificateVerify uses a scheme that does not fit the certificate's key"));
        }
        let content = auth::signed_content(&self.common.transcript.current().hash, Endpoint::Client);
        let ok = auth::verify(key, scheme, &content, &sig);
        let err =
            (!ok).then_some(Error::DecryptError("the client's CertificateVerify signature does not verify with its certificate's key"));
        let kind = CheckKind::CertificateVerify { signer: Endpoint::Client, scheme, content: Bytes(content), signature: Bytes(sig) };
        self.common.events.push(Event::Check(Check { kind, ok, failure: err.as_ref().map(Failure::of) }));
        err.map_or(Ok(()), Err)
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

    /// RFC 8446 §4.1.4: ask for a key share for `group`.
    fn send_retry(&mut self, ch: &ClientHello, chosen: Suite, group: NamedGroup, message: Message, raw: &[u8]) -> Result<(), Error> {
        self.retry_group = Some(group);
        self.common.accept(message, raw);
        self.common.transcript.replace_with_message_hash();
        let hrr = ServerHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random: HRR_RANDOM,
            legacy_session_id_echo: ch.legacy_session_id.clone(),
            cipher_suite: chosen.wire,
            legacy_compression_method: 0,
            extensions: vec![Extension::SupportedVersionSelected(ProtocolVersion::TLSv1_3), Extension::KeyShareRetry(group)],
        };
        self.common.events.push(Event::HelloRetry { group });
        self.common.send_handshake(&Handshake::ServerHello(hrr));
        self.compat_ccs(ch)
    }

    /// RFC 8446 §4.4.4: the client's Finished completes the handshake; tickets follow (§4.6.1).
    #[allow(clippy::too_many_arguments)]
    fn on_finished(
        &mut self,
        client_hs: &TrafficSecret,
        client_ap: TrafficSecret,
        master: MasterSecret,
        send_tickets: bool,
        v: &[u8],
        message: Message,
        raw: &[u8],
    ) -> Result<(), Error> {
        if v.len() != client_hs.suite.hash.len() {
            return Err(Error::Decode("the client's Finished is not as long as the suite's hash"));
        }
        let mut log = Vec::new();
        let expected = verify_data(&client_hs.finished_key(&mut log), &self.common.transcript.current());
        self.common.log_derivations(log);
        let ok = kx::ct_eq(&expected, v);
        let err = (!ok).then_some(Error::DecryptError("the client's Finished is wrong"));
        let kind = CheckKind::Finished { sender: Endpoint::Client, verify_data: Bytes(v.to_vec()) };
        self.common.events.push(Event::Check(Check { kind, ok, failure: err.as_ref().map(Failure::of) }));
        if let Some(e) = err {
            return Err(e);
        }
        self.common.accept(message, raw);
        self.common.set_read_keys(client_ap)?;
        let mut log = Vec::new();
        let rms = master.into_resumption(&mut log, &self.common.transcript.current());
        self.common.log_derivations(log);
        self.common.handshake_keys_discarded();
        self.common.connected();
        // RFC 8446 §4.4.4: with the client's Finished verified the handshake is over; the
        // tickets that follow are post-handshake messages (§4.6.1), so the trace says so first.
        self.state = State::Connected;
        self.report();
        if send_tickets && self.config.tickets > 0 {
            self.issue_tickets(&rms, self.config.tickets);
        }
        Ok(())
    }
}

impl Pending {
    fn expect_finished(self) -> State {
        let Pending { client_hs, client_ap, master, send_tickets } = self;
        State::ExpectClientFinished { client_hs, client_ap, master, send_tickets }
    }
}

impl Role for Server {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }

    fn handle(&mut self, m: Handshake, raw: &[u8]) -> Result<(), Error> {
        let state = std::mem::replace(&mut self.state, State::Ended);
        self.state = self.dispatch(state, m, raw)?;
        Ok(())
    }

    fn phase(&self) -> Phase {
        match (self.common.status, &self.state) {
            (Status::Closed, _) => Phase::Closed,
            (Status::Failed, _) | (_, State::Ended) => Phase::Failed,
            (_, State::ExpectClientHello | State::ExpectSecondClientHello(_)) => Phase::ExpectClientHello,
            (_, State::ExpectEndOfEarlyData { .. }) => Phase::ExpectEndOfEarlyData,
            (_, State::ExpectClientCertificate { .. }) => Phase::ExpectClientCertificate,
            (_, State::ExpectClientCertificateVerify { .. }) => Phase::ExpectClientCertificateVerify,
            (_, State::ExpectClientFinished { .. }) => Phase::ExpectClientFinished,
            (_, State::Connected) => Phase::Connected,
        }
    }

    fn end(&mut self) {
        self.state = State::Ended;
    }
}
