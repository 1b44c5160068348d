//! Narration, the visitor's own message, and the exports (trace JSON, key log, permalink).

use tlsviz::model::conclusion::conclude;
use tlsviz::model::moment::Moment;
use tlsviz::model::narration::{log_line, narrate, network, rfc_url, step_intro};
use tlsviz::model::playback::Step;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::Props;
use crate::ui::state::{is_inspectable, Action};

#[function_component(Narrator)]
pub fn narrator(p: &Props) -> Html {
    let s = &*p.handle;
    let d = p.handle.dispatcher();
    let toggle = {
        let d = d.clone();
        Callback::from(move |_| d.dispatch(Action::ToggleDetail))
    };
    // One announcement per beat for screen readers, and during play never more than one every 2 s.
    let announced = use_state(String::new);
    let last_at = use_mut_ref(|| -10_000.0f64);
    {
        let text = s.current().map(|b| b.narration.plain.clone()).unwrap_or_default();
        let text = if s.at_end() && s.beat > 0 { format!("{text} {}", conclude(&s.trace).title) } else { text };
        let announced = announced.clone();
        let last_at = last_at.clone();
        use_effect_with((s.beat, s.trace.seed), move |_| {
            let now = web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0);
            // Rounded up, with 10 ms to spare for the render that follows the timer: the text
            // changes at least 2 s after the previous one did, not only the timers.
            let wait = (2010.0 - (now - *last_at.borrow())).max(0.0).ceil();
            let t = gloo::timers::callback::Timeout::new(wait as u32, move || {
                *last_at.borrow_mut() = web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0);
                announced.set(text);
            });
            move || drop(t)
        });
    }
    let body = match s.current() {
        None => {
            html! { <p class="plain">{ "Press Play (or the space bar) to watch the client and the server meet. Step with the arrow keys, Home and End; choose any message to see its bytes." }</p> }
        }
        Some(b) => {
            let n = &b.narration;
            let events = b.events.iter().filter_map(|&i| s.trace.events.get(i)).map(|e| {
                let line = log_line(e).or_else(|| e.network().map(|n| network(n).plain)).unwrap_or_else(|| narrate(&s.trace, e).plain);
                let inspectable = e.event().is_some_and(is_inspectable);
                let i = e.index;
                let d = d.clone();
                let pick = Callback::from(move |_| {
                    d.dispatch(Action::Select(i));
                    d.dispatch(Action::Tab(crate::ui::state::Tab::Bytes));
                });
                html! {
                    <li>
                        <span class="who">{ e.side.name() }</span>{ " " }
                        if inspectable { <button class="link" onclick={pick}>{ line }</button> } else { { line } }
                    </li>
                }
            });
            html! {
                <>
                    if let Some(note) = b.step_note { <p class="step-note">{ note }</p> }
                    <p class="plain">{ n.plain.clone() }</p>
                    if !b.terms.is_empty() {
                        <div class="terms" aria-label="New words">
                            { for b.terms.iter().map(|t| html! { <details><summary>{ format!("{}?", t.term) }</summary>{ t.meaning }</details> }) }
                        </div>
                    }
                    <button class="link detail-toggle" onclick={toggle} aria-expanded={s.detail.to_string()} aria-controls="tech-detail">
                        { if s.detail { "Hide technical detail" } else { "Technical detail" } }
                    </button>
                    if s.detail {
                        <div id="tech-detail" class="detail">
                            if !n.detail.is_empty() { <p>{ n.detail.clone() }</p> }
                            <p><a href={rfc_url(n.section)} target="_blank" rel="noopener">{ format!("RFC 8446 {}{}", if n.section.starts_with(|c: char| c.is_ascii_alphabetic()) { "Appendix " } else { "§" }, n.section) }</a></p>
                            <p class="muted">{ format!("The {} events of this beat:", b.events.len()) }</p>
                            <ol class="beat-events">{ for events }</ol>
                        </div>
                    }
                </>
            }
        }
    };
    let conclusion = (s.at_end() && s.beat > 0).then(|| {
        let c = conclude(&s.trace);
        html! {
            <div class={classes!("conclusion", if c.ok { "ok" } else { "bad" })}>
                <h2>{ c.title.clone() }</h2>
                <ul>{ for c.lines.iter().map(|l| html! { <li>{ l }</li> }) }</ul>
            </div>
        }
    });
    html! {
        <section class="narration" aria-label="What is happening">
            if let Some(b) = s.current() {
                <p class="step-intro"><strong>{ format!("{}Step {} of 5 · {}", connection_label(b.connection, s.trace.connections.len()), Step::ALL.iter().position(|x| *x == b.step).map(|i| i + 1).unwrap_or(0), b.step.title()) }</strong>{ " — " }{ step_intro(b.step, s.trace.resumed(b.connection)) }</p>
            }
            <div class="live">{ body }</div>
            { conclusion.unwrap_or_default() }
            <div class="sr-only" aria-live="polite" aria-atomic="true">{ (*announced).clone() }</div>
        </section>
    }
}

