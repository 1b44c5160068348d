//! What each part of the page shows at a point of playback, computed from the typed trace: the
//! label of a record on the network, each side's panel, the eavesdropper's table and the key
//! schedule's tree.

use crate::sim::{Side, Trace, TraceEvent};
use crate::tls::codec::hex;
use crate::tls::enums::ContentType;
use crate::tls::events::{
    Carries, Derivation, Direction, DiscardReason, Event, Hkdf, KeyInput, Message, Output, Phase, Protection, Secret,
};

use super::narration::{log_line, waiting_for};

fn names(messages: &[Message]) -> String {
    messages.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", ")
}

fn carried(c: &Carries) -> String {
    match c {
        Carries::Handshake(m) => names(m),
        Carries::Alert(a) => format!("alert: {a}"),
        Carries::ApplicationData(_) => "application data".into(),
        Carries::ChangeCipherSpec => "change_cipher_spec".into(),
    }
}

/// What a sent record carries, as its sender knows it: the label on the network and, for an
/// encrypted record, what is inside.
pub fn record_label(len: usize, carries: &Carries, protection: Option<&Protection>) -> (String, Option<String>) {
    match protection {
        // A no-break space: a narrow lane wraps before the size, never between it and its unit.
        Some(_) => (format!("encrypted record, {len}\u{a0}bytes"), Some(carried(carries))),
        None => (carried(carries), None),
    }
}

/// The events at these trace indices (what playback has shown, in display order).
fn at<'a>(trace: &'a Trace, shown: &'a [usize]) -> impl Iterator<Item = &'a TraceEvent> + 'a {
    shown.iter().filter_map(|&i| trace.events.get(i))
}

/// One row of what a side holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    pub label: String,
    pub value: String,
    /// A secret (shown in the secret style).
    pub secret: bool,
}

/// A side's panel at a point of playback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Panel {
    pub phase: Phase,
    /// What it waits for, or the message it is handling.
    pub state: String,
    pub holds: Vec<Hold>,
    /// Its traffic keys were erased.
    pub discarded: bool,
    /// The newest lines of its log, oldest first.
    pub log: Vec<String>,
}

fn short(b: &[u8]) -> String {
    let h = hex(b);
    if h.len() > 24 {
        format!("{}…{}", &h[..12], &h[h.len() - 8..])
    } else {
        h
    }
}

fn hold(label: impl Into<String>, value: String, secret: bool) -> Hold {
    Hold { label: label.into(), value, secret }
}

/// The connection playback is in: that of the newest event shown (1 before anything is).
pub fn current_connection(trace: &Trace, shown: &[usize]) -> u32 {
    at(trace, shown).map(|e| e.connection).max().unwrap_or(1)
}

/// The panel of `side` once the events `shown` (trace indices) have been shown: what it holds in
/// the connection playback is in (a new connection starts with an empty panel).
pub fn panel(trace: &Trace, shown: &[usize], side: Side) -> Panel {
    let connection = current_connection(trace, shown);
    let mine: Vec<&TraceEvent> = at(trace, shown).filter(|e| e.side == side && e.connection == connection).collect();
    let events = || mine.iter().filter_map(|e| e.event());
    let start = if side == Side::Server { Phase::ExpectClientHello } else { Phase::Start };
    let phase = events().filter_map(|e| if let Event::Phase { to, .. } = e { Some(*to) } else { None }).next_back().unwrap_or(start);
    // A side that has received the message it waited for, and is still answering it, is no longer
    // waiting: its phase changes only once its answer is sent (the server's whole first flight).
    let handling = mine
        .iter()
        .rev()
        .filter_map(|e| e.event())
        .take_while(|e| !matches!(e, Event::Phase { .. }))
        .find_map(|e| match e {
            Event::HandshakeReceived { message: Some(m), .. } => Some(*m),
            _ => None,
        })
        .filter(|_| !matches!(phase, Phase::Connected | Phase::Closed | Phase::Failed));
    let state = match handling {
        Some(m) => format!("handling {m}"),
        None => waiting_for(phase).to_string(),
    };
    let mut holds: Vec<Hold> = Vec::new();
    // Each private key's row, by group: a client that sent several key shares erases each.
    let mut private_key_rows = Vec::new();
    let several = events().filter(|e| matches!(e, Event::KeyPair { .. })).count() > 1;
    let mut discarded = false;
    for e in events() {
        match e {
            Event::KeyPair { group, private_key, public_key, .. } => {
                private_key_rows.push((*group, holds.len()));
                let of = if several { format!("{group} ") } else { String::new() };
                holds.push(hold(format!("my {of}private key"), short(&private_key.0), true));
                holds.push(hold(format!("my {of}public key"), short(&public_key.0), false));
            }
            Event::PeerPublicKey { public_key, .. } => holds.push(hold("peer's public key", short(&public_key.0), false)),
            Event::SharedSecret { value, .. } => holds.push(hold("shared secret", short(&value.0), true)),
            Event::EphemeralKeyErased { group } => {
                if let Some(i) = private_key_rows.iter().position(|(g, _)| g == group) {
                    let (_, row) = private_key_rows.remove(i);
                    if let Some(row) = holds.get_mut(row) {
                        row.value = "erased".into();
                    }
                }
            }
            Event::Certificate { info } => {
                // The first is the server's own; the others are the CAs it sent along.
                let first = !holds.iter().any(|h| h.label == "server certificate");
                holds.push(hold(if first { "server certificate" } else { "chain certificate" }, info.subject.clone(), false))
            }
            Event::Derived(Derivation { output: Output::Secret(s), value, .. })
                if !matches!(s, Secret::DerivedFromEarly | Secret::DerivedFromHandshake) =>
            {
                holds.push(hold(s.to_string().replace('_', " "), short(&value.0), true))
            }
            Event::KeysInstalled { direction, key, .. } => {
                // One key each way at a time: a new one replaces the one it follows in place.
                let label = if *direction == Direction::Write { "write key" } else { "read key" };
                let row = hold(label, short(&key.0), true);
                match holds.iter_mut().find(|h| h.label == label) {
                    Some(old) => *old = row,
                    None => holds.push(row),
                }
            }
            Event::KeysDiscarded { reason, .. } if *reason != DiscardReason::HandshakeDone => discarded = true,
            _ => {}
        }
    }
    let log: Vec<String> = mine.iter().filter_map(|e| log_line(e)).collect();
    let log = log[log.len().saturating_sub(6)..].to_vec();
    Panel { phase, state, holds, discarded, log }
}

