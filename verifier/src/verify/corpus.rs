//! Adapters for the Linux verifier test corpus (`test_verifier` tests as
//! JSON Lines, see `shared/corpus/kernel-verifier/README.md`): turns one
//! test into a [`Program`] with the maps the kernel's test runner creates.
//!
//! Used by the corpus agreement tests and the benchmark; nothing here
//! decides a verdict.

use super::platform::maps::{MapDef, MapType, F_RDONLY_PROG, F_WRONLY_PROG};
use super::platform::prog_type::{AttachType, ProgKind, ProgType};
use super::program::{FuncInfo, Program};
use crate::isa::decode::RawInsn;
use crate::isa::decode_program;
use serde_json::Value as Json;

/// The map a `fixup_*` kind stands for (`do_test_fixup()` in
/// `test_verifier.c`).
pub fn fixup_map(kind: &str) -> Option<MapDef> {
    let m = |t: MapType, k, v, n| MapDef::new(kind.trim_start_matches("fixup_"), t, k, v, n);
    Some(match kind {
        "fixup_map_hash_8b" => m(MapType::HASH, 8, 8, 1),
        "fixup_map_hash_48b" => m(MapType::HASH, 8, 48, 1),
        "fixup_map_hash_16b" => m(MapType::HASH, 8, 16, 1),
        "fixup_map_array_48b" => m(MapType::ARRAY, 4, 48, 1),
        "fixup_map_array_small" => m(MapType::ARRAY, 4, 1, 1),
        "fixup_map_array_ro" => {
            let mut d = m(MapType::ARRAY, 4, 48, 1);
            d.flags = F_RDONLY_PROG;
            d
        }
        "fixup_map_array_wo" => {
            let mut d = m(MapType::ARRAY, 4, 48, 1);
            d.flags = F_WRONLY_PROG;
            d
        }
        "fixup_map_event_output" => m(MapType::PERF_EVENT_ARRAY, 4, 4, 1),
        "fixup_map_ringbuf" => m(MapType::RINGBUF, 0, 0, 4096),
        "fixup_map_kptr" => {
            let mut d = m(MapType::ARRAY, 4, 24, 1);
            d.special_fields = vec![(0, 8), (8, 8), (16, 8)];
            d
        }
        "fixup_map_in_map" => m(MapType::ARRAY_OF_MAPS, 4, 4, 1),
        "fixup_prog1" | "fixup_prog2" => m(MapType::PROG_ARRAY, 4, 4, 4),
        "fixup_map_sockmap" => m(MapType::SOCKMAP, 4, 4, 1),
        "fixup_map_sockhash" => m(MapType::SOCKHASH, 4, 4, 1),
        "fixup_map_stacktrace" => m(MapType::STACK_TRACE, 4, 8, 1),
        _ => return None,
    })
}

/// Decodes `[[opcode, dst, src, off, imm], ...]` into bytes.
pub fn insn_bytes(insns: &[Json]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(insns.len() * 8);
    for i in insns {
        let f = i.as_array().ok_or("instruction is not an array")?;
        let n = |k: usize| {
            f.get(k)
                .and_then(Json::as_i64)
                .ok_or("bad instruction field")
        };
        let raw = RawInsn {
            code: n(0)? as u8,
            dst: n(1)? as u8 & 0xf,
            src: n(2)? as u8 & 0xf,
            off: n(3)? as i16,
            imm: n(4)? as i32,
        };
        out.extend_from_slice(&raw.to_bytes());
    }
    Ok(out)
}

/// Builds the program of one test. `insns` overrides the test's own
/// instructions (for the long programs kept in a separate file).
pub fn program_from_test(test: &Json, insns: Option<&[Json]>) -> Result<Program, String> {
    let name = test["name"].as_str().unwrap_or("?").to_string();
    let pt = test["prog_type"]
        .as_str()
        .and_then(ProgType::from_name)
        .ok_or("unknown program type")?;
    let attach = AttachType(test["expected_attach_type_id"].as_u64().unwrap_or(0) as u32);
    let list = match insns {
        Some(l) => l,
        None => test["insns"]
            .as_array()
            .ok_or("no instructions")?
            .as_slice(),
    };
    let bytes = insn_bytes(list)?;
    let decoded = decode_program(&bytes).map_err(|e| e.to_string())?;
    let mut prog = Program::new(name, ProgKind::new(pt, attach), decoded);
    if let Some(fixups) = test["fixups"].as_object() {
        let mut kinds: Vec<&String> = fixups.keys().collect();
        kinds.sort();
        for kind in kinds {
            let Some(def) = fixup_map(kind) else {
                continue;
            };
            let idx = prog.maps.len();
            prog.maps.push(def);
            for slot in fixups[kind].as_array().into_iter().flatten() {
                if let Some(s) = slot.as_u64() {
                    prog.map_refs.insert(s as usize, idx);
                }
            }
        }
    }
    for f in test["flags"].as_array().into_iter().flatten() {
        match f.as_str() {
            Some("F_LOAD_WITH_STRICT_ALIGNMENT") => prog.flags.strict_alignment = true,
            Some("F_NEEDS_EFFICIENT_UNALIGNED_ACCESS") => prog.flags.any_alignment = true,
            Some("BPF_F_SLEEPABLE") => prog.flags.sleepable = true,
            _ => {}
        }
    }
    for fi in test["func_info"].as_array().into_iter().flatten() {
        if let Some(off) = fi.get(0).and_then(Json::as_u64) {
            prog.funcs.push(FuncInfo {
                slot: off as usize,
                name: format!("func{off}"),
                global: false,
                returns_void: false,
                params: None,
            });
            prog.has_btf = true;
        }
    }
    Ok(prog)
}

/// Why a kernel result says nothing about the verifier, if it does not:
/// an environment failure of the machine the corpus was recorded on.
pub fn kernel_excluded(test: &Json) -> Option<&'static str> {
    let k = &test["kernel_6_18"];
    if k["verdict"] == "not_loaded" {
        return Some("not loaded");
    }
    if k["verdict"] == "reject" {
        if k["errno"].as_i64() == Some(1) && k["log_tail"].as_str().unwrap_or("").is_empty() {
            return Some(
                "EPERM with an empty log (program type not permitted on the recording VM)",
            );
        }
        if k["kfuncs_unresolved"].as_u64().unwrap_or(0) > 0 {
            return Some("bpf_testmod kfuncs missing on the recording VM");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_test_program() {
        let t: Json = serde_json::from_str(
            r#"{"name":"t","prog_type":"BPF_PROG_TYPE_XDP","expected_attach_type_id":0,
                "insns":[[24,1,1,0,0],[0,0,0,0,0],[183,0,0,0,0],[149,0,0,0,0]],
                "fixups":{"fixup_map_hash_8b":[0]},"flags":[],"func_info":[],
                "kernel_6_18":{"verdict":"reject","errno":1,"log_tail":""}}"#,
        )
        .unwrap();
        let p = program_from_test(&t, None).unwrap();
        assert_eq!(p.kind.prog_type, ProgType::Xdp);
        assert_eq!(p.insns.len(), 3);
        assert_eq!(p.map_refs.get(&0), Some(&0));
        assert!(kernel_excluded(&t).is_some());
    }
}
