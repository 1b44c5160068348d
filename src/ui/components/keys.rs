//! Every key: the RFC 8446 §7.1 schedule as a chain, each node with its label, the messages its
//! transcript hash covers, its value on each side, lighting up as playback reaches it.

use tlsviz::sim::Side;
use tlsviz::tls::codec::hex;
use tlsviz::tls::events::{Derivation, Event};
use yew::prelude::*;

use super::Props;

fn stage(name: &str) -> &'static str {
    if name.contains("early") {
        "early"
    } else if name.contains("handshake") || name == "derived (from early)" {
        "handshake"
    } else if name.contains("ticket") || name.contains("resumption") {
        "resumption"
    } else {
        "master"
    }
}

/// A derived value on one side, and whether playback has reached it.
type SideValue = Option<(String, bool)>;

#[function_component(KeySchedule)]
pub fn key_schedule(p: &Props) -> Html {
    let s = &*p.handle;
    let cursor = s.cursor.min(s.trace.events.len());
    // Every derivation in the whole run, in order of first appearance, with each side's value
    // and whether playback has reached it.
    let mut nodes: Vec<(String, Derivation, SideValue, SideValue)> = Vec::new();
    for e in &s.trace.events {
        if let Event::Derived(d) = &e.event {
            let seen = e.index < cursor;
            let slot = match nodes.iter().position(|n| n.0 == d.name) {
                Some(i) => i,
                None => {
                    nodes.push((d.name.clone(), d.clone(), None, None));
                    nodes.len() - 1
                }
            };
            let v = Some((hex(&d.value.0), seen));
            match e.side {
                Side::Client => nodes[slot].2 = nodes[slot].2.clone().or(v),
                Side::Server => nodes[slot].3 = nodes[slot].3.clone().or(v),
                Side::Wire => {}
            }
        }
    }
    let shared = s.trace.events[..cursor].iter().find_map(|e| match &e.event {
        Event::SharedSecret { value } => Some(hex(&value.0)),
        _ => None,
    });
    html! {
        <div class="keys">
            <p class="muted">{ "Both sides run the same derivations on their own. A ✓ means the client and the server arrived at the same value independently; nothing here was sent over the network." }</p>
            <div class={classes!("knode", "input", shared.is_some().then_some("lit"))}>
                <div class="kname">{ "ECDHE shared secret" }</div>
                <div class="kfn">{ "P-256 Diffie-Hellman: my private key × your public key" }</div>
                <code class="kval">{ shared.unwrap_or_else(|| "not yet computed".into()) }</code>
            </div>
            <ol class="chain">
                { for nodes.iter().map(|(name, d, c, sv)| {
                    let lit = c.as_ref().is_some_and(|x| x.1) || sv.as_ref().is_some_and(|x| x.1);
                    let both = matches!((c, sv), (Some((a, true)), Some((b, true))) if a == b);
                    let differ = matches!((c, sv), (Some((a, true)), Some((b, true))) if a != b);
                    let shown = |v: &Option<(String, bool)>| v.as_ref().filter(|x| x.1).map(|x| x.0.clone());
                    html! {
                        <li class={classes!("knode", format!("stage-{}", stage(name)), lit.then_some("lit"))} data-name={name.clone()}>
                            <div class="kname">{ name }
                                if both { <span class="badge ok" title="client and server derived the same value">{ "✓ same on both sides" }</span> }
                                if differ { <span class="badge bad">{ "✗ differs" }</span> }
                            </div>
                            <div class="kfn">
                                { format!("{}(", d.function) }{ &d.from }
                                if !d.label.is_empty() { { format!(", \"tls13 {}\"", d.label) } }
                                if !d.covers.is_empty() { { format!(", Hash({})", d.covers.join(" … ")) } }
                                { ")" }
                            </div>
                            if lit {
                                <dl class="kvals">
                                    if let Some(v) = shown(c) { <div><dt>{ "client" }</dt><dd><code class="kval">{ v }</code></dd></div> }
                                    if let Some(v) = shown(sv) { <div><dt>{ "server" }</dt><dd><code class="kval">{ v }</code></dd></div> }
                                </dl>
                            } else {
                                <p class="muted">{ "not derived yet" }</p>
                            }
                        </li>
                    }
                }) }
            </ol>
        </div>
    }
}
