//! Services in the kernel, end to end: the sample's connect4/connect6
//! programs are attached to a fresh cgroup; a process in that cgroup, in
//! a network namespace of the test's own, connects to the service
//! addresses many times, and must always reach one of the backends (and
//! over time several of them). Connects to other addresses are untouched.
//!
//! Needs root (BPF, netns, cgroup v2) and python3; skips loudly without
//! them, fails under PALISADE_REQUIRE_KERNEL=1.

mod support;

use palisade_compiler::codegen::{compile, Source};
use palisade_runtime::kernel::{load, LoadOptions};
use palisade_runtime::sys::Bpf;
use std::process::Command;
use support::{Cgroup, NetNs};

const BPF_CGROUP_INET4_CONNECT: u32 = 10;
const BPF_CGROUP_INET6_CONNECT: u32 = 11;

/// Listens on every backend, connects `n` times to each target, and prints
/// `target -> peer` lines. It is started inside the cgroup (the shell
/// that starts it joins first: `ip netns exec` remounts /sys, so the
/// cgroup is not reachable from inside the namespace).
const CLIENT: &str = r#"
import json, os, socket, sys
listen, targets, n = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
servers = []
for host, port in listen:
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(256)
    servers.append(s)
for host, port in targets:
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(n):
        c = socket.socket(fam, socket.SOCK_STREAM)
        c.settimeout(3)
        c.connect((host, port))
        peer = c.getpeername()
        print(f"{host}:{port} -> {peer[0]}:{peer[1]}", flush=True)
        c.close()
"#;

#[test]
fn connects_to_service_addresses_reach_backends() {
    let Some(kernel) = support::kernel("connects_to_service_addresses_reach_backends") else {
        return;
    };
    let Some(cgroup) = Cgroup::new("svc") else {
        return;
    };
    let ns = NetNs::new("svc");
    // Backends live on the namespace's loopback.
    for addr in [
        "10.1.4.7/32",
        "10.1.4.8/32",
        "10.1.4.9/32",
        "10.1.9.2/32",
        "10.5.5.5/32",
    ] {
        ns.ip(&["addr", "add", addr, "dev", "lo"]);
    }
    for addr in ["fd00:1:4::7/128", "fd00:1:4::8/128"] {
        ns.ip(&["addr", "add", addr, "dev", "lo", "nodad"]);
    }
    let source =
        std::fs::read_to_string(support::repo_root().join("samples/service-lb.pol")).unwrap();
    let checked = palisade_compiler::check_source(&source).checked.unwrap();
    let compiled = compile(
        &checked,
        &Source {
            path: "service-lb.pol",
            text: &source,
        },
    )
    .unwrap();
    let loaded = load(
        &kernel,
        &compiled.to_elf().unwrap(),
        &LoadOptions::default(),
    )
    .expect("loads");
    let dir = std::fs::File::open(cgroup.path()).unwrap();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&dir);
    let v4 = loaded.program("shop_services_connect4").unwrap();
    let v6 = loaded.program("shop_services_connect6").unwrap();
    kernel
        .prog_attach(&v4.fd, fd, BPF_CGROUP_INET4_CONNECT)
        .expect("attach connect4");
    kernel
        .prog_attach(&v6.fd, fd, BPF_CGROUP_INET6_CONNECT)
        .expect("attach connect6");

    let listen = r#"[["10.1.4.7",8080],["10.1.4.8",8080],["10.1.4.9",8080],["10.1.9.2",5432],["10.5.5.5",443],["fd00:1:4::7",8080],["fd00:1:4::8",8080]]"#;
    let targets = r#"[["10.96.0.20",80],["10.96.0.21",5432],["fd00:96::20",80],["10.5.5.5",443]]"#;
    let procs = cgroup.path().join("cgroup.procs");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "echo $$ > '{}' && exec ip netns exec {} python3 -c \"$0\" \"$@\"",
            procs.display(),
            ns.name()
        ))
        .args([CLIENT, listen, targets, "30"])
        .output()
        .unwrap();
    let _ = kernel.prog_detach(&v4.fd, fd, BPF_CGROUP_INET4_CONNECT);
    let _ = kernel.prog_detach(&v6.fd, fd, BPF_CGROUP_INET6_CONNECT);
    assert!(
        out.status.success(),
        "client failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let peers = |target: &str| -> std::collections::BTreeSet<String> {
        text.lines()
            .filter_map(|l| l.split_once(" -> "))
            .filter(|(t, _)| *t == target)
            .map(|(_, p)| p.to_string())
            .collect()
    };
    let web = peers("10.96.0.20:80");
    assert!(
        web.len() >= 2,
        "30 connects should reach several backends: {web:?}"
    );
    assert!(web.is_subset(
        &["10.1.4.7:8080", "10.1.4.8:8080", "10.1.4.9:8080"]
            .map(String::from)
            .into()
    ));
    assert_eq!(
        peers("10.96.0.21:5432"),
        ["10.1.9.2:5432".to_string()].into()
    );
    let v6_peers = peers("fd00:96::20:80");
    assert!(
        !v6_peers.is_empty()
            && v6_peers
                .iter()
                .all(|p| p == "fd00:1:4::7:8080" || p == "fd00:1:4::8:8080"),
        "{v6_peers:?}"
    );
    assert_eq!(
        peers("10.5.5.5:443"),
        ["10.5.5.5:443".to_string()].into(),
        "other addresses are untouched"
    );
}

#[test]
fn python_is_available_for_kernel_tests() {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || !support::kernel_required(),
        "python3 is needed by the service tests"
    );
}
