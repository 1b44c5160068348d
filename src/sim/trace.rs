//! The recorded run: every event of every connection, in order, typed. Serialises to JSON;
//! `docs/trace-schema.md` describes the format.

use serde::{Deserialize, Serialize};

use super::network::NetworkEvent;
use super::{Options, Pki};
use crate::tls::client::Client;
use crate::tls::enums::{AlertDescription, CipherSuite, NamedGroup, SignatureScheme};
use crate::tls::events::{CertificateInfo, Endpoint, Event, Phase};
use crate::tls::server::Server;

/// The schema version of [`Trace`]; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Client,
    Server,
    /// Something that happened on the network between them.
    Network,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
            Side::Network => "network",
        }
    }
}

impl From<Endpoint> for Side {
    fn from(e: Endpoint) -> Side {
        match e {
            Endpoint::Client => Side::Client,
            Endpoint::Server => Side::Server,
        }
    }
}

/// What happened: an endpoint's event, or the network's. Nearly every value is an endpoint's
/// event, so the small network variant is not worth boxing the other for.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Happening {
    Network(NetworkEvent),
    Endpoint(Event),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEvent {
    pub index: usize,
    /// Which connection of the run, counting from 1.
    pub connection: u32,
    pub side: Side,
    #[serde(flatten)]
    pub happening: Happening,
}

impl TraceEvent {
    /// The endpoint event, if this is one.
    pub fn event(&self) -> Option<&Event> {
        match &self.happening {
            Happening::Endpoint(e) => Some(e),
            Happening::Network(_) => None,
        }
    }

    /// The network event, if this is one.
    pub fn network(&self) -> Option<&NetworkEvent> {
        match &self.happening {
            Happening::Network(n) => Some(n),
            Happening::Endpoint(_) => None,
        }
    }
}

/// What was agreed in a connection's hellos.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreed {
    pub suite: CipherSuite,
    pub group: NamedGroup,
    pub signature_scheme: SignatureScheme,
}

/// How one connection ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub connection: u32,
    pub client_phase: Phase,
    pub server_phase: Phase,
    /// Both sides reached Connected at some point.
    pub handshake_complete: bool,
    /// Both sides closed with close_notify.
    pub closed_cleanly: bool,
    /// What the server chose, if it got that far.
    pub agreed: Option<Agreed>,
    /// The application protocol the server chose (RFC 7301), if any.
    pub alpn: Option<String>,
    /// Every alert sent, by whom.
    pub alerts: Vec<(Side, AlertDescription)>,
    /// The client's NSS key log lines.
    pub keylog: Vec<String>,
    /// The server resumed with a ticket of an earlier connection (RFC 8446 §2.2).
    #[serde(default)]
    pub resumed: bool,
    /// The server accepted 0-RTT data (RFC 8446 §2.3).
    #[serde(default)]
    pub early_data_accepted: bool,
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
    /// One per connection, in order.
    pub connections: Vec<Outcome>,
    /// Which record arrived where: for each record carried, the RecordSent event it came from
    /// and the events (the network's, then the receiver's) its arrival caused.
    pub deliveries: Vec<Delivery>,
    /// How long each endpoint spent in its own code (making its hello, handling what arrived).
    /// Measured, so neither written out nor compared: two runs of one seed are equal without it.
    #[serde(skip)]
    pub spent: Spent,
}

/// Microseconds each endpoint spent in its own code during a run, measured with
/// [`super::clock::now_us`]; the certificates, made before the run, are not counted.
#[derive(Clone, Copy, Debug, Default)]
pub struct Spent {
    pub client_us: u64,
    pub server_us: u64,
}

impl Spent {
    pub fn add(&mut self, side: Endpoint, us: u64) {
        match side {
            Endpoint::Client => self.client_us = self.client_us.saturating_add(us),
            Endpoint::Server => self.server_us = self.server_us.saturating_add(us),
        }
    }
}

/// Every measurement equals every other: a trace is the record of a run, and its time is not part
/// of that record.
impl PartialEq for Spent {
    fn eq(&self, _: &Spent) -> bool {
        true
    }
}

impl Eq for Spent {}

