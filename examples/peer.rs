//! A command-line TLS 1.3 peer built on the engine, for checking it against other TLS stacks.
//!
//! ```text
//! peer gen-cert --hostname NAME --out DIR [--key-type p256|rsa]
//!               (ca.pem, cert.pem, key.pem; client.pem, client-key.pem)
//! peer server --listen ADDR --cert FILE --key FILE [--keylog FILE] [--once] [--max-conns N]
//!             [--read-timeout SECS] [--tickets N] [--early-data N] [--alpn LIST]
//!             [--client-ca FILE [--require-client-cert]]
//! peer client --connect ADDR --servername NAME --cafile FILE [--send TEXT] [--keylog FILE]
//!             [--resume] [--psk-ke] [--early-data TEXT] [--alpn LIST] [--cert FILE --key FILE]
//!             [--groups LIST [--key-shares LIST]]
//! peer trace [--seed N] [--scenario KEY] [--hostname NAME] [--message TEXT]... [--key-update]
//!            [--max-fragment N] [--server-key p256|rsa] [--client page|chrome|firefox|curl]
//!            [--group G] [--suite S] > trace.json
//! peer capture --out FILE [the options of peer trace]
//! ```
//!
//! `peer trace` prints the JSON trace (docs/trace-schema.md) of the run the page shows for the same
//! options, byte for byte, so a run seen on the page can be reproduced and diffed here:
//!
//! - `--seed N`: the seed of every random value (drawn from the OS when absent, and recorded);
//! - `--scenario KEY`: one of the page's scenarios (`normal`, `retry`, `tamper`, `wrong-name`,
//!   `expired`, `untrusted`, `leaf-as-ca`, `resume`, `early-data`, `replay`, `bad-binder`, the
//!   man in the middle's four, `client-cert`, `no-client-cert`, `no-alpn`, as in its address);
//! - `--hostname NAME`: the name the certificate is issued for and the client asks for;
//! - `--message TEXT`: a message the client sends after the handshake; repeat it for several, in
//!   order. Given at all, these replace the default request (the server's replies stay as they are);
//! - `--key-update`: a KeyUpdate after the messages;
//! - `--max-fragment N`: the largest record fragment, 1 to 16384 (small values split messages);
//! - `--server-key rsa`: the server holds an RSA certificate (the simulation's fixed 2048-bit test
//!   key, under the P-256 demo CAs) and signs with rsa_pss_rsae_sha256 (default `p256`);
//! - `--client NAME`: whose ClientHello the client sends (the page's menu: `page`, `chrome`,
//!   `firefox`, `curl`; see src/sim/preset.rs), and `--group G` / `--suite S` one group and one
//!   suite of the visitor's choice in place of its lists.
//!
//! `peer gen-cert --key-type rsa` makes every key 2048-bit RSA, the CA's too, signing the
//! certificates with sha256WithRSAEncryption (default `p256`: ECDSA throughout).
//!
//! `peer capture --out run.pcapng` takes the same options and writes the same run as a pcapng
//! capture (`tlsviz::sim::capture::pcapng`): TCP over IPv4 between 10.0.0.1:49152 and
//! 10.0.0.2:443, with the client's key log embedded, so `tshark -r run.pcapng` or Wireshark show
//! the handshake and the data decrypted with no other file.
//!
//! A bad value exits with status 2 and one line on stderr saying what is wrong.
//!
//! `peer server` serves connections until it is stopped (SIGINT, SIGTERM or a kill), each on a
//! thread of its own, and echoes what each client sends:
//!
//! - `--max-conns N`: at most N connections at once (default 64); further clients wait in the
//!   listen queue until one ends (they are not refused);
//! - `--read-timeout SECS`: a connection that sends nothing for this long is closed, and so is one
//!   whose handshake has not finished this long after it was accepted (default 10, fractions such
//!   as 0.5 allowed); writes to a client that reads nothing give up after the same time;
//! - `--once`: serve one connection, then exit with its outcome (0 for an orderly close);
//! - `--keylog FILE`: every connection's NSS key log lines, appended as each handshake finishes;
//! - `--tickets N`: NewSessionTickets sent after each handshake (default 0), sealed with a key made
//!   at start, each usable once (RFC 8446 §8.1);
//! - `--early-data N`: the tickets allow N bytes of 0-RTT data, which the server accepts and echoes
//!   once the handshake is done (default 0: none);
//! - `--alpn h2,http/1.1`: the application protocols it speaks (RFC 7301), most preferred first; a
//!   client that offers none of them gets no_application_protocol;
//! - `--groups x25519,secp256r1`: the key-exchange groups it accepts, most preferred first
//!   (default secp256r1), named as IANA and OpenSSL spell them: `X25519MLKEM768` and
//!   `SecP256r1MLKEM768` (the post-quantum hybrids of draft-ietf-tls-ecdhe-mlkem), `x25519`,
//!   `secp256r1`; it takes the first of them it has a key share for, a client with a key share for
//!   none gets a HelloRetryRequest for the first it supports (RFC 8446 §4.1.4), one with no group
//!   in common handshake_failure. Each connection's line says which group it used;
//! - `--suites TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256`: the cipher suites it
//!   accepts, most preferred first, named as RFC 8446 and OpenSSL name them (default: every suite
//!   this build runs, TLS_AES_128_GCM_SHA256 first); it picks its own most preferred suite among
//!   those the client offers (RFC 8446 §4.1.1), and a client with none of them gets
//!   handshake_failure;
//! - `--client-ca FILE`: ask each client for a certificate (RFC 8446 §4.3.2) from the CA in FILE
//!   (PEM), and check the chain it sends; a client without one goes on unauthenticated, unless
//!   `--require-client-cert` is given too (then: certificate_required).
//!
//! Both `server` and `client` take `--sigalgs rsa_pss_rsae_sha256,ecdsa_secp256r1_sha256`: the
//! CertificateVerify signature schemes, most preferred first, as RFC 8446 and OpenSSL's `-sigalgs`
//! name them (default: every scheme this build does). The client offers them; the server signs
//! with the first its key can do that the client offered, and answers a client with none
//! handshake_failure. Both say on stderr which scheme signed the handshake.
//!
//! `peer client --groups X25519MLKEM768,x25519 --key-shares X25519MLKEM768,x25519` offers those
//! groups and sends a key share for each group of `--key-shares` (default: for the first group
//! only), as browsers send both a hybrid and an X25519 share; it says on stderr which group the key
//! exchange used. `--alpn h2,http/1.1` offers those protocols and `--suites LIST` those cipher
//! suites, in that order (default as the server's); `--cert FILE --key FILE` (PEM: the
//! certificate chain, leaf first, and its P-256 or RSA key) is what it answers a CertificateRequest
//! with (without them, an empty Certificate). Both sides say on stderr which cipher suite and
//! which application protocol were agreed, and the server which client certificate it accepted.
//!
//! `peer client --resume` connects twice: the second connection offers the first's ticket and
//! says on stderr whether it was resumed; `--early-data TEXT` sends TEXT as 0-RTT data with it, and
//! `--psk-ke` resumes with the PSK alone (no key share).
//!
//! It prints `listening on ADDR` on stdout once it accepts connections (`--listen 127.0.0.1:0`
//! picks a free port), and one line per connection on stderr.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::process::ExitCode;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use p256::SecretKey;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tlsviz::sim::{check_message, Options, Scenario};
use tlsviz::tls::auth::{KeyType, SigningKey};
use tlsviz::tls::client::{Client, ClientCertificate, ClientConfig, Resumption};
use tlsviz::tls::conn::{Common, RecordOptions, Role};
use tlsviz::tls::enums::{CipherSuite, HandshakeType, NamedGroup, SignatureScheme};
use tlsviz::tls::error::Error;
use tlsviz::tls::events::{Event, Phase};
use tlsviz::tls::keylog;
use tlsviz::tls::record::MAX_PLAINTEXT;
use tlsviz::tls::server::{ClientAuth, Server, ServerConfig};
use tlsviz::tls::ticket::TicketKeeper;
use tlsviz::tls::x509::issue;

