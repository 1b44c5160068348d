//! The page's logic as plain Rust, tested on the host: what the page says about each event of a
//! trace, and what each part of the page shows, all made from typed trace values. The Yew
//! components in the page only draw what this computes.

pub mod conclusion;
pub mod glossary;
pub mod mitm;
pub mod moment;
pub mod narration;
pub mod playback;
pub mod resumption;
pub mod view;
