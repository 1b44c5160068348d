//! RFC 8446 §4.2.11 pre_shared_key and §4.2.10 early_data on the wire, and the binder: what a
//! resumption adds to the ClientHello and ServerHello.

use super::codec::{Reader, Writer};
use super::crypto::HashAlgorithm;
use super::error::Error;

/// RFC 8446 §4.2.11 `PskIdentity`: a ticket, and its age as the client sees it plus the ticket's
/// ticket_age_add (mod 2^32), so the age cannot be read off the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PskIdentity {
    pub identity: Vec<u8>,
    pub obfuscated_ticket_age: u32,
}

/// RFC 8446 §4.2.11 `OfferedPsks`: identities, and one binder for each, in the same order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferedPsks {
    pub identities: Vec<PskIdentity>,
    pub binders: Vec<Vec<u8>>,
}

impl OfferedPsks {
    pub fn encode(&self, w: &mut Writer) {
        w.vector(2, |w| {
            for i in &self.identities {
                w.opaque_vector(2, &i.identity);
                w.u32(i.obfuscated_ticket_age);
            }
        });
        self.encode_binders(w);
    }

    fn encode_binders(&self, w: &mut Writer) {
        w.vector(2, |w| self.binders.iter().for_each(|b| w.opaque_vector(1, b)));
    }

    /// How many bytes the binders take at the end of the ClientHello: Truncate(ClientHello)
    /// (RFC 8446 §4.2.11.2) is the message without them.
    pub fn binders_len(&self) -> usize {
        let mut w = Writer::new();
        self.encode_binders(&mut w);
        w.buf.len()
    }

    pub fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let identities = r.vector(2, 7, 0xffff, "identities", "the tickets offered, each with its obfuscated age", |r| {
            let mut v = Vec::new();
            while !r.is_empty() {
                v.push(r.group("PskIdentity", "one ticket", |r| {
                    let identity = r.opaque_vector(2, 1, 0xffff, "identity", "the ticket, as the server issued it")?.to_vec();
                    let obfuscated_ticket_age =
                        r.u32("obfuscated_ticket_age", "the ticket's age in milliseconds plus its ticket_age_add, mod 2^32")?;
                    Ok(PskIdentity { identity, obfuscated_ticket_age })
                })?);
            }
            Ok(v)
        })?;
        let binders = r.vector(2, 33, 0xffff, "binders", "one HMAC per ticket over the ClientHello up to here", |r| {
            let mut v = Vec::new();
            while !r.is_empty() {
                v.push(
                    r.opaque_vector(1, 32, 255, "PskBinderEntry", "HMAC(finished key of binder_key, hash of the partial ClientHello)")?
                        .to_vec(),
                );
            }
            Ok(v)
        })?;
        Ok(OfferedPsks { identities, binders })
    }
}

/// A binder of the right length (Hash.length of the PSK's hash) to fill in once the rest of
/// the ClientHello is known.
pub fn placeholder_binder(hash: HashAlgorithm) -> Vec<u8> {
    vec![0; hash.len()]
}

/// RFC 8446 §4.6.1: the obfuscated age of a ticket `age_ms` old.
pub fn obfuscate_age(age_ms: u32, age_add: u32) -> u32 {
    age_ms.wrapping_add(age_add)
}

/// The ticket age a server reads from an identity.
pub fn ticket_age(obfuscated: u32, age_add: u32) -> u32 {
    obfuscated.wrapping_sub(age_add)
}
