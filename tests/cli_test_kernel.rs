//! `palisade test --kernel`: expectations also run as frames in the kernel.

mod support;

use std::process::Command;

const POLICY: &str = "\
policy web on ingress {
  apply to namespace \"shop\"
  allow tcp to port 443
  default deny
}

test web {
  expect web allow tcp 10.1.2.3:40000 -> 10.0.0.5:443
  expect web deny udp 10.1.2.3:40000 -> 10.0.0.5:443
  expect web allow tcp [fd00::1]:40000 -> [fd00::2]:443
}
";

fn run(dir: &std::path::Path, file: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .current_dir(dir)
        .args(["test", "--kernel", file])
        .output()
        .unwrap()
}

#[test]
fn expectations_run_in_the_kernel_and_failures_show_its_result() {
    if support::kernel("expectations_run_in_the_kernel").is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("ok.pol"), POLICY).unwrap();
    let o = run(tmp.path(), "ok.pol");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("3 expectations held; 0 failed; 3 ran in the VM, 3 in the kernel"),
        "{out}"
    );

    let wrong = POLICY.replace("expect web deny udp", "expect web allow udp");
    std::fs::write(tmp.path().join("wrong.pol"), wrong).unwrap();
    let o = run(tmp.path(), "wrong.pol");
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("kernel:   block (return code 2)"), "{out}");
    assert!(out.contains("vm:       block (return code 2)"), "{out}");
}
