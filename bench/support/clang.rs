//! Compiling the C baselines: clang-16 `-O2 -g -target bpf -mcpu=v3`, at
//! run time, into a temporary directory (`-g` only adds BTF, which the
//! `.maps` definitions need; it does not change the code).
//!
//! `PALISADE_BENCH_CLANG` names another compiler (for experiments; the
//! published numbers use clang-16).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The compiler to use.
pub fn compiler() -> String {
    std::env::var("PALISADE_BENCH_CLANG").unwrap_or_else(|_| "clang-16".to_string())
}

/// The compiler's version line, or `None` if it cannot be run.
pub fn version() -> Option<String> {
    let out = Command::new(compiler()).arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .map(str::to_string)
}

/// The flags, as printed in the report.
pub const FLAGS: &[&str] = &["-O2", "-g", "-target", "bpf", "-mcpu=v3"];

/// Where `asm/types.h` lives for this machine (`/usr/include/<triple>`).
fn multiarch_include() -> Option<PathBuf> {
    let triple = format!("{}-linux-gnu", std::env::consts::ARCH);
    let dir = Path::new("/usr/include").join(triple);
    dir.join("asm").is_dir().then_some(dir)
}

/// Compiles `source` into `out_dir`; returns the object's bytes.
pub fn compile(source: &Path, out_dir: &Path) -> Result<Vec<u8>, String> {
    let stem = source
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| format!("bad source name {}", source.display()))?;
    let object = out_dir.join(format!("{stem}.o"));
    let mut cmd = Command::new(compiler());
    cmd.args(FLAGS).arg("-Wall").arg("-Werror");
    if let Some(dir) = multiarch_include() {
        cmd.arg("-I").arg(dir);
    }
    if let Some(dir) = source.parent() {
        cmd.arg("-I").arg(dir);
    }
    cmd.arg("-c").arg(source).arg("-o").arg(&object);
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", compiler()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed on {}:\n{}",
            compiler(),
            source.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    std::fs::read(&object).map_err(|e| format!("cannot read {}: {e}", object.display()))
}
