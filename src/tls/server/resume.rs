//! The server's side of resumption (RFC 8446 §4.6.1, §4.2.11) and 0-RTT (§4.2.10, §8): issuing
//! sealed tickets, judging the tickets a ClientHello offers, checking the binder.

use std::sync::{Arc, Mutex};

use super::super::codec::Bytes;
use super::super::enums::{ExtensionType, HandshakeType, PskKeyExchangeMode};
use super::super::error::Error;
use super::super::events::{Check, CheckKind, EarlyDataRefusal, Endpoint, Event, Failure, Message, Secret, TicketVerdict};
use super::super::extensions::{find, Extension};
use super::super::handshake::{ClientHello, Handshake, NewSessionTicket};
use super::super::key_schedule::{EarlySecret, ResumptionMaster};
use super::super::kx;
use super::super::psk::ticket_age;
use super::super::suite::{lookup, Suite};
use super::super::ticket::{TicketKeeper, TicketState};
use super::Server;

/// A ticket's lifetime when the server makes its own keeper (2 hours, as OpenSSL's default).
pub const DEFAULT_LIFETIME: u32 = 7200;

/// Offered tickets the server looks at; any beyond are ignored (each costs an AEAD and events).
const MAX_IDENTITIES_TRIED: usize = 4;

/// A resumption the server accepts.
pub(super) struct Accepted {
    pub identity: u16,
    pub early: EarlySecret,
    pub mode: PskKeyExchangeMode,
    /// Accept 0-RTT data, up to this many bytes.
    pub early_data: Option<u32>,
}

impl Server {
    /// Share a ticket keeper with other connections (tickets one issues, another redeems), and set
    /// this connection's clock (Unix milliseconds) for issuing and judging them.
    pub fn with_tickets(mut self, keeper: Arc<Mutex<TicketKeeper>>, now_ms: u64) -> Self {
        self.set_tickets(keeper, now_ms);
        self
    }

    /// [`Server::with_tickets`] on a server in place.
    pub fn set_tickets(&mut self, keeper: Arc<Mutex<TicketKeeper>>, now_ms: u64) {
        self.keeper = Some(keeper);
        self.now_ms = now_ms;
    }

    /// The ticket keeper of this server (made on first use, with a key from its randomness).
    pub fn ticket_keeper(&mut self) -> Arc<Mutex<TicketKeeper>> {
        if let Some(k) = &self.keeper {
            return k.clone();
        }
        let k = Arc::new(Mutex::new(TicketKeeper::new(self.common.random::<16>(), DEFAULT_LIFETIME, 0)));
        self.keeper = Some(k.clone());
        k
    }

    /// RFC 8446 §4.2.11: the offered ticket the server resumes with, if any. Tickets it cannot use
    /// are ignored (a full handshake); a usable one whose binder is wrong ends the handshake.
    pub(super) fn try_resume(
        &mut self,
        ch: &ClientHello,
        raw: &[u8],
        suite: Suite,
        has_share: bool,
        after_retry: bool,
    ) -> Result<Option<Accepted>, Error> {
        let offers_early = find(&ch.extensions, ExtensionType::early_data).is_some();
        let accepted = self.resume(ch, raw, suite, has_share)?;
        let Some((mut a, state)) = accepted else {
            if offers_early {
                self.common.events.push(Event::EarlyDataRejected { reason: Some(EarlyDataRefusal::NotResumed) });
            }
            return Ok(None);
        };
        if offers_early {
            // RFC 8446 §4.2.10: only with the first ticket, not after a HelloRetryRequest, within
            // what the ticket and the server allow, with the same ALPN protocol and cipher suite.
            let allowed = state.max_early_data.min(self.ticket_keeper().lock().map_or(0, |k| k.max_early_data));
            let refusal = if a.identity != 0 || after_retry {
                Some(EarlyDataRefusal::NotResumed)
            } else if allowed == 0 {
                Some(EarlyDataRefusal::NotAllowed)
            } else if state.alpn != self.alpn {
                Some(EarlyDataRefusal::OtherAlpn)
            } else if state.suite != suite.wire {
                Some(EarlyDataRefusal::OtherSuite)
            } else {
                None
            };
            self.common.events.push(match refusal {
                None => Event::EarlyDataAccepted { max_early_data_size: allowed },
                Some(r) => Event::EarlyDataRejected { reason: Some(r) },
            });
            a.early_data = refusal.is_none().then_some(allowed);
        }
        Ok(Some(a))
    }

