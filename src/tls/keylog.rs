//! NSS key log lines (the format OpenSSL's `-keylogfile` and Wireshark use).

use super::codec::hex;
use super::events::{Event, Derivation};

const LABELS: [(&str, &str); 5] = [
    ("client_handshake_traffic_secret", "CLIENT_HANDSHAKE_TRAFFIC_SECRET"),
    ("server_handshake_traffic_secret", "SERVER_HANDSHAKE_TRAFFIC_SECRET"),
    ("client_application_traffic_secret_0", "CLIENT_TRAFFIC_SECRET_0"),
    ("server_application_traffic_secret_0", "SERVER_TRAFFIC_SECRET_0"),
    ("exporter_master_secret", "EXPORTER_SECRET"),
];

/// The client random: bytes 6..38 of the first ClientHello in `events`.
pub fn client_random(events: &[Event]) -> Option<Vec<u8>> {
    events.iter().find_map(|e| match e {
        Event::HandshakeSent { name, bytes, .. } | Event::HandshakeReceived { name, bytes, .. } if name == "ClientHello" => {
            bytes.0.get(6..38).map(|r| r.to_vec())
        }
        _ => None,
    })
}

/// One line per secret of [`LABELS`] found among `events`' derivations.
pub fn lines(events: &[Event]) -> Vec<String> {
    let Some(random) = client_random(events) else { return Vec::new() };
    let derived: Vec<&Derivation> = events.iter().filter_map(|e| if let Event::Derived(d) = e { Some(d) } else { None }).collect();
    LABELS
        .iter()
        .filter_map(|(name, label)| {
            derived.iter().find(|d| d.name == *name).map(|d| format!("{label} {} {}", hex(&random), hex(&d.value.0)))
        })
        .collect()
}
