//! The server's tickets (RFC 8446 §4.6.1): the resumption state sealed with AES-128-GCM under a
//! key only the server holds, so the server keeps nothing per ticket but which ones were used
//! (RFC 8446 §8.1: single-use tickets, the anti-replay defence for 0-RTT data).

use super::codec::{Reader, Writer};
use super::crypto::{Aead, IV_LEN, MAX_HASH_LEN, TAG_LEN};
use super::enums::CipherSuite;
use super::events::TicketVerdict;
use super::key_schedule::SecretBytes;

/// What a ticket stands for: everything the server needs to resume, and nothing it must store.
#[derive(Clone)]
pub struct TicketState {
    /// PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length).
    pub psk: SecretBytes,
    /// The suite of the connection that issued it: its hash is the PSK's (RFC 8446 §4.2.11).
    pub suite: CipherSuite,
    /// The server's clock when it issued the ticket, in milliseconds.
    pub issued_ms: u64,
    pub age_add: u32,
    /// Seconds.
    pub lifetime: u32,
    /// 0: the ticket allows no early data.
    pub max_early_data: u32,
    /// The ALPN protocol and server_name of the connection that issued it (RFC 8446 §4.2.10: early
    /// data only with the same ones).
    pub alpn: Option<Vec<u8>>,
    pub server_name: Option<String>,
}

/// A ticket's id: the first bytes of the sealed ticket, also its AEAD nonce.
pub type TicketId = [u8; IV_LEN];

/// Tickets are sealed with AES-128-GCM whatever the connection's suite: the key is the
/// server's alone, and every build has this AEAD.
const TICKET_AEAD: Aead = Aead::Aes128Gcm;
pub const TICKET_KEY_LEN: usize = 16;

/// Additional data of every sealed ticket: it can be nothing else.
const AAD: &[u8] = b"tlsviz ticket v2";

/// RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds (7 days)".
pub const MAX_LIFETIME: u32 = 604_800;

/// RFC 8446 §8.3: how far the client's idea of the ticket's age may be from the server's (the
/// window OpenSSL allows too, 10 s).
pub const AGE_TOLERANCE_MS: u64 = 10_000;

/// The server's ticket key and its memory of used tickets, shared by all its connections.
pub struct TicketKeeper {
    key: [u8; TICKET_KEY_LEN],
    /// Seconds a ticket may be used.
    pub lifetime: u32,
    /// The early data a ticket allows (0: no 0-RTT).
    pub max_early_data: u32,
    /// RFC 8446 §8.1: refuse a ticket seen before. Off, the server would accept a replayed first
    /// flight, early data and all (the page shows why that matters).
    pub single_use: bool,
    /// Tickets already used, with when they expire (forgotten then: an expired ticket is refused anyway).
    used: Vec<(TicketId, u64)>,
}

impl TicketKeeper {
    pub fn new(key: [u8; TICKET_KEY_LEN], lifetime: u32, max_early_data: u32) -> Self {
        TicketKeeper { key, lifetime: lifetime.min(MAX_LIFETIME), max_early_data, single_use: true, used: Vec::new() }
    }

    /// The ticket for `state`: id || AES-128-GCM(id, state) || tag.
    pub fn seal(&self, id: TicketId, state: &TicketState) -> Vec<u8> {
        let mut w = Writer::new();
        w.opaque_vector(1, &state.psk.0);
        w.wire(state.suite);
        w.u32(u32::try_from(state.issued_ms >> 32).unwrap_or(u32::MAX));
        w.u32(u32::try_from(state.issued_ms & 0xffff_ffff).unwrap_or(0));
        w.u32(state.age_add);
        w.u32(state.lifetime);
        w.u32(state.max_early_data);
        w.opaque_vector(1, state.alpn.as_deref().unwrap_or_default());
        w.opaque_vector(1, state.server_name.as_deref().unwrap_or_default().as_bytes());
        let mut out = id.to_vec();
        if let Ok((ct, tag)) = TICKET_AEAD.seal(&self.key, &id, AAD, &w.buf) {
            out.extend_from_slice(&ct);
            out.extend_from_slice(&tag);
        }
        out
    }

