//! The page's components, one concern per file.

mod controls;
mod document;
mod eavesdropper;
mod inspector;
mod keys;
mod panels;
mod tools;
mod wire;

pub use controls::{controls, focus_player};
pub use document::document;
pub use eavesdropper::eavesdropper_view;
pub use inspector::inspector;
pub use keys::key_schedule;
pub use panels::{side_panel, PanelProps};
pub use tools::{message_box, trace_tools, Narrator};
pub use wire::Wire;

use yew::prelude::*;

use super::state::State;

/// Every component reads the one playback state and dispatches actions to it.
#[derive(Properties, PartialEq)]
pub struct Props {
    pub handle: UseReducerHandle<State>,
}

/// Text a narrow column may wrap inside a name: a break opportunity (`<wbr>`) after each
/// underscore (but not before a number: `secret_0` stays whole) and where a capital follows a
/// small letter, so that `CertificateVerify` wraps as Certificate·Verify and `change_cipher_spec`
/// at its underscores, never in the middle of a word.
/// The text itself is unchanged: `<wbr>` adds no character to copy or to read aloud.
pub fn breakable(text: &str) -> Html {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut prev = ' ';
    for (i, c) in text.char_indices() {
        if i > start && (prev == '_' && !c.is_ascii_digit() || prev.is_ascii_lowercase() && c.is_ascii_uppercase()) {
            parts.push(html! { <>{ &text[start..i] }<wbr /></> });
            start = i;
        }
        prev = c;
    }
    parts.push(html! { { &text[start..] } });
    parts.into_iter().collect()
}
