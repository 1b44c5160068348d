//! The visualizer page. It runs the simulation (a real TLS 1.3 client and server) and plays its
//! trace back; no module here decodes a byte or derives a key: everything shown comes from the
//! trace.

mod components;
mod state;

use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::Timeout;
use tlsviz::model::moment::Moment;
use tlsviz::model::playback::Step;
use tlsviz::sim::{self, Options};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use components::{
    controls, document, eavesdropper_view, inspector, key_schedule, message_box, side_panel, trace_tools, Narrator, PanelProps, Props, Wire,
};
use state::{Action, State, Tab};

/// The moment the page's address points to (see `tlsviz::model::moment`), and a notice for a bad
/// value.
fn moment_from_url() -> (Moment, Option<String>) {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let mut pairs = Vec::new();
    if let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) {
        for name in ["seed", "scenario", "message", "keyupdate", "client", "group", "suite", "step", "beat", "tab", "record", "embed"] {
            pairs.extend(params.get_all(name).iter().filter_map(|v| v.as_string()).map(|v| (name.to_string(), v)));
        }
    }
    let (mut moment, problems) = Moment::parse(&pairs);
    // A page in a frame takes the embed layout, whatever its address says.
    let framed = web_sys::window()
        .is_some_and(|w| w.top().ok().flatten().is_some_and(|t| wasm_bindgen::JsValue::from(t) != wasm_bindgen::JsValue::from(w)));
    moment.embed |= framed;
    let notice = (!problems.is_empty()).then(|| format!("This link could not be followed exactly: {}.", problems.join("; ")));
    (moment, notice)
}

/// Milliseconds with three decimals, formatted through integers (float formatting would add its
/// tables to the page).
fn ms(x: f64) -> String {
    let us = (x * 1000.0).round().max(0.0) as u64;
    format!("{}.{:03}", us / 1000, us % 1000)
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

fn url_param(name: &str) -> Option<String> {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
}

/// `?bench=N`: time N full connections in WebAssembly and leave the figures in the page for the
/// benchmark script. The link's `client`, `group` and `suite` choose what the client offers, as
/// for a run shown (`make bench` times each group and each suite this way, in the full build).
fn run_bench() {
    let Some(n) = url_param("bench").and_then(|n| n.parse::<u32>().ok()) else { return };
    let n = n.clamp(1, 1000);
    let client = moment_from_url().0.client;
    let opts = |seed: u64| Options { seed: Some(seed), client, ..Options::default() };
    // Warm up first: the browser compiles WebAssembly in tiers, and the first runs are slower.
    for i in 0..5u64 {
        let _ = sim::run(&opts(i));
    }
    let mut times = Vec::new();
    for i in 0..n {
        let t = now_ms();
        let trace = sim::run(&opts(u64::from(i) + 1000));
        times.push(now_ms() - t);
        assert!(trace.outcome().is_some_and(|o| o.handshake_complete), "benchmark handshake failed");
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let median = times[times.len() / 2];
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("bench-result")) {
        let text =
            format!("{{\"runs\":{n},\"median_ms\":{},\"min_ms\":{},\"max_ms\":{}}}", ms(median), ms(times[0]), ms(times[times.len() - 1]));
        el.set_text_content(Some(&text));
    }
}

thread_local! {
    /// The state of the first run, computed before the page is drawn.
    static PREPARED: std::cell::RefCell<Option<State>> = const { std::cell::RefCell::new(None) };
}

/// The element id of a tab (`tab-Keys`).
fn tab_id(t: Tab) -> &'static str {
    match t {
        Tab::Bytes => "Bytes",
        Tab::Keys => "Keys",
        Tab::Eavesdropper => "Eavesdropper",
        Tab::Document => "Document",
    }
}

/// This moment on the full page (not embedded).
fn full_page_link(state: &State) -> String {
    let moment = Moment { embed: false, ..state.moment() };
    let query: Vec<String> =
        moment.pairs().into_iter().map(|(k, v)| format!("{k}={}", String::from(js_sys::encode_uri_component(&v)))).collect();
    format!("./?{}", query.join("&"))
}

