//! How long each endpoint spends in its own code: the one figure of a run that is measured, not
//! recorded (it differs from run to run and from machine to machine). On the page the browser's
//! `performance.now()`, which browsers coarsen (Chrome to 0.1 ms); natively `Instant`.

/// Microseconds since some fixed moment of this process (0 where there is no clock).
#[cfg(target_arch = "wasm32")]
pub fn now_us() -> u64 {
    // A page has a window; the export worker has none and measures nothing.
    web_sys::window().and_then(|w| w.performance()).map_or(0, |p| (p.now() * 1000.0) as u64)
}

/// Microseconds since some fixed moment of this process.
#[cfg(not(target_arch = "wasm32"))]
pub fn now_us() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    u64::try_from(START.get_or_init(std::time::Instant::now).elapsed().as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_clock_moves_forward() {
        let a = super::now_us();
        std::thread::sleep(std::time::Duration::from_millis(3));
        let b = super::now_us();
        assert!(b >= a + 3000, "{a} then {b}");
    }
}