fn usage() -> ExitCode {
    eprintln!(
        "usage:\n  peer gen-cert --hostname NAME --out DIR [--key-type p256|rsa]\n  \
         peer server --listen ADDR --cert FILE --key FILE [--keylog FILE] [--once] [--max-conns N] [--read-timeout SECS]\n  \
         peer client --connect ADDR --servername NAME --cafile FILE [--send TEXT] [--keylog FILE] [--resume] [--psk-ke] [--early-data TEXT]\n  \
         peer trace [--seed N] [--scenario KEY] [--hostname NAME] [--message TEXT]... [--key-update] [--max-fragment N] [--client NAME] [--group G] [--suite S]\n  \
         peer capture --out FILE [the trace options]   (the run as a pcapng capture that Wireshark decrypts)\n\
         \n\
         trace options:\n  \
         --seed N          the seed of the run, 0 to 18446744073709551615 (default: fresh from the OS)\n  \
         --scenario KEY    {} (default: normal)\n  \
         --hostname NAME   the server's name (default: example.com)\n  \
         --message TEXT    a message the client sends; repeat for several (default: an HTTP request)\n  \
         --key-update      run a KeyUpdate after the messages\n  \
         --max-fragment N  the largest record fragment, 1 to 16384 (default: 16384)\n  \
         --server-key TYPE p256, or rsa: the server holds the fixed RSA test key (default: p256)\n  \
         --client NAME     whose ClientHello to send: page, chrome, firefox, curl (default: page)\n  \
         --group G         one group to offer in place of the client's list (X25519MLKEM768, SecP256r1MLKEM768, x25519, secp256r1)\n  \
         --suite S         one suite to offer in place of the client's list\n\
         \n\
         server options:\n  \
         --once               serve one connection, then exit (default: serve until stopped)\n  \
         --max-conns N        connections served at once, 1 to {MAX_CONNS_LIMIT}; more wait to be accepted (default: {DEFAULT_MAX_CONNS})\n  \
         --read-timeout SECS  close a connection silent this long, or not through its handshake (default: {})\n  \
         --tickets N          session tickets after each handshake, each usable once (default: 0)\n  \
         --early-data N       the 0-RTT data a ticket allows, in bytes (default: 0)\n  \
         --alpn LIST          application protocols, most preferred first, as h2,http/1.1 (default: none)\n  \
         --groups LIST        key-exchange groups, most preferred first, as X25519MLKEM768,x25519,secp256r1 (default: secp256r1)\n  \
         --suites LIST        cipher suites, most preferred first, as TLS_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256 (default: {suites})\n  \
         --sigalgs LIST       signature schemes, most preferred first (default: {sigalgs})\n  \
         --client-ca FILE     ask clients for a certificate from this CA (PEM)\n  \
         --require-client-cert  refuse a client without one (certificate_required)\n\
         \n\
         client options:\n  \
         --resume             connect twice, the second time with the first's ticket\n  \
         --psk-ke             resume with the PSK alone, no key share\n  \
         --early-data TEXT    send TEXT as 0-RTT data in the second connection\n  \
         --alpn LIST          application protocols to offer, as h2,http/1.1\n  \
         --groups LIST        key-exchange groups to offer, most preferred first, the key share for the first (default: secp256r1)\n  \
         --suites LIST        cipher suites to offer, most preferred first (default: {suites})\n  \
         --key-shares LIST    the groups of --groups to send key shares for at once, as X25519MLKEM768,x25519 (default: the first)\n  \
         --sigalgs LIST       signature schemes to offer, as rsa_pss_rsae_sha256,ecdsa_secp256r1_sha256 (default: {sigalgs})\n  \
         --cert FILE --key FILE  the certificate chain and key to answer a CertificateRequest with (PEM)",
        scenario_keys(),
        DEFAULT_READ_TIMEOUT.as_secs(),
        suites = suite_names(),
        sigalgs = sigalg_names(),
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else { return usage() };
    if cmd == "trace" {
        // Its own parser: `--key-update` takes no value and `--message` may be repeated.
        return match trace_options(&args[1..]) {
            Ok((opts, server_key)) => {
                let json = run_trace(&opts, server_key).to_json();
                match writeln!(std::io::stdout().lock(), "{json}") {
                    Ok(()) => ExitCode::SUCCESS,
                    // `peer trace | head` closed the pipe: nothing more to say.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(1),
                    Err(e) => {
                        eprintln!("peer trace: could not write the trace: {e}");
                        ExitCode::from(1)
                    }
                }
            }
            Err(why) => {
                eprintln!("peer trace: {why}");
                ExitCode::from(2)
            }
        };
    }
    if cmd == "capture" {
        return capture(&args[1..]);
    }
    let mut flags = HashMap::new();
    let mut it = args[1..].iter();
    while let Some(k) = it.next() {
        let Some(name) = k.strip_prefix("--") else { return usage() };
        // The one option without a value.
        if (cmd == "server" && matches!(name, "once" | "require-client-cert")) || (cmd == "client" && matches!(name, "resume" | "psk-ke")) {
            flags.insert(name.to_string(), String::new());
            continue;
        }
        let Some(v) = it.next() else { return usage() };
        flags.insert(name.to_string(), v.clone());
    }
    let get = |k: &str| flags.get(k).cloned();
    let res = match cmd.as_str() {
        "gen-cert" => match (get("hostname"), get("out"), key_type("--key-type", &get("key-type").unwrap_or_else(|| "p256".into()))) {
            (_, _, Err(why)) => {
                eprintln!("peer gen-cert: {why}");
                return ExitCode::from(2);
            }
            (Some(h), Some(o), Ok(k)) => gen_cert(&h, &o, k),
            _ => return usage(),
        },
        "server" => match (get("listen"), get("cert"), get("key"), serve_options(&flags)) {
            (_, _, _, Err(why)) => {
                eprintln!("peer server: {why}");
                return ExitCode::from(2);
            }
            (Some(l), Some(c), Some(k), Ok(opts)) => server(&l, &c, &k, get("keylog"), &opts),
            _ => return usage(),
        },
        "client" => match (get("connect"), get("servername"), get("cafile"), client_options(&flags)) {
            (_, _, _, Err(why)) => {
                eprintln!("peer client: {why}");
                return ExitCode::from(2);
            }
            (Some(a), Some(n), Some(ca), Ok(opts)) => {
                let resume = flags
                    .contains_key("resume")
                    .then(|| ResumeOptions { psk_ke: flags.contains_key("psk-ke"), early_data: get("early-data") });
                client(&a, &n, &ca, &get("send").unwrap_or_else(|| "ping".into()), get("keylog"), resume, opts)
            }
            _ => return usage(),
        },
        _ => return usage(),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

/// The page's scenario keys, for messages: `normal, retry, …`.
fn scenario_keys() -> String {
    Scenario::ALL.iter().map(Scenario::key).collect::<Vec<_>>().join(", ")
}

/// The options of `peer trace`.
const OPTIONS: [&str; 10] =
    ["--seed", "--scenario", "--hostname", "--message", "--key-update", "--max-fragment", "--server-key", "--client", "--group", "--suite"];

/// The run of `peer trace` and `peer capture`: the scenario's setup, with the server's key of
/// `server_key` (an RSA server holds the simulation's fixed RSA test key).
fn run_trace(opts: &Options, server_key: KeyType) -> tlsviz::sim::Trace {
    let mut setup = opts.scenario.setup(opts);
    setup.server_key = server_key;
    tlsviz::sim::run_with(opts, setup)
}

/// `rsa` or `p256`, as `--key-type` and `--server-key` name key types.
fn key_type(flag: &str, v: &str) -> Result<KeyType, String> {
    match v {
        "p256" => Ok(KeyType::EcdsaP256),
        "rsa" if cfg!(feature = "rsa") => Ok(KeyType::Rsa),
        "rsa" => Err(format!("{flag} rsa needs a build with the rsa feature")),
        _ => Err(format!("{flag} takes rsa or p256, not {v:?}")),
    }
}

/// The options of `peer trace` and the kind of the server's key, or one line saying what is
/// wrong with them.
fn trace_options(args: &[String]) -> Result<(Options, KeyType), String> {
    let mut opts = Options::default();
    let mut server_key = KeyType::EcdsaP256;
    let mut messages: Vec<String> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let name = arg.as_str();
        let takes_value = match name {
            "--key-update" => false,
            _ if OPTIONS.contains(&name) => true,
            _ if name.starts_with("--") => return Err(format!("unknown option {name:?}; run `peer` with no arguments for the list")),
            _ => return Err(format!("unexpected argument {name:?}: every value follows its option, as in --seed 5")),
        };
        // Repeating a single option would leave it unclear which run is meant.
        if name != "--message" {
            if seen.contains(&name) {
                return Err(format!("{name} is given more than once"));
            }
            seen.push(name);
        }
        if !takes_value {
            opts.key_update = true;
            continue;
        }
        let value = match it.next() {
            // `--hostname --key-update` is a forgotten value, not a name (message text is free).
            Some(v) if name != "--message" && OPTIONS.contains(&v.as_str()) => return Err(format!("{name} needs a value before {v}")),
            Some(v) => v,
            None => return Err(format!("{name} needs a value")),
        };
        match name {
            "--seed" => {
                opts.seed = Some(value.parse().map_err(|_| format!("--seed takes a whole number from 0 to {}, not {value:?}", u64::MAX))?)
            }
            "--scenario" => {
                opts.scenario = Scenario::from_key(value)
                    .ok_or_else(|| format!("there is no scenario {value:?}; the scenarios are {}", scenario_keys()))?
            }
            "--hostname" => {
                tlsviz::sim::check_hostname(value).map_err(|why| format!("--hostname: {why}"))?;
                opts.hostname = value.clone();
            }
            "--client" => {
                opts.client.preset = tlsviz::sim::preset::Preset::from_key(value)
                    .ok_or_else(|| format!("there is no client {value:?}; the clients are page, chrome, firefox, curl"))?
            }
            "--group" => {
                opts.client.group = Some(tlsviz::sim::preset::group_named(value).ok_or_else(|| {
                    format!("there is no group {value:?} to choose; the groups are X25519MLKEM768, SecP256r1MLKEM768, x25519, secp256r1")
                })?)
            }
            "--suite" => {
                opts.client.suite = Some(tlsviz::sim::preset::suite_named(value).ok_or_else(|| {
                    format!("there is no suite {value:?} to choose; the suites are TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256")
                })?)
            }
            "--max-fragment" => {
                let range = 1..=MAX_PLAINTEXT;
                let bad = || format!("--max-fragment takes a whole number from 1 to {MAX_PLAINTEXT}, not {value:?}");
                let n: usize = value.parse().map_err(|_| bad())?;
                if !range.contains(&n) {
                    return Err(bad());
                }
                opts.max_fragment = n;
            }
            "--server-key" => server_key = key_type("--server-key", value)?,
            _ => {
                check_message(value).map_err(|why| format!("--message #{}: {why}", messages.len() + 1))?;
                messages.push(value.clone());
            }
        }
    }
    if !messages.is_empty() {
        opts.client_messages = messages;
    }
    Ok((opts, server_key))
}

/// `peer capture`: `--out FILE` and the options of `peer trace`; the run as a pcapng capture.
fn capture(args: &[String]) -> ExitCode {
    let refuse = |why: String| {
        eprintln!("peer capture: {why}");
        ExitCode::from(2)
    };
    let mut out: Option<&String> = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg != "--out" {
            rest.push(arg.clone());
            // A message may read "--out": it is the value of --message, not this option.
            if arg == "--message" {
                rest.extend(it.next().cloned());
            }
            continue;
        }
        match it.next() {
            _ if out.is_some() => return refuse("--out is given more than once".into()),
            Some(v) if v.is_empty() || v.starts_with("--") => return refuse(format!("--out needs a file name, not {v:?}")),
            Some(v) => out = Some(v),
            None => return refuse("--out needs a file name".into()),
        }
    }
    let Some(path) = out else { return refuse("--out FILE is required: the capture is binary, not for a terminal".into()) };
    let (opts, server_key) = match trace_options(&rest) {
        Ok(o) => o,
        Err(why) => return refuse(why),
    };
    let bytes = tlsviz::sim::capture::pcapng(&run_trace(&opts, server_key));
    match std::fs::write(path, bytes) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("peer capture: could not write {path}: {e}");
            ExitCode::from(1)
        }
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)).unwrap_or(0)
}

