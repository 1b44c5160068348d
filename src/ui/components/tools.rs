//! Narration, the visitor's own message, and the exports (trace JSON, key log, permalink).

use tlsviz::model::narration::{narrate, rfc_url, step_intro};
use tlsviz::sim::Step;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::Props;
use crate::ui::state::Action;

#[function_component(Narrator)]
pub fn narrator(p: &Props) -> Html {
    let s = &*p.handle;
    let d = p.handle.dispatcher();
    let toggle = Callback::from(move |_| d.dispatch(Action::ToggleDetail));
    let (step, body) = match s.current() {
        None => (
            None,
            html! { <p class="plain">{ "Press Play (or the space bar) to watch the client and the server meet. Step with the arrow keys; choose any message to see its bytes." }</p> },
        ),
        Some(e) => {
            let n = narrate(&s.trace, e);
            (
                Some(e.step),
                html! {
                    <>
                        <p class="plain">{ n.plain }</p>
                        <button class="link detail-toggle" onclick={toggle} aria-expanded={s.detail.to_string()} aria-controls="tech-detail">
                            { if s.detail { "Hide technical detail" } else { "Technical detail" } }
                        </button>
                        if s.detail {
                            <div id="tech-detail" class="detail">
                                if !n.detail.is_empty() { <p>{ n.detail }</p> }
                                <p><a href={rfc_url(n.section)} target="_blank" rel="noopener">{ format!("RFC 8446 §{}", n.section) }</a></p>
                            </div>
                        }
                    </>
                },
            )
        }
    };
    html! {
        <section class="narration" aria-label="What is happening">
            if let Some(st) = step {
                <p class="step-intro"><strong>{ format!("Step {} of 5 · {}", Step::ALL.iter().position(|x| *x == st).map(|i| i + 1).unwrap_or(0), st.title()) }</strong>{ " — " }{ step_intro(st) }</p>
            }
            <div aria-live="polite" aria-atomic="true" class="live">{ body }</div>
        </section>
    }
}

#[function_component(MessageBox)]
pub fn message_box(p: &Props) -> Html {
    let s = &*p.handle;
    let text = use_state(String::new);
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok()) {
                text.set(t.value());
            }
        })
    };
    let onsubmit = {
        let d = p.handle.dispatcher();
        let text = text.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            d.dispatch(Action::Send((*text).clone()));
        })
    };
    let complete = s.trace.outcome().is_some_and(|o| o.handshake_complete);
    html! {
        <section class="message" aria-label="Send your own message">
            <form {onsubmit}>
                <label for="msg">{ "Your message: the client encrypts it, the server decrypts it and answers." }</label>
                <div class="row">
                    <textarea id="msg" rows="2" placeholder="Type anything, then Send" value={(*text).clone()} {oninput} disabled={!complete} />
                    <button type="submit" class="primary" disabled={!complete}>{ "Send" }</button>
                </div>
                if !complete { <p class="muted">{ "This run's handshake failed, so there is no secure connection to send on. Start a new handshake." }</p> }
                <p class="muted">{ format!("{} bytes", text.len()) }</p>
            </form>
        </section>
    }
}

fn download(name: &str, mime: &str, text: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &bag) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Ok(a) = doc.create_element("a").map(|a| a.unchecked_into::<web_sys::HtmlAnchorElement>()) {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

#[function_component(TraceTools)]
pub fn trace_tools(p: &Props) -> Html {
    let s = &*p.handle;
    let t = s.trace.clone();
    let lines = t.outcome().map(|o| o.keylog.clone()).unwrap_or_default();
    let empty = lines.is_empty();
    let keylog = {
        let seed = t.seed;
        Callback::from(move |_| download(&format!("tls13-keys-{seed}.txt"), "text/plain", &(lines.join("\n") + "\n")))
    };
    html! {
        <section class="tools" aria-label="This run">
            <p>{ "Seed " }<code>{ t.seed }</code>{ ": the address bar now links to exactly this run (same keys, same bytes)." }</p>
            <div class="row">
                <button onclick={keylog} disabled={empty}>{ "Download key log (for Wireshark)" }</button>
            </div>
        </section>
    }
}
