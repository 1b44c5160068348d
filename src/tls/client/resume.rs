//! The client's side of resumption (RFC 8446 §4.6.1, §4.2.11) and 0-RTT (§4.2.10): offering a
//! ticket with its binder, sending early data, and reading the server's answer.

use super::super::codec::Bytes;
use super::super::enums::{CipherSuite, ExtensionType, HandshakeType, PskKeyExchangeMode};
use super::super::error::Error;
use super::super::events::{Endpoint, Event, Message, Secret};
use super::super::extensions::{find, Extension};
use super::super::handshake::{ClientHello, Handshake};
use super::super::key_schedule::{EarlySecret, SecretBytes};
use super::super::psk::{obfuscate_age, placeholder_binder, OfferedPsks, PskIdentity};
use super::super::suite::{self, Suite};
use super::Client;

/// RFC 8446 §4.6.1: a ticket the client keeps, with the PSK it stands for.
pub struct StoredTicket {
    pub ticket: Vec<u8>,
    /// Seconds.
    pub lifetime: u32,
    pub age_add: u32,
    pub psk: SecretBytes,
    /// The name of that PSK in the trace of the connection that received the ticket.
    pub psk_name: Secret,
    /// The cipher suite of the connection it came from: the PSK is of its hash, and 0-RTT data
    /// goes under its AEAD (RFC 8446 §4.2.10, §4.2.11).
    pub suite: CipherSuite,
    /// The most early data the server accepts with it (0: none).
    pub max_early_data: u32,
    /// The client's clock when the ticket arrived, Unix milliseconds.
    pub received_ms: u64,
    /// The ALPN protocol of the connection it came from.
    pub alpn: Option<Vec<u8>>,
}

/// How the client uses a ticket in its next connection.
pub struct Resumption {
    pub ticket: StoredTicket,
    /// Offer psk_ke (the PSK alone, no key share: no forward secrecy) instead of psk_dhe_ke.
    pub psk_ke: bool,
    /// 0-RTT data sent right after the ClientHello, if the ticket allows that much.
    pub early_data: Option<Vec<u8>>,
}

/// What the client holds of its offer until the ServerHello answers it.
pub(super) struct Offered {
    early: EarlySecret,
    psk_ke: bool,
    /// Bytes of early data sent with the ClientHello (0: none).
    early_data: usize,
    max_early_data: u32,
}

/// A resumption the server accepted: whether the early data is still to be answered.
pub(super) struct Resumed {
    pub early_data: bool,
    pub max_early_data: u32,
    /// The server accepted the early data: EndOfEarlyData goes before the client's Finished.
    pub early_accepted: bool,
    /// The server chose the ticket's own suite (RFC 8446 §4.2.10: early data needs it).
    pub same_suite: bool,
}

impl Client {
    /// Offer `r.ticket` in the ClientHello of this connection (call before [`Client::start`]).
    pub fn resume(mut self, r: Resumption) -> Self {
        self.set_resumption(r);
        self
    }

    /// [`Client::resume`] on a client in place.
    pub fn set_resumption(&mut self, r: Resumption) {
        // RFC 8446 §4.2.10: 0-RTT data is in the ALPN protocol of the ticket's connection; a
        // client that sends some offers that protocol first (the others stay, in their order).
        if r.early_data.is_some() {
            if let Some(at) = r.ticket.alpn.as_ref().and_then(|p| self.config.alpn.iter().position(|x| x == p)) {
                let p = self.config.alpn.remove(at);
                self.config.alpn.insert(0, p);
            }
        }
        self.resumption = Some(r);
    }

    /// Whether the client offers no key share (psk_ke only).
    pub(super) fn psk_ke_only(&self) -> bool {
        self.resumption.as_ref().is_some_and(|r| r.psk_ke)
    }

