//! The page: a Yew app that runs the simulation in the browser and plays its trace back.
#![forbid(unsafe_code)]

#[cfg(target_arch = "wasm32")]
mod ui;

#[cfg(target_arch = "wasm32")]
fn main() {
    ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("This binary is the web page: build and serve it with `make serve`.");
}
