//! A command-line TLS 1.3 peer built on the engine, for checking it against other TLS stacks.
//!
//! ```text
//! peer gen-cert --hostname NAME --out DIR
//! peer server --listen ADDR --cert FILE --key FILE [--keylog FILE]
//! peer client --connect ADDR --servername NAME --cafile FILE [--send TEXT] [--keylog FILE]
//! peer trace [--seed N] [--scenario KEY] [--hostname NAME] [--message TEXT]... [--key-update]
//!            [--max-fragment N] > trace.json
//! peer capture --out FILE [the options of peer trace]
//! ```
//!
//! `peer trace` prints the JSON trace (docs/trace-schema.md) of the run the page shows for the same
//! options, byte for byte, so a run seen on the page can be reproduced and diffed here:
//!
//! - `--seed N`: the seed of every random value (drawn from the OS when absent, and recorded);
//! - `--scenario KEY`: one of the page's scenarios (`normal`, `retry`, `tamper`, `wrong-name`,
//!   `expired`, `untrusted`, as in its address);
//! - `--hostname NAME`: the name the certificate is issued for and the client asks for;
//! - `--message TEXT`: a message the client sends after the handshake; repeat it for several, in
//!   order. Given at all, these replace the default request (the server's replies stay as they are);
//! - `--key-update`: a KeyUpdate after the messages;
//! - `--max-fragment N`: the largest record fragment, 1 to 16384 (small values split messages).
//!
//! `peer capture --out run.pcapng` takes the same options and writes the same run as a pcapng
//! capture (`tlsviz::sim::capture::pcapng`): TCP over IPv4 between 10.0.0.1:49152 and
//! 10.0.0.2:443, with the client's key log embedded, so `tshark -r run.pcapng` or Wireshark show
//! the handshake and the data decrypted with no other file.
//!
//! A bad value exits with status 2 and one line on stderr saying what is wrong.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use p256::ecdsa::SigningKey;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use p256::SecretKey;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tlsviz::sim::{check_message, Options, Scenario};
use tlsviz::tls::client::{Client, ClientConfig};
use tlsviz::tls::conn::{Common, RecordOptions, Role};
use tlsviz::tls::events::{Event, Phase};
use tlsviz::tls::keylog;
use tlsviz::tls::record::MAX_PLAINTEXT;
use tlsviz::tls::server::{Server, ServerConfig};
use tlsviz::tls::x509::issue;

