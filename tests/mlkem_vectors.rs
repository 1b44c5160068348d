//! ML-KEM-768 (FIPS 203) as the engine's hybrid groups use it, against NIST's ACVP known answers
//! (tests/vectors/mlkem768_acvp.txt says which): key generation from d and z, and encapsulation with
//! a given m. The client's and the server's hybrid key exchange go through these functions.
#![cfg(feature = "mlkem")]

use std::collections::HashMap;

use tlsviz::tls::kx;

fn vectors() -> HashMap<String, Vec<u8>> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/mlkem768_acvp.txt")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (k, v) = l.split_once(" = ").unwrap();
            let bytes = (0..v.len()).step_by(2).map(|i| u8::from_str_radix(&v[i..i + 2], 16).unwrap()).collect();
            (k.to_string(), bytes)
        })
        .collect()
}

#[test]
fn a_key_pair_from_a_seed_decapsulates_what_is_encapsulated_to_it() {
    let (dk, ek) = kx::mlkem768_key_pair(&[3; 64]);
    assert_eq!(ek.len(), kx::MLKEM768_EK_LEN);
    let (ct, k) = kx::mlkem768_encapsulate(&ek, &[7; 32]).unwrap();
    assert_eq!(ct.len(), kx::MLKEM768_CT_LEN);
    assert_eq!(kx::mlkem768_decapsulate(&dk, &ct).unwrap(), k);
    // A changed ciphertext gives another key (implicit rejection, FIPS 203 §7.3), not an error.
    let mut bad = ct.clone();
    bad[0] ^= 1;
    assert_ne!(kx::mlkem768_decapsulate(&dk, &bad).unwrap(), k);
}

/// The client's key share from its seed: the engine keeps the decapsulation key as the 64-byte
/// seed d ‖ z (FIPS 203 §7.1), so the encapsulation key it sends must be ACVP's for that d and z.
#[test]
fn key_generation_from_d_and_z_gives_the_acvp_encapsulation_key() {
    let v = vectors();
    let seed: [u8; 64] = [v["keygen.d"].as_slice(), v["keygen.z"].as_slice()].concat().try_into().unwrap();
    let (_, ek) = kx::mlkem768_key_pair(&seed);
    assert_eq!(ek.len(), kx::MLKEM768_EK_LEN);
    assert_eq!(ek, v["keygen.ek"]);
    // The copy of ek is the published one: its hash is the H(ek) inside the published dk.
    use sha3::Digest;
    assert_eq!(sha3::Sha3_256::digest(&v["keygen.ek"]).to_vec(), v["keygen.h_ek"]);
}

#[test]
fn encapsulation_with_m_gives_the_acvp_ciphertext_and_shared_key() {
    let v = vectors();
    let m: [u8; 32] = v["encaps.m"].clone().try_into().unwrap();
    let (ct, k) = kx::mlkem768_encapsulate(&v["encaps.ek"], &m).unwrap();
    assert_eq!(ct, v["encaps.c"]);
    assert_eq!(k.to_vec(), v["encaps.k"]);
}

#[test]
fn an_encapsulation_key_failing_the_modulus_check_or_of_the_wrong_length_is_refused() {
    let v = vectors();
    let m = [1; 32];
    // The last coefficient of the published key raised to 0xfff (≥ q = 3329): bytes 1149..1152
    // hold the last two 12-bit coefficients of t̂ (the 32 bytes after are ρ).
    let mut ek = v["encaps.ek"].clone();
    ek[1151] = 0xff;
    ek[1150] |= 0xf0;
    assert!(kx::mlkem768_encapsulate(&ek, &m).is_err());
    assert!(kx::mlkem768_encapsulate(&v["encaps.ek"][..1183], &m).is_err());
}
