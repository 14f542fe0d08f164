//! Writing output files atomically: a temporary file beside the target,
//! synced, then renamed over it, so a failed or interrupted run never
//! leaves a half-written object or policy behind.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (objects from `build` and `asm`).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    write_via_temp(&dir, path, bytes, None)
}

/// Replaces the existing file at `path` (following symlinks) atomically,
/// keeping its permissions (`fmt` rewriting a policy in place).
pub fn replace_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let dir = target.parent().unwrap_or(Path::new(".")).to_path_buf();
    let permissions = std::fs::metadata(&target)?.permissions();
    write_via_temp(&dir, &target, bytes, Some(permissions))
}

fn write_via_temp(
    dir: &Path,
    target: &Path,
    bytes: &[u8],
    permissions: Option<std::fs::Permissions>,
) -> std::io::Result<()> {
    let name = target
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.palisade.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        if let Some(p) = permissions {
            std::fs::set_permissions(&tmp, p)?;
        }
        std::fs::rename(&tmp, target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
