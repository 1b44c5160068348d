//! A real TLS 1.3 client and server that run against each other in memory (or against OpenSSL
//! over TCP), recording everything for the handshake visualizer page.
#![forbid(unsafe_code)]

pub mod model;
pub mod sim;
pub mod tls;
