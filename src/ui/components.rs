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
