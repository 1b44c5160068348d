//! The network between the panels: every record sent so far, the newest one in flight.

use tlsviz::model::narration::network;
use tlsviz::model::view::record_label;
use tlsviz::sim::{NetworkEvent, Side, TraceEvent};
use tlsviz::tls::events::Event;
use yew::prelude::*;

use super::{breakable, Props};
use crate::ui::state::Action;

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
    let list = use_node_ref();
    let shown: Vec<&TraceEvent> = s.shown.iter().filter_map(|&i| s.trace.events.get(i)).collect();
    // The lane follows the newest record.
    {
        let list = list.clone();
        use_effect_with(s.shown.len(), move |_| {
            if let Some(el) = list.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    let item = |e: &TraceEvent| -> Option<Html> {
        if let Some(n) = e.network() {
            let attack = !matches!(n, NetworkEvent::TransportClosed);
            let text = network(n).plain;
            return Some(
                html! { <li key={format!("n{}", e.index)} class={classes!("rec", "network-note", attack.then_some("attack"))}>{ if attack { format!("✗ {text}") } else { text } }</li> },
            );
        }
        let Some(Event::RecordSent { bytes, carries, protection, .. }) = e.event() else { return None };
        let (label, inside) = record_label(bytes.0.len(), carries, protection.as_ref());
        let to_right = e.side == Side::Client;
        let flying = s.in_current(e.index);
        let selected = s.selected == Some(e.index);
        let d = p.handle.dispatcher();
        let i = e.index;
        let onclick = Callback::from(move |_| {
            d.dispatch(Action::Select(i));
            d.dispatch(Action::Tab(crate::ui::state::Tab::Bytes));
        });
        Some(html! {
            <li key={e.index} class={classes!("rec", if to_right { "to-server" } else { "to-client" }, if protection.is_some() { "enc" } else { "plain" }, flying.then_some("flying"), selected.then_some("selected"))}>
                <button class="rec-btn" {onclick} aria-pressed={selected.to_string()}>
                    <span class="sr-only">{ format!("{} from the {}: ", if protection.is_some() { "Encrypted record" } else { "Plaintext record" }, e.side.name()) }</span>
                    <span class="arrow" aria-hidden="true">{ if to_right { "→" } else { "←" } }</span>
                    <span class="lock" aria-hidden="true">{ if protection.is_some() { lock_icon() } else { html! { <span class="tag">{ "plain" }</span> } } }</span>
                    <span class="rec-label">{ breakable(&label) }</span>
                    if let Some(x) = inside { <span class="inside">{ breakable(&x) }</span> }
                </button>
                <span class="packet" aria-hidden="true"></span>
            </li>
        })
    };
    html! {
        <section class="wire" aria-label="The network">
            <h2 class="wire-title">{ "Network" }</h2>
            <ol class="records" ref={list}>
                { for shown.iter().filter_map(|e| item(e)) }
            </ol>
        </section>
    }
}
