//! Known-answer tests from RFC 8448: the key schedule, traffic keys, Finished values and record
//! protection of §3, and the P-256 key shares and HelloRetryRequest transcript of §5. Every
//! expected value is transcribed from the RFC (tests/vectors/rfc8448.txt), none is computed here.

use std::collections::HashMap;

use p256::elliptic_curve::sec1::ToSec1Point;
use p256::SecretKey;
use tlsviz::tls::codec::{hex, unhex};
use tlsviz::tls::enums::{ContentType, HandshakeType};
use tlsviz::tls::events::{Derivation, Endpoint, Message, Output, Secret};
use tlsviz::tls::handshake::Handshake;
use tlsviz::tls::key_schedule::{verify_data, EarlySecret, TrafficKeys, TrafficSecret};
use tlsviz::tls::kx;
use tlsviz::tls::record::{Deframer, RecordCipher};
use tlsviz::tls::suite::TLS_AES_128_GCM_SHA256 as AES128;
use tlsviz::tls::transcript::Transcript;

fn vectors() -> HashMap<String, Vec<u8>> {
    include_str!("vectors/rfc8448.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.trim().to_string(), unhex(v.trim()).unwrap_or_else(|| panic!("bad hex for {k}")))
        })
        .collect()
}

fn logged(log: &[Derivation], secret: Secret) -> String {
    hex(&log.iter().find(|d| d.output == Output::Secret(secret)).unwrap_or_else(|| panic!("{secret} not derived")).value.0)
}

/// Add one of the RFC's messages to a transcript (the sender does not change the hash).
fn add(t: &mut Transcript, bytes: &[u8]) {
    t.add(Message::new(HandshakeType(bytes[0])), Endpoint::Client, bytes);
}

fn record(bytes: &[u8]) -> tlsviz::tls::record::RawRecord {
    let mut d = Deframer::default();
    d.push(bytes);
    d.next_record().unwrap().unwrap()
}

struct Section3 {
    v: HashMap<String, Vec<u8>>,
    log: Vec<Derivation>,
    client_hs: TrafficSecret,
    server_hs: TrafficSecret,
}

/// The handshake of §3 up to the handshake traffic secrets, from the RFC's ECDHE output and
/// the real ClientHello and ServerHello bytes.
fn section3() -> Section3 {
    let v = vectors();
    let mut t = Transcript::default();
    add(&mut t, &v["s3.client_hello"]);
    add(&mut t, &v["s3.server_hello"]);
    let th = t.current();
    assert_eq!(hex(&th.hash), hex(&v["s3.hash_ch_sh"]), "transcript hash of ClientHello..ServerHello");
    let mut log = Vec::new();
    let hs = EarlySecret::new(&mut log, AES128).into_handshake_secret(&mut log, &v["s3.ecdhe"]);
    let client_hs = hs.client_traffic(&mut log, &th);
    let server_hs = hs.server_traffic(&mut log, &th);
    Section3 { v, log, client_hs, server_hs }
}

#[test]
fn section3_key_schedule_matches_to_the_handshake_traffic_secrets() {
    let s = section3();
    assert_eq!(logged(&s.log, Secret::EarlySecret), hex(&s.v["s3.early_secret"]));
    assert_eq!(logged(&s.log, Secret::HandshakeSecret), hex(&s.v["s3.handshake_secret"]));
    assert_eq!(hex(&s.client_hs.secret.0), hex(&s.v["s3.c_hs_traffic"]));
    assert_eq!(hex(&s.server_hs.secret.0), hex(&s.v["s3.s_hs_traffic"]));
}

#[test]
fn section3_traffic_keys_and_ivs() {
    let s = section3();
    let mut log = Vec::new();
    let server = s.server_hs.keys(&mut log);
    let client = s.client_hs.keys(&mut log);
    assert_eq!(hex(&server.key), hex(&s.v["s3.server_hs_key"]));
    assert_eq!(hex(&server.iv), hex(&s.v["s3.server_hs_iv"]));
    assert_eq!(hex(&client.key), hex(&s.v["s3.client_hs_key"]));
    assert_eq!(hex(&client.iv), hex(&s.v["s3.client_hs_iv"]));
}

