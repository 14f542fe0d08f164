//! Compiles the lalrpop grammar (src/parse/grammar.lalrpop) into OUT_DIR.

fn main() {
    println!("cargo:rerun-if-changed=src/parse/grammar.lalrpop");
    if let Err(err) = lalrpop::Configuration::new()
        .use_cargo_dir_conventions()
        .process()
    {
        eprintln!("lalrpop failed: {err}");
        std::process::exit(1);
    }
}