fn os_rng() -> ChaCha20Rng {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("the OS has no randomness");
    ChaCha20Rng::from_seed(seed)
}

/// A private key as PKCS#8 (RFC 5958) PEM, as OpenSSL reads it.
fn key_pem(key: &SigningKey) -> Result<String, String> {
    let der = match key {
        SigningKey::EcdsaP256(k) => k.to_pkcs8_der().map_err(|e| e.to_string())?.as_bytes().to_vec(),
        #[cfg(feature = "rsa")]
        SigningKey::Rsa(k) => rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&**k).map_err(|e| e.to_string())?.as_bytes().to_vec(),
    };
    der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &der).map_err(|e| e.to_string())
}

/// `peer gen-cert`: a root CA, a server certificate and a client certificate, every key of
/// `key_type` (an RSA chain is RSA throughout, as most of the web's is).
fn gen_cert(hostname: &str, out: &str, key_type: KeyType) -> Result<(), String> {
    let mut rng = os_rng();
    let ca = issue::generate_ca_typed(&mut rng, now(), key_type).map_err(|e| e.to_string())?;
    let leaf_key = issue::generate_signing_key(&mut rng, key_type).map_err(|e| e.to_string())?;
    let leaf = issue::generate_leaf_for(&mut rng, &ca, hostname, now(), leaf_key).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(out).map_err(|e| format!("{out}: {e}"))?;
    let pem = |der: &[u8]| der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).map_err(|e| e.to_string());
    // A client certificate from the same CA, for mutual TLS.
    let client = issue::generate_client_typed(&mut rng, &ca, now(), key_type).map_err(|e| e.to_string())?;
    let files = [
        ("ca.pem", pem(&ca.der)?),
        ("cert.pem", pem(&leaf.der)?),
        ("key.pem", key_pem(&leaf.key)?),
        ("client.pem", pem(&client.der)?),
        ("client-key.pem", key_pem(&client.key)?),
    ];
    for (name, text) in files {
        std::fs::write(format!("{out}/{name}"), text).map_err(|e| format!("{out}/{name}: {e}"))?;
    }
    Ok(())
}