#[test]
fn section3_server_flight_decrypts_to_the_rfc_messages_and_its_finished_verifies() {
    let s = section3();
    let v = &s.v;
    let mut log = Vec::new();
    let mut cipher = RecordCipher::new(s.server_hs.keys(&mut log));
    let (typ, content, p) = cipher.open(&record(&v["s3.server_handshake_record"])).unwrap();
    assert_eq!(typ, ContentType::handshake);
    assert_eq!(p.sequence_number, 0);
    let expected: Vec<u8> = ["s3.encrypted_extensions", "s3.certificate", "s3.certificate_verify", "s3.server_finished"]
        .iter()
        .flat_map(|k| v[*k].clone())
        .collect();
    assert_eq!(hex(&content), hex(&expected));

    let mut t = Transcript::default();
    for k in ["s3.client_hello", "s3.server_hello", "s3.encrypted_extensions", "s3.certificate", "s3.certificate_verify"] {
        add(&mut t, &v[k]);
    }
    let fk = s.server_hs.finished_key(&mut log);
    assert_eq!(hex(&fk.0), hex(&v["s3.server_finished_key"]));
    assert_eq!(hex(&verify_data(&fk, &t.current())), hex(&v["s3.server_finished"][4..]));
}

#[test]
fn section3_master_and_application_secrets_client_finished_and_records() {
    let s = section3();
    let v = &s.v;
    let mut t = Transcript::default();
    for k in
        ["s3.client_hello", "s3.server_hello", "s3.encrypted_extensions", "s3.certificate", "s3.certificate_verify", "s3.server_finished"]
    {
        add(&mut t, &v[k]);
    }
    let th = t.current();
    assert_eq!(hex(&th.hash), hex(&v["s3.hash_ch_sf"]));

    // Client Finished: HMAC over the transcript through the server's Finished.
    let mut log = Vec::new();
    let vd = verify_data(&s.client_hs.finished_key(&mut log), &th);
    assert_eq!(hex(&vd), hex(&v["s3.client_finished"][4..]));
    let mut client_hs = RecordCipher::new(s.client_hs.keys(&mut log));
    let (rec, _) = client_hs.seal(ContentType::handshake, &v["s3.client_finished"], 0).unwrap();
    assert_eq!(hex(&rec), hex(&v["s3.client_finished_record"]));

    // Master secret and application traffic secrets.
    let mut log = s.log;
    let mut hs_log = Vec::new();
    let hs = EarlySecret::new(&mut hs_log, AES128).into_handshake_secret(&mut hs_log, &v["s3.ecdhe"]);
    let master = hs.into_master_secret(&mut log);
    assert_eq!(logged(&log, Secret::MasterSecret), hex(&v["s3.master_secret"]));
    let c_ap = master.client_traffic(&mut log, &th);
    let s_ap = master.server_traffic(&mut log, &th);
    assert_eq!(hex(&c_ap.secret.0), hex(&v["s3.c_ap_traffic"]));
    assert_eq!(hex(&s_ap.secret.0), hex(&v["s3.s_ap_traffic"]));

    // Application data both ways, then the client's close_notify (sequence number 1).
    let mut client_ap = RecordCipher::new(c_ap.keys(&mut log));
    let (rec, p) = client_ap.seal(ContentType::application_data, &v["s3.app_data"], 0).unwrap();
    assert_eq!(hex(&rec), hex(&v["s3.client_app_record"]));
    assert_eq!(hex(&p.nonce.0), hex(&p.iv.0), "the first record's nonce is the IV itself");
    let (rec, p) = client_ap.seal(ContentType::alert, &[1, 0], 0).unwrap();
    assert_eq!(p.sequence_number, 1);
    assert_eq!(hex(&rec), hex(&v["s3.client_close_record"]));
    // The server's first application-key record is its NewSessionTicket (sequence number 0).
    let mut server_ap = RecordCipher::new(s_ap.keys(&mut log));
    let (typ, content, _) = server_ap.open(&record(&v["s3.new_session_ticket_record"])).unwrap();
    assert_eq!(typ, ContentType::handshake);
    assert_eq!(Handshake::decode(&content).0.unwrap().typ(), HandshakeType::new_session_ticket);
    let (typ, content, p) = server_ap.open(&record(&v["s3.server_app_record"])).unwrap();
    assert_eq!(p.sequence_number, 1);
    assert_eq!((typ, hex(&content)), (ContentType::application_data, hex(&v["s3.app_data"])));
}