fn usage() -> ExitCode {
    eprintln!(
        "usage:\n  peer gen-cert --hostname NAME --out DIR\n  peer server --listen ADDR --cert FILE --key FILE [--keylog FILE]\n  \
         peer client --connect ADDR --servername NAME --cafile FILE [--send TEXT] [--keylog FILE]\n  \
         peer trace [--seed N] [--scenario KEY] [--hostname NAME] [--message TEXT]... [--key-update] [--max-fragment N]\n  \
         peer capture --out FILE [the trace options]   (the run as a pcapng capture that Wireshark decrypts)\n\
         \n\
         trace options:\n  \
         --seed N          the seed of the run, 0 to 18446744073709551615 (default: fresh from the OS)\n  \
         --scenario KEY    {} (default: normal)\n  \
         --hostname NAME   the server's name (default: example.com)\n  \
         --message TEXT    a message the client sends; repeat for several (default: an HTTP request)\n  \
         --key-update      run a KeyUpdate after the messages\n  \
         --max-fragment N  the largest record fragment, 1 to 16384 (default: 16384)",
        scenario_keys()
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else { return usage() };
    if cmd == "trace" {
        // Its own parser: `--key-update` takes no value and `--message` may be repeated.
        return match trace_options(&args[1..]) {
            Ok(opts) => {
                let json = tlsviz::sim::run(&opts).to_json();
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
        let Some(v) = it.next() else { return usage() };
        flags.insert(name.to_string(), v.clone());
    }
    let get = |k: &str| flags.get(k).cloned();
    let res = match cmd.as_str() {
        "gen-cert" => match (get("hostname"), get("out")) {
            (Some(h), Some(o)) => gen_cert(&h, &o),
            _ => return usage(),
        },
        "server" => match (get("listen"), get("cert"), get("key")) {
            (Some(l), Some(c), Some(k)) => server(&l, &c, &k, get("keylog")),
            _ => return usage(),
        },
        "client" => match (get("connect"), get("servername"), get("cafile")) {
            (Some(a), Some(n), Some(ca)) => client(&a, &n, &ca, &get("send").unwrap_or_else(|| "ping".into()), get("keylog")),
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
const OPTIONS: [&str; 6] = ["--seed", "--scenario", "--hostname", "--message", "--key-update", "--max-fragment"];

/// The options of `peer trace`, or one line saying what is wrong with them.
fn trace_options(args: &[String]) -> Result<Options, String> {
    let mut opts = Options::default();
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
            "--max-fragment" => {
                let range = 1..=MAX_PLAINTEXT;
                let bad = || format!("--max-fragment takes a whole number from 1 to {MAX_PLAINTEXT}, not {value:?}");
                let n: usize = value.parse().map_err(|_| bad())?;
                if !range.contains(&n) {
                    return Err(bad());
                }
                opts.max_fragment = n;
            }
            _ => {
                check_message(value).map_err(|why| format!("--message #{}: {why}", messages.len() + 1))?;
                messages.push(value.clone());
            }
        }
    }
    if !messages.is_empty() {
        opts.client_messages = messages;
    }
    Ok(opts)
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
    let opts = match trace_options(&rest) {
        Ok(opts) => opts,
        Err(why) => return refuse(why),
    };
    let bytes = tlsviz::sim::capture::pcapng(&tlsviz::sim::run(&opts));
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

fn os_rng() -> ChaCha20Rng {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("the OS has no randomness");
    ChaCha20Rng::from_seed(seed)
}

fn gen_cert(hostname: &str, out: &str) -> Result<(), String> {
    let mut rng = os_rng();
    let ca = issue::generate_ca(&mut rng, now()).map_err(|e| e.to_string())?;
    let leaf = issue::generate_leaf(&mut rng, &ca, hostname, now()).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(out).map_err(|e| format!("{out}: {e}"))?;
    let pem = |der: &[u8]| der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).map_err(|e| e.to_string());
    let key = leaf.key.to_pkcs8_pem(LineEnding::LF).map_err(|e| e.to_string())?;
    for (name, text) in [("ca.pem", pem(&ca.der)?), ("cert.pem", pem(&leaf.der)?), ("key.pem", key.to_string())] {
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

fn load_key(path: &str) -> Result<SigningKey, String> {
    if let Some(der) = pem_blocks(path, "PRIVATE KEY")?.first() {
        return SecretKey::from_pkcs8_der(der).map(|k| SigningKey::from(&k)).map_err(|e| format!("{path}: {e}"));
    }
    if let Some(der) = pem_blocks(path, "EC PRIVATE KEY")?.first() {
        return SecretKey::from_sec1_der(der).map(|k| SigningKey::from(&k)).map_err(|e| format!("{path}: {e}"));
    }
    Err(format!("{path}: no P-256 private key found"))
}

fn write_keylog(path: &Option<String>, events: &[Event]) -> Result<(), String> {
    if let Some(p) = path {
        let mut text = keylog::lines(events).join("\n");
        text.push('\n');
        std::fs::write(p, text).map_err(|e| format!("{p}: {e}"))?;
    }
    Ok(())
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

fn server(listen: &str, cert_path: &str, key_path: &str, keylog_path: Option<String>) -> Result<(), String> {
    let chain = pem_blocks(cert_path, "CERTIFICATE")?;
    if chain.is_empty() {
        return Err(format!("{cert_path}: no certificate found"));
    }
    let key = load_key(key_path)?;
    let listener = TcpListener::bind(listen).map_err(|e| format!("{listen}: {e}"))?;
    let (mut sock, _) = listener.accept().map_err(|e| format!("accept: {e}"))?;
    let config = ServerConfig { chain, key, alpn: vec![], tickets: 0, records: RecordOptions::default() };
    let mut s = Server::new(config, os_rng());
    let mut events = Vec::new();
    let mut buf = vec![0u8; 65536];
    loop {
        let n = sock.read(&mut buf).map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            break;
        }
        for data in s.receive(&buf[..n]) {
            // Echo every application data record back.
            let _ = s.send(&data);
        }
        if s.common.received_close {
            s.close();
        }
        flush(&mut sock, &mut s.common, &mut events)?;
        if matches!(s.phase(), Phase::Failed | Phase::Closed) {
            break;
        }
    }
    write_keylog(&keylog_path, &events)?;
    match s.phase() {
        Phase::Failed => Err(failure(&events)),
        Phase::Closed => Ok(()),
        _ if s.common.received_close => Ok(()),
        _ => Err("the client went away without close_notify".into()),
    }
}

fn client(addr: &str, name: &str, cafile: &str, text: &str, keylog_path: Option<String>) -> Result<(), String> {
    let anchor = pem_blocks(cafile, "CERTIFICATE")?.into_iter().next().ok_or(format!("{cafile}: no certificate"))?;
    let mut sock = TcpStream::connect(addr).map_err(|e| format!("{addr}: {e}"))?;
    sock.set_read_timeout(Some(Duration::from_millis(100))).map_err(|e| e.to_string())?;
    let config = ClientConfig {
        server_name: name.into(),
        trust_anchor: anchor,
        now: now(),
        alpn: vec![],
        initial_key_share: true,
        records: RecordOptions::default(),
    };
    let mut c = Client::new(config, os_rng());
    let mut events = Vec::new();
    c.start();
    flush(&mut sock, &mut c.common, &mut events)?;
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
        flush(&mut sock, &mut c.common, &mut events)?;
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
        write_keylog(&keylog_path, &events)?;
        return Err(failure(&events));
    }
    c.close();
    let _ = flush(&mut sock, &mut c.common, &mut events);
    write_keylog(&keylog_path, &events)?;
    if sent_at.is_none() {
        return Err("the handshake did not complete".into());
    }
    Ok(())
}