/// Every PEM block of `label` in a file.
fn pem_blocks(path: &str, label: &str) -> Result<Vec<Vec<u8>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = Vec::new();
    for part in text.split("-----BEGIN ").skip(1) {
        let block = format!("-----BEGIN {part}");
        let end = block.find("-----END ").and_then(|i| block[i..].find("\n").map(|j| i + j + 1)).unwrap_or(block.len());
        let (l, der) = der::pem::decode_vec(block[..end].trim_end().as_bytes()).map_err(|e| format!("{path}: {e}"))?;
        if l == label {
            out.push(der);
        }
    }
    Ok(out)
}

/// A P-256 key (PKCS#8 or SEC 1) or, with the rsa feature, an RSA key (PKCS#8 or PKCS#1).
fn load_key(path: &str) -> Result<SigningKey, String> {
    let p256 = |k: SecretKey| SigningKey::from(p256::ecdsa::SigningKey::from(&k));
    if let Some(der) = pem_blocks(path, "PRIVATE KEY")?.first() {
        let ec = SecretKey::from_pkcs8_der(der).map(p256);
        #[cfg(feature = "rsa")]
        let ec = ec.or_else(|_| rsa::PrivateKey::from_pkcs8_der(der).map(SigningKey::from));
        return ec.map_err(|e| format!("{path}: {e}"));
    }
    if let Some(der) = pem_blocks(path, "EC PRIVATE KEY")?.first() {
        return SecretKey::from_sec1_der(der).map(p256).map_err(|e| format!("{path}: {e}"));
    }
    #[cfg(feature = "rsa")]
    if let Some(der) = pem_blocks(path, "RSA PRIVATE KEY")?.first() {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        return rsa::PrivateKey::from_pkcs1_der(der).map(SigningKey::from).map_err(|e| format!("{path}: {e}"));
    }
    Err(format!("{path}: no P-256 or RSA private key found"))
}

/// One connection's key log lines per slice of events, all in one file.
fn write_keylog_file(path: &Option<String>, connections: &[&[Event]]) -> Result<(), String> {
    if let Some(p) = path {
        let text: String = connections.iter().flat_map(|e| keylog::lines(*e)).map(|l| format!("{l}\n")).collect();
        std::fs::write(p, text).map_err(|e| format!("{p}: {e}"))?;
    }
    Ok(())
}

