//! The primitives of TLS_AES_128_GCM_SHA256: SHA-256, HMAC, HKDF (RFC 5869 as used by RFC 8446
//! §7.1) and AES-128-GCM.

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes128Gcm, KeyInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::error::Error;

pub const HASH_LEN: usize = 32;
pub const KEY_LEN: usize = 16;
pub const IV_LEN: usize = 12;
pub const TAG_LEN: usize = 16;

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length: new_from_slice cannot fail for it.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return [0; 32],
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// RFC 5869 HKDF-Extract.
pub fn hkdf_extract(salt: &[u8], ikm: &[u8]) -> [u8; 32] {
    hmac_sha256(salt, ikm)
}

/// RFC 5869 HKDF-Expand for outputs up to 255 hash lengths.
pub fn hkdf_expand(prk: &[u8], info: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut t: Vec<u8> = Vec::new();
    let mut counter: u8 = 1;
    while out.len() < len {
        let mut input = t.clone();
        input.extend_from_slice(info);
        input.push(counter);
        t = hmac_sha256(prk, &input).to_vec();
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
pub fn hkdf_expand_label(secret: &[u8], label: &str, context: &[u8], len: usize) -> Vec<u8> {
    hkdf_expand(secret, &hkdf_label(label, context, len), len)
}

/// AES-128-GCM seal: returns ciphertext and tag separately.
pub fn aead_seal(key: &[u8; KEY_LEN], nonce: &[u8; IV_LEN], aad: &[u8], plaintext: &[u8]) -> Result<(Vec<u8>, [u8; TAG_LEN]), Error> {
    let cipher = Aes128Gcm::new(key.into());
    let mut buf = plaintext.to_vec();
    let tag = cipher
        .encrypt_inout_detached(nonce.into(), aad, buf.as_mut_slice().into())
        .map_err(|_| Error::RecordOverflow("a record too long for AES-GCM"))?;
    Ok((buf, tag.into()))
}

/// AES-128-GCM open; any change to ciphertext, tag, nonce or AAD gives `BadRecordMac`.
pub fn aead_open(key: &[u8; KEY_LEN], nonce: &[u8; IV_LEN], aad: &[u8], ciphertext: &[u8], tag: &[u8]) -> Result<Vec<u8>, Error> {
    let cipher = Aes128Gcm::new(key.into());
    let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| Error::BadRecordMac)?;
    let mut buf = ciphertext.to_vec();
    cipher.decrypt_inout_detached(nonce.into(), aad, buf.as_mut_slice().into(), (&tag).into()).map_err(|_| Error::BadRecordMac)?;
    Ok(buf)
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
        let prk = hkdf_extract(&salt, &ikm);
        assert_eq!(hex(&prk), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
        let okm = hkdf_expand(&prk, &info, 42);
        assert_eq!(hex(&okm), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }

    #[test]
    fn aead_rejects_a_flipped_tag_bit() {
        let key = [1u8; 16];
        let nonce = [2u8; 12];
        let (ct, mut tag) = aead_seal(&key, &nonce, b"aad", b"hello").unwrap();
        assert_eq!(aead_open(&key, &nonce, b"aad", &ct, &tag).unwrap(), b"hello");
        tag[0] ^= 1;
        assert_eq!(aead_open(&key, &nonce, b"aad", &ct, &tag), Err(Error::BadRecordMac));
    }
}