#[function_component(App)]
fn app() -> Html {
    let state = use_reducer(|| {
        PREPARED.with(|p| p.borrow_mut().take()).unwrap_or_else(|| {
            let (moment, notice) = moment_from_url();
            State::at(&moment, notice)
        })
    });

    // Playback: while playing, each beat stays on screen for its reading time (its words at 200 a
    // minute, plus its animation), divided by the speed.
    {
        let dispatcher = state.dispatcher();
        let delay = state.current().map_or(600, |b| b.duration_ms(state.speed));
        use_effect_with((state.beat, state.playing, state.speed, state.trace.seed), move |(_, playing, _, _)| {
            let t = playing.then(|| Timeout::new(delay, move || dispatcher.dispatch(Action::Next)));
            move || drop(t)
        });
    }

    // Keyboard: space plays or pauses, arrows step by beat, Home and End go to the start and the
    // conclusion. Typing in a field (or choosing in a menu) is left alone.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let doc = web_sys::window().and_then(|w| w.document());
            let listener = doc.map(|d| {
                EventListener::new_with_options(&d, "keydown", EventListenerOptions::enable_prevent_default(), move |ev| {
                    let Some(ev) = ev.dyn_ref::<web_sys::KeyboardEvent>() else { return };
                    let tag = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).map(|e| e.tag_name()).unwrap_or_default();
                    if matches!(tag.as_str(), "INPUT" | "TEXTAREA" | "SELECT") || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
                        return;
                    }
                    match ev.key().as_str() {
                        " " if tag != "BUTTON" && tag != "A" => {
                            ev.prevent_default();
                            dispatcher.dispatch(Action::TogglePlay);
                        }
                        "ArrowRight" => {
                            ev.prevent_default();
                            dispatcher.dispatch(Action::Next);
                        }
                        "ArrowLeft" => {
                            ev.prevent_default();
                            dispatcher.dispatch(Action::Prev);
                        }
                        "Home" => {
                            ev.prevent_default();
                            dispatcher.dispatch(Action::Home);
                        }
                        "End" => {
                            ev.prevent_default();
                            dispatcher.dispatch(Action::End);
                        }
                        _ => {}
                    }
                })
            });
            move || drop(listener)
        });
    }

    // `play=1`: the page was loaded again with the full build for a choice made in the menu, and
    // plays at once as it would have in place. Read before the address is rewritten below.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            if url_param("play").as_deref() == Some("1") {
                dispatcher.dispatch(Action::TogglePlay);
            }
        });
    }

    // Keep the address a permalink to this run.
    {
        let query = state.moment().pairs();
        use_effect_with(query, move |query| {
            if let (Some(h), Ok(q)) = (web_sys::window().and_then(|w| w.history().ok()), web_sys::UrlSearchParams::new()) {
                for (k, v) in query {
                    q.append(k, v);
                }
                let url = format!("?{}", String::from(q.to_string()));
                let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        });
    }

    // In a frame the document itself does not scroll (see the embed styles).
    {
        let embed = state.embed;
        use_effect_with(embed, move |embed| {
            if let Some(html) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
                let _ = if *embed { html.set_attribute("class", "embed") } else { html.remove_attribute("class") };
            }
        });
    }

    // Mark the first complete render, for the benchmark's time-to-first-handshake figure.
    use_effect_with((), |_| {
        if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app")) {
            let _ = el.set_attribute("data-first-render-ms", &ms(now_ms()));
        }
    });

    let current_step = state.current().map(|b| b.step);
    let tab = |t: Tab, label: &str| {
        let d = state.dispatcher();
        let selected = state.tab == t;
        html! {
            <button role="tab" id={format!("tab-{}", tab_id(t))} aria-selected={selected.to_string()} aria-controls="tabpanel"
                class={classes!("tab", selected.then_some("active"))} onclick={Callback::from(move |_| d.dispatch(Action::Tab(t)))}>{ label }</button>
        }
    };

    html! {
        <div id="app" class={classes!("app", state.embed.then_some("embed"), format!("step-{}", current_step.map_or(0, |s| Step::ALL.iter().position(|x| *x == s).map_or(0, |i| i + 1))))}>
            <header class="top">
                <div class="title">
                    if state.embed {
                        <h1><a href={full_page_link(&state)} target="_blank" rel="noopener">{ "TLS 1.3 handshake, byte by byte" }</a>
                            <a class="open-full" href={full_page_link(&state)} target="_blank" rel="noopener">{ "Open the full page ↗" }</a></h1>
                    } else {
                        <h1>{ "TLS 1.3 handshake, byte by byte" }</h1>
                    }
                    <p class="lede">{ "A real TLS 1.3 client and a real TLS 1.3 server, compiled to WebAssembly, connect to each other in your browser. Every byte, key and ciphertext below was computed just now." }</p>
                </div>
                { controls(&Props { handle: state.clone() }) }
            </header>
            if let Some(n) = &state.notice {
                <div class="notice" role="status">
                    <span>{ n.clone() }</span>
                    <button class="link" onclick={{ let d = state.dispatcher(); Callback::from(move |_| d.dispatch(Action::Notice(None))) }}>{ "Dismiss" }</button>
                </div>
            }
            <Narrator handle={state.clone()} />
            <main class="stage">
                { side_panel(&PanelProps { side: sim::Side::Client, handle: state.clone() }) }
                <Wire handle={state.clone()} />
                { side_panel(&PanelProps { side: sim::Side::Server, handle: state.clone() }) }
            </main>
            { message_box(&Props { handle: state.clone() }) }
            <section class={classes!("tabs", state.sheet.then_some("sheet"))} aria-label="Details">
                <button class="sheet-close" onclick={{ let d = state.dispatcher(); Callback::from(move |_| { d.dispatch(Action::CloseSheet); components::focus_player(); }) }}>{ "✕ Back to the handshake" }</button>
                <div role="tablist" aria-label="Detail views">
                    { tab(Tab::Bytes, "Bytes") }
                    { tab(Tab::Keys, "Key schedule") }
                    { tab(Tab::Eavesdropper, "Eavesdropper's view") }
                    { tab(Tab::Document, "Read it all") }
                </div>
                <div id="tabpanel" role="tabpanel" aria-labelledby={format!("tab-{}", tab_id(state.tab))} class="tabpanel">
                    { match state.tab {
                        Tab::Bytes => inspector(&Props { handle: state.clone() }),
                        Tab::Keys => key_schedule(&Props { handle: state.clone() }),
                        Tab::Eavesdropper => eavesdropper_view(&Props { handle: state.clone() }),
                        Tab::Document => document(&Props { handle: state.clone() }),
                    } }
                </div>
            </section>
            { trace_tools(&Props { handle: state.clone() }) }
            <footer class="foot">
                // What this run agreed on (nothing, if it failed before the server chose).
                <p>{ state.trace.connections.first().and_then(|o| o.agreed).map_or_else(
                        || "TLS 1.3 · ".to_string(),
                        |a| format!("{} · {} · {} · ", a.suite, a.group, a.signature_scheme)) }
                   <a href="https://www.rfc-editor.org/rfc/rfc8446" target="_blank" rel="noopener">{ "RFC 8446" }</a>
                   { " · Nothing leaves this page: the client, the server and the network between them all run here." }</p>
            </footer>
        </div>
    }
}

pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let msg = format!("Something went wrong inside the page: {info}. Reload to start again.");
        if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("fatal")) {
            el.set_text_content(Some(&msg));
            let _ = el.remove_attribute("hidden");
        }
        web_sys::console::error_1(&msg.into());
    }));
    // `?selftest=panic` panics on purpose, so the browser tests can see the banner a real panic
    // would bring up. It affects only the page that asks for it.
    if url_param("selftest").as_deref() == Some("panic") {
        panic!("self-test panic requested by the page's address");
    }
    run_bench();
    // No long task at load: the certificates are made in one task, the first connection runs in
    // the next, it is laid out for reading in a third, and the page is drawn in a fourth.
    Timeout::new(0, || {
        let (moment, notice) = moment_from_url();
        let opts = moment.options();
        let prepared = sim::Prepared::new(&opts, opts.scenario.setup(&opts));
        Timeout::new(0, move || {
            let trace = std::rc::Rc::new(prepared.map_or_else(|t| t, |p| p.run(&opts)));
            Timeout::new(0, move || {
                PREPARED.with(|p| *p.borrow_mut() = Some(State::at_run(trace, &moment, notice)));
                Timeout::new(0, || {
                    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("root")) {
                        yew::Renderer::<App>::with_root(root).render();
                    }
                })
                .forget();
            })
            .forget();
        })
        .forget();
    })
    .forget();
}
