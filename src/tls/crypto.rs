//! The primitives of the cipher suites (RFC 8446 §B.4): the hash of the key schedule (SHA-256,
//! SHA-384), HMAC, HKDF (RFC 5869 as used by RFC 8446 §7.1), and the record AEADs (AES-128-GCM,
//! AES-256-GCM, ChaCha20-Poly1305). SHA-384 with AES-256-GCM needs the `aes256` feature,
//! ChaCha20-Poly1305 the `chacha20` feature; without them those variants do not exist.

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes128Gcm, KeyInit};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::Error;

/// The longest hash output (SHA-384).
pub const MAX_HASH_LEN: usize = 48;
/// RFC 8446 §5.3: every TLS 1.3 AEAD has a 12-byte nonce ("iv_length"), and a 16-byte tag.
pub const IV_LEN: usize = 12;
pub const TAG_LEN: usize = 16;

/// The hash of a cipher suite: the transcript hash, HKDF's and HMAC's hash (RFC 8446 §7.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HashAlgorithm {
    #[default]
    Sha256,
    #[cfg(feature = "aes256")]
    Sha384,
}

impl HashAlgorithm {
    /// Hash.length (RFC 8446 §7.1): also the length of every secret and of Finished.
    #[allow(clippy::len_without_is_empty)]
    pub const fn len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 => 32,
            #[cfg(feature = "aes256")]
            HashAlgorithm::Sha384 => 48,
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
            #[cfg(feature = "aes256")]
            HashAlgorithm::Sha384 => sha2::Sha384::digest(data).to_vec(),
        }
    }

    /// RFC 2104 HMAC with this hash. HMAC accepts keys of any length.
    pub fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        fn mac<M: Mac + KeyInit>(key: &[u8], data: &[u8], len: usize) -> Vec<u8> {
            // new_from_slice cannot fail for HMAC; should it, the output is all zeros.
            match <M as KeyInit>::new_from_slice(key) {
                Ok(mut m) => {
                    m.update(data);
                    m.finalize().into_bytes().to_vec()
                }
                Err(_) => vec![0; len],
            }
        }
        match self {
            HashAlgorithm::Sha256 => mac::<Hmac<Sha256>>(key, data, self.len()),
            #[cfg(feature = "aes256")]
            HashAlgorithm::Sha384 => mac::<Hmac<sha2::Sha384>>(key, data, self.len()),
        }
    }
}

impl core::fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            HashAlgorithm::Sha256 => "SHA-256",
            #[cfg(feature = "aes256")]
            HashAlgorithm::Sha384 => "SHA-384",
        })
    }
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// RFC 5869 HKDF-Extract.
pub fn hkdf_extract(hash: HashAlgorithm, salt: &[u8], ikm: &[u8]) -> Vec<u8> {
    hash.hmac(salt, ikm)
}

/// RFC 5869 HKDF-Expand for outputs up to 255 hash lengths.
pub fn hkdf_expand(hash: HashAlgorithm, prk: &[u8], info: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut t: Vec<u8> = Vec::new();
    let mut counter: u8 = 1;
    while out.len() < len {
        let mut input = t.clone();
        input.extend_from_slice(info);
        input.push(counter);
        t = hash.hmac(prk, &input);
        out.extend_from_slice(&t);
        counter = counter.wrapping_add(1);
    }
    out.truncate(len);
    out
}

/// RFC 8446 §7.1 `HkdfLabel`, the `info` of HKDF-Expand-Label.
pub fn hkdf_label(label: &str, context: &[u8], len: usize) -> Vec<u8> {
    let full = format!("tls13 {label}");
    let mut info = Vec::with_capacity(4 + full.len() + context.len());
    info.extend_from_slice(&u16::try_from(len).unwrap_or(0).to_be_bytes());
    info.push(u8::try_from(full.len()).unwrap_or(0));
    info.extend_from_slice(full.as_bytes());
    info.push(u8::try_from(context.len()).unwrap_or(0));
    info.extend_from_slice(context);
    info
}

/// RFC 8446 §7.1 HKDF-Expand-Label.
pub fn hkdf_expand_label(hash: HashAlgorithm, secret: &[u8], label: &str, context: &[u8], len: usize) -> Vec<u8> {
    hkdf_expand(hash, secret, &hkdf_label(label, context, len), len)
}

