//! What someone on the wire sees: record headers and payload bytes, never the plaintext of a
//! protected record.

use tlsviz::model::view::eavesdropper;
use tlsviz::sim::Side;
use yew::prelude::*;

use super::Props;

/// Drawn as part of the page, not a component of its own: it has no state, and each component
/// costs the page's WebAssembly its own copy of the framework's machinery.
pub fn eavesdropper_view(p: &Props) -> Html {
    let s = &*p.handle;
    let rows = eavesdropper(&s.trace, &s.shown);
    html! {
        <div class="eavesdropper">
            <p>{ "This is all a third party on the network gets to see. The hellos, dummy change_cipher_spec records and any alert sent before keys exist travel in plaintext; every other record is labelled \"application_data\": even the certificate and the Finished messages are hidden. Changing a byte of an encrypted record makes its decryption fail; changing a hello changes the transcript hash both sides' handshake keys are derived from, so the first encrypted record after it no longer decrypts." }</p>
            if rows.is_empty() {
                <p class="muted">{ "Nothing has crossed the network yet." }</p>
            } else {
                <table class="wiretable">
                    <thead><tr><th scope="col">{ "direction" }</th><th scope="col">{ "header" }</th><th scope="col">{ "payload" }</th><th scope="col">{ "what the eavesdropper can read" }</th></tr></thead>
                    <tbody>
                        { for rows.iter().map(|r| html! {
                            <tr class={if r.encrypted { "enc" } else { "plain" }}>
                                <td>{ if r.from == Side::Client { "client → server" } else { "server → client" } }</td>
                                <td><code>{ &r.header }</code><br/><span class="muted">{ &r.summary }</span></td>
                                <td><code class="wrap">{ &r.payload }</code></td>
                                <td>{ &r.readable }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
        </div>
    }
}
