//! Scratch: compile every sample and write objects to $OUT (dev aid).
use palisade_compiler::codegen::{compile, Source};

#[test]
fn samples_compile() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples");
    let out = std::env::var("OUT").unwrap_or_else(|_| "/tmp/pal".into());
    std::fs::create_dir_all(&out).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "pol") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let report = palisade_compiler::check_source(&text);
        let checked = report.checked.expect("sample checks");
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let compiled = compile(
            &checked,
            &Source {
                path: &name,
                text: &text,
            },
        )
        .unwrap();
        for p in &compiled.programs {
            eprintln!(
                "{name} {} {} insns={}",
                p.section,
                p.function,
                p.code.insns.len()
            );
        }
        let elf = compiled.to_elf().unwrap();
        std::fs::write(format!("{out}/{}.o", name.trim_end_matches(".pol")), elf).unwrap();
    }
}
