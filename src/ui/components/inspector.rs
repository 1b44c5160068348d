//! Every byte: a hex dump beside the codec's field tree. Hovering or focusing a field highlights
//! its bytes; hovering a byte highlights its field. Protected records can be seen as they were on
//! the wire or decrypted, with everything that went into their protection.

use tlsviz::model::view::record_label;
use tlsviz::tls::codec::{hex, Field};
use tlsviz::tls::events::{Event, Protection};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::Props;
use crate::ui::state::Action;

#[derive(Properties, PartialEq)]
pub struct HexProps {
    pub bytes: Vec<u8>,
    pub fields: Vec<Field>,
    pub label: AttrValue,
}

/// The deepest field containing byte `i`.
fn field_at(fields: &[Field], i: usize) -> Option<&Field> {
    let f = fields.iter().find(|f| i >= f.start && i < f.start + f.len)?;
    field_at(&f.children, i).or(Some(f))
}

#[function_component(HexView)]
pub fn hex_view(p: &HexProps) -> Html {
    let hl = use_state(|| None::<(usize, usize)>);
    let over = {
        let hl = hl.clone();
        let fields = p.fields.clone();
        Callback::from(move |e: MouseEvent| {
            let i = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.get_attribute("data-i"))
                .and_then(|v| v.parse::<usize>().ok());
            if let Some(f) = i.and_then(|i| field_at(&fields, i)) {
                hl.set(Some((f.start, f.len)));
            }
        })
    };
    let leave = {
        let hl = hl.clone();
        Callback::from(move |_| hl.set(None))
    };
    let range = *hl;
    let in_range = |i: usize| range.is_some_and(|(s, l)| i >= s && i < s + l);
    let rows = p.bytes.chunks(16).enumerate().map(|(r, chunk)| {
        html! {
            <div class="hex-row">
                <span class="off">{ format!("{:04x}", r * 16) }</span>
                { for chunk.iter().enumerate().map(|(j, b)| {
                    let i = r * 16 + j;
                    html! { <span class={classes!("b", in_range(i).then_some("hl"))} data-i={i.to_string()}>{ format!("{b:02x}") }</span> }
                }) }
            </div>
        }
    });
    html! {
        <div class="hexview">
            <div class="hex" tabindex="0" onmouseover={over} onmouseleave={leave.clone()} aria-label={format!("{}: {} bytes in hexadecimal", p.label, p.bytes.len())} role="region">{ for rows }</div>
            <div class="tree" tabindex="0" role="region" aria-label="Fields">
                <ul>{ for p.fields.iter().map(|f| tree_node(f, &hl, range)) }</ul>
            </div>
        </div>
    }
}

fn tree_node(f: &Field, hl: &UseStateHandle<Option<(usize, usize)>>, range: Option<(usize, usize)>) -> Html {
    let r = (f.start, f.len);
    let set = |v: Option<(usize, usize)>| {
        let hl = hl.clone();
        move || hl.set(v)
    };
    let (enter, focus, leave, blur) = (set(Some(r)), set(Some(r)), set(None), set(None));
    let active = range == Some(r);
    html! {
        <li>
            <button class={classes!("field", active.then_some("hl"))} onmouseenter={Callback::from(move |_: MouseEvent| enter())} onfocus={Callback::from(move |_: FocusEvent| focus())}
                onmouseleave={Callback::from(move |_: MouseEvent| leave())} onblur={Callback::from(move |_: FocusEvent| blur())}
                aria-describedby={None::<String>} title={format!("bytes {}–{}", f.start, f.start + f.len.saturating_sub(1))}
                data-start={f.start.to_string()} data-len={f.len.to_string()}>
                <span class="fname">{ &*f.name }</span>
                if !f.value.is_empty() { <span class="fvalue">{ &f.value }</span> }
                if !f.meaning.is_empty() { <span class="fmeaning">{ &*f.meaning }</span> }
            </button>
            if !f.children.is_empty() {
                <ul>{ for f.children.iter().map(|c| tree_node(c, hl, range)) }</ul>
            }
        </li>
    }
}

