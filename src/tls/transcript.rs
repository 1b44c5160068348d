//! RFC 8446 §4.4.1 transcript hash.

use super::crypto::HashAlgorithm;
use super::enums::HandshakeType;
use super::events::{Covered, Endpoint, Message};

/// The running transcript: every handshake message so far, and which messages they are. The
/// bytes are kept whole, so the hash can be the suite's once the ServerHello (or a
/// HelloRetryRequest) has named it; until then it is SHA-256's.
#[derive(Clone, Default)]
pub struct Transcript {
    bytes: Vec<u8>,
    covers: Vec<Covered>,
    hash: HashAlgorithm,
}

/// A transcript hash together with the messages it covers (the page shows both) and the hash
/// function it was made with.
#[derive(Clone, Debug)]
pub struct TranscriptHash {
    pub hash: Vec<u8>,
    pub covers: Vec<Covered>,
    pub algorithm: HashAlgorithm,
}

impl TranscriptHash {
    /// Transcript-Hash("") for the "derived" steps of the key schedule.
    pub fn empty(algorithm: HashAlgorithm) -> Self {
        TranscriptHash { hash: algorithm.digest(b""), covers: Vec::new(), algorithm }
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

    /// Hash with the negotiated suite's hash from now on (RFC 8446 §4.4.1: "the Hash function
    /// for the cipher suite").
    pub fn set_hash(&mut self, hash: HashAlgorithm) {
        self.hash = hash;
    }

    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash
    }

    pub fn current(&self) -> TranscriptHash {
        TranscriptHash { hash: self.hash.digest(&self.bytes), covers: self.covers.clone(), algorithm: self.hash }
    }

    /// RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by the synthetic
    /// `message_hash` message: 0xfe 00 00 Hash.length || Hash(ClientHello1).
    pub fn replace_with_message_hash(&mut self) {
        let h = self.hash.digest(&self.bytes);
        let mut m = vec![HandshakeType::message_hash.0, 0, 0, u8::try_from(h.len()).unwrap_or(0)];
        m.extend_from_slice(&h);
        self.bytes = m;
        self.covers = vec![Covered { message: Message::new(HandshakeType::message_hash), sender: None }];
    }
}

#[cfg(all(test, feature = "aes256"))]
mod tests {
    use super::*;

    /// RFC 8446 §4.4.1: message_hash is 0xfe 00 00 then Hash.length as one byte, then the hash.
    #[test]
    fn a_sha384_message_hash_is_type_fe_and_48_bytes_long() {
        let mut t = Transcript::default();
        t.set_hash(HashAlgorithm::Sha384);
        t.add(Message::new(HandshakeType::client_hello), Endpoint::Client, b"abc");
        t.replace_with_message_hash();
        assert_eq!(t.bytes[..4], [0xfe, 0, 0, 48]);
        assert_eq!(t.bytes[4..], HashAlgorithm::Sha384.digest(b"abc")[..]);
        assert_eq!(t.current().hash.len(), 48);
    }
}