/// Append one connection's key log lines to the server's file, in one write.
fn write_keylog(file: &KeyLog, events: &[Event]) -> Result<(), String> {
    let lines = keylog::lines(events);
    match file {
        Some(f) if !lines.is_empty() => {
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            let mut f = f.lock().unwrap_or_else(PoisonError::into_inner);
            f.write_all(text.as_bytes()).map_err(|e| format!("key log: {e}"))
        }
        _ => Ok(()),
    }
}

/// The alert this side sent or received, for the error message.
fn failure(events: &[Event]) -> String {
    for e in events.iter().rev() {
        match e {
            Event::Error { message, alert: Some(a) } => return format!("sent alert {a}: {message}"),
            Event::AlertReceived { description, fatal: true } => return format!("received alert {description}"),
            Event::Error { message, alert: None } => return message.clone(),
            _ => {}
        }
    }
    "the connection failed".into()
}

fn flush(sock: &mut TcpStream, common: &mut Common, events: &mut Vec<Event>) -> Result<(), String> {
    events.extend(common.take_events());
    let out = common.take_output();
    if !out.is_empty() {
        sock.write_all(&out).map_err(|e| format!("write: {e}"))?;
    }
    Ok(())
}

/// `peer server`'s limits: at most this many connections at once, and each closed after this long
/// without a byte from its client (or without a finished handshake).
const DEFAULT_MAX_CONNS: usize = 64;
const MAX_CONNS_LIMIT: usize = 4096;
const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The most a client may send before its handshake is finished. A ClientHello and a Finished take
/// a few KiB at most, even after a HelloRetryRequest; beyond this the client is cut off with a
/// handshake_failure alert.
const HANDSHAKE_INPUT_LIMIT: usize = 64 * 1024;

/// How many received bytes the engine is given at a time (see [`serve`]).
const FEED_PIECE: usize = 512;

/// How `peer server` serves.
struct ServeOptions {
    once: bool,
    max_conns: usize,
    read_timeout: Duration,
    tickets: usize,
    max_early_data: u32,
    alpn: Vec<Vec<u8>>,
    /// `--client-ca`'s file, and whether `--require-client-cert` was given.
    client_ca: Option<(String, bool)>,
    groups: Vec<NamedGroup>,
    suites: Vec<CipherSuite>,
    signature_schemes: Vec<SignatureScheme>,
}

/// The signature schemes this build signs and checks, as `--sigalgs` names them.
fn sigalg_names() -> String {
    tlsviz::tls::auth::SUPPORTED.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(",")
}

/// `--sigalgs rsa_pss_rsae_sha256,ecdsa_secp256r1_sha256`: the CertificateVerify signature
/// schemes, most preferred first, by their RFC 8446 names (OpenSSL's `-sigalgs` spelling);
/// default: every scheme this build does. rsa_pkcs1_* is not among them (RFC 8446 §4.2.3).
fn sigalg_list(flags: &HashMap<String, String>) -> Result<Vec<SignatureScheme>, String> {
    let Some(v) = flags.get("sigalgs") else { return Ok(tlsviz::tls::auth::SUPPORTED.to_vec()) };
    let mut out = Vec::new();
    for name in v.split(',') {
        let Some(s) = tlsviz::tls::auth::SUPPORTED.iter().copied().find(|s| s.to_string() == name) else {
            return Err(format!("--sigalgs: no signature scheme {name:?}; this build does {}", sigalg_names()));
        };
        if out.contains(&s) {
            return Err(format!("--sigalgs: {name} is listed twice"));
        }
        out.push(s);
    }
    Ok(out)
}

/// `--groups X25519MLKEM768,x25519,secp256r1`: the key-exchange groups, most preferred first
/// (default: secp256r1; the client sends its key share for the first unless `--key-shares` says).
fn group_list(flags: &HashMap<String, String>) -> Result<Vec<NamedGroup>, String> {
    match flags.get("groups") {
        None => Ok(vec![NamedGroup::secp256r1]),
        Some(v) => parse_groups("--groups", v),
    }
}

/// A comma-separated list of group names as IANA spells them (`X25519MLKEM768`, `x25519`), each
/// one this build can do, none twice.
fn parse_groups(flag: &str, v: &str) -> Result<Vec<NamedGroup>, String> {
    let known = || tlsviz::tls::kx::SUPPORTED.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(", ");
    let mut out = Vec::new();
    for name in v.split(',') {
        let Some(g) = tlsviz::tls::kx::SUPPORTED.iter().find(|g| g.to_string() == name) else {
            return Err(format!("{flag}: no group {name:?}; this build knows {}", known()));
        };
        if out.contains(g) {
            return Err(format!("{flag}: {name} is listed twice"));
        }
        out.push(*g);
    }
    Ok(out)
}

/// The suites this build runs, as `--suites` names them.
fn suite_names() -> String {
    tlsviz::tls::suite::all().iter().map(|s| s.to_string()).collect::<Vec<_>>().join(",")
}

/// `--suites TLS_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256`: the cipher suites, most preferred
/// first, by their RFC 8446 names (OpenSSL's `-ciphersuites` spelling); default: every suite this
/// build runs, in the engine's order.
fn suite_list(flags: &HashMap<String, String>) -> Result<Vec<CipherSuite>, String> {
    let Some(v) = flags.get("suites") else { return Ok(tlsviz::tls::suite::all()) };
    let mut out = Vec::new();
    for name in v.split(',') {
        let Some(s) = tlsviz::tls::suite::all().into_iter().find(|s| s.to_string() == name) else {
            return Err(format!("--suites: no cipher suite {name:?}; this build runs {}", suite_names()));
        };
        if out.contains(&s) {
            return Err(format!("--suites: {name} is listed twice"));
        }
        out.push(s);
    }
    Ok(out)
}

/// `--key-shares X25519MLKEM768,x25519`: the groups of `--groups` the client sends a key share for
/// at once, in this order (default: the first of `--groups`).
fn key_share_list(flags: &HashMap<String, String>, groups: &[NamedGroup]) -> Result<Vec<NamedGroup>, String> {
    let Some(v) = flags.get("key-shares") else { return Ok(Vec::new()) };
    let shares = parse_groups("--key-shares", v)?;
    if let Some(g) = shares.iter().find(|g| !groups.contains(g)) {
        return Err(format!("--key-shares: {g} is not in --groups"));
    }
    Ok(shares)
}

