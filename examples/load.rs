//! A bounded load on `peer server` over loopback: many connections, a few at a time, one in four
//! hostile, the server's memory watched from the first hundred connections to the last.
//!
//! ```text
//! load [--connections N] [--concurrency N] [--read-timeout SECS] [--peer PATH] [--hostile KIND,...|none]
//! ```
//!
//! It generates certificates and starts `peer server` (the example beside it, or `--peer`) on
//! 127.0.0.1 with `--read-timeout` (default 1 s, so the silent clients end quickly), then opens
//! `--connections` connections (default 2000), `--concurrency` at a time (default 16). Three in four
//! are good: the engine's own client ([`Client`]) completes a handshake, sends a line, reads the echo
//! and closes. The fourth cycles through the hostile kinds of [`Kind`]. A good connection fails if
//! anything of that goes wrong; a hostile one fails if the server leaves it open (the server must
//! end every hostile connection by itself, at the latest when its read timeout runs out).
//!
//! It prints the figures, then one line `RESULT {json}` for tests. The server's memory is its
//! VmRSS after the first 100 connections and after the last, and its VmHWM (the peak); it is
//! "flat" when the last is at most [`RSS_TOLERANCE_KIB`] above the first. The exit status is 0
//! whatever the figures (they are figures; `tests/load_server.rs` judges them), and 1 when the
//! run could not be made at all.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use tlsviz::tls::client::{Client, ClientConfig};
use tlsviz::tls::conn::{RecordOptions, Role};
use tlsviz::tls::events::{Event, Phase};

/// How much the server's VmRSS may grow from the first hundred connections to the last: allocator
/// arenas and thread stacks still settling, not memory kept per connection (2000 connections
/// keeping even 1 KiB each would exceed it).
const RSS_TOLERANCE_KIB: u64 = 1024;

/// The longest a whole run may take; connections not started by then count as failed.
const RUN_LIMIT: Duration = Duration::from_secs(600);

/// What a connection does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A handshake, a line echoed, close_notify both ways.
    Good,
    /// 512 random bytes, then the end of the stream.
    Garbage,
    /// Half of a real ClientHello, then the end of the stream.
    TruncatedHello,
    /// A real handshake up to the server's Finished, then half of the client's Finished record.
    TruncatedFinished,
    /// A real ClientHello, then 10,000 compatibility change_cipher_spec records (60 KB, each one
    /// the engine accepts and drops).
    RecordFlood,
    /// A real handshake, then 20,000 warning-level user_canceled alerts (140 KB, each one accepted).
    AlertFlood,
    /// A handshake message announcing 16 MiB, and 1 MiB of it in full records (the server cuts it
    /// off at 64 KiB).
    OversizedMessage,
    /// Connects and sends nothing: the server's read timeout must end it.
    Silent,
}

const HOSTILE: [Kind; 7] = [
    Kind::Garbage,
    Kind::TruncatedHello,
    Kind::TruncatedFinished,
    Kind::RecordFlood,
    Kind::AlertFlood,
    Kind::OversizedMessage,
    Kind::Silent,
];

/// Connection `i`'s kind: every fourth is hostile, cycling through `hostile`.
fn kind(i: usize, hostile: &[Kind]) -> Kind {
    match hostile.len() {
        n if n > 0 && i % 4 == 3 => hostile[(i / 4) % n],
        _ => Kind::Good,
    }
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Good => "good",
            Kind::Garbage => "garbage",
            Kind::TruncatedHello => "truncated_hello",
            Kind::TruncatedFinished => "truncated_finished",
            Kind::RecordFlood => "record_flood",
            Kind::AlertFlood => "alert_flood",
            Kind::OversizedMessage => "oversized_message",
            Kind::Silent => "silent",
        }
    }
}

struct Args {
    connections: usize,
    concurrency: usize,
    read_timeout: f64,
    peer: Option<PathBuf>,
    hostile: Vec<Kind>,
}

