//! The recorded run. Serialises to JSON; `docs/trace-schema.md` describes the format.

use serde::{Deserialize, Serialize};

use super::{Options, Pki};
use crate::tls::client::Client;
use crate::tls::enums::{AlertDescription, ContentType};
use crate::tls::events::{CertificateInfo, Event, Phase};
use crate::tls::server::Server;

/// The schema version of [`Trace`]; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Client,
    Server,
    /// Something that happened on the network between them.
    Wire,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
            Side::Wire => "wire",
        }
    }
}

/// The five plain-language steps of a TLS connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Hello,
    SessionKeys,
    Authentication,
    SecureConnection,
    Closing,
}

impl Step {
    pub const ALL: [Step; 5] = [Step::Hello, Step::SessionKeys, Step::Authentication, Step::SecureConnection, Step::Closing];

    pub fn title(self) -> &'static str {
        match self {
            Step::Hello => "Hello",
            Step::SessionKeys => "Session keys",
            Step::Authentication => "Authentication",
            Step::SecureConnection => "Secure connection",
            Step::Closing => "Closing",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEvent {
    pub index: usize,
    pub side: Side,
    pub step: Step,
    #[serde(flatten)]
    pub event: Event,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub client_phase: Option<Phase>,
    pub server_phase: Option<Phase>,
    /// Both sides reached Connected at some point.
    pub handshake_complete: bool,
    /// Both sides closed with close_notify.
    pub closed_cleanly: bool,
    pub alpn: Option<String>,
    pub alerts: Vec<(Side, AlertDescription)>,
    pub keylog: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    pub schema: u32,
    pub seed: u64,
    pub options: Options,
    /// The CA the server's certificate was issued by.
    pub ca: Option<CertificateInfo>,
    /// The CA the client trusts (differs from `ca` in the untrusted-CA scenario).
    pub trust_anchor: Option<CertificateInfo>,
    pub events: Vec<TraceEvent>,
    pub outcome: Outcome,
    #[serde(skip)]
    last_step: [Option<Step>; 3],
}

impl Trace {
    pub fn new(seed: u64, opts: &Options) -> Self {
        let mut options = opts.clone();
        options.seed = Some(seed);
        Trace {
            schema: SCHEMA_VERSION,
            seed,
            options,
            ca: None,
            trust_anchor: None,
            events: Vec::new(),
            outcome: Outcome::default(),
            last_step: [None; 3],
        }
    }

    pub fn set_pki(&mut self, pki: &Pki) {
        self.ca = crate::tls::x509::describe::describe(&pki.ca.der).ok();
        self.trust_anchor = crate::tls::x509::describe::describe(&pki.anchor.der).ok();
    }

    pub fn push(&mut self, side: Side, event: Event) {
        let slot = side as usize;
        let prev = self.last_step[slot].unwrap_or(Step::Hello);
        let step = classify(&event, prev);
        self.last_step[slot] = Some(step);
        let index = self.events.len();
        self.events.push(TraceEvent { index, side, step, event });
    }

    pub fn push_all(&mut self, side: Side, events: Vec<Event>) {
        for e in events {
            self.push(side, e);
        }
    }

    pub fn finish(&mut self, client: &Client, server: &Server) {
        let connected = |side: Side| {
            self.events.iter().any(|e| e.side == side && matches!(e.event, Event::Phase { to: Phase::Connected, .. }))
        };
        let client_events: Vec<Event> = self.events.iter().filter(|e| e.side == Side::Client).map(|e| e.event.clone()).collect();
        self.outcome = Outcome {
            client_phase: Some(client.phase()),
            server_phase: Some(server.phase()),
            handshake_complete: connected(Side::Client) && connected(Side::Server),
            closed_cleanly: client.phase() == Phase::Closed && server.phase() == Phase::Closed,
            alpn: client.alpn.as_ref().map(|a| String::from_utf8_lossy(a).into_owned()),
            alerts: self
                .events
                .iter()
                .filter_map(|e| match e.event {
                    Event::AlertSent { description, .. } => Some((e.side, description)),
                    _ => None,
                })
                .collect(),
            keylog: crate::tls::keylog::lines(&client_events),
        };
    }

    /// The first event of each step, for "jump to step".
    pub fn step_starts(&self) -> Vec<(Step, Option<usize>)> {
        Step::ALL.iter().map(|s| (*s, self.events.iter().position(|e| e.step == *s))).collect()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// Which of the five steps an event belongs to, given the step of the side's previous event.
fn classify(event: &Event, prev: Step) -> Step {
    let after_handshake = prev >= Step::SecureConnection;
    match event {
        Event::HandshakeSent { name, .. } | Event::HandshakeReceived { name, .. } => match name.as_str() {
            "ClientHello" | "ServerHello" | "HelloRetryRequest" | "EncryptedExtensions" => Step::Hello,
            "Certificate" | "CertificateVerify" | "Finished" => Step::Authentication,
            _ => Step::SecureConnection,
        },
        Event::KeyPair { .. } | Event::PeerPublicKey { .. } => Step::Hello,
        Event::SharedSecret { .. } => Step::SessionKeys,
        Event::Derived(_) | Event::KeysInstalled { .. } if after_handshake => prev,
        Event::Derived(d) if d.name.contains("finished_key") => prev,
        Event::Derived(_) | Event::KeysInstalled { .. } => Step::SessionKeys,
        Event::Certificate { .. } | Event::Check { .. } | Event::Signature { .. } | Event::Finished { .. } => {
            Step::Authentication
        }
        Event::AppDataSent { .. } | Event::AppDataReceived { .. } => Step::SecureConnection,
        Event::AlertSent { description, .. } | Event::AlertReceived { description, .. }
            if *description == AlertDescription::close_notify =>
        {
            Step::Closing
        }
        Event::KeysDiscarded { .. } => Step::Closing.max(prev),
        Event::Phase { to: Phase::Connected, .. } => Step::SecureConnection,
        Event::Phase { to: Phase::Closed, .. } => Step::Closing,
        Event::RecordSent { protection: Some(p), .. } | Event::RecordReceived { protection: Some(p), .. } => {
            match p.content_type {
                ContentType::application_data => Step::SecureConnection,
                ContentType::alert if p.inner_plaintext.0.first() == Some(&1) => Step::Closing,
                _ => prev,
            }
        }
        _ => prev,
    }
}