/// `--alpn h2,http/1.1`: protocol names of 1 to 255 bytes (RFC 7301 §3.1), most preferred first.
fn alpn_list(flags: &HashMap<String, String>) -> Result<Vec<Vec<u8>>, String> {
    let Some(v) = flags.get("alpn") else { return Ok(Vec::new()) };
    let names: Vec<Vec<u8>> = v.split(',').map(|p| p.as_bytes().to_vec()).collect();
    if names.iter().any(|p| p.is_empty() || p.len() > 255) {
        return Err(format!("--alpn takes protocol names of 1 to 255 bytes separated by commas, as h2,http/1.1, not {v:?}"));
    }
    Ok(names)
}

/// What `peer client` offers beyond a plain connection.
struct ClientOptions {
    groups: Vec<NamedGroup>,
    suites: Vec<CipherSuite>,
    key_shares: Vec<NamedGroup>,
    signature_schemes: Vec<SignatureScheme>,
    alpn: Vec<Vec<u8>>,
    certificate: Option<ClientCertificate>,
}

fn client_options(flags: &HashMap<String, String>) -> Result<ClientOptions, String> {
    let alpn = alpn_list(flags)?;
    let certificate = match (flags.get("cert"), flags.get("key")) {
        (None, None) => None,
        (Some(c), Some(k)) => {
            let chain = pem_blocks(c, "CERTIFICATE")?;
            if chain.is_empty() {
                return Err(format!("{c}: no certificate found"));
            }
            Some(ClientCertificate { chain, key: load_key(k)? })
        }
        _ => return Err("--cert and --key go together".into()),
    };
    let groups = group_list(flags)?;
    let key_shares = key_share_list(flags, &groups)?;
    Ok(ClientOptions { groups, key_shares, suites: suite_list(flags)?, signature_schemes: sigalg_list(flags)?, alpn, certificate })
}

fn serve_options(flags: &HashMap<String, String>) -> Result<ServeOptions, String> {
    let max_conns = match flags.get("max-conns") {
        None => DEFAULT_MAX_CONNS,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_CONNS_LIMIT).contains(&n) => n,
            _ => return Err(format!("--max-conns takes a whole number from 1 to {MAX_CONNS_LIMIT}, not {v:?}")),
        },
    };
    let read_timeout = match flags.get("read-timeout") {
        None => DEFAULT_READ_TIMEOUT,
        Some(v) => match v.parse::<f64>() {
            Ok(secs) if (0.001..=86_400.0).contains(&secs) => Duration::from_secs_f64(secs),
            _ => return Err(format!("--read-timeout takes seconds from 0.001 to 86400, not {v:?}")),
        },
    };
    let number = |name: &str, max: u32| -> Result<u32, String> {
        match flags.get(name) {
            None => Ok(0),
            Some(v) => {
                v.parse::<u32>().ok().filter(|n| *n <= max).ok_or(format!("--{name} takes a whole number from 0 to {max}, not {v:?}"))
            }
        }
    };
    let tickets = number("tickets", 16)? as usize;
    let max_early_data = number("early-data", 1 << 24)?;
    let alpn = alpn_list(flags)?;
    let required = flags.contains_key("require-client-cert");
    let client_ca = match flags.get("client-ca") {
        Some(f) => Some((f.clone(), required)),
        None if required => return Err("--require-client-cert needs --client-ca FILE: the CA client certificates must come from".into()),
        None => None,
    };
    let groups = group_list(flags)?;
    let suites = suite_list(flags)?;
    let signature_schemes = sigalg_list(flags)?;
    Ok(ServeOptions {
        once: flags.contains_key("once"),
        max_conns,
        read_timeout,
        tickets,
        max_early_data,
        alpn,
        client_ca,
        groups,
        suites,
        signature_schemes,
    })
}

/// Counts the connections being served; [`Slots::acquire`] waits while all are taken.
struct Slots {
    busy: Mutex<usize>,
    freed: Condvar,
    max: usize,
}

/// One connection's slot, given back when its thread ends, however it ends.
struct Slot(Arc<Slots>);

impl Slots {
    fn acquire(self: &Arc<Self>) -> Slot {
        let mut busy = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
        while *busy >= self.max {
            busy = self.freed.wait(busy).unwrap_or_else(PoisonError::into_inner);
        }
        *busy += 1;
        Slot(Arc::clone(self))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *self.0.busy.lock().unwrap_or_else(PoisonError::into_inner) -= 1;
        self.0.freed.notify_one();
    }
}

/// The key log file, shared by every connection: each appends its lines in one write.
type KeyLog = Option<Arc<Mutex<std::fs::File>>>;

fn server(listen: &str, cert_path: &str, key_path: &str, keylog_path: Option<String>, opts: &ServeOptions) -> Result<(), String> {
    let chain = pem_blocks(cert_path, "CERTIFICATE")?;
    if chain.is_empty() {
        return Err(format!("{cert_path}: no certificate found"));
    }
    let key = load_key(key_path)?;
    let client_auth = match &opts.client_ca {
        Some((path, required)) => {
            let anchor = pem_blocks(path, "CERTIFICATE")?.into_iter().next().ok_or(format!("{path}: no certificate found"))?;
            Some(ClientAuth { trust_anchor: anchor, required: *required, now: now() })
        }
        None => None,
    };
    let config = Arc::new(ServerConfig {
        chain,
        key,
        alpn: opts.alpn.clone(),
        tickets: opts.tickets,
        records: RecordOptions::default(),
        groups: opts.groups.clone(),
        suites: opts.suites.clone(),
        client_auth,
        signature_schemes: opts.signature_schemes.clone(),
    });
    // One ticket key for the server's life, known to nobody else; tickets live 2 hours.
    let mut key = [0u8; 16];
    getrandom::fill(&mut key).map_err(|e| format!("no randomness for the ticket key: {e}"))?;
    let tickets = Arc::new(Mutex::new(TicketKeeper::new(key, 7200, opts.max_early_data)));
    let keylog: KeyLog = match &keylog_path {
        Some(p) => Some(Arc::new(Mutex::new(std::fs::File::create(p).map_err(|e| format!("{p}: {e}"))?))),
        None => None,
    };
    let listener = TcpListener::bind(listen).map_err(|e| format!("{listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| format!("{listen}: {e}"))?;
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {addr}");
        let _ = out.flush();
    }
    if opts.once {
        let (sock, peer) = listener.accept().map_err(|e| format!("accept: {e}"))?;
        let how = serve(sock, &config, &tickets, opts.read_timeout, &keylog).map_err(|e| format!("{peer}: {e}"))?;
        eprintln!("peer server: {peer}: {how}");
        return Ok(());
    }
    let slots = Arc::new(Slots { busy: Mutex::new(0), freed: Condvar::new(), max: opts.max_conns });
    loop {
        // Beyond the limit, new clients wait in the kernel's listen queue until a slot frees.
        let slot = slots.acquire();
        let (sock, peer) = match listener.accept() {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors, say, or a client gone before it was accepted: the
                // server goes on; the pause keeps a persistent error from spinning.
                eprintln!("peer server: accept: {e}");
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let (config, keylog, timeout, tickets) = (Arc::clone(&config), keylog.clone(), opts.read_timeout, Arc::clone(&tickets));
        let spawned = std::thread::Builder::new().name(format!("conn {peer}")).spawn(move || {
            let _slot = slot;
            // A panic would be a bug in the engine; it ends this connection only (where panics
            // unwind: the release profile aborts, see the README).
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| serve(sock, &config, &tickets, timeout, &keylog)));
            match outcome {
                Ok(Ok(how)) => eprintln!("peer server: {peer}: {how}"),
                Ok(Err(e)) => eprintln!("peer server: {peer}: {e}"),
                Err(_) => eprintln!("peer server: {peer}: the connection's thread panicked"),
            }
        });
        if let Err(e) = spawned {
            // The connection (and its slot) went with the closure: it is closed, the server goes on.
            eprintln!("peer server: {peer}: no thread for the connection: {e}");
        }
    }
}

