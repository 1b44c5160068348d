//! The limits every fuzz input runs under, checked by the harness itself (libFuzzer's own
//! `-timeout` and `-malloc_limit_mb` only exist under cargo-fuzz): at most [`MEMORY_LIMIT`] bytes
//! live at once above what was live before the input, and at most [`TIME_LIMIT`] for it. The
//! counting allocator is this file's `#[global_allocator]`: including the file installs it.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// An input whose live memory peaks over this is a finding.
pub const MEMORY_LIMIT: usize = 16 << 20;
/// An input that takes longer than this is a finding.
pub const TIME_LIMIT: Duration = Duration::from_secs(1);

/// The system allocator, counting the bytes live now and the most live since the last reset.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed to `System` unchanged; the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is System's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from System with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; on failure the old block stays as it was.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Counted as if both blocks were live for a moment, as they may be.
            grew(new_size);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What one input cost.
#[derive(Clone, Copy, Debug)]
pub struct Cost {
    /// The most bytes live at once during the input, above what was live before it.
    pub peak: usize,
    pub time: Duration,
}

impl Cost {
    /// Why this cost is a finding, if it is one.
    pub fn over_limit(&self) -> Option<String> {
        if self.peak > MEMORY_LIMIT {
            Some(format!("{} MiB live at its peak, over the {} MiB limit", self.peak >> 20, MEMORY_LIMIT >> 20))
        } else if self.time > TIME_LIMIT {
            Some(format!("{:.2} s, over the {:.0} s limit", self.time.as_secs_f64(), TIME_LIMIT.as_secs_f64()))
        } else {
            None
        }
    }
}

/// Run `f` on one input and measure it. Inputs must not run concurrently (the counters are
/// global): a fuzzer runs one at a time, and the corpus walk takes a lock.
pub fn measure(f: impl FnOnce()) -> Cost {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let started = Instant::now();
    f();
    let time = started.elapsed();
    Cost { peak: PEAK.load(Ordering::Relaxed).saturating_sub(before), time }
}

/// Run `f` on one input; an input over a limit panics, which is how a fuzzer records a finding.
pub fn limited(f: impl FnOnce()) {
    if let Some(why) = measure(f).over_limit() {
        panic!("resource limit: {why}");
    }
}
