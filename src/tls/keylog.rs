//! NSS key log lines (the format OpenSSL's `-keylogfile` and Wireshark use).

use super::codec::hex;
use super::enums::HandshakeType;
use super::events::{Event, Output, Secret};

const LABELS: [(Secret, &str); 7] = [
    (Secret::ClientHandshakeTraffic, "CLIENT_HANDSHAKE_TRAFFIC_SECRET"),
    (Secret::ServerHandshakeTraffic, "SERVER_HANDSHAKE_TRAFFIC_SECRET"),
    (Secret::ClientApplicationTraffic(0), "CLIENT_TRAFFIC_SECRET_0"),
    (Secret::ServerApplicationTraffic(0), "SERVER_TRAFFIC_SECRET_0"),
    (Secret::ExporterMaster, "EXPORTER_SECRET"),
    (Secret::ClientEarlyTraffic, "CLIENT_EARLY_TRAFFIC_SECRET"),
    (Secret::EarlyExporterMaster, "EARLY_EXPORTER_SECRET"),
];

/// The client random: bytes 6..38 of the first ClientHello in `events`.
pub fn client_random<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<Vec<u8>> {
    events.into_iter().find_map(|e| match e {
        Event::HandshakeSent { message, bytes, .. } | Event::HandshakeReceived { message: Some(message), bytes, .. }
            if message.typ == HandshakeType::client_hello =>
        {
            bytes.0.get(6..38).map(|r| r.to_vec())
        }
        _ => None,
    })
}

/// One line per secret of [`LABELS`] found among `events`' derivations.
pub fn lines<'a>(events: impl IntoIterator<Item = &'a Event> + Clone) -> Vec<String> {
    let Some(random) = client_random(events.clone()) else { return Vec::new() };
    LABELS
        .iter()
        .filter_map(|(secret, label)| {
            events.clone().into_iter().find_map(|e| match e {
                Event::Derived(d) if d.output == Output::Secret(*secret) => Some(format!("{label} {} {}", hex(&random), hex(&d.value.0))),
                _ => None,
            })
        })
        .collect()
}