/// One record carried by the network: `sent` is the index of its RecordSent event, and the
/// events `first..end` are what its carrying and arrival caused (what the network did to it,
/// then the receiver's handling). Nothing in that range can have happened before `sent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub sent: usize,
    pub first: usize,
    pub end: usize,
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
            connections: Vec::new(),
            deliveries: Vec::new(),
            spent: Spent::default(),
        }
    }

    /// A run that could not start (its certificates could not be made): the reason, and one
    /// connection that never began.
    pub fn failed_setup(seed: u64, opts: &Options, message: String) -> Self {
        let mut t = Trace::new(seed, opts);
        t.push(1, Endpoint::Server, Event::Error { message, alert: None });
        t.connections.push(Outcome {
            connection: 1,
            client_phase: Phase::Start,
            server_phase: Phase::Failed,
            handshake_complete: false,
            closed_cleanly: false,
            agreed: None,
            alpn: None,
            alerts: Vec::new(),
            keylog: Vec::new(),
            resumed: false,
            early_data_accepted: false,
        });
        t
    }

    pub fn set_pki(&mut self, pki: &Pki) {
        use crate::tls::x509::describe::describe;
        self.ca = describe(&pki.ca.der).ok();
        // The client trusts the root itself unless the scenario gave it another CA.
        self.trust_anchor = if pki.anchor.der == pki.ca.der { self.ca.clone() } else { describe(&pki.anchor.der).ok() };
    }

    fn push_happening(&mut self, connection: u32, side: Side, happening: Happening) {
        let index = self.events.len();
        self.events.push(TraceEvent { index, connection, side, happening });
    }

    pub fn push(&mut self, connection: u32, side: Endpoint, event: Event) {
        self.push_happening(connection, side.into(), Happening::Endpoint(event));
    }

    pub fn push_network(&mut self, connection: u32, event: NetworkEvent) {
        self.push_happening(connection, Side::Network, Happening::Network(event));
    }

    /// Close the record of one connection, from its events.
    pub fn finish(&mut self, connection: u32, client: &Client, server: &Server) {
        self.finish_phases(connection, client.phase(), server.phase());
    }

    /// Close the record of one connection whose sides ended in these phases (a connection the
    /// attacker made has no real client: it never started).
    pub fn finish_phases(&mut self, connection: u32, client: Phase, server: Phase) {
        let of =
            |side: Side| self.events.iter().filter(move |e| e.connection == connection && e.side == side).filter_map(TraceEvent::event);
        let connected = |side: Side| of(side).any(|e| matches!(e, Event::Phase { to: Phase::Connected, .. }));
        let (agreed, alpn) = of(Side::Server)
            .find_map(|e| match e {
                Event::Chose { suite, group, signature_scheme, alpn } => {
                    Some((Some(Agreed { suite: *suite, group: *group, signature_scheme: *signature_scheme }), alpn.clone()))
                }
                _ => None,
            })
            .unwrap_or((None, None));
        let alerts = self
            .events
            .iter()
            .filter(|e| e.connection == connection)
            .filter_map(|e| match e.event() {
                Some(Event::AlertSent { description, .. }) => Some((e.side, *description)),
                _ => None,
            })
            .collect();
        let outcome = Outcome {
            connection,
            client_phase: client,
            server_phase: server,
            handshake_complete: connected(Side::Client) && connected(Side::Server),
            closed_cleanly: client == Phase::Closed && server == Phase::Closed,
            agreed,
            alpn,
            alerts,
            keylog: crate::tls::keylog::lines(of(Side::Client)),
            resumed: of(Side::Server).any(|e| matches!(e, Event::Resumed { .. })),
            early_data_accepted: of(Side::Server).any(|e| matches!(e, Event::EarlyDataAccepted { .. })),
        };
        self.connections.push(outcome);
    }

    /// The outcome of the first connection (the one every run has).
    /// Whether the server resumed connection `connection` (from 1) with a ticket of an earlier one.
    pub fn resumed(&self, connection: u32) -> bool {
        (connection as usize).checked_sub(1).and_then(|i| self.connections.get(i)).is_some_and(|o| o.resumed)
    }

    pub fn outcome(&self) -> Option<&Outcome> {
        self.connections.first()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}
