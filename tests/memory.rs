//! Bounded memory: a counting global allocator measures the peak of live heap bytes while hostile
//! input arrives, and the peak stays below what was received plus a fixed bound, [`FIXED`] (1 MiB).
//!
//! What is measured is everything: the test's own copy of the input, the engine's buffers, and
//! the events and output it hands out. Input that arrives all at once is held by the caller (it is
//! the "bytes received"); the engine takes from it one record at a time, so its own buffers stay
//! within one record and one handshake message (64 KiB at most). Input that arrives record by
//! record is delivered the way `sim::Pair` delivers it, with the events and output taken after each
//! delivery, as the simulation moves them into the trace; the test drops them, so what remains is
//! the engine's state. Floods of records that carry nothing end after a bounded number of them.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use common::*;
use tlsviz::tls::conn::Role;
use tlsviz::tls::enums::{ContentType, HandshakeType};
use tlsviz::tls::events::Phase;
use tlsviz::tls::record::plaintext_record;

/// The fixed bound over the bytes received.
const FIXED: usize = 1 << 20;

/// What one record read costs in events handed out in one call, at most (the event, the copy of
/// the record it carries, and the growth of the vector that holds them).
const EVENT_PER_RECORD: usize = 512;

/// The size of the hostile inputs.
const FOUR_MB: usize = 4 << 20;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = LIVE.fetch_add(n, Ordering::SeqCst) + n;
    PEAK.fetch_max(now, Ordering::SeqCst);
}

// SAFETY: every call goes straight to the system allocator; the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as the new block before the old one is let go: a move needs both for a moment.
        grew(new_size);
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One measurement at a time: the counters are global.
static LOCK: Mutex<()> = Mutex::new(());

/// Run `f` and return the peak of live bytes above what was live when it started.
fn peak_during(f: impl FnOnce()) -> usize {
    let start = LIVE.load(Ordering::SeqCst);
    PEAK.store(start, Ordering::SeqCst);
    f();
    PEAK.load(Ordering::SeqCst).saturating_sub(start)
}

/// `input` cut into plaintext records of `size` bytes of `typ`.
fn records_of(typ: ContentType, input: &[u8], size: usize) -> Vec<Vec<u8>> {
    input.chunks(size).map(|c| plaintext_record(typ, c)).collect()
}

/// A 4 MB handshake message of `typ`: its 4-byte header and a body of 0x42s.
fn big_message(typ: HandshakeType) -> Vec<u8> {
    let len = u32::try_from(FOUR_MB).unwrap().to_be_bytes();
    let mut m = vec![typ.0, len[1], len[2], len[3]];
    m.resize(4 + FOUR_MB, 0x42);
    m
}

/// Deliver `records` one by one to `side`, taking its events and output after each, as the
/// simulation does. Returns the peak above the start, and the bytes delivered.
fn one_by_one<R: Role>(side: &mut R, records: &[Vec<u8>]) -> (usize, usize) {
    let received: usize = records.iter().map(Vec::len).sum();
    let peak = peak_during(|| {
        for r in records {
            side.receive(r);
            drop(side.common().take_events());
            drop(side.common().take_output());
        }
    });
    (peak, received)
}

/// Deliver all of `bytes` in one call. Returns the peak above the start (the caller already
/// holds `bytes`, the bytes received).
fn at_once<R: Role>(side: &mut R, bytes: &[u8]) -> usize {
    peak_during(|| {
        side.receive(bytes);
        drop(side.common().take_events());
        drop(side.common().take_output());
    })
}

fn report(what: &str, peak: usize, received: usize) {
    println!("{what}: peak {peak} bytes above the start, {received} bytes received");
    assert!(peak < received + FIXED, "{what}: peak {peak} is not below {received} received + {FIXED}");
}

#[test]
fn a_4_mb_handshake_message_where_none_is_expected_is_refused_from_its_header() {
    let _lock = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // A Certificate from a client to a server that waits for a ClientHello, in full records.
    let records = records_of(ContentType::handshake, &big_message(HandshakeType::certificate), 1 << 14);
    let all = records.concat();
    let (_, mut s) = pair(1);
    let peak = at_once(&mut s, &all);
    assert_eq!(s.phase(), Phase::Failed);
    report("4 MB message, one delivery", peak, all.len());
    assert!(peak < FIXED, "the engine copied the input: {peak} bytes");
    let (_, mut s) = pair(2);
    let (peak, received) = one_by_one(&mut s, &records);
    assert_eq!(s.phase(), Phase::Failed);
    report("4 MB message, record by record", peak, received);
    // Protected, after the handshake: a 4 MB KeyUpdate-typed message the server cannot want.
    let (_c, mut s, mut sealer) = connected_with_sealer(3);
    let msg = big_message(HandshakeType::key_update);
    let sealed: Vec<Vec<u8>> = msg.chunks(1 << 14).map(|c| sealer.seal(ContentType::handshake, c)).collect();
    let (peak, received) = one_by_one(&mut s, &sealed);
    assert_eq!(s.phase(), Phase::Failed);
    report("4 MB protected message, record by record", peak, received);
}

