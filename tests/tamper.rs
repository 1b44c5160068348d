//! Every single-byte change of every record of a recorded connection, delivered to its receiver:
//! each run ends in a fatal alert on at least one side (or, for a change that arrives after the
//! receiver sent close_notify, in a failure with the alert it may no longer send), no altered data is handed to an application,
//! and nothing panics.
//!
//! The one exception RFC 8446 itself makes: legacy_record_version of a plaintext record "MUST be
//! ignored for all purposes" (§5.1), so changing it must change nothing at all.

use tlsviz::sim::{self, Options, Scenario, Side, Trace};
use tlsviz::tls::events::Event;

fn data(t: &Trace, side: Side, sent: bool) -> Vec<Vec<u8>> {
    t.events
        .iter()
        .filter(|e| e.side == side)
        .filter_map(|e| match e.event()? {
            Event::AppDataSent { data } if sent => Some(data.0.clone()),
            Event::AppDataReceived { data } if !sent => Some(data.0.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn every_single_byte_change_of_every_record_ends_in_an_alert() {
    let base_opts = Options { seed: Some(77), ..Default::default() };
    let base = sim::run(&base_opts);
    assert!(base.connections[0].closed_cleanly);
    // Records in the order they were delivered (each is received exactly once in a clean run).
    let delivered: Vec<Vec<u8>> = base
        .events
        .iter()
        .filter_map(|e| match e.event()? {
            Event::RecordReceived { bytes, .. } => Some(bytes.0.clone()),
            _ => None,
        })
        .collect();
    assert!(delivered.len() >= 10);
    let mut runs = 0;
    let mut ignored = 0;
    let mut late = 0;
    for (record, bytes) in delivered.iter().enumerate() {
        let plaintext = bytes[0] != 23;
        for offset in 0..bytes.len() {
            let xor = 1u8 << (offset % 8);
            let t = sim::run(&Options { scenario: Scenario::Tamper { record, offset, xor }, ..base_opts.clone() });
            runs += 1;
            let where_ = format!("record {record} byte {offset} ^ {xor:#04x}");
            // No application ever receives data its peer did not send.
            for (to, from) in [(Side::Client, Side::Server), (Side::Server, Side::Client)] {
                let got = data(&t, to, false);
                let sent = data(&t, from, true);
                assert!(got.len() <= sent.len() && got.iter().zip(&sent).all(|(a, b)| a == b), "{where_}: altered data reached the {to:?}");
            }
            if plaintext && (offset == 1 || offset == 2) {
                // legacy_record_version of a plaintext record: ignored, as RFC 8446 §5.1 says.
                assert!(t.connections[0].closed_cleanly, "{where_}: changing legacy_record_version broke the connection");
                ignored += 1;
                continue;
            }
            let fatal = t.events.iter().any(|e| matches!(e.event(), Some(Event::AlertSent { fatal: true, .. })));
            // After a side has sent close_notify it may send nothing more (RFC 8446 §6.1): a
            // change it detects then ends it with the error, and the alert it could not send.
            let failed_after_close = t.events.iter().any(|e| {
                matches!(e.event(), Some(Event::Error { alert: Some(_), .. }))
                    && t.events[..e.index]
                        .iter()
                        .any(|x| x.side == e.side && matches!(x.event(), Some(Event::AlertSent { fatal: false, .. })))
            });
            assert!(fatal || failed_after_close, "{where_}: the change went unnoticed; outcome {:?}", t.connections);
            assert!(!t.connections[0].closed_cleanly, "{where_}: reported a clean close");
            late += usize::from(!fatal);
        }
    }
    assert!(runs > 1000, "only {runs} runs");
    assert!(ignored <= 2 * delivered.len());
    // Only changes to the last records, after close_notify went out, can be of that kind.
    assert!(late < runs / 10, "{late} of {runs} runs were detected only after close_notify");
}
