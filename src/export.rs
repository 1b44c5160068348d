//! The page's export worker: a second WebAssembly module, loaded only when a visitor asks for the
//! run as JSON or as a capture, so the page itself carries neither a JSON writer nor a pcapng
//! one. It gets what to export and the run's options (see `Options::to_strings`), runs the same
//! connection again (the same seed gives the same bytes) and posts back the trace as `peer trace`
//! prints it, or the capture as `peer capture` writes it, or a line saying what went wrong.
#![forbid(unsafe_code)]

#[cfg(target_arch = "wasm32")]
fn main() {
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};

    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        let strings: Vec<String> = js_sys::Array::from(&e.data()).iter().filter_map(|v| v.as_string()).collect();
        let answer = js_sys::Array::new();
        let (what, options) = strings.split_first().map_or(("", &[][..]), |(w, o)| (w.as_str(), o));
        match (what, tlsviz::sim::Options::from_strings(options)) {
            ("json", Ok(opts)) => {
                answer.push(&JsValue::from_str("json"));
                // As `peer trace` prints it: the JSON and a newline.
                answer.push(&JsValue::from_str(&(tlsviz::sim::run(&opts).to_json() + "\n")));
            }
            ("capture", Ok(opts)) => {
                answer.push(&JsValue::from_str("capture"));
                answer.push(&js_sys::Uint8Array::from(&tlsviz::sim::capture::pcapng(&tlsviz::sim::run(&opts))[..]));
            }
            (_, Err(why)) => {
                answer.push(&JsValue::from_str("error"));
                answer.push(&JsValue::from_str(&why));
            }
            (other, Ok(_)) => {
                answer.push(&JsValue::from_str("error"));
                answer.push(&JsValue::from_str(&format!("no export called {other:?}")));
            }
        }
        let _ = reply.post_message(&answer);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // Tell the page the worker is listening: messages posted before the module started are lost.
    let ready = js_sys::Array::of1(&JsValue::from_str("ready"));
    let _ = scope.post_message(&ready);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("This binary is the page's export worker: `make build` puts it beside the page.");
}