    /// The state a ticket stands for, if this keeper sealed it.
    pub fn open(&self, ticket: &[u8]) -> Option<(TicketId, TicketState)> {
        let id: TicketId = ticket.get(..IV_LEN)?.try_into().ok()?;
        let body = ticket.get(IV_LEN..)?;
        let (ct, tag) = body.split_at_checked(body.len().checked_sub(TAG_LEN)?)?;
        let plain = TICKET_AEAD.open(&self.key, &id, AAD, ct, tag).ok()?;
        let mut r = Reader::new(&plain);
        let psk = SecretBytes(r.opaque_vector(1, 32, MAX_HASH_LEN, "", "").ok()?.to_vec());
        let suite = r.wire("suite").ok()?;
        let hi = u64::from(r.u32("", "").ok()?);
        let lo = u64::from(r.u32("", "").ok()?);
        let age_add = r.u32("", "").ok()?;
        let lifetime = r.u32("", "").ok()?;
        let max_early_data = r.u32("", "").ok()?;
        let alpn = r.opaque_vector(1, 0, 255, "", "").ok()?.to_vec();
        let name = r.opaque_vector(1, 0, 255, "", "").ok()?;
        let server_name = String::from_utf8(name.to_vec()).ok()?;
        let state = TicketState {
            psk,
            suite,
            issued_ms: (hi << 32) | lo,
            age_add,
            lifetime,
            max_early_data,
            alpn: (!alpn.is_empty()).then_some(alpn),
            server_name: (!server_name.is_empty()).then_some(server_name),
        };
        Some((id, state))
    }

    /// RFC 8446 §4.6.1, §8.3: whether a ticket the server sealed may be used at `now_ms`, with the
    /// age the client claims. Changes nothing.
    pub fn check(&self, id: &TicketId, state: &TicketState, client_age_ms: u32, now_ms: u64) -> TicketVerdict {
        let age_ms = now_ms.saturating_sub(state.issued_ms);
        if age_ms > u64::from(state.lifetime) * 1000 {
            return TicketVerdict::Expired { age_ms, lifetime: state.lifetime };
        }
        if age_ms.abs_diff(u64::from(client_age_ms)) > AGE_TOLERANCE_MS {
            return TicketVerdict::AgeMismatch { client_ms: client_age_ms, server_ms: age_ms };
        }
        if self.single_use && self.used.iter().any(|(u, _)| u == id) {
            return TicketVerdict::AlreadyUsed;
        }
        TicketVerdict::Usable { age_ms, client_age_ms, lifetime: state.lifetime }
    }

    /// Remember that a ticket was used (RFC 8446 §8.1), forgetting the ones expired by now.
    pub fn mark_used(&mut self, id: TicketId, state: &TicketState, now_ms: u64) {
        if !self.single_use {
            return;
        }
        self.used.retain(|(_, expires)| *expires >= now_ms);
        self.used.push((id, state.issued_ms.saturating_add(u64::from(state.lifetime) * 1000)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> TicketState {
        TicketState {
            psk: SecretBytes(vec![7; 32]),
            suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            issued_ms: 1_795_000_000_123,
            age_add: 0xdead_beef,
            lifetime: 7200,
            max_early_data: 1024,
            alpn: Some(b"http/1.1".to_vec()),
            server_name: Some("example.com".into()),
        }
    }

    #[test]
    fn a_sealed_ticket_opens_only_with_its_key_and_unaltered() {
        let k = TicketKeeper::new([1; 16], 7200, 1024);
        let t = k.seal([9; 12], &state());
        let (id, s) = k.open(&t).expect("opens");
        assert_eq!(
            (id, s.psk.0.clone(), s.issued_ms, s.alpn.as_deref(), s.server_name.as_deref()),
            ([9; 12], vec![7; 32], 1_795_000_000_123, Some(&b"http/1.1"[..]), Some("example.com"))
        );
        assert!(TicketKeeper::new([2; 16], 7200, 0).open(&t).is_none(), "another server's key");
        for i in [0, 12, t.len() - 1] {
            let mut bad = t.clone();
            bad[i] ^= 1;
            assert!(k.open(&bad).is_none(), "byte {i} altered");
        }
        assert!(k.open(&t[..20]).is_none());
    }

    #[test]
    fn a_ticket_is_refused_when_expired_when_its_age_is_off_and_when_used_twice() {
        let mut k = TicketKeeper::new([1; 16], 7200, 0);
        let s = state();
        let now = s.issued_ms + 5_000;
        let usable = |v| matches!(v, TicketVerdict::Usable { .. });
        assert!(usable(k.check(&[1; 12], &s, 5_000, now)));
        assert!(matches!(k.check(&[1; 12], &s, 5_000, s.issued_ms + 7_201_000), TicketVerdict::Expired { .. }));
        assert!(matches!(k.check(&[1; 12], &s, 60_000, now), TicketVerdict::AgeMismatch { .. }));
        k.mark_used([1; 12], &s, now);
        assert_eq!(k.check(&[1; 12], &s, 5_000, now), TicketVerdict::AlreadyUsed);
        assert!(usable(k.check(&[2; 12], &s, 5_000, now)));
        k.single_use = false;
        assert!(usable(k.check(&[1; 12], &s, 5_000, now)));
    }
}
