//! The network between the two endpoints, as a component of the simulation with its knobs as
//! fields (quinn-proto's test `Pair` keeps its network the same way): records are carried one at
//! a time, and an attacker's rules may drop, rewrite, replace or inject records on the way. The
//! engine knows nothing of this; a scenario is a configuration of the endpoints and this network.
//! A man in the middle ([`mitm`]) sits here too, after the rules.

pub mod mitm;

use serde::{Deserialize, Serialize};

use crate::tls::codec::Bytes;
use crate::tls::enums::{ContentType, ExtensionType};
use crate::tls::events::{Endpoint, Message};
pub use mitm::{Attack, LegSecrets};

/// Which records a rule applies to. Records are counted from 0 in the order they are sent, both
/// directions together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Select {
    /// The record with this number.
    Record(usize),
    /// Every record from this sender with this content type (on the wire: an encrypted record is
    /// `application_data`).
    Each { from: Endpoint, content_type: ContentType },
}

/// What an attacker on the wire does to a selected record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// XOR one byte of the record (the header counts: byte 0 is its content type).
    Flip { offset: usize, xor: u8 },
    /// The record never arrives.
    Drop,
    /// Other bytes arrive in its place.
    Replace { bytes: Vec<u8> },
    /// These bytes arrive just before the record.
    InjectBefore { bytes: Vec<u8> },
    /// XOR one byte counted from the record's end (0: its last byte).
    FlipFromEnd { back: usize, xor: u8 },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub select: Select,
    pub action: Action,
}

/// What the network did, for the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NetworkEvent {
    /// The attacker flipped bits of one byte of a record.
    Tampered {
        record: usize,
        towards: Endpoint,
        offset: usize,
        xor: u8,
    },
    Dropped {
        record: usize,
        towards: Endpoint,
    },
    Replaced {
        record: usize,
        towards: Endpoint,
        bytes: usize,
    },
    Injected {
        before_record: usize,
        towards: Endpoint,
        bytes: usize,
    },
    /// A side waited for bytes that never came: the transport closed the connection.
    TransportClosed,
    /// The attacker keeps a copy of a record of the client's first flight (it arrives unchanged).
    Copied {
        record: usize,
        bytes: usize,
    },
    /// The attacker sends a copied record again, as a connection of its own to the server.
    Replayed {
        record: usize,
        towards: Endpoint,
        bytes: usize,
    },
    /// The attacker kept a record: nothing arrived. `messages` names the handshake messages it
    /// held, when they were in plaintext.
    Withheld {
        record: usize,
        from: Endpoint,
        messages: Vec<Message>,
    },
    /// The attacker changed one extension of a hello: `removed` are the bytes it took out (for
    /// key_share the key_exchange value, for any other extension all of it), `inserted` what it put
    /// in their place (empty: nothing); `bytes` the record that arrived instead.
    Rewritten {
        record: usize,
        towards: Endpoint,
        message: Message,
        extension: ExtensionType,
        removed: Bytes,
        inserted: Bytes,
        bytes: Bytes,
    },
    /// The attacker sent `towards` the client's record number `record` again, in the same
    /// connection, as it was.
    Resent {
        record: usize,
        towards: Endpoint,
        bytes: Bytes,
    },
    /// The attacker kept record `record` and answered it itself, in the other side's place: a key
    /// share of its own, and a certificate for `name` issued by its own CA, `issuer`. `records` is
    /// what it sent.
    Impersonated {
        record: usize,
        towards: Endpoint,
        name: String,
        issuer: String,
        key_share: Bytes,
        records: Vec<Bytes>,
    },
    /// The attacker computed a shared secret and the handshake traffic secrets with each side.
    AttackerKeys {
        with_client: LegSecrets,
        with_server: LegSecrets,
    },
    /// The attacker decrypted a record with the keys it shares with the sender and encrypted the
    /// same content again with those it shares with `towards`: `plaintext` is what it read,
    /// `messages` the handshake messages it completed, `bytes` the record that arrived.
    Reencrypted {
        record: usize,
        towards: Endpoint,
        content_type: ContentType,
        messages: Vec<Message>,
        plaintext: Bytes,
        bytes: Bytes,
    },
}