/// What a connection keeps of its events: the key log's (the ClientHello and the secrets, all
/// before the handshake ends) and the last failure. Nothing grows with the traffic after the
/// handshake, however long the connection lasts.
struct Kept {
    /// Whether the key log is wanted at all.
    keylog_wanted: bool,
    keylog: Vec<Event>,
    failure: Vec<Event>,
    /// The group of the key exchange, once it is done.
    group: Option<NamedGroup>,
}

impl Kept {
    fn add(&mut self, events: Vec<Event>, handshaking: bool) {
        let hello = |m: &Option<tlsviz::tls::events::Message>| m.is_some_and(|m| m.typ == HandshakeType::client_hello);
        for e in events {
            match e {
                Event::HandshakeReceived { ref message, .. } if self.keylog_wanted && handshaking && hello(message) => self.keylog.push(e),
                Event::Derived(_) if self.keylog_wanted && handshaking => self.keylog.push(e),
                Event::Error { .. } | Event::AlertReceived { fatal: true, .. } => self.failure = vec![e],
                Event::SharedSecret { group, .. } => self.group = Some(group),
                _ => {}
            }
        }
    }
}

/// Serve one connection: handshake, echo every application data record, answer close_notify.
/// Ok says how it ended well; the error says how it ended otherwise.
fn serve(
    mut sock: TcpStream,
    config: &ServerConfig,
    tickets: &Arc<Mutex<TicketKeeper>>,
    timeout: Duration,
    keylog: &KeyLog,
) -> Result<String, String> {
    let accepted = Instant::now();
    sock.set_write_timeout(Some(timeout)).map_err(|e| format!("socket: {e}"))?;
    let mut s = Server::new(config.clone(), os_rng()).with_tickets(Arc::clone(tickets), now_ms());
    // 0-RTT data arrives before the handshake is done: it is echoed once it is.
    let mut early: Vec<Vec<u8>> = Vec::new();
    let mut kept = Kept { keylog_wanted: keylog.is_some(), keylog: Vec::new(), failure: Vec::new(), group: None };
    let mut logged = false;
    let mut received_in_handshake = 0;
    // Each read takes at most one full-size record's worth of bytes: a flood comes in bounded pieces.
    let mut buf = vec![0u8; MAX_PLAINTEXT + 256 + 5];
    let result = loop {
        let handshaking = !matches!(s.phase(), Phase::Connected | Phase::Closed);
        // The handshake must finish within the timeout, however slowly its bytes trickle in.
        let wait = if handshaking { timeout.saturating_sub(accepted.elapsed()) } else { timeout };
        if wait.is_zero() {
            break Err(format!("no finished handshake after {:.1} s", timeout.as_secs_f64()));
        }
        sock.set_read_timeout(Some(wait)).map_err(|e| format!("socket: {e}"))?;
        let n = match sock.read(&mut buf) {
            Ok(n) => n,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                break Err(format!("nothing received for {:.1} s", wait.as_secs_f64()));
            }
            Err(e) => break Err(format!("read: {e}")),
        };
        if n == 0 {
            break Ok(());
        }
        if handshaking {
            received_in_handshake += n;
            if received_in_handshake > HANDSHAKE_INPUT_LIMIT {
                // Nothing else bounds what the engine buffers of one handshake message.
                s.common.fail(&Error::HandshakeFailure("over 64 KiB received before the handshake finished"));
            }
        }
        // The engine keeps an event for every record until its events are taken: fed a small
        // piece at a time, it holds the events of a few dozen records at most, not a whole
        // read's worth of tiny ones.
        for piece in buf[..n].chunks(FEED_PIECE) {
            if !s.common.is_active() {
                break;
            }
            for data in s.receive(piece) {
                // Echo every application data record back.
                if s.phase() == Phase::Connected {
                    let _ = s.send(&data);
                } else {
                    early.push(data);
                }
            }
            if s.phase() == Phase::Connected {
                for data in early.drain(..) {
                    let _ = s.send(&data);
                }
            }
            kept.add(s.common.take_events(), handshaking);
        }
        if s.common.received_close {
            s.close();
        }
        kept.add(s.common.take_events(), handshaking);
        let out = s.common.take_output();
        if !out.is_empty() {
            if let Err(e) = sock.write_all(&out) {
                break Err(format!("write: {e}"));
            }
        }
        let in_handshake = matches!(
            s.phase(),
            Phase::ExpectClientHello
                | Phase::ExpectEndOfEarlyData
                | Phase::ExpectClientCertificate
                | Phase::ExpectClientCertificateVerify
                | Phase::ExpectClientFinished
        );
        if !logged && !in_handshake {
            logged = true;
            write_keylog(keylog, &kept.keylog)?;
            kept.keylog = Vec::new();
        }
        if matches!(s.phase(), Phase::Failed | Phase::Closed) {
            break Ok(());
        }
    };
    result?;
    match s.phase() {
        Phase::Failed => Err(failure(&kept.failure)),
        Phase::Closed => Ok(closed(&s, kept.group)),
        _ if s.common.received_close => Ok(closed(&s, kept.group)),
        _ => Err("the client went away without close_notify".into()),
    }
}

