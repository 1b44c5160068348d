//! The page's components, one concern per file.

mod controls;
mod document;
mod eavesdropper;
mod inspector;
mod keys;
mod panels;
mod tools;
mod wire;

pub use controls::{focus_player, Controls};
pub use document::Document;
pub use eavesdropper::EavesdropperView;
pub use inspector::Inspector;
pub use keys::KeySchedule;
pub use panels::SidePanel;
pub use tools::{MessageBox, Narrator, TraceTools};
pub use wire::Wire;

use yew::prelude::*;

use super::state::State;

/// Every component reads the one playback state and dispatches actions to it.
#[derive(Properties, PartialEq)]
pub struct Props {
    pub handle: UseReducerHandle<State>,
}