/// The wire and whoever sits on it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    pub rules: Vec<Rule>,
    /// Keep a copy of every record the client sends before the server's first (its first flight:
    /// the ClientHello and any 0-RTT data), to replay later.
    #[serde(default)]
    pub copy_first_flight: bool,
    /// The copies.
    #[serde(skip)]
    copied: Vec<Vec<u8>>,
    /// The server has sent a record: the client's first flight is over.
    #[serde(skip)]
    server_spoke: bool,
    /// A man in the middle, acting on what the rules let through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attacker: Option<Attack>,
    /// Its state during a run.
    #[serde(skip)]
    live: Live,
    /// What the attacker sent back to the sender of the record just carried.
    #[serde(skip)]
    back: Vec<Vec<u8>>,
    /// Records carried so far, both directions.
    #[serde(skip)]
    carried: usize,
    /// The transport has closed: nothing arrives any more.
    #[serde(skip)]
    closed: bool,
}

impl Network {
    /// A network that carries everything as it is.
    pub fn honest() -> Self {
        Network::default()
    }

    /// A network whose attacker copies the client's first flight and lets everything through.
    pub fn copying_first_flight() -> Self {
        Network { copy_first_flight: true, ..Network::default() }
    }

    /// A network with one attacker rule.
    pub fn with(rule: Rule) -> Self {
        Network { rules: vec![rule], ..Network::default() }
    }

    /// The records of the client's first flight the network copied (see [`Network::copy_first_flight`]).
    pub fn take_copies(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.copied)
    }

    /// A network with a man in the middle.
    pub fn attacked(attack: Attack) -> Self {
        Network { attacker: Some(attack), ..Network::default() }
    }

    /// Give the attacker its randomness and clock (the simulation does, from the run's seed).
    pub fn arm(&mut self, seed: [u8; 32], now: u64) {
        self.live = Live { seed, now, state: None };
    }

    /// Whether `side` is connected to the network at all (an attacker may keep the server from
    /// ever hearing from the client).
    pub fn reaches(&self, side: Endpoint) -> bool {
        self.attacker.is_none_or(|a| mitm::Attacker::reaches(a, side))
    }

    /// What the attacker sent back to the sender of the record [`Network::carry`] just carried.
    pub fn take_back(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.back)
    }

    /// Close the transport: from now on nothing is carried.
    pub fn close(&mut self) {
        self.closed = true;
    }

    /// Carry one record from `from` to its peer: what arrives (possibly nothing, possibly more
    /// than one piece), and what the attacker did.
    pub fn carry(&mut self, from: Endpoint, record: Vec<u8>) -> (Vec<Vec<u8>>, Vec<NetworkEvent>) {
        if self.closed {
            return (Vec::new(), Vec::new());
        }
        let n = self.carried;
        self.carried += 1;
        let towards = from.peer();
        let content_type = ContentType(record.first().copied().unwrap_or(0));
        let mut events = Vec::new();
        self.server_spoke |= from == Endpoint::Server;
        if self.copy_first_flight && !self.server_spoke {
            events.push(NetworkEvent::Copied { record: n, bytes: record.len() });
            self.copied.push(record.clone());
        }
        let mut out = vec![record];
        for rule in &self.rules {
            let applies = match &rule.select {
                Select::Record(k) => *k == n,
                Select::Each { from: f, content_type: t } => *f == from && *t == content_type,
            };
            if !applies {
                continue;
            }
            match &rule.action {
                Action::Flip { offset, xor } => {
                    if let Some(b) = out.last_mut().and_then(|r| r.get_mut(*offset)) {
                        *b ^= xor;
                        events.push(NetworkEvent::Tampered { record: n, towards, offset: *offset, xor: *xor });
                    }
                }
                Action::Drop => {
                    out.clear();
                    events.push(NetworkEvent::Dropped { record: n, towards });
                }
                Action::Replace { bytes } => {
                    out = vec![bytes.clone()];
                    events.push(NetworkEvent::Replaced { record: n, towards, bytes: bytes.len() });
                }
                Action::FlipFromEnd { back, xor } => {
                    let r = out.last_mut();
                    let at = r.as_ref().and_then(|r| r.len().checked_sub(back + 1));
                    if let (Some(r), Some(offset)) = (r, at) {
                        r[offset] ^= xor;
                        events.push(NetworkEvent::Tampered { record: n, towards, offset, xor: *xor });
                    }
                }
                Action::InjectBefore { bytes } => {
                    out.insert(0, bytes.clone());
                    events.push(NetworkEvent::Injected { before_record: n, towards, bytes: bytes.len() });
                }
            }
        }
        // A build without the man in the middle (the page's default one) carries records honestly.
        if let Some(attack) = self.attacker.filter(|_| cfg!(feature = "mitm")) {
            let Live { seed, now, state } = &mut self.live;
            let attacker = state.get_or_insert_with(|| Box::new(mitm::Attacker::new(attack, *seed, *now)));
            let mut onward = Vec::new();
            for piece in out {
                let c = attacker.carry(n, from, piece);
                onward.extend(c.onward);
                self.back.extend(c.back);
                events.extend(c.events);
            }
            out = onward;
        }
        (out, events)
    }
}