    /// RFC 8446 §4.2.11: add early_data and pre_shared_key (last) to a ClientHello's extensions, with
    /// the binder computed over the ClientHello up to the binders; then, if early data goes too,
    /// send the ClientHello, a compatibility change_cipher_spec and the data under the early keys.
    /// Returns what the ServerHello must answer.
    pub(super) fn offer_psk(&mut self, hello: &mut ClientHello, retried: bool) -> Option<Offered> {
        // Built without resumption (the page's default build), the client never offers a PSK.
        if !cfg!(feature = "resumption") {
            return None;
        }
        let r = self.resumption.take()?;
        let offered = self.offer(&r, hello, retried);
        self.resumption = Some(r);
        offered
    }

    fn offer(&mut self, r: &Resumption, hello: &mut ClientHello, retried: bool) -> Option<Offered> {
        let now_ms = self.config.now.saturating_mul(1000);
        let age = now_ms.saturating_sub(r.ticket.received_ms);
        // RFC 8446 §4.6.1: a ticket past its lifetime is not offered.
        if age > u64::from(r.ticket.lifetime) * 1000 {
            return None;
        }
        let age = u32::try_from(age).unwrap_or(u32::MAX);
        // RFC 8446 §4.2.11: a PSK goes only with a suite of its hash. A client offers no ticket
        // that none of its suites could use (after a HelloRetryRequest: the suite it names).
        let ticket_suite = suite::lookup(r.ticket.suite)?;
        let offered: Vec<Suite> = self.suites().into_iter().filter_map(suite::lookup).collect();
        let usable = match retried {
            true => self.common.transcript.hash_algorithm() == ticket_suite.hash,
            false => offered.iter().any(|s| s.hash == ticket_suite.hash),
        };
        if !usable {
            return None;
        }
        let modes = vec![if r.psk_ke { PskKeyExchangeMode::psk_ke } else { PskKeyExchangeMode::psk_dhe_ke }];
        for e in hello.extensions.iter_mut() {
            if let Extension::PskKeyExchangeModes(m) = e {
                m.clone_from(&modes);
            }
        }
        // RFC 8446 §4.2.10: early data only in the first ClientHello, within the ticket's limit,
        // with the ALPN protocol of the ticket's connection offered first, and its suite offered.
        let early = r.early_data.clone().filter(|d| {
            !retried
                && !d.is_empty()
                && d.len() <= r.ticket.max_early_data as usize
                && self.config.alpn.first() == r.ticket.alpn.as_ref()
                && offered.contains(&ticket_suite)
        });
        if early.is_some() {
            hello.extensions.push(Extension::EarlyData(None));
        }
        let identity = PskIdentity { identity: r.ticket.ticket.clone(), obfuscated_ticket_age: obfuscate_age(age, r.ticket.age_add) };
        let mut offer = OfferedPsks { identities: vec![identity], binders: vec![placeholder_binder(ticket_suite.hash)] };
        hello.extensions.push(Extension::PreSharedKeyOffered(offer.clone()));
        let bytes = Handshake::ClientHello(hello.clone()).encode();
        let truncated = bytes.get(..bytes.len().saturating_sub(offer.binders_len())).unwrap_or_default();
        let mut t = self.common.transcript.clone();
        t.set_hash(ticket_suite.hash);
        t.add(Message::new(HandshakeType::client_hello), Endpoint::Client, truncated);
        let mut log = Vec::new();
        let early_secret = EarlySecret::from_psk(&mut log, ticket_suite, &r.ticket.psk);
        let binder = early_secret.binder_key(&mut log).binder(&mut log, &t.current());
        self.common.log_derivations(log);
        offer.binders = vec![binder.to_vec()];
        if let Some(last) = hello.extensions.last_mut() {
            *last = Extension::PreSharedKeyOffered(offer);
        }
        self.common.events.push(Event::ResumptionOffered {
            ticket: Bytes(r.ticket.ticket.clone()),
            suite: r.ticket.suite,
            psk: r.ticket.psk_name,
            ticket_age_ms: age,
            obfuscated_ticket_age: obfuscate_age(age, r.ticket.age_add),
            modes,
            binder: Bytes(binder.to_vec()),
            early_data: early.as_ref().map_or(0, Vec::len),
        });
        let max_early_data = r.ticket.max_early_data;
        let early_data = early.as_ref().map_or(0, Vec::len);
        self.pending_early = early;
        Some(Offered { early: early_secret, psk_ke: r.psk_ke, early_data, max_early_data })
    }

