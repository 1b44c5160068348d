//! Play, pause, step, jump to a step, speed, new handshake, scenario, client; and the progress
//! bar.

use tlsviz::model::playback::Step;
use tlsviz::sim::preset::{self, ClientOffer, Preset};
use tlsviz::sim::{Options, Scenario};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::Props;
use crate::ui::state::Action;

/// Move keyboard focus to the Play button.
pub fn focus_player() {
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("play")) {
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
}

/// Run with new options. The page's default build runs only its own client's offer (P-256,
/// AES-128-GCM) and no scenario that needs resumption or an attacker that speaks TLS
/// ([`Options::runs_here`]): for anything else it loads the page again at an address with the
/// new scenario, `client`, `group` and `suite`, which index.html answers with the full build, and
/// `play=1`, so that it plays at once.
fn run(d: &UseReducerDispatcher<crate::ui::state::State>, opts: Options) {
    if opts.runs_here() {
        d.dispatch(Action::Run(opts));
        // Back to the player, so the arrow keys step instead of changing a menu.
        focus_player();
        return;
    }
    let m = tlsviz::model::moment::Moment {
        scenario: Some(opts.scenario.clone()),
        key_update: opts.key_update,
        client: opts.client,
        ..Default::default()
    };
    if let (Some(w), Ok(q)) = (web_sys::window(), web_sys::UrlSearchParams::new()) {
        for (k, v) in m.pairs() {
            q.append(k, &v);
        }
        // The run starts playing, as a choice in place does (the page drops `play` from the
        // address once it has read it).
        q.append("play", "1");
        let _ = w.location().set_search(&String::from(q.to_string()));
    }
}