/// One row of the eavesdropper's table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireRow {
    pub from: Side,
    pub encrypted: bool,
    pub header: String,
    /// The type on the wire and the size of what follows the header.
    pub summary: String,
    pub payload: String,
    pub readable: String,
}

/// What someone on the network has seen once the events `shown` have been shown.
pub fn eavesdropper(trace: &Trace, shown: &[usize]) -> Vec<WireRow> {
    let seen: Vec<&TraceEvent> = at(trace, shown).collect();
    seen.iter()
        .enumerate()
        .filter_map(|(pos, e)| match e.event()? {
            Event::RecordSent { bytes, protection, carries, .. } => {
                let b = &bytes.0;
                let on_wire = b.first().map(|t| ContentType(*t).to_string()).unwrap_or_default();
                let server_name = || {
                    seen[..pos].iter().rev().filter(|x| x.side == e.side).find_map(|x| match x.event()? {
                        Event::Offered { server_name, .. } => server_name.clone(),
                        _ => None,
                    })
                };
                let readable = match (protection, carries) {
                    (Some(_), _) => "nothing: ciphertext and a tag. Only the length and the timing show.".to_string(),
                    (None, Carries::Handshake(m)) if m.iter().any(|m| m.typ == crate::tls::enums::HandshakeType::client_hello) => {
                        match server_name() {
                            Some(h) => format!("everything, including the site name {h} (server_name)"),
                            None => "everything: this record is not encrypted".into(),
                        }
                    }
                    (None, Carries::Alert(a)) => format!("everything: an alert ({a}) sent before there were keys"),
                    _ => "everything: this record is not encrypted".into(),
                };
                let payload = hex(b.get(5..).unwrap_or(&[]));
                let payload = if payload.len() > 96 { format!("{}…", &payload[..96]) } else { payload };
                Some(WireRow {
                    from: e.side,
                    encrypted: protection.is_some(),
                    header: hex(b.get(..5).unwrap_or(&[])),
                    summary: format!("{on_wire}, {} bytes", b.len().saturating_sub(5)),
                    payload,
                    readable,
                })
            }
            _ => None,
        })
        .collect()
}

/// A derived value on one side, and whether playback has reached it.
pub type SideValue = Option<(String, bool)>;

/// One derivation of the run with each side's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyNode {
    pub derivation: Derivation,
    pub client: SideValue,
    pub server: SideValue,
}

impl KeyNode {
    pub fn output(&self) -> Output {
        self.derivation.output
    }

    /// Whether playback has reached it on either side.
    pub fn lit(&self) -> bool {
        self.client.as_ref().is_some_and(|x| x.1) || self.server.as_ref().is_some_and(|x| x.1)
    }

    /// Inside the tree a key, IV or finished_key sits under its traffic secret, so it is named
    /// without the secret's name.
    pub fn short_name(&self) -> String {
        match self.derivation.output {
            Output::Secret(s) => s.to_string(),
            Output::Key(_) => "key".into(),
            Output::Iv(_) => "iv".into(),
            Output::FinishedKey(_) => "finished_key".into(),
        }
    }

