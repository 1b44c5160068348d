//! The TLS 1.3 client (RFC 8446 §4, §2 figure 1). Each state is named after what it waits for and
//! owns exactly what the client holds at that point: no field is "empty until later".

mod resume;

use rand_chacha::ChaCha20Rng;

use super::auth::{self, PublicKey, SigningKey};
use super::codec::Bytes;
use super::conn::{Common, RecordOptions, Role};
use super::enums::{CipherSuite, ExtensionType, NamedGroup, ProtocolVersion, PskKeyExchangeMode, SignatureScheme};
use super::error::Error;
use super::events::{CertificateAnswer, Check, CheckKind, Endpoint, Event, Failure, Message, Phase};
use super::extensions::{find, Extension, KeyShareEntry};
use super::handshake::{ClientHello, Handshake, NewSessionTicket, ServerHello};
use super::key_schedule::{verify_data, HandshakeSecret, ResumptionMaster, TrafficSecret};
use super::kx::{self, KeyExchange};
use super::suite::{self, Suite};
pub use resume::{Resumption, StoredTicket};

#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub server_name: String,
    /// DER of the one CA certificate the client trusts.
    pub trust_anchor: Vec<u8>,
    /// Unix seconds, for the certificate validity check.
    pub now: u64,
    pub alpn: Vec<Vec<u8>>,
    /// Send key shares (see `key_shares`) in the first ClientHello; without them the server
    /// must ask for one with a HelloRetryRequest.
    pub initial_key_share: bool,
    /// The key-exchange groups offered in supported_groups, in the client's order of preference
    /// (those this build cannot do are left out, see `kx::SUPPORTED`).
    pub groups: Vec<NamedGroup>,
    /// The cipher suites offered, in the client's order of preference (those this build cannot
    /// run are left out, see `suite::SUPPORTED`).
    pub suites: Vec<CipherSuite>,
    /// The groups of `groups` the first ClientHello sends a key share for, in this order (RFC
    /// 8446 §4.2.8: the client may send several, as browsers send one for X25519MLKEM768 and one
    /// for x25519); empty: one share, for the first of `groups`.
    pub key_shares: Vec<NamedGroup>,
    pub records: RecordOptions,
    /// The certificate chain (leaf first) and key the client answers a CertificateRequest with
    /// (RFC 8446 §4.4.2); without one it answers with an empty Certificate.
    pub certificate: Option<ClientCertificate>,
    /// The signature schemes offered in signature_algorithms, in the client's order of
    /// preference: those it can check a server's CertificateVerify with (those this build
    /// cannot do are left out, see `auth::SUPPORTED`).
    pub signature_schemes: Vec<SignatureScheme>,
}

/// A client's certificate chain, leaf first, and the leaf's private key.
#[derive(Clone, Debug)]
pub struct ClientCertificate {
    pub chain: Vec<Vec<u8>>,
    pub key: SigningKey,
}

/// What the server's CertificateRequest asked for (RFC 8446 §4.3.2).
struct CertRequest {
    context: Vec<u8>,
    schemes: Vec<SignatureScheme>,
}

/// The handshake secrets, from ServerHello until the client's Finished, and the extensions the
/// ClientHello offered (RFC 8446 §4.2: the server may answer only those).
struct Handshaking {
    hs: HandshakeSecret,
    client_hs: TrafficSecret,
    server_hs: TrafficSecret,
    offered: Vec<ExtensionType>,
    /// The server resumed with the client's ticket (RFC 8446 §2.2).
    resumed: Option<resume::Resumed>,
    /// The server asked for the client's certificate.
    cert_request: Option<CertRequest>,
}

/// RFC 8446 §4.2: "Implementations MUST NOT send extension responses if the remote endpoint did
/// not send the corresponding extension requests, with the exception of the "cookie" extension in
/// the HelloRetryRequest"; an endpoint that gets one aborts with unsupported_extension. Unknown
/// extensions are no exception: the client offered none. (One the engine recognises in a message
/// that may not carry it was already refused by the decoder with illegal_parameter.)
fn only_offered(offered: &[ExtensionType], answered: &[Extension], cookie_allowed: bool) -> Result<(), Error> {
    for e in answered {
        let t = e.typ();
        let asked = offered.contains(&t) || (cookie_allowed && t == ExtensionType::cookie);
        if !asked {
            return Err(Error::UnsupportedExtension("an extension in the server's answer that the client did not offer"));
        }
    }
    Ok(())
}

