//! `palisade exec`: run one program of an object in the userspace VM.
//!
//! The program's section decides its input: packet programs (`xdp`,
//! `classifier`, `socket`, `cgroup_skb/...`, `lwt_*`) take `--packet HEX` or
//! `--packet-file F`, cgroup connect programs take `--connect ADDR:PORT`,
//! and any program can run on raw memory with `--mem HEX` (`r1` = pointer,
//! `r2` = length). Prints `r0` (with its verdict name), the rewritten
//! address of connect programs, the instruction count, the trace output
//! and ring buffer / perf records; `--json` prints the same as one object.
//!
//! Exit codes: 0 the program ran to `exit`; 1 bad input (object, hex,
//! program) or a VM fault; 2 usage or environment error (missing file,
//! missing or mismatched input flag).

use crate::cli::Global;
use anyhow::{anyhow, Context};
use clap::{Args, ValueEnum};
use palisade_runtime::vm::loader::Hook;
use palisade_runtime::vm::{
    load_object, Frame, LoadedProgram, PacketHook, RunResult, SockAddr, VmConfig,
};
use serde_json::json;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The eBPF object.
    pub object: PathBuf,
    /// The program: a section (`xdp`), a function name, or `section/function`.
    #[arg(long)]
    pub section: String,
    /// The packet, in hex (whitespace and `:` are ignored), starting with
    /// the Ethernet header.
    #[arg(long, group = "input", value_name = "HEX")]
    pub packet: Option<String>,
    /// A file holding the raw packet bytes.
    #[arg(long, group = "input", value_name = "FILE")]
    pub packet_file: Option<PathBuf>,
    /// Raw input memory in hex; `r1` points at it and `r2` is its length.
    #[arg(long, group = "input", value_name = "HEX")]
    pub mem: Option<String>,
    /// For cgroup connect programs: the address being connected to
    /// (`10.96.0.10:80`, `[fd00::1]:443`).
    #[arg(long, group = "input", value_name = "ADDR:PORT")]
    pub connect: Option<SocketAddr>,
    /// The socket's protocol, with `--connect`.
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    pub proto: Proto,
    /// `ifindex` and `ingress_ifindex` of the packet's context.
    #[arg(long, default_value_t = 1)]
    pub ifindex: u32,
    /// `skb->mark` on entry.
    #[arg(long, default_value_t = 0)]
    pub mark: u32,
    /// Instruction budget of the run.
    #[arg(long, default_value_t = 1_000_000, value_name = "N")]
    pub max_insns: u64,
    /// Seed of `bpf_get_prandom_u32`.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// The socket protocol of `--connect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Proto {
    Tcp,
    Udp,
}

/// The input, resolved against the program's hook.
enum Input {
    Mem(Vec<u8>),
    Packet(PacketHook, Frame),
    Connect(SockAddr),
}

/// Parses hex bytes; whitespace, `:` and a leading `0x` are allowed.
fn parse_hex(flag: &str, text: &str) -> anyhow::Result<Vec<u8>> {
    let digits: String = text
        .trim()
        .trim_start_matches("0x")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err(crate::exit::user_error(format!(
            "--{flag}: odd number of hex digits ({})",
            digits.len()
        )));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&digits[i..i + 2], 16).map_err(|_| {
                crate::exit::user_error(format!(
                    "--{flag}: `{}` is not a hex byte",
                    &digits[i..i + 2]
                ))
            })
        })
        .collect()
}

fn hook_name(hook: Hook) -> &'static str {
    match hook {
        Hook::Packet(PacketHook::Xdp) => "xdp",
        Hook::Packet(PacketHook::Tc) => "tc",
        Hook::Packet(PacketHook::SocketFilter) => "socket_filter",
        Hook::Packet(PacketHook::CgroupSkb) => "cgroup_skb",
        Hook::Packet(PacketHook::Lwt) => "lwt",
        Hook::SockAddr { attach, .. } => attach,
        Hook::Other => "other",
    }
}

/// Chooses the input from the flags and the program's hook.
fn resolve_input(args: &ExecArgs, hook: Hook) -> anyhow::Result<Input> {
    if let Some(hex) = &args.mem {
        return Ok(Input::Mem(parse_hex("mem", hex)?));
    }
    let packet = match (&args.packet, &args.packet_file) {
        (Some(hex), _) => Some(parse_hex("packet", hex)?),
        (None, Some(path)) => {
            Some(std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?)
        }
        (None, None) => None,
    };
    match hook {
        Hook::Packet(h) => {
            let data = packet.ok_or_else(|| {
                anyhow!(
                    "a {} program needs --packet HEX or --packet-file FILE (or --mem HEX)",
                    hook_name(hook)
                )
            })?;
            let mut frame = Frame::new(data);
            frame.ifindex = args.ifindex;
            frame.ingress_ifindex = args.ifindex;
            frame.mark = args.mark;
            Ok(Input::Packet(h, frame))
        }
        Hook::SockAddr { ipv6, attach } => {
            let addr = args.connect.ok_or_else(|| {
                anyhow!("a {attach} program needs --connect ADDR:PORT (or --mem HEX)")
            })?;
            if addr.is_ipv6() != ipv6 {
                return Err(anyhow!(
                    "--connect {addr}: a {attach} program takes {} addresses",
                    if ipv6 { "IPv6" } else { "IPv4" }
                ));
            }
            Ok(Input::Connect(match args.proto {
                Proto::Tcp => SockAddr::tcp(addr),
                Proto::Udp => SockAddr::udp(addr),
            }))
        }
        Hook::Other => Err(anyhow!(
            "the VM has no context for this program's section; run it with --mem HEX"
        )),
    }
}