    /// RFC 8446 §2.3: once the ClientHello is queued, the 0-RTT data under
    /// client_early_traffic_secret, after a compatibility change_cipher_spec (§D.4).
    pub(super) fn send_early_data(&mut self, offered: &Offered) -> Result<(), Error> {
        let Some(data) = self.pending_early.take() else { return Ok(()) };
        self.common.send_ccs()?;
        self.sent_ccs = true;
        let mut log = Vec::new();
        // RFC 8446 §4.2.10: under the ticket's suite, over the ClientHello hashed with its hash.
        let mut t = self.common.transcript.clone();
        t.set_hash(offered.early.suite().hash);
        let secret = offered.early.client_early_traffic(&mut log, &t.current());
        self.common.log_derivations(log);
        self.common.set_write_keys(secret)?;
        self.common.send_early_data(&data)
    }

    /// RFC 8446 §4.2.11: the ServerHello's answer to the offer. Returns the early secret the
    /// handshake goes on from and, if the server resumed, what that means for the rest.
    pub(super) fn psk_answer(
        &mut self,
        offered: Option<Offered>,
        selected: Option<u16>,
        chosen: Suite,
        log: &mut Vec<super::super::events::Derivation>,
    ) -> Result<(EarlySecret, Option<Resumed>), Error> {
        match (offered, selected) {
            (Some(o), Some(i)) => {
                // The client offers one ticket: identity 0.
                if i != 0 {
                    return Err(Error::IllegalParameter("the server selected a PSK identity the client did not offer"));
                }
                // RFC 8446 §4.2.11: "Clients MUST verify that ... the server selected a cipher
                // suite indicating a Hash associated with the PSK".
                let same_suite = o.early.suite() == chosen;
                let Some(early) = o.early.with_suite(chosen) else {
                    return Err(Error::IllegalParameter("the server resumed with a cipher suite of another hash than the PSK's"));
                };
                let mode = if o.psk_ke { PskKeyExchangeMode::psk_ke } else { PskKeyExchangeMode::psk_dhe_ke };
                self.common.events.push(Event::Resumed { identity: i, mode });
                let r = Resumed { early_data: o.early_data > 0, max_early_data: o.max_early_data, early_accepted: false, same_suite };
                Ok((early, Some(r)))
            }
            (o, _) => {
                if o.is_some() {
                    self.common.events.push(Event::ResumptionDeclined);
                }
                // A full handshake's: logged with the handshake secrets, after the key exchange.
                Ok((EarlySecret::new(log, chosen), None))
            }
        }
    }

    /// RFC 8446 §4.2.10: EncryptedExtensions says whether the early data was accepted.
    pub(super) fn early_data_answer(&mut self, resumed: Option<&mut Resumed>, exts: &[Extension]) -> Result<(), Error> {
        let accepted = find(exts, ExtensionType::early_data).is_some();
        let Some(r) = resumed.filter(|r| r.early_data) else {
            if accepted {
                return Err(Error::IllegalParameter("early_data accepted without a resumption with early data"));
            }
            return Ok(());
        };
        // RFC 8446 §4.2.10: early data was sent under the ticket's suite; a server that accepts
        // it must have chosen that suite.
        if accepted && !r.same_suite {
            return Err(Error::IllegalParameter("early data accepted under another cipher suite than the ticket's"));
        }
        r.early_accepted = accepted;
        self.common.events.push(if accepted {
            Event::EarlyDataAccepted { max_early_data_size: r.max_early_data }
        } else {
            Event::EarlyDataRejected { reason: None }
        });
        Ok(())
    }

    /// RFC 8446 §4.6.1: the early_data extension of a NewSessionTicket.
    pub(super) fn ticket_max_early_data(exts: &[Extension]) -> u32 {
        match find(exts, ExtensionType::early_data) {
            Some(Extension::EarlyData(Some(m))) => *m,
            _ => 0,
        }
    }
}