enum State {
    Start,
    /// The ClientHello is sent; `keys` are its key shares' private keys (none: it sent no share).
    ExpectServerHello {
        hello: ClientHello,
        keys: Vec<KeyExchange>,
        /// The suite of the HelloRetryRequest, if one came: the ServerHello must keep it.
        retried: Option<Suite>,
        /// The ticket offered, if any.
        psk: Option<resume::Offered>,
    },
    ExpectEncryptedExtensions(Handshaking),
    ExpectCertificate(Handshaking),
    /// The chain checked out: this is the key CertificateVerify must verify with.
    ExpectCertificateVerify(Handshaking, PublicKey),
    ExpectFinished(Handshaking),
    /// Tickets' PSKs come from the resumption master secret.
    Connected(ResumptionMaster),
    /// Closed or failed: nothing is held.
    Ended,
}

pub struct Client {
    pub common: Common,
    config: ClientConfig,
    state: State,
    /// The protocol ALPN agreed on, if the server chose one.
    pub alpn: Option<Vec<u8>>,
    /// The cipher suite of the ServerHello, once it checked out.
    pub suite: Option<CipherSuite>,
    /// The scheme of the server's CertificateVerify, once it verified.
    pub signature_scheme: Option<SignatureScheme>,
    pub tickets: Vec<StoredTicket>,
    /// The ticket to offer in this connection.
    resumption: Option<Resumption>,
    /// 0-RTT data waiting for the ClientHello to be queued.
    pending_early: Option<Vec<u8>>,
    sent_ccs: bool,
}

impl Client {
    pub fn new(config: ClientConfig, rng: ChaCha20Rng) -> Self {
        let common = Common::new(rng, Endpoint::Client, Phase::Start, config.records.clone());
        Client {
            common,
            config,
            state: State::Start,
            alpn: None,
            suite: None,
            signature_scheme: None,
            tickets: Vec::new(),
            resumption: None,
            pending_early: None,
            sent_ccs: false,
        }
    }

    /// Answer a CertificateRequest with this chain and key (see [`ClientConfig::certificate`]).
    pub fn set_certificate(&mut self, certificate: ClientCertificate) {
        self.config.certificate = Some(certificate);
    }

    /// The groups it offers: its configured ones this build can do.
    fn groups(&self) -> Vec<NamedGroup> {
        self.config.groups.iter().copied().filter(|g| kx::supports(*g)).collect()
    }

    /// The suites it offers: its configured ones this build can run.
    fn suites(&self) -> Vec<CipherSuite> {
        self.config.suites.iter().copied().filter(|s| suite::supports(*s)).collect()
    }

    /// The groups the first ClientHello shares a key for: the configured `key_shares` it offers
    /// (each once), or else its first group.
    fn initial_shares(&self) -> Vec<NamedGroup> {
        let groups = self.groups();
        let mut shares: Vec<NamedGroup> = Vec::new();
        for g in &self.config.key_shares {
            if groups.contains(g) && !shares.contains(g) {
                shares.push(*g);
            }
        }
        if shares.is_empty() {
            shares.extend(groups.first());
        }
        shares
    }

    /// The signature schemes it offers: its configured ones this build can check.
    fn schemes(&self) -> Vec<SignatureScheme> {
        self.config.signature_schemes.iter().copied().filter(|s| auth::SUPPORTED.contains(s)).collect()
    }

    /// What the client waits for (see [`Role::phase`]).
    pub fn phase(&self) -> Phase {
        <Self as Role>::phase(self)
    }

