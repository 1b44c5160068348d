//! RFC 8446 §4.4.1 transcript hash.

use super::crypto::sha256;
use super::enums::HandshakeType;

/// The running transcript: every handshake message so far, and their names.
#[derive(Clone, Default)]
pub struct Transcript {
    bytes: Vec<u8>,
    names: Vec<String>,
}

/// A transcript hash together with the messages it covers (the page shows both).
#[derive(Clone, Debug)]
pub struct TranscriptHash {
    pub hash: [u8; 32],
    pub covers: Vec<String>,
}

impl Transcript {
    pub fn add(&mut self, name: &str, message: &[u8]) {
        self.bytes.extend_from_slice(message);
        self.names.push(name.to_string());
    }

    /// No handshake message yet.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn current(&self) -> TranscriptHash {
        TranscriptHash { hash: sha256(&self.bytes), covers: self.names.clone() }
    }

    /// RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by the synthetic
    /// `message_hash` message: 0xfe 00 00 20 || Hash(ClientHello1).
    pub fn replace_with_message_hash(&mut self) {
        let h = sha256(&self.bytes);
        let mut m = vec![HandshakeType::message_hash.0, 0, 0, 32];
        m.extend_from_slice(&h);
        self.bytes = m;
        self.names = vec!["message_hash(ClientHello1)".to_string()];
    }
}
