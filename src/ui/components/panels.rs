//! A side's panel: what it waits for, what it holds, and what it just did.

use tlsviz::model::view::panel;
use tlsviz::sim::Side;
use tlsviz::tls::events::Phase;
use yew::prelude::*;

use super::breakable;

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    pub side: Side,
    pub handle: UseReducerHandle<crate::ui::state::State>,
}

/// Drawn as part of the page, not a component of its own: it has no state, and each component
/// costs the page's WebAssembly its own copy of the framework's machinery.
pub fn side_panel(p: &PanelProps) -> Html {
    let s = &*p.handle;
    let view = panel(&s.trace, &s.shown, p.side);
    let me = s.current().map(|b| b.side == p.side).unwrap_or(false);
    let (name, role) = match p.side {
        Side::Client => ("Client", "this page's TLS client"),
        _ => ("Server", "example.com"),
    };
    html! {
        <section class={classes!("panel", format!("panel-{}", p.side.name()), me.then_some("acting"), (view.phase == Phase::Failed).then_some("failed"))} aria-label={name}>
            <h2>{ name }<span class="role">{ role }</span></h2>
            <p class="phase"><span class="label">{ "State: " }</span><strong>{ breakable(&view.state) }</strong></p>
            <h3>{ "Holds" }</h3>
            if view.holds.is_empty() {
                <p class="muted">{ "nothing yet" }</p>
            } else {
                <dl class={classes!("holds", view.discarded.then_some("discarded"))}>
                    { for view.holds.iter().map(|h| html! {
                        <div class={classes!("hold", h.secret.then_some("secret"))}><dt>{ &h.label }</dt><dd title={h.value.clone()}><code>{ &h.value }</code></dd></div>
                    }) }
                </dl>
                if view.discarded { <p class="muted">{ "Keys erased." }</p> }
            }
            <h3>{ "Log" }</h3>
            <ol class="log">{ for view.log.iter().map(|l| html! { <li>{ breakable(l) }</li> }) }</ol>
        </section>
    }
}
