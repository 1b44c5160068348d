//! Write the fuzz targets' seed corpus: `fuzz_seeds [DIR]` (default `fuzz/corpus`) writes each
//! seed of `fuzz/src/targets.rs` to `DIR/<target>/seed-<hash>`, named by its content so that
//! running it again adds nothing new. The seeds are the records, certificates and handshake
//! messages of a simulated run of every page scenario (`make fuzz` runs this first).

#[path = "../fuzz/src/targets.rs"]
mod targets;

use std::path::PathBuf;
use std::process::ExitCode;

/// FNV-1a, 64 bits: a stable name for a file's content.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

fn main() -> ExitCode {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fuzz/corpus".into()));
    let mut written = 0;
    let seeds = targets::seeds();
    for (target, input) in &seeds {
        let folder = dir.join(target);
        let path = folder.join(format!("seed-{:016x}", fnv1a(input)));
        if path.exists() {
            continue;
        }
        if let Err(e) = std::fs::create_dir_all(&folder).and_then(|_| std::fs::write(&path, input)) {
            eprintln!("fuzz_seeds: {}: {e}", path.display());
            return ExitCode::from(1);
        }
        written += 1;
    }
    println!("fuzz_seeds: {} seeds, {written} new, in {}", seeds.len(), dir.display());
    ExitCode::SUCCESS
}