#[test]
fn section3_messages_decode_and_re_encode_byte_for_byte() {
    let v = vectors();
    for k in
        ["s3.client_hello", "s3.server_hello", "s3.encrypted_extensions", "s3.certificate", "s3.certificate_verify", "s3.server_finished"]
    {
        let (m, fields) = Handshake::decode(&v[k]);
        let m = m.unwrap_or_else(|e| panic!("{k}: {e}"));
        assert_eq!(hex(&m.encode()), hex(&v[k]), "{k}");
        assert_eq!(fields[0].len, v[k].len(), "{k}: annotation covers the message");
    }
}

fn p256_public(private: &[u8]) -> Vec<u8> {
    SecretKey::from_slice(private).unwrap().public_key().to_sec1_point(false).as_bytes().to_vec()
}

/// The key_share of a P-256 ServerHello or second ClientHello, found by decoding it.
fn share_in(message: &[u8]) -> Vec<u8> {
    use tlsviz::tls::extensions::Extension;
    let exts = match Handshake::decode(message).0.unwrap() {
        Handshake::ClientHello(ch) => ch.extensions,
        Handshake::ServerHello(sh) => sh.extensions,
        _ => panic!("not a hello"),
    };
    exts.into_iter()
        .find_map(|e| match e {
            Extension::KeyShareOffered(s) => s.into_iter().find(|s| s.group.0 == 0x17).map(|s| s.key_exchange),
            Extension::KeyShareChosen(s) => Some(s.key_exchange),
            _ => None,
        })
        .unwrap()
}

#[test]
fn section5_p256_key_pairs_give_the_rfc_public_keys_and_one_shared_secret() {
    let v = vectors();
    assert_eq!(hex(&p256_public(&v["s5.client_p256_private"])), hex(&share_in(&v["s5.client_hello_2"])));
    assert_eq!(hex(&p256_public(&v["s5.server_p256_private"])), hex(&share_in(&v["s5.server_hello"])));
    let c = SecretKey::from_slice(&v["s5.client_p256_private"]).unwrap();
    let s = SecretKey::from_slice(&v["s5.server_p256_private"]).unwrap();
    let server_pub = kx::parse_public(&share_in(&v["s5.server_hello"])).unwrap();
    let client_pub = kx::parse_public(&share_in(&v["s5.client_hello_2"])).unwrap();
    assert_eq!(hex(c.diffie_hellman(&server_pub).raw_secret_bytes()), hex(s.diffie_hellman(&client_pub).raw_secret_bytes()));
}

/// §4.4.1: after HelloRetryRequest the transcript starts with message_hash(ClientHello1). With
/// that rule the handshake keys open the RFC's encrypted server flight; without it they do not.
#[test]
fn section5_hello_retry_transcript_rule_opens_the_server_flight() {
    let v = vectors();
    let c = SecretKey::from_slice(&v["s5.client_p256_private"]).unwrap();
    let server_pub = kx::parse_public(&share_in(&v["s5.server_hello"])).unwrap();
    let ecdhe = c.diffie_hellman(&server_pub).raw_secret_bytes().to_vec();

    let keys_for = |with_rule: bool| -> TrafficKeys {
        let mut t = Transcript::default();
        add(&mut t, &v["s5.client_hello_1"]);
        if with_rule {
            t.replace_with_message_hash();
        }
        add(&mut t, &v["s5.hello_retry_request"]);
        add(&mut t, &v["s5.client_hello_2"]);
        add(&mut t, &v["s5.server_hello"]);
        let mut log = Vec::new();
        let hs = EarlySecret::new(&mut log, AES128).into_handshake_secret(&mut log, &ecdhe);
        hs.server_traffic(&mut log, &t.current()).keys(&mut log)
    };
    let rec = record(&v["s5.server_handshake_record"]);
    let (typ, content, _) = RecordCipher::new(keys_for(true)).open(&rec).unwrap();
    assert_eq!(typ, ContentType::handshake);
    assert!(content.starts_with(&v["s5.encrypted_extensions"]));
    assert!(content.ends_with(&v["s5.server_finished"]));
    assert!(RecordCipher::new(keys_for(false)).open(&rec).is_err());
}

