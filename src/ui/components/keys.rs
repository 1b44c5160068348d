//! Every key: the RFC 8446 §7.1 schedule drawn as the tree it is. The trunk runs early secret →
//! handshake secret → master secret (each an HKDF-Extract whose salt is the "derived" step of the
//! one before); every other secret branches off the trunk node it comes from, and each traffic
//! secret's key, IV and finished_key hang off it. The shape comes from the derivations the engine
//! recorded (each names what it came from), so a run that stopped early shows a shorter tree.
//! Each node shows its label, the messages its transcript hash covers and its value on each side,
//! and lights up as playback reaches it.

use tlsviz::sim::{Side, TraceEvent};
use tlsviz::tls::codec::hex;
use tlsviz::tls::events::{Derivation, Event};
use yew::prelude::*;

use super::Props;

/// A derived value on one side, and whether playback has reached it.
type SideValue = Option<(String, bool)>;

/// One derivation of the run with each side's value.
struct Node {
    d: Derivation,
    client: SideValue,
    server: SideValue,
}

/// Every derivation of the whole run, in order of first appearance, with each side's value and
/// whether playback has reached it.
fn collect(events: &[TraceEvent], cursor: usize) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    for e in events {
        let Event::Derived(d) = &e.event else { continue };
        let slot = match nodes.iter().position(|n| n.d.name == d.name) {
            Some(i) => i,
            None => {
                nodes.push(Node { d: d.clone(), client: None, server: None });
                nodes.len() - 1
            }
        };
        let v = Some((hex(&d.value.0), e.index < cursor));
        match e.side {
            Side::Client => nodes[slot].client = nodes[slot].client.take().or(v),
            Side::Server => nodes[slot].server = nodes[slot].server.take().or(v),
            Side::Wire => {}
        }
    }
    nodes
}

fn children<'a>(nodes: &'a [Node], of: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
    nodes.iter().filter(move |n| n.d.parent() == of)
}

/// Inside the tree a key, IV or finished_key sits under its traffic secret, so its name is
/// shown without the secret's (the full name stays in the title and in `data-name`).
fn short_name(d: &Derivation) -> &str {
    d.name.strip_prefix(d.parent()).and_then(|r| r.strip_prefix(' ')).unwrap_or(&d.name)
}

fn card(n: &Node) -> Html {
    let (c, sv, d) = (&n.client, &n.server, &n.d);
    let lit = c.as_ref().is_some_and(|x| x.1) || sv.as_ref().is_some_and(|x| x.1);
    let both = matches!((c, sv), (Some((a, true)), Some((b, true))) if a == b);
    let differ = matches!((c, sv), (Some((a, true)), Some((b, true))) if a != b);
    let shown = |v: &SideValue| v.as_ref().filter(|x| x.1).map(|x| x.0.clone());
    html! {
        <div class={classes!("knode", lit.then_some("lit"))} data-name={d.name.clone()}>
            <div class="kname" title={d.name.clone()}>{ short_name(d) }
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
        </div>
    }
}

/// A secret off the trunk and everything derived from it, nested below it.
fn branch(nodes: &[Node], n: &Node, depth: usize) -> Html {
    let below: Vec<&Node> = if depth < 8 { children(nodes, &n.d.name).collect() } else { Vec::new() };
    html! {
        <li class="kbranch">
            { card(n) }
            if !below.is_empty() {
                <ul class="kleaves">{ for below.iter().map(|c| branch(nodes, c, depth + 1)) }</ul>
            }
        </li>
    }
}

#[function_component(KeySchedule)]
pub fn key_schedule(p: &Props) -> Html {
    let s = &*p.handle;
    let cursor = s.cursor.min(s.trace.events.len());
    let nodes = collect(&s.trace.events, cursor);
    let shared = s.trace.events[..cursor].iter().find_map(|e| match &e.event {
        Event::SharedSecret { value } => Some(hex(&value.0)),
        _ => None,
    });
    // The trunk: from the first extract, each "derived" step leads to the next extract.
    let mut trunk: Vec<(&Node, Option<&Node>)> = Vec::new();
    let mut at = nodes.iter().find(|n| n.d.extract_inputs().is_some());
    while let Some(t) = at {
        if trunk.len() >= 8 {
            break;
        }
        let step = children(&nodes, &t.d.name).find(|c| c.d.label == "derived");
        trunk.push((t, step));
        at = step.and_then(|st| children(&nodes, &st.d.name).find(|c| c.d.extract_inputs().is_some()));
    }
    let stage = |(t, step): &(&Node, Option<&Node>)| {
        let ikm = t.d.extract_inputs().map_or("", |(_, ikm)| ikm);
        let off: Vec<&Node> = children(&nodes, &t.d.name).filter(|c| c.d.label != "derived").collect();
        html! {
            <>
                <li class="kstage" aria-label={format!("{} and what comes from it", t.d.name)}>
                    <div class="ktrunk">
                        if ikm == "ECDHE shared secret" {
                            <div class={classes!("knode", "input", shared.is_some().then_some("lit"))}>
                                <div class="kname">{ "ECDHE shared secret" }</div>
                                <div class="kfn">{ "P-256 Diffie-Hellman: my private key × your public key" }</div>
                                <code class="kval">{ shared.clone().unwrap_or_else(|| "not yet computed".into()) }</code>
                                <div class="karrow" aria-hidden="true">{ "↓ IKM" }</div>
                            </div>
                        }
                        { card(t) }
                    </div>
                    if !off.is_empty() {
                        <ul class="kbranches">{ for off.iter().map(|c| branch(&nodes, c, 0)) }</ul>
                    }
                </li>
                if let Some(st) = step {
                    <li class="kstep">
                        <div class="karrow" aria-hidden="true">{ "↓" }</div>
                        { card(st) }
                        <div class="karrow" aria-hidden="true">{ "↓ salt" }</div>
                    </li>
                }
            </>
        }
    };
    html! {
        <div class="keys">
            <p class="muted">{ "Both sides run the same derivations on their own. A ✓ means the client and the server arrived at the same value independently; nothing here was sent over the network. Read it top to bottom: early secret → handshake secret → master secret, with each traffic secret branching off the secret it comes from, and its key and IV below it." }</p>
            if trunk.is_empty() {
                <p>{ "This run derived no keys." }</p>
            } else {
                <ol class="schedule">{ for trunk.iter().map(stage) }</ol>
            }
        </div>
    }
}