/// `error: cause: cause` in one line.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn run(args: ExecArgs, global: Global) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.object)
        .with_context(|| format!("cannot read {}", args.object.display()))?;
    let shown = args.object.display().to_string();
    let mut config = VmConfig {
        max_instructions: args.max_insns,
        ..VmConfig::default()
    };
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    let loaded = load_object(&bytes, &args.section, config)
        .map_err(|e| crate::exit::user_error(format!("{shown}: {}", error_chain(&e))))?;
    let LoadedProgram {
        name,
        section,
        hook,
        mut vm,
        warnings,
    } = loaded;
    for w in &warnings {
        eprintln!("warning: {shown}: {w}");
    }
    let input = resolve_input(&args, hook)?;
    let (result, before, after, frame): (RunResult, _, _, Option<(Frame, Frame)>) = match input {
        Input::Mem(mut mem) => (
            vm.run_mem(&mut mem).map_err(fault(&shown))?,
            None,
            None,
            None,
        ),
        Input::Packet(h, mut frame) => {
            let original = frame.clone();
            let r = vm.run_packet(h, &mut frame).map_err(fault(&shown))?;
            (r, None, None, Some((original, frame)))
        }
        Input::Connect(mut sa) => {
            let original = sa.addr;
            let r = vm.run_sock_addr(&mut sa).map_err(fault(&shown))?;
            (r, Some(original), Some(sa.addr), None)
        }
    };
    let verdict = match hook {
        _ if args.mem.is_some() => None,
        Hook::Packet(h) => h.verdict_name(result.r0),
        Hook::SockAddr { .. } => match result.r0 {
            1 => Some("allow"),
            0 => Some("reject"),
            _ => None,
        },
        Hook::Other => None,
    };
    let trace = vm.env_mut().take_trace();
    let records: Vec<(String, Vec<Vec<u8>>)> = vm
        .maps()
        .iter()
        .filter(|(_, m)| !m.records().is_empty())
        .map(|(_, m)| (m.name().to_owned(), m.records().to_vec()))
        .collect();
    let mut out = std::io::stdout().lock();
    if global.json {
        let mut value = json!({
            "object": shown,
            "program": name,
            "section": section,
            "hook": hook_name(hook),
            "r0": result.r0,
            "verdict": verdict,
            "instructions": result.instructions,
            "trace": trace,
            "records": records
                .iter()
                .map(|(m, rs)| (m.clone(), rs.iter().map(|r| hex(r)).collect::<Vec<_>>()))
                .collect::<std::collections::BTreeMap<_, _>>(),
        });
        if let (Some(b), Some(a)) = (before, after) {
            value["address"] =
                json!({ "before": b.to_string(), "after": a.to_string(), "rewritten": a != b });
        }
        if let Some((original, frame)) = &frame {
            value["frame"] = json!({
                "mark": frame.mark,
                "priority": frame.priority,
                "packet_changed": frame.data != original.data,
                "packet": hex(&frame.data),
            });
        }
        serde_json::to_writer_pretty(&mut out, &value)?;
        writeln!(out)?;
    } else {
        match verdict {
            Some(v) => writeln!(out, "r0 = {} ({v})", result.r0)?,
            None => writeln!(out, "r0 = {}", result.r0)?,
        }
        if let (Some(b), Some(a)) = (before, after) {
            if a == b {
                writeln!(out, "address: {b} (unchanged)")?;
            } else {
                writeln!(out, "address: {b} -> {a}")?;
            }
        }
        if let Some((original, frame)) = &frame {
            if frame.mark != original.mark {
                writeln!(out, "mark: {:#x}", frame.mark)?;
            }
            if frame.data != original.data {
                writeln!(out, "packet: {}", hex(&frame.data))?;
            }
        }
        writeln!(out, "instructions: {}", result.instructions)?;
        for line in &trace {
            writeln!(out, "trace: {line}")?;
        }
        for (map, rs) in &records {
            for r in rs {
                writeln!(out, "record {map}: {}", hex(r))?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// A VM fault is a verdict on the program: exit 1.
fn fault(shown: &str) -> impl Fn(palisade_runtime::vm::VmError) -> anyhow::Error + '_ {
    move |e| crate::exit::user_error(format!("{shown}: VM fault: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_accepts_separators_and_rejects_junk() {
        assert_eq!(parse_hex("p", "0x00 ff:10\n").unwrap(), vec![0, 0xff, 0x10]);
        assert!(parse_hex("p", "abc").is_err());
        assert!(parse_hex("p", "zz").is_err());
        assert_eq!(parse_hex("p", "").unwrap(), Vec::<u8>::new());
    }
}
