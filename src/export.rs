//! The page's export worker: a second WebAssembly module, loaded only when a visitor asks for the
//! run as JSON, so the page itself carries no JSON writer. It gets the run's options (see
//! `Options::to_strings`), runs the same connection again (the same seed gives the same bytes)
//! and posts back the trace as `peer trace` prints it, or a line saying what went wrong.
#![forbid(unsafe_code)]

#[cfg(target_arch = "wasm32")]
fn main() {
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};

    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        let strings: Vec<String> = js_sys::Array::from(&e.data()).iter().filter_map(|v| v.as_string()).collect();
        let answer = js_sys::Array::new();
        match tlsviz::sim::Options::from_strings(&strings) {
            Ok(opts) => {
                answer.push(&JsValue::from_str("trace"));
                answer.push(&JsValue::from_str(&tlsviz::sim::run(&opts).to_json()));
            }
            Err(why) => {
                answer.push(&JsValue::from_str("error"));
                answer.push(&JsValue::from_str(&why));
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
