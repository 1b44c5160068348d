//! The whole run as one document: every beat in order under its step, its sentence, the bytes of
//! its message one click away, and the keys as they appear. It prints cleanly, and it is the
//! natural way through for a screen reader.

use tlsviz::model::conclusion::conclude;
use tlsviz::model::narration::step_intro;
use tlsviz::model::playback::Step;
use tlsviz::tls::codec::hex;
use tlsviz::tls::events::{Event, Output};
use yew::prelude::*;

use super::inspector::HexView;
use super::Props;

/// Drawn as part of the page, not a component of its own: it has no state, and each component
/// costs the page's WebAssembly its own copy of the framework's machinery.
pub fn document(p: &Props) -> Html {
    let s = &*p.handle;
    let mut last_step: Option<Step> = None;
    let beats = s.play.beats.iter().enumerate().map(|(n, b)| {
        let heading = (last_step != Some(b.step)).then(|| {
            last_step = Some(b.step);
            let number = Step::ALL.iter().position(|x| *x == b.step).map_or(0, |i| i + 1);
            html! { <h3 class="doc-step">{ format!("Step {number} · {}", b.step.title()) }<span class="muted">{ format!(" — {}", step_intro(b.step, s.trace.resumed(b.connection))) }</span></h3> }
        });
        let events = || b.events.iter().filter_map(|&i| s.trace.events.get(i));
        let message = events().find_map(|e| match e.event()? {
            Event::HandshakeSent { message, bytes, fields } => Some((format!("{message} as the {} encoded it", e.side.name()), bytes.0.clone(), fields.clone())),
            Event::RecordSent { bytes, fields, .. } => Some((format!("the record the {} sent", e.side.name()), bytes.0.clone(), fields.clone())),
            _ => None,
        });
        let keys: Vec<(String, String)> = events()
            .filter(|e| e.side == b.side)
            .filter_map(|e| match e.event()? {
                Event::Derived(d) if matches!(d.output, Output::Secret(_) | Output::Key(_) | Output::Iv(_)) => Some((d.output.to_string(), hex(&d.value.0))),
                _ => None,
            })
            .collect();
        html! {
            <>
                { heading.unwrap_or_default() }
                <section class="doc-beat" aria-label={format!("Beat {}", n + 1)}>
                    if let Some(note) = b.step_note { <p class="step-note">{ note }</p> }
                    <p><span class="who">{ b.side.name() }</span>{ " " }{ b.narration.plain.clone() }</p>
                    if !keys.is_empty() {
                        <dl class="doc-keys">
                            { for keys.iter().map(|(k, v)| html! { <div><dt>{ k }</dt><dd><code class="wrap">{ v }</code></dd></div> }) }
                        </dl>
                    }
                    if let Some((label, bytes, fields)) = message {
                        <details>
                            <summary>{ format!("The bytes: {label} ({} bytes)", bytes.len()) }</summary>
                            <HexView bytes={bytes} fields={fields} label={AttrValue::from(label)} />
                        </details>
                    }
                </section>
            </>
        }
    });
    let c = conclude(&s.trace);
    html! {
        <div class="document">
            <p class="muted">{ "The whole run on one page, beat by beat, as it plays: each sentence, the keys each beat derives, and the bytes of each message one click away." }</p>
            { for beats }
            <section class={classes!("conclusion", if c.ok { "ok" } else { "bad" })}>
                <h3>{ c.title.clone() }</h3>
                <ul>{ for c.lines.iter().map(|l| html! { <li>{ l }</li> }) }</ul>
            </section>
        </div>
    }
}