#[test]
fn section5_hello_retry_request_is_recognised() {
    let v = vectors();
    match Handshake::decode(&v["s5.hello_retry_request"]).0.unwrap() {
        Handshake::ServerHello(sh) => assert!(sh.is_retry_request()),
        other => panic!("decoded as {}", other.message()),
    }
    match Handshake::decode(&v["s5.server_hello"]).0.unwrap() {
        Handshake::ServerHello(sh) => assert!(!sh.is_retry_request()),
        other => panic!("decoded as {}", other.message()),
    }
}

// ---- §4 Resumed 0-RTT Handshake -------------------------------------------------------------

#[test]
fn section3_resumption_master_secret_gives_the_section4_psk() {
    let s = section3();
    let v = &s.v;
    let mut t = Transcript::default();
    for k in [
        "s3.client_hello",
        "s3.server_hello",
        "s3.encrypted_extensions",
        "s3.certificate",
        "s3.certificate_verify",
        "s3.server_finished",
        "s3.client_finished",
    ] {
        add(&mut t, &v[k]);
    }
    assert_eq!(hex(&t.current().hash), hex(&v["s3.client_finished_hash"]));
    let mut log = Vec::new();
    let hs = EarlySecret::new(&mut log, AES128).into_handshake_secret(&mut log, &v["s3.ecdhe"]);
    let rms = hs.into_master_secret(&mut log).into_resumption(&mut log, &t.current());
    assert_eq!(logged(&log, Secret::ResumptionMaster), hex(&v["s3.res_master"]));
    // The §3 NewSessionTicket's ticket_nonce is 00 00.
    let psk = rms.ticket_psk(&mut log, 0, &[0, 0]);
    assert_eq!(hex(&psk.0), hex(&v["s4.psk"]));
}

#[test]
fn section4_early_secret_binder_key_and_binder_from_the_psk() {
    use tlsviz::tls::extensions::Extension;
    use tlsviz::tls::key_schedule::SecretBytes;
    let v = vectors();
    let mut log = Vec::new();
    let early = EarlySecret::from_psk(&mut log, AES128, &SecretBytes(v["s4.psk"].clone()));
    assert_eq!(logged(&log, Secret::EarlySecret), hex(&v["s4.early_secret"]));
    let binder_key = early.binder_key(&mut log);
    assert_eq!(logged(&log, Secret::BinderKey), hex(&v["s4.binder_key"]));
    // The ClientHello up to its binders (the last 2 + 1 + 32 bytes): its hash, and the binder.
    let ch = &v["s4.client_hello"];
    let Handshake::ClientHello(hello) = Handshake::decode(ch).0.unwrap() else { panic!("not a ClientHello") };
    let Some(Extension::PreSharedKeyOffered(offer)) = hello.extensions.last() else { panic!("pre_shared_key is not last") };
    assert_eq!(offer.binders_len(), 35);
    let mut t = Transcript::default();
    add(&mut t, &ch[..ch.len() - offer.binders_len()]);
    assert_eq!(hex(&t.current().hash), hex(&v["s4.binder_hash"]));
    assert_eq!(hex(&binder_key.binder(&mut log, &t.current())), hex(&offer.binders[0]));
    assert_eq!(hex(&offer.binders[0]), hex(&ch[ch.len() - 32..]));
}