/// Drawn as part of the page, not a component of its own: it has no state, and each component
/// costs the page's WebAssembly its own copy of the framework's machinery.
pub fn controls(p: &Props) -> Html {
    let s = &*p.handle;
    let d = p.handle.dispatcher();
    let len = s.play.beats.len();
    let click = |a: fn() -> Action| {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(a()))
    };
    let current = s.current().map(|b| b.step);
    let starts = tlsviz::model::playback::step_starts(&s.play);
    // A step the run never reaches looks like any other until playback has shown how it ends:
    // before that, its chip goes to the end of the run, where the conclusion says what happened.
    let ended = s.ending_shown();
    let steps = Step::ALL.iter().map(|step| {
        let step = *step;
        let d = d.clone();
        let present = starts.iter().any(|(st, b)| *st == step && b.is_some());
        let active = current == Some(step);
        html! {
            <button class={classes!("chip", active.then_some("active"))} disabled={!present && ended} aria-pressed={active.to_string()}
                title={if present || !ended { format!("Jump to {}", step.title()) } else { "This run never got there".to_string() }}
                onclick={Callback::from(move |_| d.dispatch(Action::JumpStep(step)))}>
                <span class="chip-n">{ Step::ALL.iter().position(|x| *x == step).map(|i| i + 1).unwrap_or(0) }</span>{ step.title() }
            </button>
        }
    });
    let speed = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                d.dispatch(Action::Speed(sel.value().parse().unwrap_or(1)));
            }
        })
    };
    let scenario_key = s.trace.options.scenario.key();
    let scenario = {
        let d = d.clone();
        let opts = s.trace.options.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                if let Some(sc) = Scenario::from_key(&sel.value()) {
                    let opts = Options {
                        seed: None,
                        scenario: sc,
                        client_messages: Options::default().client_messages,
                        server_replies: Options::default().server_replies,
                        ..opts.clone()
                    };
                    run(&d, opts);
                }
            }
        })
    };
    let offer = s.trace.options.client;
    // A menu of the client's offer: `pick` makes the new offer from the option chosen.
    let offer_menu = |pick: fn(ClientOffer, &str) -> Option<ClientOffer>| {
        let d = d.clone();
        let opts = s.trace.options.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                if let Some(client) = pick(opts.client, &sel.value()) {
                    run(&d, Options { seed: None, client, ..opts.clone() });
                }
            }
        })
    };
    let client = offer_menu(|o, v| Preset::from_key(v).map(|preset| ClientOffer { preset, ..o }));
    let group = offer_menu(|o, v| Some(ClientOffer { group: preset::group_named(v), ..o }));
    let suite = offer_menu(|o, v| Some(ClientOffer { suite: preset::suite_named(v), ..o }));
    let fresh = {
        let d = d.clone();
        let opts = s.trace.options.clone();
        Callback::from(move |_| {
            d.dispatch(Action::Run(Options {
                seed: None,
                client_messages: Options::default().client_messages,
                server_replies: Options::default().server_replies,
                ..opts.clone()
            }))
        })
    };
    // The same run with or without a KeyUpdate after the data (RFC 8446 §4.6.3).
    let key_update = {
        let d = d.clone();
        let opts = s.trace.options.clone();
        Callback::from(move |_: Event| d.dispatch(Action::Run(Options { key_update: !opts.key_update, ..opts.clone() })))
    };
    // On a phone the playback buttons are a bar at the bottom of the screen (style.css), so that
    // they stay under the reader's thumb however long the narration above them grows.
    let player = html! {
        <div class="player">
            <button onclick={click(|| Action::Prev)} disabled={s.beat == 0} aria-label="Step back" title="Step back (←)">{ "◀" }</button>
            <button id="play" class="primary" onclick={click(|| Action::TogglePlay)} aria-label={if s.playing { "Pause" } else { "Play" }} title="Play or pause (space)">
                { if s.playing { "❚❚ Pause" } else if s.at_end() { "↺ Replay" } else { "▶ Play" } }
            </button>
            <button onclick={click(|| Action::Next)} disabled={s.at_end()} aria-label="Step forward" title="Step forward (→)">{ "▶" }</button>
            <label class="speed">{ "Speed " }
                <select onchange={speed} aria-label="Playback speed">
                    { for [1u32, 2, 4].iter().map(|x| html! { <option value={x.to_string()} selected={s.speed == *x}>{ format!("{x}×") }</option> }) }
                </select>
            </label>
        </div>
    };
    // Tenths of a percent, in integers: float formatting would add its tables to the page.
    let permille = (s.beat * 1000).checked_div(len).unwrap_or(0);
    html! {
        <div class="controls" role="group" aria-label="Playback">
            <div class="buttons">
                { player }
                <button onclick={fresh} title="Run a new handshake with fresh keys">{ "New handshake" }</button>
                <label class="scenario">{ "Scenario " }
                    <select onchange={scenario} aria-label="Scenario">
                        { for Scenario::ALL.iter().map(|sc| html! { <option value={sc.key()} selected={sc.key() == scenario_key}>{ sc.title() }</option> }) }
                    </select>
                </label>
                <label class="client">{ "Client " }
                    <select onchange={client} aria-label="Whose ClientHello the client sends">
                        { for Preset::ALL.iter().map(|p| html! { <option value={p.key()} selected={*p == offer.preset}>{ p.title() }</option> }) }
                    </select>
                </label>
                <label class="client">{ "Group " }
                    <select onchange={group} aria-label="Key-exchange group">
                        <option value="" selected={offer.group.is_none()}>{ "as the client offers" }</option>
                        { for preset::GROUP_CHOICES.iter().map(|g| html! { <option value={g.to_string()} selected={offer.group == Some(*g)}>{ g.to_string() }</option> }) }
                    </select>
                </label>
                <label class="client">{ "Suite " }
                    <select onchange={suite} aria-label="Cipher suite">
                        <option value="" selected={offer.suite.is_none()}>{ "as the client offers" }</option>
                        { for preset::SUITE_CHOICES.iter().map(|c| html! { <option value={c.to_string()} selected={offer.suite == Some(*c)}>{ c.to_string() }</option> }) }
                    </select>
                </label>
                <label class="keyupdate" title="After the data, the client moves both directions to fresh keys (RFC 8446 §4.6.3)">
                    <input type="checkbox" checked={s.trace.options.key_update} onchange={key_update} />{ " KeyUpdate" }
                </label>
            </div>
            <nav class="steps" aria-label="The five steps">{ for steps }</nav>
            <div class="progress" role="progressbar" aria-label="Playback position" aria-valuemin="0" aria-valuemax={len.to_string()} aria-valuenow={s.beat.to_string()}
                aria-valuetext={format!("beat {} of {}", s.beat, len)}>
                <div class="bar" style={format!("width:{}.{}%", permille / 10, permille % 10)}></div>
                <span class="count">{ format!("{} / {}", s.beat, len) }</span>
            </div>
        </div>
    }
}
