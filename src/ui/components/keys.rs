//! Every key: the RFC 8446 §7.1 schedule drawn as the tree it is. The trunk runs early secret →
//! handshake secret → master secret (each an HKDF-Extract whose salt is the "derived" step of the
//! one before); every other secret branches off the trunk node it comes from, and each traffic
//! secret's key, IV and finished_key hang off it. The shape comes from the derivations the engine
//! recorded (each names what it came from), so a run that stopped early shows a shorter tree.
//! Each node shows its label, the messages its transcript hash covers and its value on each side,
//! and lights up as playback reaches it.

use tlsviz::model::narration::formula;
use tlsviz::model::view::{KeyNode, KeyTree, SideValue, Stage};
use tlsviz::tls::events::{Hkdf, KeyInput};
use yew::prelude::*;

use super::Props;

fn card(n: &KeyNode) -> Html {
    let (c, sv, d) = (&n.client, &n.server, &n.derivation);
    let lit = n.lit();
    let both = matches!((c, sv), (Some((a, true)), Some((b, true))) if a == b);
    let differ = matches!((c, sv), (Some((a, true)), Some((b, true))) if a != b);
    let shown = |v: &SideValue| v.as_ref().filter(|x| x.1).map(|x| x.0.clone());
    let name = d.output.to_string();
    let hash = match &d.hkdf {
        Hkdf::DeriveSecret { transcript_hash, .. } => Some(tlsviz::tls::codec::hex(&transcript_hash.0)),
        _ => None,
    };
    html! {
        <div class={classes!("knode", lit.then_some("lit"))} data-name={name.clone()}>
            <div class="kname" title={name}>{ n.short_name() }
                if both { <span class="badge ok" title="client and server derived the same value">{ "✓ same on both sides" }</span> }
                if differ { <span class="badge bad">{ "✗ differs" }</span> }
            </div>
            <div class="kfn">{ formula(d) }</div>
            if let Some(h) = hash { <div class="kfn muted">{ "transcript hash " }<code class="wrap">{ h }</code></div> }
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
fn branch(tree: &KeyTree, n: &KeyNode, depth: usize) -> Html {
    let below: Vec<&KeyNode> = if depth < 8 { tree.children(n.output()).collect() } else { Vec::new() };
    html! {
        <li class="kbranch">
            { card(n) }
            if !below.is_empty() {
                <ul class="kleaves">{ for below.iter().map(|c| branch(tree, c, depth + 1)) }</ul>
            }
        </li>
    }
}

/// Drawn as part of the page, not a component of its own: it has no state, and each component
/// costs the page's WebAssembly its own copy of the framework's machinery.
pub fn key_schedule(p: &Props) -> Html {
    let s = &*p.handle;
    let tree = KeyTree::new(&s.trace, &s.shown);
    let trunk = tree.trunk();
    let shared = tree.shared_secret.clone();
    // How the (EC)DHE input is made in this run's group.
    let how = match s.trace.outcome().and_then(|o| o.agreed.as_ref()).map(|a| a.group) {
        Some(tlsviz::tls::enums::NamedGroup::x25519) => "X25519 (RFC 7748): my private key × your public key",
        Some(tlsviz::tls::enums::NamedGroup::X25519MLKEM768) => "ML-KEM-768 shared secret ‖ X25519 shared secret",
        Some(tlsviz::tls::enums::NamedGroup::SecP256r1MLKEM768) => "P-256 ECDH shared secret ‖ ML-KEM-768 shared secret",
        _ => "P-256 Diffie-Hellman: my private key × your public key",
    };
    let stage = |st: &Stage| {
        html! {
            <>
                <li class="kstage" aria-label={format!("{} and what comes from it", st.extract.output())}>
                    <div class="ktrunk">
                        if st.ikm == KeyInput::SharedSecret {
                            <div class={classes!("knode", "input", shared.is_some().then_some("lit"))}>
                                <div class="kname">{ "(EC)DHE shared secret" }</div>
                                <div class="kfn">{ how }</div>
                                <code class="kval">{ shared.clone().unwrap_or_else(|| "not yet computed".into()) }</code>
                                <div class="karrow" aria-hidden="true">{ "↓ IKM" }</div>
                            </div>
                        }
                        if st.ikm == KeyInput::Psk {
                            <div class={classes!("knode", "input", "lit")}>
                                <div class="kname">{ "PSK from the ticket" }</div>
                                <div class="kfn">{ "HKDF-Expand-Label(resumption_master_secret, \"resumption\", ticket_nonce) of the first connection" }</div>
                                <div class="karrow" aria-hidden="true">{ "↓ IKM" }</div>
                            </div>
                        }
                        { card(st.extract) }
                    </div>
                    if !st.branches.is_empty() {
                        <ul class="kbranches">{ for st.branches.iter().map(|c| branch(&tree, c, 0)) }</ul>
                    }
                </li>
                if let Some(d) = st.derived {
                    <li class="kstep">
                        <div class="karrow" aria-hidden="true">{ "↓" }</div>
                        { card(d) }
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