fn protection_table(p: &Protection, aead: &str) -> Html {
    let row = |k: &str, v: String, note: &str| html! { <tr><th scope="row">{ k }</th><td><code class="wrap">{ v }</code></td><td class="muted">{ note }</td></tr> };
    html! {
        <table class="protection">
            <caption>{ "How this record was protected (RFC 8446 §5.2–5.3)" }</caption>
            <tbody>
                { row("traffic secret", p.secret.to_string(), "the key and IV below come from it") }
                { row("key", hex(&p.key.0), &format!("{}-byte {} key", p.key.0.len(), aead)) }
                { row("IV", hex(&p.iv.0), "12-byte static IV") }
                { row("sequence number", p.sequence_number.to_string(), "counts records sent under this key, from 0") }
                { row("nonce", hex(&p.nonce.0), "IV XOR the sequence number: never reused") }
                { row("additional data", hex(&p.additional_data.0), "the record header, authenticated but not encrypted") }
                { row("plaintext", hex(&p.inner_plaintext.0), "content, then the real content type, then padding zeros") }
                { row("ciphertext", hex(&p.ciphertext.0), &format!("{aead} output: as long as the plaintext")) }
                { row("tag", hex(&p.tag.0), "16 bytes after the ciphertext: a change to any bit of the header, the ciphertext or the tag makes this check fail") }
            </tbody>
        </table>
    }
}

/// Drawn as part of the page (no component of its own: the view it shows lives in the state).
pub fn inspector(p: &Props) -> Html {
    let s = &*p.handle;
    let decrypted = !s.as_sent;
    let Some(e) = s.selected.and_then(|i| s.trace.events.get(i)) else {
        return html! { <p class="muted">{ "Choose a record on the network (or play the handshake) to see its bytes here." }</p> };
    };
    match e.event() {
        Some(Event::RecordSent { bytes, fields, protection, carries, .. }) => {
            let (label, inside) = record_label(bytes.0.len(), carries, protection.as_ref());
            let toggle = |to: bool, text: &str| {
                let d = p.handle.dispatcher();
                html! { <button class={classes!("seg", (decrypted == to).then_some("active"))} aria-pressed={(decrypted == to).to_string()} onclick={Callback::from(move |_| d.dispatch(Action::AsSent(!to)))}>{ text }</button> }
            };
            html! {
                <div class="inspector">
                    <h3>{ format!("Record from the {}: {}", e.side.name(), label) }{ inside.map(|x| format!(" — inside: {x}")).unwrap_or_default() }</h3>
                    if let Some(pr) = protection {
                        <div class="segmented" role="group" aria-label="View">{ toggle(false, "As on the wire") }{ toggle(true, "Decrypted") }</div>
                        if decrypted {
                            <HexView bytes={pr.inner_plaintext.0.clone()} fields={pr.inner_fields.clone()} label="Decrypted record" />
                            { protection_table(pr, tlsviz::model::narration::aead_name(tlsviz::model::narration::record_suite(&s.trace, e, pr.secret))) }
                        } else {
                            <HexView bytes={bytes.0.clone()} fields={fields.clone()} label="Record as sent" />
                        }
                    } else {
                        <p class="muted">{ "A plaintext record: these exact bytes are visible to anyone on the network." }</p>
                        <HexView bytes={bytes.0.clone()} fields={fields.clone()} label="Record as sent" />
                    }
                </div>
            }
        }
        Some(ev @ (Event::HandshakeSent { bytes, fields, .. } | Event::HandshakeReceived { bytes, fields, .. })) => {
            let (name, verb) = match ev {
                Event::HandshakeSent { message, .. } => (message.to_string(), "encoded"),
                Event::HandshakeReceived { message: Some(m), .. } => (m.to_string(), "decoded"),
                _ => ("An undecodable message".to_string(), "received"),
            };
            html! {
                <div class="inspector">
                    <h3>{ format!("{name} ({} bytes), as the {} {verb} it", bytes.0.len(), e.side.name()) }</h3>
                    <HexView bytes={bytes.0.clone()} fields={fields.clone()} label={AttrValue::from(name)} />
                </div>
            }
        }
        _ => html! { <p class="muted">{ "Nothing to inspect for this event." }</p> },
    }
}