/// The attacker's seed and clock, and its state once it has acted. Two networks are equal when
/// they are configured alike; a copy starts afresh from the same seed.
#[derive(Default)]
struct Live {
    seed: [u8; 32],
    now: u64,
    state: Option<Box<mitm::Attacker>>,
}

impl Clone for Live {
    fn clone(&self) -> Self {
        Live { seed: self.seed, now: self.now, state: None }
    }
}

impl PartialEq for Live {
    fn eq(&self, o: &Self) -> bool {
        (self.seed, self.now) == (o.seed, o.now)
    }
}

impl Eq for Live {}

impl core::fmt::Debug for Live {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Live {{ now: {}, acted: {} }}", self.now, self.state.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_honest_network_carries_records_unchanged() {
        let mut n = Network::honest();
        let (out, ev) = n.carry(Endpoint::Client, vec![22, 3, 3, 0, 1, 9]);
        assert_eq!(out, vec![vec![22, 3, 3, 0, 1, 9]]);
        assert!(ev.is_empty());
    }

    #[test]
    fn a_flip_rule_changes_only_the_record_it_selects() {
        let mut n = Network::with(Rule { select: Select::Record(1), action: Action::Flip { offset: 5, xor: 0x80 } });
        assert_eq!(n.carry(Endpoint::Client, vec![22, 3, 3, 0, 1, 1]).0, vec![vec![22, 3, 3, 0, 1, 1]]);
        let (out, ev) = n.carry(Endpoint::Server, vec![22, 3, 3, 0, 1, 1]);
        assert_eq!(out, vec![vec![22, 3, 3, 0, 1, 0x81]]);
        assert_eq!(ev, vec![NetworkEvent::Tampered { record: 1, towards: Endpoint::Client, offset: 5, xor: 0x80 }]);
    }

    #[test]
    fn drop_and_inject_rules_select_by_sender_and_type() {
        let select = Select::Each { from: Endpoint::Server, content_type: ContentType::application_data };
        let mut n = Network {
            rules: vec![
                Rule { select: select.clone(), action: Action::InjectBefore { bytes: vec![1] } },
                Rule { select, action: Action::Drop },
            ],
            ..Network::default()
        };
        assert_eq!(n.carry(Endpoint::Client, vec![23, 3, 3, 0, 0]).0.len(), 1);
        let (out, ev) = n.carry(Endpoint::Server, vec![23, 3, 3, 0, 0]);
        assert!(out.is_empty());
        assert_eq!(ev.len(), 2);
        assert_eq!(n.carry(Endpoint::Server, vec![22, 3, 3, 0, 0]).0.len(), 1);
    }
}