    fn resume(&mut self, ch: &ClientHello, raw: &[u8], suite: Suite, has_share: bool) -> Result<Option<(Accepted, TicketState)>, Error> {
        let Some(Extension::PreSharedKeyOffered(offer)) = find(&ch.extensions, ExtensionType::pre_shared_key) else { return Ok(None) };
        // RFC 8446 §4.2.9: "servers MUST abort the handshake" without psk_key_exchange_modes.
        let Some(Extension::PskKeyExchangeModes(modes)) = find(&ch.extensions, ExtensionType::psk_key_exchange_modes) else {
            return Err(Error::MissingExtension("pre_shared_key without psk_key_exchange_modes"));
        };
        if offer.identities.len() != offer.binders.len() {
            return Err(Error::IllegalParameter("pre_shared_key has not one binder per identity"));
        }
        let mode = if has_share && modes.contains(&PskKeyExchangeMode::psk_dhe_ke) {
            PskKeyExchangeMode::psk_dhe_ke
        } else if modes.contains(&PskKeyExchangeMode::psk_ke) {
            PskKeyExchangeMode::psk_ke
        } else {
            return Ok(None);
        };
        // The offer is well formed. Built without resumption, the server declines every PSK and
        // makes a full handshake, as RFC 8446 §4.2.11 lets it (its own client never offers one
        // in that build).
        if !cfg!(feature = "resumption") {
            return Ok(None);
        }
        let keeper = self.ticket_keeper();
        for (i, (identity, binder)) in offer.identities.iter().zip(&offer.binders).enumerate().take(MAX_IDENTITIES_TRIED) {
            let index = u16::try_from(i).unwrap_or(u16::MAX);
            let Some((id, state)) = keeper.lock().ok().and_then(|k| k.open(&identity.identity)) else {
                self.common.events.push(Event::TicketChecked { identity: index, verdict: TicketVerdict::Unknown });
                continue;
            };
            let client_age = ticket_age(identity.obfuscated_ticket_age, state.age_add);
            let mut verdict = keeper.lock().map_or(TicketVerdict::Unknown, |k| k.check(&id, &state, client_age, self.now_ms));
            // RFC 8446 §4.2.11: a PSK goes only with a suite of its hash; another is ignored.
            let same_hash = lookup(state.suite).is_some_and(|s| s.hash == suite.hash);
            if matches!(verdict, TicketVerdict::Usable { .. }) && !same_hash {
                verdict = TicketVerdict::OtherHash { suite: state.suite };
            }
            self.common.events.push(Event::TicketChecked { identity: index, verdict });
            if !matches!(verdict, TicketVerdict::Usable { .. }) {
                continue;
            }
            // RFC 8446 §4.2.11.2: the binder, over the ClientHello up to the binders (after a
            // HelloRetryRequest, the transcript before it too).
            let mut log = Vec::new();
            let early = EarlySecret::from_psk(&mut log, suite, &state.psk);
            let truncated = raw.get(..raw.len().saturating_sub(offer.binders_len())).unwrap_or_default();
            let mut t = self.common.transcript.clone();
            t.add(Message::new(HandshakeType::client_hello), Endpoint::Client, truncated);
            let expected = early.binder_key(&mut log).binder(&mut log, &t.current());
            self.common.log_derivations(log);
            let ok = kx::ct_eq(&expected, binder);
            let err = (!ok).then_some(Error::DecryptError("the PSK binder does not verify"));
            let kind = CheckKind::Binder { identity: index, binder: Bytes(binder.clone()) };
            self.common.events.push(Event::Check(Check { kind, ok, failure: err.as_ref().map(Failure::of) }));
            if let Some(e) = err {
                return Err(e);
            }
            if let Ok(mut k) = keeper.lock() {
                k.mark_used(id, &state, self.now_ms);
            }
            self.common.events.push(Event::Resumed { identity: index, mode });
            return Ok(Some((Accepted { identity: index, early, mode, early_data: None }, state)));
        }
        Ok(None)
    }

    /// RFC 8446 §4.6.1: `count` NewSessionTickets, each sealing the PSK it stands for.
    pub(super) fn issue_tickets(&mut self, rms: &ResumptionMaster, count: usize) {
        let keeper = self.ticket_keeper();
        let (lifetime, max_early_data) = keeper.lock().map_or((0, 0), |k| (k.lifetime, k.max_early_data));
        for i in 0..u32::try_from(count).unwrap_or(u32::MAX) {
            let nonce = i.to_be_bytes().to_vec();
            let mut log = Vec::new();
            let psk = rms.ticket_psk(&mut log, i, &nonce);
            self.common.log_derivations(log);
            let age_add = u32::from_be_bytes(self.common.random::<4>());
            let id = self.common.random::<12>();
            let state = TicketState {
                psk,
                suite: rms.suite().wire,
                issued_ms: self.now_ms,
                age_add,
                lifetime,
                max_early_data,
                alpn: self.alpn.clone(),
                server_name: self.server_name.clone(),
            };
            let ticket = keeper.lock().map(|k| k.seal(id, &state)).unwrap_or_default();
            self.common.events.push(Event::TicketIssued {
                lifetime,
                age_add,
                nonce: Bytes(nonce.clone()),
                ticket: Bytes(ticket.clone()),
                psk: Secret::TicketPsk(i),
                max_early_data_size: max_early_data,
            });
            let extensions = if max_early_data > 0 { vec![Extension::EarlyData(Some(max_early_data))] } else { vec![] };
            self.common.send_handshake(&Handshake::NewSessionTicket(NewSessionTicket {
                ticket_lifetime: lifetime,
                ticket_age_add: age_add,
                ticket_nonce: nonce,
                ticket,
                extensions,
            }));
        }
    }
}
