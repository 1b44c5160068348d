//! RFC 8446 §4.4.1 transcript hash.

use super::crypto::sha256;
use super::enums::HandshakeType;
use super::events::{Covered, Endpoint, Message};

/// The running transcript: every handshake message so far, and which messages they are.
#[derive(Clone, Default)]
pub struct Transcript {
    bytes: Vec<u8>,
    covers: Vec<Covered>,
}

/// A transcript hash together with the messages it covers (the page shows both).
#[derive(Clone, Debug)]
pub struct TranscriptHash {
    pub hash: [u8; 32],
    pub covers: Vec<Covered>,
}

impl TranscriptHash {
    /// Transcript-Hash("") for the "derived" steps of the key schedule.
    pub fn empty() -> Self {
        TranscriptHash { hash: sha256(b""), covers: Vec::new() }
    }
}

impl Transcript {
    /// Add one whole handshake message that `sender` sent.
    pub fn add(&mut self, message: Message, sender: Endpoint, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
        self.covers.push(Covered { message, sender: Some(sender) });
    }

    /// No handshake message yet.
    pub fn is_empty(&self) -> bool {
        self.covers.is_empty()
    }

    pub fn current(&self) -> TranscriptHash {
        TranscriptHash { hash: sha256(&self.bytes), covers: self.covers.clone() }
    }

    /// RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by the synthetic
    /// `message_hash` message: 0xfe 00 00 20 || Hash(ClientHello1).
    pub fn replace_with_message_hash(&mut self) {
        let h = sha256(&self.bytes);
        let mut m = vec![HandshakeType::message_hash.0, 0, 0, 32];
        m.extend_from_slice(&h);
        self.bytes = m;
        self.covers = vec![Covered { message: Message::new(HandshakeType::message_hash), sender: None }];
    }
}
