//! The network between the panels: every record sent so far, the newest one in flight.

use tlsviz::sim::Side;
use tlsviz::tls::codec::Field;
use tlsviz::tls::enums::ContentType;
use tlsviz::tls::events::{Event, Protection};
use yew::prelude::*;

use super::Props;
use crate::ui::state::Action;

/// Names of the whole handshake messages in a field tree's fragment (from the codec's tree).
fn message_names(fields: &[Field]) -> Vec<String> {
    let mut out = Vec::new();
    for f in fields {
        for c in &f.children {
            if c.name == "fragment" || c.name == "content" {
                out.extend(c.children.iter().filter(|m| m.name != "level" && m.name != "description").map(|m| m.name.clone()));
            }
        }
    }
    out
}

/// What a record carries, as its sender knows it.
pub fn record_label(bytes: &[u8], fields: &[Field], protection: &Option<Protection>) -> (String, Option<String>) {
    match protection {
        Some(p) => {
            let inside = match p.content_type {
                ContentType::handshake => message_names(&p.inner_fields).join(", "),
                ContentType::application_data => "application data".to_string(),
                ContentType::alert => match p.inner_plaintext.0.get(1) {
                    Some(0) => "alert: close_notify".to_string(),
                    Some(d) => format!("alert: {}", tlsviz::tls::enums::AlertDescription(*d)),
                    None => "alert".to_string(),
                },
                t => t.to_string(),
            };
            (format!("encrypted record, {} bytes", bytes.len()), Some(inside))
        }
        None => match bytes.first().map(|b| ContentType(*b)) {
            Some(ContentType::handshake) => (message_names(fields).join(", "), None),
            Some(ContentType::change_cipher_spec) => ("change_cipher_spec".into(), None),
            Some(ContentType::alert) => (format!("alert: {}", tlsviz::tls::enums::AlertDescription(bytes.get(6).copied().unwrap_or(0))), None),
            _ => ("record".into(), None),
        },
    }
}

fn lock_icon() -> Html {
    html! {
        <svg class="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <rect x="3" y="7" width="10" height="8" rx="1.5" fill="currentColor" />
            <path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" stroke-width="2" />
        </svg>
    }
}

#[function_component(Wire)]
pub fn wire(p: &Props) -> Html {
    let s = &*p.handle;
    let shown = &s.trace.events[..s.cursor.min(s.trace.events.len())];
    let current = s.cursor.checked_sub(1);
    let rows = shown.iter().filter_map(|e| match &e.event {
        Event::RecordSent { bytes, fields, protection } => Some((e, bytes, fields, protection)),
        _ => None,
    });
    // What happened on the network itself: an attacker's change, or the connection being closed.
    let network: Vec<(usize, String)> = shown
        .iter()
        .filter(|e| e.side == Side::Wire)
        .filter_map(|e| match &e.event {
            Event::Note { text } => Some((e.index, text.clone())),
            _ => None,
        })
        .collect();
    html! {
        <section class="wire" aria-label="The network">
            <h2 class="wire-title">{ "Network" }</h2>
            <ol class="records">
                { for rows.map(|(e, bytes, fields, protection)| {
                    let (label, inside) = record_label(&bytes.0, fields, protection);
                    let to_right = e.side == Side::Client;
                    let flying = current == Some(e.index);
                    let selected = s.selected == Some(e.index);
                    let d = p.handle.dispatcher();
                    let i = e.index;
                    let onclick = Callback::from(move |_| { d.dispatch(Action::Select(i)); d.dispatch(Action::Tab(crate::ui::state::Tab::Inspector)); });
                    html! {
                        <li key={e.index} class={classes!("rec", if to_right { "to-server" } else { "to-client" }, if protection.is_some() { "enc" } else { "plain" }, flying.then_some("flying"), selected.then_some("selected"))}>
                            <button class="rec-btn" {onclick} aria-pressed={selected.to_string()}>
                                <span class="sr-only">{ format!("{} from the {}: ", if protection.is_some() { "Encrypted record" } else { "Plaintext record" }, e.side.name()) }</span>
                                <span class="arrow" aria-hidden="true">{ if to_right { "→" } else { "←" } }</span>
                                <span class="lock" aria-hidden="true">{ if protection.is_some() { lock_icon() } else { html! { <span class="tag">{ "plain" }</span> } } }</span>
                                <span class="rec-label">{ label }</span>
                                if let Some(x) = inside { <span class="inside">{ x }</span> }
                            </button>
                            <span class="packet" aria-hidden="true"></span>
                        </li>
                    }
                }) }
                { for network.iter().map(|(i, text)| {
                    let attack = text.starts_with("an attacker");
                    html! { <li key={format!("n{i}")} class={classes!("rec", "network-note", attack.then_some("attack"))}>{ if attack { format!("✗ {text}") } else { text.clone() } }</li> }
                }) }
            </ol>
        </section>
    }
}
