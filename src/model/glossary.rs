//! The words a beginner meets, each explained in one short sentence where it first appears.

/// A term, the words that show it in a sentence (lowercase), and its explanation.
#[derive(Debug, PartialEq, Eq)]
pub struct Term {
    pub term: &'static str,
    pub matches: &'static [&'static str],
    pub meaning: &'static str,
}

pub const TERMS: &[Term] = &[
    Term {
        term: "key share",
        matches: &["key share", "public key"],
        meaning: "A public key sent in a hello for the key exchange: each side combines the other's with its own private key to get the same shared secret.",
    },
    Term {
        term: "cipher suite",
        matches: &["cipher suite"],
        meaning: "The pair of algorithms a connection uses: one to encrypt and authenticate records (AES-128-GCM, AES-256-GCM or ChaCha20-Poly1305), one hash for the key schedule (SHA-256 or SHA-384).",
    },
    Term {
        term: "certificate",
        matches: &["certificate"],
        meaning: "A signed statement that a public key belongs to a name (here the server's host name), issued by a certificate authority.",
    },
    Term {
        term: "CA",
        matches: &["ca"],
        meaning: "A certificate authority: an issuer of certificates. The client trusts a few root CAs, and an intermediate CA is one a trusted CA certified.",
    },
    Term {
        term: "signature",
        matches: &["signature", "signs"],
        meaning: "A value only the holder of a private key can make, and anyone with the public key can check.",
    },
    Term {
        term: "transcript hash",
        matches: &["transcript hash", "hash of the two hellos", "hash of the four hellos"],
        meaning: "A hash (the cipher suite's: SHA-256 or SHA-384) of every handshake message so far: both sides compute it, so keys and signatures are tied to exactly what was said.",
    },
    Term {
        term: "HKDF",
        matches: &["hkdf"],
        meaning: "The key derivation function TLS 1.3 uses: it turns one secret and a label into as many new secrets and keys as needed (RFC 5869).",
    },
    Term {
        term: "nonce",
        matches: &["nonce"],
        meaning: "A number used once: each record's IV XOR its sequence number, so no two records are encrypted alike.",
    },
    Term {
        term: "AEAD tag",
        matches: &["tag"],
        meaning: "The 16 bytes after each encrypted record's ciphertext: a check value that fails if a single bit of the record was changed.",
    },
    Term {
        term: "forward secrecy",
        matches: &["forward secrecy"],
        meaning: "Keys that cannot be recomputed later, even by someone who steals the server's long-term key, because the private keys that made them are erased.",
    },
    Term {
        term: "session ticket",
        matches: &["ticket"],
        meaning: "Data the server gives the client after a handshake (NewSessionTicket), sealed with a key only the server holds; showing it in a later ClientHello lets both sides resume without a certificate.",
    },
    Term {
        term: "PSK",
        matches: &["psk", "pre shared key"],
        meaning: "A pre-shared key: a secret both sides already hold. On resumption it is derived from the first connection's resumption master secret and the ticket's nonce, and it starts the key schedule.",
    },
    Term {
        term: "binder",
        matches: &["binder"],
        meaning: "An HMAC over the ClientHello, keyed from the PSK: it proves the client holds the ticket's secret, not just a copy of the ticket.",
    },
    Term {
        term: "0-RTT",
        matches: &["0 rtt"],
        meaning: "Early data: application data the client sends right after its ClientHello, before the server has answered, under keys from the PSK and the ClientHello alone. An attacker can replay it.",
    },
];

/// Lowercase words separated by single spaces, with a space at each end. The terms are ASCII, so
/// ASCII letters and digits make the words (Unicode's tables would add to the page's weight).
fn words(text: &str) -> String {
    let mut out = String::from(" ");
    for w in text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        out.push_str(&w.to_ascii_lowercase());
        out.push(' ');
    }
    out
}

/// The terms `text` uses, as whole words, in the order of [`TERMS`].
pub fn terms_in(text: &str) -> Vec<&'static Term> {
    let t = words(text);
    TERMS.iter().filter(|term| term.matches.iter().any(|m| t.contains(&words(m)))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_terms_a_sentence_uses_and_no_others() {
        let found: Vec<&str> = terms_in("It offers a cipher suite and a key share; the CA signs.").iter().map(|t| t.term).collect();
        assert_eq!(found, ["key share", "cipher suite", "CA", "signature"]);
        assert!(terms_in("nothing here").is_empty());
        assert!(terms_in("the cache").is_empty(), "\"ca\" inside a word is not the CA");
        let found: Vec<&str> = terms_in("It sends 0-RTT data with the ticket's PSK and its binder.").iter().map(|t| t.term).collect();
        assert_eq!(found, ["session ticket", "PSK", "binder", "0-RTT"]);
        assert!(terms_in("a pre-shared key").iter().any(|t| t.term == "PSK"));
        assert!(terms_in("10 rtt").is_empty(), "\"0 rtt\" is a whole word");
    }
}