#[test]
fn a_handshake_message_within_the_limit_in_one_byte_fragments_stays_bounded() {
    let _lock = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // 64 KiB announced, sent a byte per record, never finished: all of it is held, once.
    let mut m = vec![HandshakeType::client_hello.0, 0x01, 0x00, 0x00];
    m.resize(1 << 16, 0x42);
    let records = records_of(ContentType::handshake, &m, 1);
    let (_, mut s) = pair(4);
    let (peak, received) = one_by_one(&mut s, &records);
    assert_eq!(s.phase(), Phase::ExpectClientHello, "still waiting for the rest");
    report("64 KiB in 1-byte records", peak, received);
    // In one delivery the engine still buffers no more, but every record it reads is an event of
    // the trace (RecordReceived, with the record's bytes), handed out when the call returns: that
    // output, not the engine's buffers, is what grows with the number of records.
    let all = records.concat();
    let (_, mut s) = pair(5);
    let peak = at_once(&mut s, &all);
    println!(
        "64 KiB in 1-byte records, one delivery: peak {peak} bytes for {} records ({} per record)",
        records.len(),
        peak / records.len()
    );
    assert!(peak < all.len() + FIXED + EVENT_PER_RECORD * records.len(), "{peak}");
}

#[test]
fn floods_of_records_that_carry_nothing_end_early() {
    let _lock = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // change_cipher_spec records between the ClientHello and the client's Finished.
    let (mut c, mut s) = pair(6);
    c.start();
    s.receive(&c.common.take_output());
    let ccs: Vec<u8> = std::iter::repeat_n([20u8, 3, 3, 0, 1, 1], FOUR_MB / 6).flatten().collect();
    let peak = at_once(&mut s, &ccs);
    assert_eq!(s.phase(), Phase::Failed);
    report("4 MB of change_cipher_spec", peak, ccs.len());
    // Empty application data records, KeyUpdates and user_canceled warnings after the handshake.
    let floods: [(&str, ContentType, &[u8]); 3] = [
        ("empty application data", ContentType::application_data, &[]),
        ("KeyUpdate", ContentType::handshake, &[24, 0, 0, 1, 0]),
        ("user_canceled", ContentType::alert, &[1, 90]),
    ];
    for (what, typ, content) in floods {
        let (_c, mut s, mut sealer) = connected_with_sealer(7);
        let n = FOUR_MB / (5 + content.len() + 1 + 16);
        let mut all = Vec::new();
        for _ in 0..n {
            all.extend(sealer.seal(typ, content));
            if typ == ContentType::handshake {
                sealer.update();
            }
        }
        let peak = at_once(&mut s, &all);
        assert_eq!(s.phase(), Phase::Failed, "{what}");
        report(&format!("4 MB of {what}"), peak, all.len());
    }
}

#[test]
fn bytes_after_close_notify_are_counted_not_kept() {
    let _lock = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (mut c, mut s) = connected(8);
    c.close();
    s.receive(&c.common.take_output());
    let junk: Vec<u8> = std::iter::repeat_n([23u8, 3, 3, 0x40, 0], FOUR_MB / (5 + 0x4000))
        .flat_map(|h| {
            let mut r = h.to_vec();
            r.resize(5 + 0x4000, 7);
            r
        })
        .collect();
    let peak = at_once(&mut s, &junk);
    report("4 MB after close_notify", peak, junk.len());
    assert!(peak < FIXED, "the ignored bytes were copied: {peak}");
}

#[test]
fn a_long_stream_of_application_data_stays_bounded() {
    let _lock = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (_c, mut s, mut sealer) = connected_with_sealer(9);
    let records: Vec<Vec<u8>> = (0..FOUR_MB / (1 << 14)).map(|_| sealer.seal(ContentType::application_data, &[0x61; 1 << 14])).collect();
    let (peak, received) = one_by_one(&mut s, &records);
    assert_eq!(s.phase(), Phase::Connected);
    report("4 MB of application data, record by record", peak, received);
    assert!(peak < FIXED, "the engine kept what it delivered: {peak}");
}