/// Drawn as part of the page (no component of its own: the draft lives in the state).
pub fn message_box(p: &Props) -> Html {
    let s = &*p.handle;
    let text = s.draft.clone();
    let oninput = {
        let d = p.handle.dispatcher();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok()) {
                d.dispatch(Action::Draft(t.value()));
            }
        })
    };
    let onsubmit = {
        let d = p.handle.dispatcher();
        let text = text.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            d.dispatch(Action::Send(text.clone()));
        })
    };
    // A failed run's box looks as a working run's does until playback shows the failure; a
    // message sent before that gets the notice that says why it cannot go (state.rs).
    let complete = s.trace.outcome().is_some_and(|o| o.handshake_complete) || !s.ending_shown();
    html! {
        <section class="message" aria-label="Send your own message">
            <form {onsubmit}>
                <label for="msg">{ "Your message: the client encrypts it, the server decrypts it and answers." }</label>
                <div class="row">
                    <textarea id="msg" rows="2" placeholder="Type anything, then Send" value={text.clone()} {oninput} disabled={!complete} />
                    <button type="submit" class="primary" disabled={!complete}>{ "Send" }</button>
                </div>
                if !complete { <p class="muted">{ "This run's handshake failed, so there is no secure connection to send on. Start a new handshake." }</p> }
                <p class="muted">{ format!("{} bytes", text.len()) }</p>
            </form>
        </section>
    }
}

fn download(name: &str, mime: &str, text: &str) {
    download_part(name, mime, &wasm_bindgen::JsValue::from_str(text));
}

fn download_part(name: &str, mime: &str, part: &wasm_bindgen::JsValue) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let parts = js_sys::Array::of1(part);
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_buffer_source_sequence_and_options(&parts, &bag) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Ok(a) = doc.create_element("a").map(|a| a.unchecked_into::<web_sys::HtmlAnchorElement>()) {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// The export worker's loader, beside the page (Trunk's loader shim for `tlsviz-export`).
const EXPORT_WORKER: &str = "./tlsviz-export_loader.js";

/// What the export worker makes of a run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Export {
    /// The trace as JSON, as `peer trace` prints it.
    Json,
    /// The pcapng capture, as `peer capture` writes it.
    Capture,
}

/// Download the run as JSON or as a capture: the export worker runs the same connection again
/// from these options and writes the file, so the page itself carries no JSON or pcapng writer.
/// Whatever goes wrong becomes a notice; the page goes on.
fn export(what: Export, options: Vec<String>, name: String, d: yew::functional::UseReducerDispatcher<crate::ui::state::State>) {
    use wasm_bindgen::closure::Closure;
    let (key, label, mime) = match what {
        Export::Json => ("json", "as JSON", "application/json"),
        Export::Capture => ("capture", "as a capture", "application/vnd.tcpdump.pcap"),
    };
    let fail = move |d: &yew::functional::UseReducerDispatcher<crate::ui::state::State>, why: &str| {
        d.dispatch(Action::Notice(Some(format!(
            "The run could not be exported {label}: {why}. The page goes on; `peer trace` and `peer capture` write the same files."
        ))))
    };
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    let Ok(worker) = web_sys::Worker::new_with_options(EXPORT_WORKER, &opts) else {
        return fail(&d, "this browser cannot start its worker");
    };
    let w = worker.clone();
    let dm = d.clone();
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        let answer = js_sys::Array::from(&e.data());
        match answer.get(0).as_string().as_deref() {
            Some("ready") => {
                let list: js_sys::Array =
                    std::iter::once(key).chain(options.iter().map(String::as_str)).map(wasm_bindgen::JsValue::from_str).collect();
                if w.post_message(&list).is_err() {
                    fail(&dm, "the worker did not take the run's options");
                    w.terminate();
                }
            }
            Some(k) if k == key => {
                download_part(&name, mime, &answer.get(1));
                w.terminate();
            }
            _ => {
                let text = answer.get(1).as_string().unwrap_or_default();
                fail(&dm, if text.is_empty() { "the worker gave no answer" } else { &text });
                w.terminate();
            }
        }
    });
    let w = worker.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
        fail(&d, "its worker did not load");
        w.terminate();
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // The worker lives until it answers; its two handlers go with it.
    on_message.forget();
    on_error.forget();
}

