//! What someone on the wire sees: record headers and payload bytes, never the plaintext of a
//! protected record.

use tlsviz::sim::Side;
use tlsviz::tls::codec::{hex, Field};
use tlsviz::tls::enums::ContentType;
use tlsviz::tls::events::Event;
use yew::prelude::*;

use super::Props;

fn find_value(fields: &[Field], name: &str) -> Option<String> {
    fields.iter().find_map(|f| if f.name == name { Some(f.value.clone()) } else { find_value(&f.children, name) })
}

#[function_component(EavesdropperView)]
pub fn eavesdropper(p: &Props) -> Html {
    let s = &*p.handle;
    let shown = &s.trace.events[..s.cursor.min(s.trace.events.len())];
    let rows: Vec<Html> = shown
        .iter()
        .filter_map(|e| match &e.event {
            Event::RecordSent { bytes, fields, protection } => {
                let b = &bytes.0;
                let typ = b.first().map(|t| ContentType(*t).to_string()).unwrap_or_default();
                let readable = if protection.is_some() {
                    "nothing: ciphertext and a tag. Only the length and the timing show.".to_string()
                } else {
                    match find_value(fields, "HostName") {
                        Some(h) => format!("everything, including the site name {h} (server_name)"),
                        None => "everything: this record is not encrypted".to_string(),
                    }
                };
                let payload = hex(b.get(5..).unwrap_or(&[]));
                let payload = if payload.len() > 96 { format!("{}…", &payload[..96]) } else { payload };
                Some(html! {
                    <tr class={if protection.is_some() { "enc" } else { "plain" }}>
                        <td>{ if e.side == Side::Client { "client → server" } else { "server → client" } }</td>
                        <td><code>{ hex(b.get(..5).unwrap_or(&[])) }</code><br/><span class="muted">{ format!("{typ}, {} bytes", b.len().saturating_sub(5)) }</span></td>
                        <td><code class="wrap">{ payload }</code></td>
                        <td>{ readable }</td>
                    </tr>
                })
            }
            _ => None,
        })
        .collect();
    html! {
        <div class="eavesdropper">
            <p>{ "This is all a third party on the network gets to see. Apart from the two hellos and dummy change_cipher_spec records, every record is labelled \"application_data\": even the certificate and the Finished messages are hidden. Changing a byte of an encrypted record makes its decryption fail; changing a hello makes the Finished check fail." }</p>
            if rows.is_empty() {
                <p class="muted">{ "Nothing has crossed the network yet." }</p>
            } else {
                <table class="wiretable">
                    <thead><tr><th scope="col">{ "direction" }</th><th scope="col">{ "header" }</th><th scope="col">{ "payload" }</th><th scope="col">{ "what the eavesdropper can read" }</th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
        </div>
    }
}
