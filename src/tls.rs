//! A sans-IO TLS 1.3 engine (RFC 8446) for TLS_AES_128_GCM_SHA256 (and TLS_AES_256_GCM_SHA384,
//! TLS_CHACHA20_POLY1305_SHA256 with their features), secp256r1 (and X25519) and
//! ecdsa_secp256r1_sha256: bytes in, bytes and [`events::Event`]s out. Time and randomness are
//! parameters; nothing here touches the network, a clock or the OS.

pub mod auth;
pub mod client;
pub mod codec;
pub mod conn;
pub mod crypto;
pub mod enums;
pub mod error;
pub mod events;
pub mod extensions;
pub mod handshake;
pub mod key_schedule;
pub mod keylog;
pub mod kx;
pub mod psk;
pub mod record;
pub mod server;
pub mod suite;
pub mod ticket;
pub mod time;
pub mod transcript;
pub mod x509;