    fn is_extract(&self) -> bool {
        matches!(self.derivation.hkdf, Hkdf::Extract { .. })
    }

    fn is_derived_step(&self) -> bool {
        matches!(self.derivation.output, Output::Secret(Secret::DerivedFromEarly | Secret::DerivedFromHandshake))
    }
}

/// The key schedule of the connection playback is in (a resumption's starts from the PSK) and how
/// far playback has reached.
pub struct KeyTree {
    pub nodes: Vec<KeyNode>,
    /// The shared secret, once playback has reached it.
    pub shared_secret: Option<String>,
}

/// One stage of the trunk: an extract, and the "derived" step that leads to the next stage.
pub struct Stage<'a> {
    pub extract: &'a KeyNode,
    /// What the extract mixes in: the shared secret for the handshake secret.
    pub ikm: KeyInput,
    /// Everything derived from the extract other than the "derived" step.
    pub branches: Vec<&'a KeyNode>,
    pub derived: Option<&'a KeyNode>,
}

impl KeyTree {
    pub fn new(trace: &Trace, shown: &[usize]) -> Self {
        let mut lit = vec![false; trace.events.len()];
        for &i in shown {
            if let Some(l) = lit.get_mut(i) {
                *l = true;
            }
        }
        let connection = current_connection(trace, shown);
        let mut nodes: Vec<KeyNode> = Vec::new();
        for e in trace.events.iter().filter(|e| e.connection == connection) {
            let Some(Event::Derived(d)) = e.event() else { continue };
            let slot = match nodes.iter().position(|n| n.derivation.output == d.output) {
                Some(i) => i,
                None => {
                    nodes.push(KeyNode { derivation: d.clone(), client: None, server: None });
                    nodes.len() - 1
                }
            };
            let v = Some((hex(&d.value.0), lit.get(e.index).copied().unwrap_or(false)));
            let n = &mut nodes[slot];
            match e.side {
                Side::Client => n.client = n.client.take().or(v),
                Side::Server => n.server = n.server.take().or(v),
                Side::Network => {}
            }
        }
        let shared_secret = at(trace, shown).filter(|e| e.connection == connection).find_map(|e| match e.event()? {
            Event::SharedSecret { value, .. } => Some(hex(&value.0)),
            _ => None,
        });
        KeyTree { nodes, shared_secret }
    }