fn args() -> Result<Args, String> {
    let mut a = Args { connections: 2000, concurrency: 16, read_timeout: 1.0, peer: None, hostile: HOSTILE.to_vec() };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    while let Some(name) = it.next() {
        let value = it.next().ok_or_else(|| format!("{name} needs a value"))?;
        let number = || value.parse::<usize>().ok().filter(|n| (1..=100_000).contains(n));
        match name.as_str() {
            "--connections" => a.connections = number().ok_or(format!("--connections takes 1 to 100000, not {value:?}"))?,
            "--concurrency" => {
                a.concurrency = number().filter(|n| *n <= 1000).ok_or(format!("--concurrency takes 1 to 1000, not {value:?}"))?
            }
            "--read-timeout" => {
                a.read_timeout = value
                    .parse()
                    .ok()
                    .filter(|s| (0.01..=60.0).contains(s))
                    .ok_or(format!("--read-timeout takes 0.01 to 60 s, not {value:?}"))?
            }
            "--peer" => a.peer = Some(PathBuf::from(value)),
            "--hostile" if value == "none" => a.hostile = Vec::new(),
            "--hostile" => {
                a.hostile = value
                    .split(',')
                    .map(|n| HOSTILE.iter().copied().find(|k| k.name() == n).ok_or(format!("--hostile: no kind {n:?}")))
                    .collect::<Result<_, _>>()?
            }
            _ => return Err(format!("unknown option {name:?}")),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let a = match args() {
        Ok(a) => a,
        Err(why) => {
            eprintln!("load: {why}\nusage: load [--connections N] [--concurrency N] [--read-timeout SECS] [--peer PATH] [--hostile KIND,...|none]");
            return ExitCode::from(2);
        }
    };
    match run(&a) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("load: {why}");
            ExitCode::from(1)
        }
    }
}

/// The running server; killed when dropped, so no run leaves one behind.
struct ServerProcess {
    child: Child,
    addr: SocketAddr,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(peer: &Path, dir: &Path, read_timeout: f64) -> Result<ServerProcess, String> {
    let log = std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?;
    let mut child = Command::new(peer)
        .args(["server", "--listen", "127.0.0.1:0", "--read-timeout", &read_timeout.to_string()])
        .arg("--cert")
        .arg(dir.join("cert.pem"))
        .arg("--key")
        .arg(dir.join("key.pem"))
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("{}: {e}", peer.display()))?;
    let mut line = String::new();
    let read = child.stdout.take().map(|out| BufReader::new(out).read_line(&mut line));
    let addr = line.trim().strip_prefix("listening on ").and_then(|a| a.parse().ok());
    match (read, addr) {
        (Some(Ok(_)), Some(addr)) => Ok(ServerProcess { child, addr }),
        _ => {
            let _ = child.kill();
            Err(format!("the server did not start (it said {line:?}; see {})", dir.join("server.log").display()))
        }
    }
}

