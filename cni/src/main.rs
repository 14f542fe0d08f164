//! palisade-cni: the CNI plugin binary.
fn main() {
    eprintln!("palisade-cni: not implemented yet");
    std::process::exit(2);
}
