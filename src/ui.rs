use tlsviz::sim;
use yew::prelude::*;

#[function_component(App)]
fn app() -> Html {
    let trace = use_memo((), |_| sim::run(&sim::Options::default()));
    html! {
        <main>
            <h1>{ "TLS 1.3 handshake" }</h1>
            <ol>{ for trace.events.iter().map(|e| html! { <li>{ format!("{} {:?}", e.side.name(), e.step) }</li> }) }</ol>
        </main>
    }
}

pub fn start() {
    yew::Renderer::<App>::new().render();
}