/// A field of /proc/PID/status in KiB (VmRSS, VmHWM).
fn status_kib(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines().find_map(|l| l.strip_prefix(field)?.strip_prefix(':')?.trim().strip_suffix("kB")?.trim().parse().ok()).unwrap_or(0)
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// What one connection needs to know.
struct Target {
    addr: SocketAddr,
    anchor: Vec<u8>,
    /// How long the client waits for the server: its read timeout and a margin.
    patience: Duration,
}

/// Totals, shared by the workers.
#[derive(Default)]
struct Totals {
    good: usize,
    good_failed: usize,
    hostile: usize,
    hostile_failed: usize,
    per_kind: Vec<(Kind, usize, usize)>,
    /// The first few failures, for the report.
    failures: Vec<String>,
    rss_samples: Vec<(usize, u64)>,
}

fn run(a: &Args) -> Result<(), String> {
    let peer = match &a.peer {
        Some(p) => p.clone(),
        None => std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("peer"),
    };
    let dir = std::env::temp_dir().join(format!("tlsviz-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(&peer)
        .args(["gen-cert", "--hostname", "localhost", "--out"])
        .arg(&dir)
        .output()
        .map_err(|e| format!("{}: {e} (build it with `cargo build --examples`)", peer.display()))?;
    if !out.status.success() {
        return Err(format!("gen-cert: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let pem = std::fs::read(dir.join("ca.pem")).map_err(|e| e.to_string())?;
    let (_, anchor) = der::pem::decode_vec(&pem).map_err(|e| format!("ca.pem: {e}"))?;
    let server = start_server(&peer, &dir, a.read_timeout)?;
    let pid = server.child.id();
    let target = Arc::new(Target { addr: server.addr, anchor, patience: Duration::from_secs_f64(a.read_timeout) + Duration::from_secs(5) });

    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let totals = Arc::new(Mutex::new(Totals::default()));
    let started = Instant::now();
    let workers: Vec<_> = (0..a.concurrency.min(a.connections))
        .map(|_| {
            let (next, done, totals, target, n) = (next.clone(), done.clone(), totals.clone(), target.clone(), a.connections);
            let hostile = a.hostile.clone();
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let k = kind(i, &hostile);
                let result =
                    if started.elapsed() > RUN_LIMIT { Err("not started: the run took too long".into()) } else { connect(&target, k, i) };
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                let mut t = totals.lock().unwrap();
                let failed = usize::from(result.is_err());
                if k == Kind::Good {
                    t.good += 1;
                    t.good_failed += failed;
                } else {
                    t.hostile += 1;
                    t.hostile_failed += failed;
                }
                match t.per_kind.iter_mut().find(|(pk, _, _)| *pk == k) {
                    Some(e) => {
                        e.1 += 1;
                        e.2 += failed;
                    }
                    None => t.per_kind.push((k, 1, failed)),
                }
                if let Err(why) = result {
                    if t.failures.len() < 10 {
                        t.failures.push(format!("#{i} ({}): {why}", k.name()));
                    }
                }
                if finished % 100 == 0 || finished == n {
                    t.rss_samples.push((finished, status_kib(pid, "VmRSS")));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().map_err(|_| "a load worker panicked")?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut server = server;
    let alive = matches!(server.child.try_wait(), Ok(None));
    let hwm = status_kib(pid, "VmHWM");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);

    let mut t = Arc::try_unwrap(totals).map_err(|_| "workers still hold the totals")?.into_inner().map_err(|_| "poisoned")?;
    t.rss_samples.sort();
    t.per_kind.sort_by_key(|(k, _, _)| k.name());
    let first = t.rss_samples.first().map_or(0, |s| s.1);
    let last = t.rss_samples.last().map_or(0, |s| s.1);
    let flat = last <= first + RSS_TOLERANCE_KIB;
    let rate = a.connections as f64 / seconds;
    let mib = |k: u64| k as f64 / 1024.0;

    println!(
        "load: {} connections to peer server on {}, {} at a time, server read timeout {} s",
        a.connections, target.addr, a.concurrency, a.read_timeout
    );
    println!("  {seconds:.1} s: {rate:.0} connections/s, {:.0} good handshakes/s", (t.good - t.good_failed) as f64 / seconds);
    println!("  good:    {} completed, {} failed", t.good - t.good_failed, t.good_failed);
    println!("  hostile: {} ended by the server, {} left open by it", t.hostile - t.hostile_failed, t.hostile_failed);
    for (k, n, f) in &t.per_kind {
        if *k != Kind::Good {
            println!("           {:<20} {n:>5} sent, {f} failed", k.name());
        }
    }
    println!(
        "  server memory: VmRSS {:.1} MiB after the first {} connections, {:.1} MiB after the last ({}; tolerance {} KiB); peak VmHWM {:.1} MiB",
        mib(first),
        t.rss_samples.first().map_or(0, |s| s.0),
        mib(last),
        if flat { "flat" } else { "GREW" },
        RSS_TOLERANCE_KIB,
        mib(hwm)
    );
    println!("  server still running at the end: {}", if alive { "yes" } else { "NO" });
    for f in &t.failures {
        println!("  failure {f}");
    }
    let json = serde_json::json!({
        "connections": a.connections,
        "concurrency": a.concurrency,
        "read_timeout_s": a.read_timeout,
        "seconds": seconds,
        "connections_per_s": rate,
        "good": t.good,
        "good_failed": t.good_failed,
        "hostile": t.hostile,
        "hostile_failed": t.hostile_failed,
        "rss_first_kib": first,
        "rss_last_kib": last,
        "rss_tolerance_kib": RSS_TOLERANCE_KIB,
        "rss_flat": flat,
        "hwm_kib": hwm,
        "rss_samples_kib": t.rss_samples.iter().map(|s| s.1).collect::<Vec<_>>(),
        "server_alive": alive,
        "failures": t.failures,
    });
    println!("RESULT {json}");
    Ok(())
}

fn connect(t: &Target, kind: Kind, i: usize) -> Result<(), String> {
    let mut sock = TcpStream::connect(t.addr).map_err(|e| format!("connect: {e}"))?;
    sock.set_read_timeout(Some(t.patience)).map_err(|e| e.to_string())?;
    sock.set_write_timeout(Some(t.patience)).map_err(|e| e.to_string())?;
    let _ = sock.set_nodelay(true);
    let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
    if kind == Kind::Good {
        return good(&mut sock, t, rng, i);
    }
    let sent = match kind {
        Kind::Garbage => {
            let mut junk = vec![0u8; 512];
            rng.fill_bytes(&mut junk);
            sock.write_all(&junk)
        }
        Kind::TruncatedHello => {
            let hello = client(t, rng).common.take_output();
            sock.write_all(&hello[..hello.len() / 2])
        }
        Kind::TruncatedFinished => {
            let finished = handshake_until_client_finished(&mut sock, t, rng)?;
            sock.write_all(&finished[..finished.len() / 2])
        }
        Kind::RecordFlood => {
            let mut flood = client(t, rng).common.take_output();
            flood.extend([0x14, 3, 3, 0, 1, 1].repeat(10_000));
            sock.write_all(&flood)
        }
        Kind::AlertFlood => {
            let mut flood = handshake_until_client_finished(&mut sock, t, rng)?;
            flood.extend([0x15, 3, 3, 0, 2, 1, 90].repeat(20_000));
            sock.write_all(&flood)
        }
        Kind::OversizedMessage => {
            // A ClientHello header announcing 2^24 - 1 bytes, then 1 MiB of its body.
            let mut first = vec![0x16, 3, 1, 0x40, 0x00, 0x01, 0xff, 0xff, 0xff];
            first.resize(5 + (1 << 14), 0);
            let mut body = Vec::new();
            for _ in 0..63 {
                body.extend_from_slice(&[0x16, 3, 3, 0x40, 0x00]);
                body.resize(body.len() + (1 << 14), 0);
            }
            sock.write_all(&first).and_then(|_| sock.write_all(&body))
        }
        Kind::Silent | Kind::Good => Ok(()),
    };
    // The server may well stop reading and close before all of it arrived: that is its answer.
    if sent.is_ok() && kind != Kind::Silent {
        let _ = sock.shutdown(Shutdown::Write);
    }
    wait_for_close(&mut sock)
}

/// Read until the server ends the connection; an error if it keeps it open past our patience.
fn wait_for_close(sock: &mut TcpStream) -> Result<(), String> {
    let mut buf = [0u8; 4096];
    loop {
        match sock.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return Err("the server kept the connection open".into())
            }
            // Reset: the server closed with our bytes unread.
            Err(_) => return Ok(()),
        }
    }
}

fn client(t: &Target, rng: ChaCha20Rng) -> Client {
    let config = ClientConfig {
        server_name: "localhost".into(),
        trust_anchor: t.anchor.clone(),
        now: now(),
        alpn: vec![],
        initial_key_share: true,
        records: RecordOptions::default(),
        groups: vec![tlsviz::tls::enums::NamedGroup::secp256r1],
        suites: vec![tlsviz::tls::enums::CipherSuite::TLS_AES_128_GCM_SHA256],
        key_shares: vec![],
        certificate: None,
        signature_schemes: tlsviz::tls::auth::SUPPORTED.to_vec(),
    };
    let mut c = Client::new(config, rng);
    c.start();
    c
}

/// Why the client failed, from its events.
fn failure(events: &[Event], phase: Phase) -> String {
    events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Error { message, .. } => Some(message.clone()),
            Event::AlertReceived { description, fatal: true } => Some(format!("received alert {description}")),
            _ => None,
        })
        .unwrap_or_else(|| format!("failed in phase {phase:?}"))
}

fn read_some(sock: &mut TcpStream, buf: &mut [u8], c: &Client) -> Result<usize, String> {
    match sock.read(buf) {
        Ok(0) => Err(format!("the server closed the connection in phase {:?}", c.phase())),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("read in phase {:?}: {e}", c.phase())),
    }
}

/// A handshake, one line echoed, and close_notify both ways.
fn good(sock: &mut TcpStream, t: &Target, rng: ChaCha20Rng, i: usize) -> Result<(), String> {
    let mut c = client(t, rng);
    let line = format!("connection {i}\n");
    let (mut sent, mut closed) = (false, false);
    let mut echo = Vec::new();
    let mut buf = vec![0u8; 1 << 15];
    loop {
        let out = c.common.take_output();
        if !out.is_empty() {
            sock.write_all(&out).map_err(|e| format!("write in phase {:?}: {e}", c.phase()))?;
        }
        let events = c.common.take_events();
        if c.phase() == Phase::Failed {
            return Err(failure(&events, c.phase()));
        }
        if c.phase() == Phase::Closed {
            break;
        }
        let n = read_some(sock, &mut buf, &c)?;
        for data in c.receive(&buf[..n]) {
            echo.extend(data);
        }
        if c.phase() == Phase::Connected && !sent {
            c.send(line.as_bytes()).map_err(|e| e.to_string())?;
            sent = true;
        }
        if echo.len() >= line.len() && !closed {
            c.close();
            closed = true;
        }
    }
    if echo != line.as_bytes() {
        return Err(format!("the echo was {:?}", String::from_utf8_lossy(&echo)));
    }
    Ok(())
}

/// Run a real handshake until the client has the server's whole flight; returns the client's
/// second flight (its Finished), unsent.
fn handshake_until_client_finished(sock: &mut TcpStream, t: &Target, rng: ChaCha20Rng) -> Result<Vec<u8>, String> {
    let mut c = client(t, rng);
    sock.write_all(&c.common.take_output()).map_err(|e| format!("write: {e}"))?;
    let mut buf = vec![0u8; 1 << 15];
    while c.phase() != Phase::Connected {
        let n = read_some(sock, &mut buf, &c)?;
        c.receive(&buf[..n]);
        if c.phase() == Phase::Failed {
            return Err(failure(&c.common.take_events(), c.phase()));
        }
    }
    Ok(c.common.take_output())
}