/// The AEAD of a cipher suite's records (RFC 8446 §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aead {
    /// RFC 5116 AEAD_AES_128_GCM.
    Aes128Gcm,
    /// RFC 5116 AEAD_AES_256_GCM.
    #[cfg(feature = "aes256")]
    Aes256Gcm,
    /// RFC 8439 AEAD_CHACHA20_POLY1305.
    #[cfg(feature = "chacha20")]
    ChaCha20Poly1305,
}

fn seal_with<C: KeyInit + AeadInOut>(
    key: &[u8],
    nonce: &[u8; IV_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, [u8; TAG_LEN]), Error> {
    let cipher = C::new_from_slice(key).map_err(|_| Error::Internal("an AEAD key of the wrong length"))?;
    let nonce = aes_gcm::aead::Nonce::<C>::try_from(&nonce[..]).map_err(|_| Error::Internal("an AEAD nonce of the wrong length"))?;
    let mut buf = plaintext.to_vec();
    let tag = cipher
        .encrypt_inout_detached(&nonce, aad, buf.as_mut_slice().into())
        .map_err(|_| Error::RecordOverflow("a record too long for the AEAD"))?;
    let tag: [u8; TAG_LEN] = tag.as_slice().try_into().map_err(|_| Error::Internal("an AEAD tag of the wrong length"))?;
    Ok((buf, tag))
}

fn open_with<C: KeyInit + AeadInOut>(
    key: &[u8],
    nonce: &[u8; IV_LEN],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>, Error> {
    let cipher = C::new_from_slice(key).map_err(|_| Error::Internal("an AEAD key of the wrong length"))?;
    let nonce = aes_gcm::aead::Nonce::<C>::try_from(&nonce[..]).map_err(|_| Error::Internal("an AEAD nonce of the wrong length"))?;
    let tag = aes_gcm::aead::Tag::<C>::try_from(tag).map_err(|_| Error::BadRecordMac)?;
    let mut buf = ciphertext.to_vec();
    cipher.decrypt_inout_detached(&nonce, aad, buf.as_mut_slice().into(), &tag).map_err(|_| Error::BadRecordMac)?;
    Ok(buf)
}

impl Aead {
    /// RFC 8446 §7.3 key_length.
    pub const fn key_len(self) -> usize {
        match self {
            Aead::Aes128Gcm => 16,
            #[cfg(feature = "aes256")]
            Aead::Aes256Gcm => 32,
            #[cfg(feature = "chacha20")]
            Aead::ChaCha20Poly1305 => 32,
        }
    }

    /// Seal: returns ciphertext and tag separately.
    pub fn seal(self, key: &[u8], nonce: &[u8; IV_LEN], aad: &[u8], plaintext: &[u8]) -> Result<(Vec<u8>, [u8; TAG_LEN]), Error> {
        match self {
            Aead::Aes128Gcm => seal_with::<Aes128Gcm>(key, nonce, aad, plaintext),
            #[cfg(feature = "aes256")]
            Aead::Aes256Gcm => seal_with::<aes_gcm::Aes256Gcm>(key, nonce, aad, plaintext),
            #[cfg(feature = "chacha20")]
            Aead::ChaCha20Poly1305 => seal_with::<chacha20poly1305::ChaCha20Poly1305>(key, nonce, aad, plaintext),
        }
    }

    /// Open; any change to ciphertext, tag, nonce or AAD gives `BadRecordMac`.
    pub fn open(self, key: &[u8], nonce: &[u8; IV_LEN], aad: &[u8], ciphertext: &[u8], tag: &[u8]) -> Result<Vec<u8>, Error> {
        match self {
            Aead::Aes128Gcm => open_with::<Aes128Gcm>(key, nonce, aad, ciphertext, tag),
            #[cfg(feature = "aes256")]
            Aead::Aes256Gcm => open_with::<aes_gcm::Aes256Gcm>(key, nonce, aad, ciphertext, tag),
            #[cfg(feature = "chacha20")]
            Aead::ChaCha20Poly1305 => open_with::<chacha20poly1305::ChaCha20Poly1305>(key, nonce, aad, ciphertext, tag),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::codec::{hex, unhex};

    #[test]
    fn hkdf_matches_rfc5869_test_case_1() {
        let ikm = [0x0b; 22];
        let salt = unhex("000102030405060708090a0b0c").unwrap();
        let info = unhex("f0f1f2f3f4f5f6f7f8f9").unwrap();
        let prk = hkdf_extract(HashAlgorithm::Sha256, &salt, &ikm);
        assert_eq!(hex(&prk), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
        let okm = hkdf_expand(HashAlgorithm::Sha256, &prk, &info, 42);
        assert_eq!(hex(&okm), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }

    #[test]
    fn aead_rejects_a_flipped_tag_bit() {
        let key = [1u8; 16];
        let nonce = [2u8; 12];
        let (ct, mut tag) = Aead::Aes128Gcm.seal(&key, &nonce, b"aad", b"hello").unwrap();
        assert_eq!(Aead::Aes128Gcm.open(&key, &nonce, b"aad", &ct, &tag).unwrap(), b"hello");
        tag[0] ^= 1;
        assert_eq!(Aead::Aes128Gcm.open(&key, &nonce, b"aad", &ct, &tag), Err(Error::BadRecordMac));
    }

    #[test]
    fn an_aead_key_of_the_wrong_length_is_an_error_not_a_panic() {
        assert!(Aead::Aes128Gcm.seal(&[0; 15], &[0; 12], b"", b"x").is_err());
        assert_eq!(Aead::Aes128Gcm.open(&[0; 32], &[0; 12], b"", b"x", &[0; 16]).map_err(|_| ()), Err(()));
    }

    /// FIPS 180-4 / FIPS 180-2 Appendix D.1: SHA-384("abc").
    #[cfg(feature = "aes256")]
    #[test]
    fn sha384_of_abc_is_the_fips_180_example() {
        assert_eq!(
            hex(&HashAlgorithm::Sha384.digest(b"abc")),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
        );
        assert_eq!(HashAlgorithm::Sha384.len(), 48);
    }

    /// RFC 4231 §4.2 test case 1: HMAC-SHA-384 with a 20-byte key of 0x0b over "Hi There".
    #[cfg(feature = "aes256")]
    #[test]
    fn hmac_sha384_matches_rfc4231_test_case_1() {
        assert_eq!(
            hex(&HashAlgorithm::Sha384.hmac(&[0x0b; 20], b"Hi There")),
            "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"
        );
    }

    /// The GCM specification (McGrew and Viega, revised 2005), test case 16: AES-256, a 96-bit
    /// IV, 60 bytes of plaintext and 20 bytes of additional data.
    #[cfg(feature = "aes256")]
    #[test]
    fn aes_256_gcm_matches_the_gcm_spec_test_case_16() {
        let key = unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308").unwrap();
        let iv: [u8; 12] = unhex("cafebabefacedbaddecaf888").unwrap().try_into().unwrap();
        let pt = unhex(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        )
        .unwrap();
        let aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2").unwrap();
        let (ct, tag) = Aead::Aes256Gcm.seal(&key, &iv, &aad, &pt).unwrap();
        assert_eq!(
            hex(&ct),
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
        );
        assert_eq!(hex(&tag), "76fc6ece0f4e1768cddf8853bb2d551b");
        assert_eq!(Aead::Aes256Gcm.open(&key, &iv, &aad, &ct, &tag).unwrap(), pt);
    }

    /// RFC 8439 §2.8.2: the AEAD_CHACHA20_POLY1305 example ("Ladies and Gentlemen of the class
    /// of '99…").
    #[cfg(feature = "chacha20")]
    #[test]
    fn chacha20_poly1305_matches_rfc8439_section_2_8_2() {
        let key = unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f").unwrap();
        let nonce: [u8; 12] = unhex("070000004041424344454647").unwrap().try_into().unwrap();
        let aad = unhex("50515253c0c1c2c3c4c5c6c7").unwrap();
        let pt = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
        let (ct, tag) = Aead::ChaCha20Poly1305.seal(&key, &nonce, &aad, pt).unwrap();
        assert_eq!(
            hex(&ct),
            concat!(
                "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58",
                "fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
            )
        );
        assert_eq!(hex(&tag), "1ae10b594f09e26a7e902ecbd0600691");
        assert_eq!(Aead::ChaCha20Poly1305.open(&key, &nonce, &aad, &ct, &tag).unwrap(), pt);
    }

    /// RFC 8446 §7.3 with §B.4: the key and IV lengths of each suite's AEAD.
    #[test]
    fn aead_key_lengths_are_those_of_rfc_5116_and_8439() {
        assert_eq!(Aead::Aes128Gcm.key_len(), 16);
        #[cfg(feature = "aes256")]
        assert_eq!(Aead::Aes256Gcm.key_len(), 32);
        #[cfg(feature = "chacha20")]
        assert_eq!(Aead::ChaCha20Poly1305.key_len(), 32);
        assert_eq!(IV_LEN, 12);
    }
}
