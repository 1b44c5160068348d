//! A side's panel: what it waits for, what it holds, and what it just did.

use tlsviz::sim::Side;
use tlsviz::tls::codec::hex;
use tlsviz::tls::events::{Event, Phase};
use yew::prelude::*;

use crate::ui::narration::log_line;

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    pub side: Side,
    pub handle: UseReducerHandle<crate::ui::state::State>,
}

fn short(b: &[u8]) -> String {
    let h = hex(b);
    if h.len() > 24 { format!("{}…{}", &h[..12], &h[h.len() - 8..]) } else { h }
}

#[function_component(SidePanel)]
pub fn side_panel(p: &PanelProps) -> Html {
    let s = &*p.handle;
    let shown: Vec<_> = s.trace.events[..s.cursor.min(s.trace.events.len())].iter().filter(|e| e.side == p.side).collect();
    let phase = shown.iter().rev().find_map(|e| match e.event { Event::Phase { to, .. } => Some(to), _ => None }).unwrap_or(match p.side {
        Side::Server => Phase::ExpectClientHello,
        _ => Phase::Start,
    });
    // A side that has received the message it waited for, and is still answering it, is no longer
    // waiting: its phase changes only once its answer is sent (the server's whole first flight).
    let handling = shown
        .iter()
        .rev()
        .take_while(|e| !matches!(e.event, Event::Phase { .. }))
        .find_map(|e| match &e.event {
            Event::HandshakeReceived { name, .. } => Some(name.clone()),
            _ => None,
        })
        .filter(|_| !matches!(phase, Phase::Connected | Phase::Closed | Phase::Failed));
    let state = match &handling {
        Some(name) => format!("handling {name}"),
        None => phase.waiting_for().to_string(),
    };
    let discarded = shown.iter().any(|e| matches!(e.event, Event::KeysDiscarded { .. }));
    let mut holds: Vec<(String, String, bool)> = Vec::new();
    for e in &shown {
        match &e.event {
            Event::KeyPair { private_key, public_key, .. } => {
                holds.push(("my private key".into(), short(&private_key.0), true));
                holds.push(("my public key".into(), short(&public_key.0), false));
            }
            Event::PeerPublicKey { public_key, .. } => holds.push(("peer's public key".into(), short(&public_key.0), false)),
            Event::SharedSecret { value } => holds.push(("shared secret".into(), short(&value.0), true)),
            Event::EphemeralKeyErased { .. } => {
                if let Some(row) = holds.iter_mut().find(|h| h.0 == "my private key") {
                    row.1 = "erased".into();
                }
            }
            Event::Certificate { info } => holds.push(("server certificate".into(), info.subject.clone(), false)),
            Event::Derived(d) if !d.name.contains(' ') && (d.name.ends_with("_secret") || d.name.contains("traffic_secret_")) => {
                holds.push((d.name.replace('_', " "), short(&d.value.0), true))
            }
            Event::KeysInstalled { direction, key, .. } => {
                // One key each way at a time: a new one replaces the one it follows in place.
                let label = format!("{} key", if matches!(direction, tlsviz::tls::events::Direction::Write) { "write" } else { "read" });
                let row = (label, short(&key.0), true);
                match holds.iter_mut().find(|h| h.0 == row.0) {
                    Some(old) => *old = row,
                    None => holds.push(row),
                }
            }
            _ => {}
        }
    }
    let log: Vec<String> = shown.iter().filter_map(|e| log_line(e)).collect();
    let recent = log.iter().rev().take(6).rev();
    let me = s.current().map(|e| e.side == p.side).unwrap_or(false);
    let (name, role) = match p.side {
        Side::Client => ("Client", "your browser"),
        _ => ("Server", "example.com"),
    };
    html! {
        <section class={classes!("panel", format!("panel-{}", p.side.name()), me.then_some("acting"), (phase == Phase::Failed).then_some("failed"))} aria-label={name}>
            <h2>{ name }<span class="role">{ role }</span></h2>
            <p class="phase"><span class="label">{ "State: " }</span><strong>{ state }</strong></p>
            <h3>{ "Holds" }</h3>
            if holds.is_empty() {
                <p class="muted">{ "nothing yet" }</p>
            } else {
                <dl class={classes!("holds", discarded.then_some("discarded"))}>
                    { for holds.iter().map(|(k, v, secret)| html! {
                        <div class={classes!("hold", secret.then_some("secret"))}><dt>{ k }</dt><dd><code>{ v }</code></dd></div>
                    }) }
                </dl>
                if discarded { <p class="muted">{ "Keys erased." }</p> }
            }
            <h3>{ "Log" }</h3>
            <ol class="log">{ for recent.map(|l| html! { <li>{ l }</li> }) }</ol>
        </section>
    }
}