#[test]
fn section4_early_traffic_secret_keys_and_the_0rtt_records() {
    use tlsviz::tls::key_schedule::SecretBytes;
    let v = vectors();
    let mut log = Vec::new();
    let early = EarlySecret::from_psk(&mut log, AES128, &SecretBytes(v["s4.psk"].clone()));
    let mut t = Transcript::default();
    add(&mut t, &v["s4.client_hello"]);
    let c_e = early.client_early_traffic(&mut log, &t.current());
    assert_eq!(hex(&c_e.secret.0), hex(&v["s4.c_e_traffic"]));
    assert_eq!(logged(&log, Secret::EarlyExporterMaster), hex(&v["s4.e_exp_master"]));
    let keys = c_e.keys(&mut log);
    assert_eq!((hex(&keys.key), hex(&keys.iv)), (hex(&v["s4.early_key"]), hex(&v["s4.early_iv"])));
    let mut cipher = RecordCipher::new(keys);
    let (typ, content, _) = cipher.open(&record(&v["s4.early_app_record"])).unwrap();
    assert_eq!((typ, hex(&content)), (ContentType::application_data, hex(&v["s4.early_app_data"])));
    let (typ, content, p) = cipher.open(&record(&v["s4.end_of_early_data_record"])).unwrap();
    assert_eq!((typ, p.sequence_number), (ContentType::handshake, 1));
    assert_eq!(Handshake::decode(&content).0.unwrap(), Handshake::EndOfEarlyData);
}

#[test]
fn section4_messages_decode_and_re_encode_byte_for_byte() {
    use tlsviz::tls::extensions::Extension;
    let v = vectors();
    for k in ["s4.client_hello", "s4.server_hello", "s4.encrypted_extensions"] {
        let (m, fields) = Handshake::decode(&v[k]);
        let m = m.unwrap_or_else(|e| panic!("{k}: {e}"));
        assert_eq!(hex(&m.encode()), hex(&v[k]), "{k}");
        assert_eq!(fields[0].len, v[k].len(), "{k}: annotation covers the message");
    }
    let Handshake::ServerHello(sh) = Handshake::decode(&v["s4.server_hello"]).0.unwrap() else { panic!() };
    assert!(sh.extensions.contains(&Extension::PreSharedKeySelected(0)));
    let Handshake::EncryptedExtensions(ee) = Handshake::decode(&v["s4.encrypted_extensions"]).0.unwrap() else { panic!() };
    assert!(ee.contains(&Extension::EarlyData(None)));
}

/// RFC 8448 §3's key exchange is X25519: each side's private key gives the public key in its
/// hello, and either private key with the other's public key gives the ECDHE value the key
/// schedule starts from.
#[cfg(feature = "x25519")]
#[test]
fn the_rfc_8448_x25519_key_shares_give_its_shared_secret() {
    use tlsviz::tls::kx::{x25519, X25519_BASE_POINT};
    let v = vectors();
    let key = |name: &str| -> [u8; 32] { v[name].clone().try_into().unwrap() };
    let (client, server) = (key("s3.client_x25519_private"), key("s3.server_x25519_private"));
    // The key_share entries (group 0x001d, 32 bytes) inside the two hellos.
    let share = |hello: &[u8]| -> [u8; 32] {
        let at = hello.windows(4).position(|w| w == [0x00, 0x1d, 0x00, 0x20]).expect("an x25519 key share") + 4;
        hello[at..at + 32].try_into().unwrap()
    };
    let (client_public, server_public) = (share(&v["s3.client_hello"]), share(&v["s3.server_hello"]));
    assert_eq!(x25519(client, X25519_BASE_POINT), client_public);
    assert_eq!(x25519(server, X25519_BASE_POINT), server_public);
    assert_eq!(x25519(client, server_public).to_vec(), v["s3.ecdhe"]);
    assert_eq!(x25519(server, client_public).to_vec(), v["s3.ecdhe"]);
}