/// How a connection that closed in order went: the cipher suite, the key exchange's group, what
/// ALPN agreed and who the client proved to be.
fn closed(s: &Server, group: Option<NamedGroup>) -> String {
    let mut how = "closed".to_string();
    if let Some(suite) = s.suite {
        how += &format!("; cipher suite: {suite}");
    }
    if let Some(g) = group {
        how += &format!("; key exchange: {g}");
    }
    if let Some(scheme) = s.signature_scheme {
        how += &format!("; signature scheme: {scheme}");
    }
    if let Some(p) = &s.alpn {
        how += &format!("; application protocol: {}", String::from_utf8_lossy(p));
    }
    if let Some(leaf) = s.client_chain.as_ref().and_then(|c| c.first()) {
        let subject = tlsviz::tls::x509::describe::describe(leaf).map_or_else(|_| "?".into(), |i| i.subject);
        how += &format!("; client certificate: {subject}");
    }
    how
}

/// What `peer client --resume` does in its second connection.
struct ResumeOptions {
    psk_ke: bool,
    early_data: Option<String>,
}

fn client(
    addr: &str,
    name: &str,
    cafile: &str,
    text: &str,
    keylog_path: Option<String>,
    resume: Option<ResumeOptions>,
    opts: ClientOptions,
) -> Result<(), String> {
    let anchor = pem_blocks(cafile, "CERTIFICATE")?.into_iter().next().ok_or(format!("{cafile}: no certificate"))?;
    let config = || ClientConfig {
        server_name: name.into(),
        trust_anchor: anchor.clone(),
        now: now(),
        alpn: opts.alpn.clone(),
        initial_key_share: true,
        records: RecordOptions::default(),
        groups: opts.groups.clone(),
        suites: opts.suites.clone(),
        key_shares: opts.key_shares.clone(),
        certificate: opts.certificate.clone(),
        signature_schemes: opts.signature_schemes.clone(),
    };
    let (mut c, events, outcome) = connect(addr, Client::new(config(), os_rng()), text);
    let Some(resume) = resume else {
        write_keylog_file(&keylog_path, &[&events])?;
        return outcome;
    };
    if let Err(e) = outcome {
        write_keylog_file(&keylog_path, &[&events])?;
        return Err(e);
    }
    if c.tickets.is_empty() {
        write_keylog_file(&keylog_path, &[&events])?;
        return Err("the server sent no session ticket: nothing to resume with".into());
    }
    let ticket = c.tickets.remove(0);
    let r = Resumption { ticket, psk_ke: resume.psk_ke, early_data: resume.early_data.map(String::into_bytes) };
    let (_, events2, outcome2) = connect(addr, Client::new(config(), os_rng()).resume(r), text);
    write_keylog_file(&keylog_path, &[&events, &events2])?;
    let resumed = events2.iter().find_map(|e| match e {
        Event::Resumed { mode, .. } => Some(mode.to_string()),
        _ => None,
    });
    match resumed {
        Some(mode) => eprintln!("second connection: resumed ({mode})"),
        None => eprintln!("second connection: not resumed (full handshake)"),
    }
    for e in &events2 {
        match e {
            Event::EarlyDataAccepted { .. } => eprintln!("early data: accepted"),
            Event::EarlyDataRejected { .. } => eprintln!("early data: rejected"),
            _ => {}
        }
    }
    outcome2
}

/// One connection: handshake, `text` sent, the answer printed, close. Returns the client (its
/// tickets), its events and how it went.
fn connect(addr: &str, mut c: Client, text: &str) -> (Client, Vec<Event>, Result<(), String>) {
    let mut events = Vec::new();
    let r = run_client(addr, &mut c, text, &mut events);
    if let Some(suite) = c.suite {
        eprintln!("cipher suite: {suite}");
    }
    if let Some(g) = events.iter().find_map(|e| if let Event::SharedSecret { group, .. } = e { Some(*group) } else { None }) {
        eprintln!("key exchange: {g}");
    }
    if let Some(scheme) = c.signature_scheme {
        eprintln!("signature scheme: {scheme}");
    }
    if let Some(p) = &c.alpn {
        eprintln!("application protocol: {}", String::from_utf8_lossy(p));
    }
    (c, events, r)
}

fn run_client(addr: &str, c: &mut Client, text: &str, events: &mut Vec<Event>) -> Result<(), String> {
    let mut sock = TcpStream::connect(addr).map_err(|e| format!("{addr}: {e}"))?;
    sock.set_read_timeout(Some(Duration::from_millis(100))).map_err(|e| e.to_string())?;
    c.start();
    flush(&mut sock, &mut c.common, events)?;
    let mut sent_at: Option<Instant> = None;
    let started = Instant::now();
    let mut buf = vec![0u8; 65536];
    let stdout = std::io::stdout();
    loop {
        match sock.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                for data in c.receive(&buf[..n]) {
                    let mut out = stdout.lock();
                    let _ = out.write_all(&data);
                    let _ = out.flush();
                }
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(e) => return Err(format!("read: {e}")),
        }
        if c.phase() == Phase::Connected && sent_at.is_none() {
            c.send(text.as_bytes()).map_err(|e| e.to_string())?;
            sent_at = Some(Instant::now());
        }
        flush(&mut sock, &mut c.common, events)?;
        if matches!(c.phase(), Phase::Failed | Phase::Closed) || c.common.received_close {
            break;
        }
        if sent_at.is_some_and(|t| t.elapsed() > Duration::from_secs(2)) {
            break;
        }
        if sent_at.is_none() && started.elapsed() > Duration::from_secs(10) {
            return Err("timed out waiting for the handshake".into());
        }
    }
    if c.phase() == Phase::Failed {
        return Err(failure(events));
    }
    c.close();
    let _ = flush(&mut sock, &mut c.common, events);
    if sent_at.is_none() {
        return Err("the handshake did not complete".into());
    }
    Ok(())
}
