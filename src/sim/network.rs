//! The network between the two endpoints, as a component of the simulation with its knobs as
//! fields (quinn-proto's test `Pair` keeps its network the same way): records are carried one at
//! a time, and an attacker's rules may drop, rewrite, replace or inject records on the way. The
//! engine knows nothing of this; a scenario is a configuration of the endpoints and this network.

use serde::{Deserialize, Serialize};

use crate::tls::enums::ContentType;
use crate::tls::events::Endpoint;

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
        (out, events)
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
