//! `peer server` as a server that stays up: a bounded load with hostile clients (the `load`
//! example, 300 connections here, 2000 in `make bench`), the connection limit, the read timeout and
//! its options. Every address is on 127.0.0.1.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An example binary beside this test binary, refused when older than its sources. `cargo build
/// --examples` (or `--all-targets`, or a plain `cargo test`) builds it there.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let p = exe.parent().and_then(Path::parent).unwrap().join("examples").join(name);
    let build = "build it with `cargo build --examples` (or `--all-targets`)";
    let built = std::fs::metadata(&p).and_then(|m| m.modified()).unwrap_or_else(|_| panic!("{} is missing: {build}", p.display()));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = vec![root.join("examples").join(format!("{name}.rs")), root.join("Cargo.toml")];
    let mut dirs = vec![root.join("src/tls"), root.join("src/sim")];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                sources.push(path);
            }
        }
    }
    if let Some(newer) = sources.iter().find(|f| std::fs::metadata(f).and_then(|m| m.modified()).is_ok_and(|t| t > built)) {
        panic!("{} is older than {}: {build}", p.display(), newer.display());
    }
    p
}

/// Certificates for localhost in a fresh directory.
fn certs(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tlsviz-serve-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(example("peer")).args(["gen-cert", "--hostname", "localhost", "--out"]).arg(&dir).output().unwrap();
    assert!(out.status.success(), "gen-cert: {}", String::from_utf8_lossy(&out.stderr));
    dir
}

/// A running `peer server` on a free port, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server(dir: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(example("peer"))
        .args(["server", "--listen", "127.0.0.1:0", "--cert"])
        .arg(dir.join("cert.pem"))
        .arg("--key")
        .arg(dir.join("key.pem"))
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("the server did not start: {line:?}")).to_string();
    Server { child, addr }
}

/// `peer client` against the server: its exit status and what it printed (the echo).
fn client(dir: &Path, addr: &str, text: &str) -> (bool, String) {
    let out = Command::new(example("peer"))
        .args(["client", "--connect", addr, "--servername", "localhost", "--cafile"])
        .arg(dir.join("ca.pem"))
        .args(["--send", text])
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn three_hundred_connections_one_in_four_hostile_leave_every_good_one_served_and_the_memory_flat() {
    let out = Command::new(example("load")).args(["--peer"]).arg(example("peer")).args(["--connections", "300"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "load: {}{stdout}", String::from_utf8_lossy(&out.stderr));
    let json = stdout.lines().find_map(|l| l.strip_prefix("RESULT ")).unwrap_or_else(|| panic!("no RESULT line in {stdout}"));
    let r: serde_json::Value = serde_json::from_str(json).unwrap();
    let n = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k} missing in {json}"));
    assert_eq!((n("good"), n("hostile")), (225, 75), "{stdout}");
    assert_eq!(n("good_failed"), 0, "every good connection completes its handshake and gets its echo: {stdout}");
    assert_eq!(n("hostile_failed"), 0, "the server ends every hostile connection by itself: {stdout}");
    assert_eq!(r["server_alive"], true, "{stdout}");
    // VmRSS after the last connection within the tolerance of VmRSS after the first hundred.
    assert_eq!(r["rss_flat"], true, "{stdout}");
    assert!(n("rss_first_kib") > 0, "the server's memory was read: {stdout}");
}

#[test]
fn a_client_beyond_the_limit_waits_until_a_connection_ends_and_is_then_served() {
    let dir = certs("limit");
    let s = server(&dir, &["--max-conns", "1", "--read-timeout", "1"]);
    // The one slot is taken by a client that says nothing.
    let mut silent = TcpStream::connect(&s.addr).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    let (ok, echo) = client(&dir, &s.addr, "waited");
    let waited = started.elapsed();
    assert!(ok, "the waiting client was served");
    assert_eq!(echo, "waited");
    assert!(waited >= Duration::from_millis(800), "it waited for the silent client's timeout, not {waited:?}");
    // And the silent one was closed by the server, not by us.
    silent.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(silent.read(&mut [0u8; 16]).unwrap(), 0);
}

#[test]
fn a_silent_client_is_closed_after_the_read_timeout_while_others_are_served() {
    let dir = certs("timeout");
    let s = server(&dir, &["--read-timeout", "1.5"]);
    let mut silent = TcpStream::connect(&s.addr).unwrap();
    silent.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let started = Instant::now();
    let clients: Vec<_> = (0..3)
        .map(|i| {
            let (dir, addr) = (dir.clone(), s.addr.clone());
            std::thread::spawn(move || client(&dir, &addr, &format!("meanwhile {i}")))
        })
        .collect();
    assert_eq!(silent.read(&mut [0u8; 16]).unwrap(), 0, "the server closed the silent connection");
    let after = started.elapsed();
    assert!(after >= Duration::from_millis(1400) && after < Duration::from_secs(4), "closed after {after:?}, not about 1.5 s");
    for (i, c) in clients.into_iter().enumerate() {
        assert_eq!(c.join().unwrap(), (true, format!("meanwhile {i}")));
    }
}

#[test]
fn server_options_out_of_range_are_refused_with_status_2_and_a_reason() {
    let dir = certs("options");
    for (args, says) in
        [(["--max-conns", "0"], "--max-conns"), (["--max-conns", "many"], "--max-conns"), (["--read-timeout", "-1"], "--read-timeout")]
    {
        let out = Command::new(example("peer"))
            .args(["server", "--listen", "127.0.0.1:0", "--cert"])
            .arg(dir.join("cert.pem"))
            .arg("--key")
            .arg(dir.join("key.pem"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(says), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn a_client_hello_announcing_16_mib_is_refused_from_its_header_over_the_wire() {
    let dir = certs("budget");
    let s = server(&dir, &[]);
    let mut sock = TcpStream::connect(&s.addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // A ClientHello announcing 2^24 - 1 bytes, in full records (the engine refuses any handshake
    // message over 64 KiB from its 4-byte header, before the server's 64 KiB budget for a whole
    // unfinished handshake comes into play): one byte over 64 KiB in all, so that the server has read everything when it
    // closes (unread bytes would turn its close into a reset that may discard its alert).
    let mut bytes = vec![0x16, 3, 1, 0x40, 0x00, 0x01, 0xff, 0xff, 0xff];
    while bytes.len() <= 64 * 1024 {
        if bytes.len() % (5 + (1 << 14)) == 0 {
            bytes.extend_from_slice(&[0x16, 3, 3, 0x40, 0x00]);
        } else {
            bytes.push(0);
        }
    }
    assert_eq!(bytes.len(), 64 * 1024 + 1);
    std::io::Write::write_all(&mut sock, &bytes).unwrap();
    let mut got = Vec::new();
    let _ = sock.read_to_end(&mut got);
    // A plaintext fatal alert: level 2, decode_error (50).
    assert_eq!(got, [0x15, 3, 3, 0, 2, 2, 50], "the server answers with decode_error and closes");
}