    /// RFC 8446 §4.1.2: send the first ClientHello.
    pub fn start(&mut self) {
        if !matches!(self.state, State::Start) {
            return;
        }
        let random = self.common.random::<32>();
        let session_id = self.common.random::<32>().to_vec();
        let with_share = self.config.initial_key_share && !self.psk_ke_only();
        let shares = if with_share { self.initial_shares() } else { Vec::new() };
        self.state = self.send_client_hello(random, session_id, None, shares, None);
        if let Err(e) = self.common.flush() {
            self.common.fail(&e);
        }
        self.report();
    }

    fn send_client_hello(
        &mut self,
        random: [u8; 32],
        session_id: Vec<u8>,
        cookie: Option<Vec<u8>>,
        shares: Vec<NamedGroup>,
        retried: Option<Suite>,
    ) -> State {
        let keys: Vec<KeyExchange> = shares.iter().map(|g| KeyExchange::generate(&mut self.common, *g)).collect();
        let shares = keys.iter().map(|k| KeyShareEntry { group: k.group, key_exchange: k.public.clone() }).collect();
        let groups = self.groups();
        let mut extensions = vec![
            Extension::ServerName(Some(self.config.server_name.clone())),
            Extension::SupportedVersionsOffered(vec![ProtocolVersion::TLSv1_3]),
            Extension::SupportedGroups(groups.clone()),
            Extension::SignatureAlgorithms(self.schemes()),
            Extension::KeyShareOffered(shares),
            // RFC 8446 §4.2.9: the client can keep tickets (a server sends none without this).
            Extension::PskKeyExchangeModes(vec![PskKeyExchangeMode::psk_dhe_ke]),
        ];
        if !self.config.alpn.is_empty() {
            extensions.push(Extension::Alpn(self.config.alpn.clone()));
        }
        if let Some(cookie) = cookie {
            extensions.push(Extension::Cookie(cookie));
        }
        if self.psk_ke_only() {
            // psk_ke: no (EC)DHE at all (RFC 8446 §9.2 allows neither extension then).
            extensions.retain(|e| !matches!(e.typ(), ExtensionType::key_share | ExtensionType::supported_groups));
        }
        let mut hello = ClientHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random,
            legacy_session_id: session_id,
            cipher_suites: self.suites(),
            legacy_compression_methods: vec![0],
            extensions,
        };
        self.common.events.push(Event::Offered {
            server_name: Some(self.config.server_name.clone()),
            suites: hello.cipher_suites.clone(),
            groups,
            key_shares: keys.iter().map(|k| k.group).collect(),
            signature_schemes: self.schemes(),
            alpn: self.config.alpn.iter().map(|p| String::from_utf8_lossy(p).into_owned()).collect(),
        });
        let psk = self.offer_psk(&mut hello, retried.is_some());
        self.common.send_handshake(&Handshake::ClientHello(hello.clone()));
        if let Some(o) = &psk {
            if let Err(e) = self.send_early_data(o) {
                self.common.fail(&e);
            }
        }
        State::ExpectServerHello { hello, keys, retried, psk }
    }

    fn dispatch(&mut self, state: State, m: Handshake, raw: &[u8]) -> Result<State, Error> {
        let message = m.message();
        match (state, m) {
            (State::ExpectServerHello { hello, retried, .. }, Handshake::ServerHello(sh)) if sh.is_retry_request() => {
                self.on_retry(hello, retried, sh, message, raw)
            }
            (State::ExpectServerHello { hello, keys, psk, retried }, Handshake::ServerHello(sh)) => {
                // RFC 8446 §4.1.4: the ServerHello's cipher suite must be the HelloRetryRequest's.
                if retried.is_some_and(|s| s.wire != sh.cipher_suite) {
                    return Err(Error::IllegalParameter("the ServerHello's cipher suite is not the HelloRetryRequest's"));
                }
                self.on_server_hello(&hello, keys, psk, sh, message, raw)
            }
            (State::ExpectEncryptedExtensions(mut h), Handshake::EncryptedExtensions(e)) => {
                only_offered(&h.offered, &e, false)?;
                self.early_data_answer(h.resumed.as_mut(), &e)?;
                self.on_encrypted_extensions(e)?;
                self.common.accept(message, raw);
                if h.resumed.as_ref().is_some_and(|r| r.early_data && !r.early_accepted) {
                    // RFC 8446 §4.2.10: rejected early data is over; the handshake keys take over.
                    self.common.set_write_keys(h.client_hs.clone())?;
                }
                // RFC 8446 §2.2: a resumption has no Certificate or CertificateVerify.
                Ok(if h.resumed.is_some() { State::ExpectFinished(h) } else { State::ExpectCertificate(h) })
            }
            (State::ExpectCertificate(mut h), Handshake::CertificateRequest { context, extensions }) => {
                if h.cert_request.is_some() {
                    return Err(Error::UnexpectedMessage("a second CertificateRequest"));
                }
                h.cert_request = Some(self.on_certificate_request(context, &extensions)?);
                self.common.accept(message, raw);
                Ok(State::ExpectCertificate(h))
            }
            (State::ExpectCertificate(h), Handshake::Certificate { context, entries }) => {
                // RFC 8446 §4.4.2: "Extensions in the Certificate message from the server MUST
                // correspond to ones from the ClientHello message."
                for entry in &entries {
                    only_offered(&h.offered, &entry.extensions, false)?;
                }
                let key = self.on_certificate(context, entries.into_iter().map(|e| e.cert_data).collect())?;
                self.common.accept(message, raw);
                Ok(State::ExpectCertificateVerify(h, key))
            }
            (State::ExpectCertificateVerify(h, key), Handshake::CertificateVerify { algorithm, signature }) => {
                self.on_certificate_verify(&key, algorithm, signature)?;
                self.common.accept(message, raw);
                Ok(State::ExpectFinished(h))
            }
            (State::ExpectFinished(h), Handshake::Finished(v)) => self.on_finished(h, &v, message, raw),
            (State::Connected(rms), Handshake::NewSessionTicket(t)) => {
                self.on_ticket(&rms, t);
                Ok(State::Connected(rms))
            }
            (State::Connected(rms), Handshake::KeyUpdate(k)) => {
                self.common.receive_key_update(k)?;
                Ok(State::Connected(rms))
            }
            _ => Err(Error::UnexpectedMessage("a handshake message out of order")),
        }
    }

    /// RFC 8446 §4.1.3 checks shared by ServerHello and HelloRetryRequest. Returns the suite
    /// the server chose.
    fn check_server_hello(hello: &ClientHello, sh: &ServerHello) -> Result<Suite, Error> {
        // §4.2 first: an answer to something never asked is refused before its content is judged.
        let offered: Vec<ExtensionType> = hello.extensions.iter().map(Extension::typ).collect();
        only_offered(&offered, &sh.extensions, sh.is_retry_request())?;
        match find(&sh.extensions, ExtensionType::supported_versions) {
            Some(Extension::SupportedVersionSelected(v)) if *v == ProtocolVersion::TLSv1_3 => {}
            Some(_) => return Err(Error::IllegalParameter("the server selected a version other than TLS 1.3")),
            None => return Err(Error::ProtocolVersion),
        }
        if sh.legacy_version != ProtocolVersion::TLSv1_2 {
            return Err(Error::ProtocolVersion);
        }
        let chosen = suite::lookup(sh.cipher_suite).filter(|_| hello.cipher_suites.contains(&sh.cipher_suite));
        let Some(chosen) = chosen else {
            return Err(Error::IllegalParameter("the server chose a cipher suite that was not offered"));
        };
        if sh.legacy_session_id_echo != hello.legacy_session_id {
            return Err(Error::IllegalParameter("legacy_session_id_echo is not the client's session id"));
        }
        if sh.legacy_compression_method != 0 {
            return Err(Error::IllegalParameter("legacy_compression_method is not 0"));
        }
        Ok(chosen)
    }

    /// RFC 8446 §4.1.4: HelloRetryRequest.
    fn on_retry(
        &mut self,
        hello: ClientHello,
        retried: Option<Suite>,
        sh: ServerHello,
        message: Message,
        raw: &[u8],
    ) -> Result<State, Error> {
        if retried.is_some() {
            return Err(Error::UnexpectedMessage("a second HelloRetryRequest"));
        }
        let chosen = Self::check_server_hello(&hello, &sh)?;
        let group = match find(&sh.extensions, ExtensionType::key_share) {
            Some(Extension::KeyShareRetry(g)) => Some(*g),
            _ => None,
        };
        let cookie = match find(&sh.extensions, ExtensionType::cookie) {
            Some(Extension::Cookie(c)) => Some(c.clone()),
            _ => None,
        };
        let shared = |g: NamedGroup| matches!(find(&hello.extensions, ExtensionType::key_share), Some(Extension::KeyShareOffered(s)) if s.iter().any(|s| s.group == g));
        match group {
            Some(g) if !self.groups().contains(&g) => {
                return Err(Error::IllegalParameter("HelloRetryRequest asks for a group that was not offered"))
            }
            Some(g) if shared(g) => return Err(Error::IllegalParameter("HelloRetryRequest asks for a share that was already sent")),
            Some(g) => self.common.events.push(Event::HelloRetry { group: g }),
            None if cookie.is_none() => return Err(Error::IllegalParameter("a HelloRetryRequest that would change nothing")),
            None => {}
        }
        // RFC 8446 §4.4.1: ClientHello1 is hashed with the hash of the suite the
        // HelloRetryRequest names.
        self.common.transcript.set_hash(chosen.hash);
        self.common.transcript.replace_with_message_hash();
        self.common.accept(message, raw);
        // RFC 8446 §4.1.2: the second ClientHello repeats the first but for the key share and
        // the cookie.
        // Without a group named (a cookie only), the shares of the first ClientHello are sent
        // again, for the same groups.
        let first_shares: Vec<NamedGroup> = match find(&hello.extensions, ExtensionType::key_share) {
            Some(Extension::KeyShareOffered(s)) => s.iter().map(|s| s.group).collect(),
            _ => Vec::new(),
        };
        let shares = match group {
            Some(g) => vec![g],
            None if first_shares.is_empty() => self.groups().first().copied().into_iter().collect(),
            None => first_shares,
        };
        Ok(self.send_client_hello(hello.random, hello.legacy_session_id, cookie, shares, Some(chosen)))
    }

    /// RFC 8446 §4.1.3 ServerHello, then §7.1 handshake secrets.
    fn on_server_hello(
        &mut self,
        hello: &ClientHello,
        keys: Vec<KeyExchange>,
        psk: Option<resume::Offered>,
        sh: ServerHello,
        message: Message,
        raw: &[u8],
    ) -> Result<State, Error> {
        let chosen = Self::check_server_hello(hello, &sh)?;
        self.common.transcript.set_hash(chosen.hash);
        self.suite = Some(chosen.wire);
        let selected = match find(&sh.extensions, ExtensionType::pre_shared_key) {
            Some(Extension::PreSharedKeySelected(i)) => Some(*i),
            _ => None,
        };
        let psk_ke = psk.as_ref().is_some() && self.psk_ke_only();
        let mut log = Vec::new();
        let (early, resumed) = self.psk_answer(psk, selected, chosen, &mut log)?;
        let shared = match find(&sh.extensions, ExtensionType::key_share) {
            Some(Extension::KeyShareChosen(share)) => {
                // RFC 8446 §4.2.8: the server's share must be for a group the client shared.
                let (mut chosen, others): (Vec<KeyExchange>, Vec<KeyExchange>) = keys.into_iter().partition(|k| k.group == share.group);
                let Some(key) = chosen.pop() else {
                    return Err(Error::IllegalParameter("the server's key share is for a group the client sent no share for"));
                };
                key.check_peer(&share.key_exchange)?;
                let parts = kx::share_parts(share.group, &share.key_exchange, false);
                self.common.events.push(Event::PeerPublicKey { group: share.group, public_key: Bytes(share.key_exchange.clone()), parts });
                let shared = key.agree(&mut self.common, &share.key_exchange)?;
                for k in others {
                    k.discard(&mut self.common);
                }
                Some(shared)
            }
            _ if psk_ke && resumed.is_some() => None,
            _ => return Err(Error::MissingExtension("ServerHello has no key_share")),
        };
        self.common.accept(message, raw);
        let th = self.common.transcript.current();
        let hs = match &shared {
            Some(s) => early.into_handshake_secret(&mut log, s),
            None => early.into_handshake_secret_without_dhe(&mut log),
        };
        let client_hs = hs.client_traffic(&mut log, &th);
        let server_hs = hs.server_traffic(&mut log, &th);
        self.common.log_derivations(log);
        self.common.set_read_keys(server_hs.clone())?;
        // From here on, anything the client sends (its Finished, or an alert) is encrypted; early
        // data the server may still accept keeps its keys until EncryptedExtensions says.
        if !resumed.as_ref().is_some_and(|r| r.early_data) {
            self.common.set_write_keys(client_hs.clone())?;
        }
        let offered = hello.extensions.iter().map(Extension::typ).collect();
        Ok(State::ExpectEncryptedExtensions(Handshaking { hs, client_hs, server_hs, offered, resumed, cert_request: None }))
    }

    /// RFC 8446 §4.3.1.
    fn on_encrypted_extensions(&mut self, exts: Vec<Extension>) -> Result<(), Error> {
        for e in &exts {
            match e {
                Extension::Alpn(p) => {
                    let [one] = p.as_slice() else {
                        return Err(Error::IllegalParameter("ALPN must select exactly one protocol"));
                    };
                    let ok = self.config.alpn.contains(one);
                    let err = (!ok).then_some(Error::IllegalParameter("ALPN selected a protocol that was not offered"));
                    let kind = CheckKind::ApplicationProtocolSelected {
                        offered: self.config.alpn.iter().map(|p| String::from_utf8_lossy(p).into_owned()).collect(),
                        selected: String::from_utf8_lossy(one).into_owned(),
                    };
                    self.common.events.push(Event::Check(Check { kind, ok, failure: err.as_ref().map(Failure::of) }));
                    if let Some(e) = err {
                        return Err(e);
                    }
                    self.alpn = Some(one.clone());
                }
                Extension::ServerName(_) | Extension::SupportedGroups(_) | Extension::EarlyData(None) => {}
                _ => return Err(Error::UnsupportedExtension("an extension the client did not offer")),
            }
        }
        Ok(())
    }

    /// RFC 8446 §4.3.2: the server asks for the client's certificate. In the handshake the
    /// request context is empty; signature_algorithms must be there; unknown extensions are
    /// ignored.
    fn on_certificate_request(&mut self, context: Vec<u8>, exts: &[Extension]) -> Result<CertRequest, Error> {
        if !context.is_empty() {
            return Err(Error::IllegalParameter("a CertificateRequest in the handshake with a request context"));
        }
        let Some(Extension::SignatureAlgorithms(schemes)) = find(exts, ExtensionType::signature_algorithms) else {
            return Err(Error::MissingExtension("a CertificateRequest without signature_algorithms"));
        };
        let authorities = match find(exts, ExtensionType::certificate_authorities) {
            Some(Extension::CertificateAuthorities(names)) => names
                .iter()
                .map(|n| super::x509::parse::parse_name_at(n, 0).map_or_else(|_| super::codec::hex(n), |(text, _)| text))
                .collect(),
            _ => Vec::new(),
        };
        self.common.events.push(Event::CertificateRequested { signature_schemes: schemes.clone(), authorities, required: None });
        Ok(CertRequest { context, schemes: schemes.clone() })
    }

    /// RFC 8446 §4.4.2, §4.4.3: the client's answer to a CertificateRequest, before its
    /// Finished: its chain and a CertificateVerify over the transcript so far, or an empty
    /// Certificate when it has none the server could verify.
    fn send_client_certificate(&mut self, req: &CertRequest) -> Result<(), Error> {
        let cert = self.config.certificate.clone();
        let answer = match &cert {
            None => CertificateAnswer::NoCertificate,
            Some(c) if auth::choose(c.key.key_type(), &self.schemes(), &req.schemes).is_none() => CertificateAnswer::NoSchemeInCommon,
            Some(c) => CertificateAnswer::Chain { certificates: c.chain.len() },
        };
        self.common.events.push(Event::ClientCertificateAnswer { answer });
        let entries = match (&cert, answer) {
            (Some(c), CertificateAnswer::Chain { .. }) => {
                c.chain.iter().map(|d| super::handshake::CertificateEntry { cert_data: d.clone(), extensions: vec![] }).collect()
            }
            _ => Vec::new(),
        };
        self.common.send_handshake(&Handshake::Certificate { context: req.context.clone(), entries });
        if let (Some(c), CertificateAnswer::Chain { .. }) = (&cert, answer) {
            let Some(scheme) = auth::choose(c.key.key_type(), &self.schemes(), &req.schemes) else { return Ok(()) };
            let content = auth::signed_content(&self.common.transcript.current().hash, Endpoint::Client);
            let sig = auth::sign(&c.key, scheme, &content, &mut self.common.rng)?;
            self.common.events.push(Event::Signed { scheme, content: Bytes(content), signature: Bytes(sig.clone()) });
            self.common.send_handshake(&Handshake::CertificateVerify { algorithm: scheme, signature: sig });
        }
        Ok(())
    }

    /// RFC 8446 §4.4.2: the server's chain, checked against the trust anchor. Returns the key
    /// CertificateVerify must verify with.
    fn on_certificate(&mut self, context: Vec<u8>, chain: Vec<Vec<u8>>) -> Result<PublicKey, Error> {
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
        let res = super::x509::verify::verify_server_chain(
            &chain,
            &self.config.trust_anchor,
            &self.config.server_name,
            self.config.now,
            &mut checks,
        );
        self.common.events.extend(checks.into_iter().map(Event::Check));
        res
    }

    /// RFC 8446 §4.4.3: the signature proves the server holds the certificate's private key.
    fn on_certificate_verify(&mut self, key: &PublicKey, scheme: SignatureScheme, sig: Vec<u8>) -> Result<(), Error> {
        // RFC 8446 §4.4.3: a scheme the client offered (never rsa_pkcs1_*, §4.2.3) that fits the
        // certificate's key.
        if !self.schemes().contains(&scheme) {
            return Err(Error::IllegalParameter("CertificateVerify uses a scheme the client did not offer"));
        }
        if !key.key_type().schemes().contains(&scheme) {
            return Err(Error::IllegalParameter("CertificateVerify uses a scheme that does not fit the certificate's key"));
        }
        let content = auth::signed_content(&self.common.transcript.current().hash, Endpoint::Server);
        let ok = auth::verify(key, scheme, &content, &sig);
        let err = (!ok).then_some(Error::DecryptError("the CertificateVerify signature does not verify with the certificate's key"));
        let kind = CheckKind::CertificateVerify { signer: Endpoint::Server, scheme, content: Bytes(content), signature: Bytes(sig) };
        self.common.events.push(Event::Check(Check { kind, ok, failure: err.as_ref().map(Failure::of) }));
        if ok {
            self.signature_scheme = Some(scheme);
        }
        err.map_or(Ok(()), Err)
    }

    /// RFC 8446 §4.4.4: check the server's Finished, derive the application secrets, answer with
    /// the client's Finished.
    fn on_finished(&mut self, h: Handshaking, v: &[u8], message: Message, raw: &[u8]) -> Result<State, Error> {
        let th = self.common.transcript.current();
        if v.len() != th.algorithm.len() {
            return Err(Error::Decode("the server's Finished is not as long as the suite's hash"));
        }
        let mut log = Vec::new();
        let expected = verify_data(&h.server_hs.finished_key(&mut log), &th);
        self.common.log_derivations(log);
        let ok = kx::ct_eq(&expected, v);
        let err = (!ok).then_some(Error::DecryptError("the server's Finished is wrong"));
        let kind = CheckKind::Finished { sender: Endpoint::Server, verify_data: Bytes(v.to_vec()) };
        self.common.events.push(Event::Check(Check { kind, ok, failure: err.as_ref().map(Failure::of) }));
        if let Some(e) = err {
            return Err(e);
        }
        self.common.accept(message, raw);
        let th = self.common.transcript.current();
        let mut log = Vec::new();
        let end_early = h.resumed.as_ref().is_some_and(|r| r.early_accepted);
        let Handshaking { hs, client_hs, server_hs, cert_request, .. } = h;
        let master = hs.into_master_secret(&mut log);
        let client_ap = master.client_traffic(&mut log, &th);
        let server_ap = master.server_traffic(&mut log, &th);
        master.exporter(&mut log, &th);
        let finished_key = client_hs.finished_key(&mut log);
        self.common.log_derivations(log);
        self.common.set_read_keys(server_ap)?;

        if end_early {
            // RFC 8446 §4.5: the end of the accepted 0-RTT data, under the early keys.
            self.common.send_handshake(&Handshake::EndOfEarlyData);
            self.common.set_write_keys(client_hs.clone())?;
        }
        // RFC 8446 §D.4: a compatibility change_cipher_spec before the second flight (unless one
        // went with the early data).
        if !self.sent_ccs {
            self.sent_ccs = true;
            self.common.send_ccs()?;
        }
        if let Some(req) = &cert_request {
            self.send_client_certificate(req)?;
        }
        let vd = verify_data(&finished_key, &self.common.transcript.current());
        self.common.events.push(Event::FinishedComputed { verify_data: Bytes(vd.to_vec()) });
        self.common.send_handshake(&Handshake::Finished(vd.to_vec()));
        self.common.set_write_keys(client_ap)?;
        let mut log = Vec::new();
        let rms = master.into_resumption(&mut log, &self.common.transcript.current());
        self.common.log_derivations(log);
        drop((client_hs, server_hs));
        self.common.handshake_keys_discarded();
        self.common.connected();
        Ok(State::Connected(rms))
    }

    /// RFC 8446 §4.6.1: keep the ticket and the PSK it stands for.
    fn on_ticket(&mut self, rms: &ResumptionMaster, t: NewSessionTicket) {
        let n = u32::try_from(self.tickets.len()).unwrap_or(u32::MAX);
        let mut log = Vec::new();
        let psk = rms.ticket_psk(&mut log, n, &t.ticket_nonce);
        self.common.log_derivations(log);
        let max_early_data = Self::ticket_max_early_data(&t.extensions);
        let psk_name = super::events::Secret::TicketPsk(n);
        self.common.events.push(Event::TicketStored {
            lifetime: t.ticket_lifetime,
            ticket_len: t.ticket.len(),
            psk: psk_name,
            max_early_data_size: max_early_data,
        });
        self.tickets.push(StoredTicket {
            ticket: t.ticket,
            lifetime: t.ticket_lifetime,
            age_add: t.ticket_age_add,
            psk,
            psk_name,
            suite: rms.suite().wire,
            max_early_data,
            received_ms: self.config.now.saturating_mul(1000),
            alpn: self.alpn.clone(),
        });
    }
}

impl Role for Client {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }

    fn handle(&mut self, m: Handshake, raw: &[u8]) -> Result<(), Error> {
        let state = std::mem::replace(&mut self.state, State::Ended);
        self.state = self.dispatch(state, m, raw)?;
        Ok(())
    }

    fn phase(&self) -> Phase {
        use super::conn::Status;
        match (self.common.status, &self.state) {
            (Status::Closed, _) => Phase::Closed,
            (Status::Failed, _) | (_, State::Ended) => Phase::Failed,
            (_, State::Start) => Phase::Start,
            (_, State::ExpectServerHello { .. }) => Phase::ExpectServerHello,
            (_, State::ExpectEncryptedExtensions(_)) => Phase::ExpectEncryptedExtensions,
            (_, State::ExpectCertificate(_)) => Phase::ExpectCertificate,
            (_, State::ExpectCertificateVerify(..)) => Phase::ExpectCertificateVerify,
            (_, State::ExpectFinished(_)) => Phase::ExpectFinished,
            (_, State::Connected(_)) => Phase::Connected,
        }
    }

    fn end(&mut self) {
        if !matches!(self.state, State::Ended) {
            self.state = State::Ended;
        }
    }
}