/// Drawn as part of the page, not a component of its own: it has no state, and each component
/// costs the page's WebAssembly its own copy of the framework's machinery.
pub fn trace_tools(p: &Props) -> Html {
    let s = &*p.handle;
    let t = s.trace.clone();
    let keys = tlsviz::sim::capture::keylog(&t);
    let empty = keys.is_empty();
    let keylog = {
        let seed = t.seed;
        Callback::from(move |_| download(&format!("tls13-keys-{seed}.txt"), "text/plain", &keys))
    };
    let exporter = |what: Export, name: String| {
        let options = tlsviz::sim::Options { seed: Some(t.seed), ..t.options.clone() }.to_strings();
        let d = p.handle.dispatcher();
        Callback::from(move |_| export(what, options.clone(), name.clone(), d.clone()))
    };
    let capture = exporter(Export::Capture, format!("tls13-{}.pcapng", t.seed));
    let json = exporter(Export::Json, format!("tls13-trace-{}.json", t.seed));
    let page = page_address();
    let moment = Moment { embed: false, ..s.moment() };
    let link = format!(
        "{page}?{}",
        moment
            .pairs()
            .into_iter()
            .map(|(k, v)| format!("{k}={}", String::from(js_sys::encode_uri_component(&v))))
            .collect::<Vec<_>>()
            .join("&")
    );
    let code = moment.embed_code(&page);
    let copy = |text: String, what: &'static str| {
        let d = p.handle.dispatcher();
        Callback::from(move |_| {
            if let Some(nav) = web_sys::window().map(|w| w.navigator()) {
                let _ = nav.clipboard().write_text(&text);
            }
            d.dispatch(Action::Notice(Some(format!("{what} copied to the clipboard: {text}"))));
        })
    };
    html! {
        <section class="tools" aria-label="This run">
            <p>{ "Seed " }<code>{ t.seed }</code>{ ": the address bar links to this moment of this run (same keys, same bytes, the same beat, tab and record)." }</p>
            <p class="muted">{ "The whole run as JSON (every event, byte and key) is the download below; the command line prints the same file: " }<code class="wrap">{ peer_command(&t) }</code></p>
            <div class="row">
                <button onclick={copy(link, "The link")}>{ "Copy link" }</button>
                <button onclick={copy(code, "The embed code")}>{ "Copy embed code" }</button>
                <button onclick={keylog} disabled={empty}>{ "Download key log (for Wireshark)" }</button>
                <button onclick={json}>{ "Download trace (JSON)" }</button>
                <button onclick={capture} disabled={empty} title="TCP/IP capture with the key log inside: Wireshark decrypts it with no other file">{ "Download capture (pcapng, for Wireshark)" }</button>
            </div>
        </section>
    }
}

/// The `peer trace` command that prints this run's trace (it takes the page's options).
fn peer_command(t: &tlsviz::sim::Trace) -> String {
    let o = &t.options;
    let mut cmd = format!("cargo run --release --example peer -- trace --seed {}", t.seed);
    if o.scenario != tlsviz::sim::Scenario::Normal {
        cmd.push_str(&format!(" --scenario {}", o.scenario.key()));
    }
    if o.key_update {
        cmd.push_str(" --key-update");
    }
    if o.client.preset != tlsviz::sim::preset::Preset::Page {
        cmd.push_str(&format!(" --client {}", o.client.preset.key()));
    }
    if let Some(g) = o.client.group {
        cmd.push_str(&format!(" --group {g}"));
    }
    if let Some(c) = o.client.suite {
        cmd.push_str(&format!(" --suite {c}"));
    }
    let default = tlsviz::sim::Options::default().client_messages;
    if o.client_messages != default {
        for m in &o.client_messages {
            cmd.push_str(&format!(" --message '{}'", m.replace('\'', "'\\''")));
        }
    }
    cmd
}

/// The page's own address, without its query: where links and embed.js point.
fn page_address() -> String {
    let loc = web_sys::window().map(|w| w.location());
    let origin = loc.as_ref().and_then(|l| l.origin().ok()).unwrap_or_default();
    let path = loc.as_ref().and_then(|l| l.pathname().ok()).unwrap_or_else(|| "/".into());
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "/",
    };
    format!("{origin}{dir}")
}

/// Which connection a beat belongs to, for a run of several: "Connection 2 · ".
fn connection_label(c: u32, of: usize) -> String {
    if of > 1 {
        format!("Connection {c} · ")
    } else {
        String::new()
    }
}