    /// What was derived from `of`.
    pub fn children(&self, of: Output) -> impl Iterator<Item = &KeyNode> + '_ {
        let parent = match of {
            Output::Secret(s) => Some(s),
            _ => None,
        };
        self.nodes.iter().filter(move |n| parent.is_some() && n.derivation.parent() == parent)
    }

    /// The trunk: from the first extract, each "derived" step leads to the next extract.
    pub fn trunk(&self) -> Vec<Stage<'_>> {
        let mut out = Vec::new();
        let mut at = self.nodes.iter().find(|n| n.is_extract());
        while let Some(t) = at {
            if out.len() >= 8 {
                break;
            }
            let derived = self.children(t.output()).find(|c| c.is_derived_step());
            let ikm = match t.derivation.hkdf {
                Hkdf::Extract { ikm, .. } => ikm,
                _ => KeyInput::Zeros,
            };
            let branches = self.children(t.output()).filter(|c| !c.is_derived_step()).collect();
            out.push(Stage { extract: t, ikm, branches, derived });
            at = derived.and_then(|st| self.children(st.output()).find(|c| c.is_extract()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{run, Options, Scenario};

    #[test]
    #[cfg(feature = "resumption")]
    fn a_resumed_connection_s_key_tree_starts_from_the_psk_with_the_binder_key_and_its_panels_start_empty() {
        let t = run(&Options { seed: Some(2), scenario: Scenario::EarlyData, ..Default::default() });
        let all: Vec<usize> = (0..t.events.len()).collect();
        let tree = KeyTree::new(&t, &all);
        let trunk = tree.trunk();
        assert_eq!(trunk[0].ikm, KeyInput::Psk, "the early secret of connection 2 comes from the PSK");
        let branches: Vec<Output> = trunk[0].branches.iter().map(|n| n.output()).collect();
        for s in [Secret::BinderKey, Secret::ClientEarlyTraffic, Secret::EarlyExporterMaster] {
            assert!(branches.contains(&Output::Secret(s)), "{s} under the early secret: {branches:?}");
        }
        assert!(trunk[0].extract.client.is_some() && trunk[0].extract.server.is_some());
        // At the first event of connection 2 the panels hold nothing of connection 1.
        let first = t.events.iter().position(|e| e.connection == 2).unwrap();
        let p = panel(&t, &[first], Side::Server);
        assert!(p.holds.is_empty(), "{:?}", p.holds);
    }

    #[test]
    fn the_key_tree_has_the_three_stages_of_rfc_8446_section_7_1() {
        let t = run(&Options { seed: Some(2), ..Default::default() });
        let all: Vec<usize> = (0..t.events.len()).collect();
        let tree = KeyTree::new(&t, &all);
        let trunk = tree.trunk();
        let names: Vec<Output> = trunk.iter().map(|s| s.extract.output()).collect();
        assert_eq!(names, [Secret::EarlySecret, Secret::HandshakeSecret, Secret::MasterSecret].map(Output::Secret));
        assert_eq!(trunk[1].ikm, KeyInput::SharedSecret);
        let hs: Vec<Output> = trunk[1].branches.iter().map(|n| n.output()).collect();
        assert_eq!(hs, [Secret::ClientHandshakeTraffic, Secret::ServerHandshakeTraffic].map(Output::Secret));
        let under: Vec<String> = tree.children(Output::Secret(Secret::ClientHandshakeTraffic)).map(|n| n.short_name()).collect();
        assert_eq!(under, ["key", "iv", "finished_key"]);
        assert!(tree.nodes.iter().all(|n| n.client.is_some() && n.client == n.server), "both sides derive every value, equal");
    }

    #[test]
    fn nothing_is_lit_before_playback_reaches_it() {
        let t = run(&Options { seed: Some(2), ..Default::default() });
        assert!(KeyTree::new(&t, &[]).nodes.iter().all(|n| !n.lit()));
        assert!(KeyTree::new(&t, &[]).shared_secret.is_none());
    }

    #[test]
    fn records_are_labelled_by_what_they_carry_and_a_retry_is_named_as_such() {
        let t = run(&Options { seed: Some(5), scenario: Scenario::HelloRetry, ..Default::default() });
        let labels: Vec<(String, Option<String>)> = t
            .events
            .iter()
            .filter_map(|e| match e.event()? {
                Event::RecordSent { bytes, carries, protection, .. } => Some(record_label(bytes.0.len(), carries, protection.as_ref())),
                _ => None,
            })
            .collect();
        assert_eq!(labels[0].0, "ClientHello");
        assert_eq!(labels[1].0, "HelloRetryRequest");
        let inside = labels.iter().find_map(|(_, i)| i.clone()).unwrap();
        assert_eq!(inside, "EncryptedExtensions, Certificate, CertificateVerify, Finished");
    }

    #[test]
    fn the_eavesdropper_reads_the_site_name_in_the_client_hello_and_nothing_inside_encryption() {
        let t = run(&Options { seed: Some(6), hostname: "shop.example".into(), ..Default::default() });
        let all: Vec<usize> = (0..t.events.len()).collect();
        let rows = eavesdropper(&t, &all);
        assert!(rows[0].readable.contains("shop.example"), "{}", rows[0].readable);
        assert!(rows.iter().filter(|r| r.encrypted).all(|r| r.readable.starts_with("nothing")));
        assert!(rows.iter().filter(|r| r.encrypted).all(|r| r.summary.starts_with("application_data")));
    }

    #[test]
    #[cfg(feature = "mlkem")]
    fn a_client_with_two_key_shares_shows_each_private_key_erased() {
        use crate::sim::preset::{ClientOffer, Preset};
        let client = ClientOffer { preset: Preset::Chrome, ..Default::default() };
        let t = run(&Options { seed: Some(7), client, ..Default::default() });
        let all: Vec<usize> = (0..t.events.len()).collect();
        let p = panel(&t, &all, Side::Client);
        for label in ["my X25519MLKEM768 private key", "my x25519 private key"] {
            assert_eq!(p.holds.iter().find(|h| h.label == label).map(|h| h.value.as_str()), Some("erased"), "{label}: {:?}", p.holds);
        }
    }

    #[test]
    fn the_panel_shows_the_erased_private_key_and_one_key_each_way() {
        let t = run(&Options { seed: Some(7), ..Default::default() });
        let all: Vec<usize> = (0..t.events.len()).collect();
        let p = panel(&t, &all, Side::Client);
        assert_eq!(p.phase, Phase::Closed);
        assert_eq!(p.holds.iter().find(|h| h.label == "my private key").map(|h| h.value.as_str()), Some("erased"));
        assert_eq!(
            p.holds
                .iter()
                .filter(|h| h.label.ends_with(" key")
                    && h.label != "my private key"
                    && h.label != "my public key"
                    && h.label != "peer's public key")
                .count(),
            2
        );
        assert!(p.discarded);
        let start = panel(&t, &[], Side::Server);
        assert_eq!((start.phase, start.holds.len()), (Phase::ExpectClientHello, 0));
    }
}
