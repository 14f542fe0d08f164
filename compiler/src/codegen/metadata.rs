//! The `.palisade` section: JSON that tells a loader what the object's
//! programs are, where they attach, what each counter and event outcome
//! means, and which maps hold which set. The runtime reads it (it never
//! imports the compiler), so this format is a contract; it is documented
//! in `docs/object-format.md` and versioned by `format`.
//!
//! Keys are written in a fixed order (serde structs, no hash maps), so the
//! section is deterministic.

use super::maps::{MapPlan, MapRole};
use super::CompiledProgram;
use crate::model::{Checked, ProgramKind, SetContents};
use serde::Serialize;

/// The section name.
pub const SECTION: &str = ".palisade";
/// The version of the format below.
pub const FORMAT: u32 = 1;

#[derive(Serialize)]
struct Metadata<'a> {
    format: u32,
    source: &'a str,
    programs: Vec<ProgramMeta>,
    sets: Vec<SetMeta>,
    events: Option<String>,
}

#[derive(Serialize)]
struct ProgramMeta {
    name: String,
    /// `policy`, `guard`, `service`.
    kind: &'static str,
    /// `ingress`, `egress`, `xdp`, `connect`.
    hook: &'static str,
    /// For tc: the direction on the pod's host-side veth (`egress` for pod
    /// ingress, `ingress` for pod egress).
    tc_direction: Option<&'static str>,
    /// `(section, function)` of each program.
    functions: Vec<(String, String)>,
    line: u32,
    audit: bool,
    selectors: Vec<SelectorMeta>,
    /// Index = counter slot and event outcome.
    outcomes: Vec<OutcomeMeta>,
    counters: Option<String>,
    /// For services: `(vip table, backend array)` map names.
    service_maps: Option<(String, String)>,
}

#[derive(Serialize)]
struct SelectorMeta {
    pods: String,
    namespace: Option<String>,
}

#[derive(Serialize)]
struct OutcomeMeta {
    /// `rule`, `default` or `malformed`.
    kind: &'static str,
    line: u32,
    text: String,
    verdict: &'static str,
}

#[derive(Serialize)]
struct SetMeta {
    name: String,
    /// `addrs` or `ports`.
    kind: &'static str,
    line: u32,
    /// Address sets: `[v4 map, v6 map]`; port sets: `[bitmap map]`.
    maps: Vec<String>,
}

/// Renders the metadata JSON.
pub fn render(
    checked: &Checked,
    source: &str,
    plan: &MapPlan,
    programs: &[CompiledProgram],
) -> Vec<u8> {
    let meta = Metadata {
        format: FORMAT,
        source,
        programs: checked
            .programs
            .iter()
            .map(|p| {
                let (kind, selectors, tc_direction) = match &p.kind {
                    ProgramKind::Policy(policy) => (
                        "policy",
                        policy.selectors.as_slice(),
                        Some(match policy.direction {
                            crate::model::Direction::Ingress => "egress",
                            crate::model::Direction::Egress => "ingress",
                        }),
                    ),
                    ProgramKind::Guard(_) => ("guard", &[][..], None),
                    ProgramKind::Service(s) => ("service", s.selectors.as_slice(), None),
                };
                let outcomes = p.filter().map_or_else(Vec::new, |f| {
                    let mut out: Vec<OutcomeMeta> = f
                        .rules
                        .iter()
                        .map(|r| OutcomeMeta {
                            kind: "rule",
                            line: r.line,
                            text: r.text.clone(),
                            verdict: r.verdict.name(),
                        })
                        .collect();
                    out.push(OutcomeMeta {
                        kind: "default",
                        line: f.default.line,
                        text: f.default.text.clone(),
                        verdict: f.default.verdict.name(),
                    });
                    out.push(OutcomeMeta {
                        kind: "malformed",
                        line: f.default.line,
                        text: "malformed IP packet".to_string(),
                        verdict: if matches!(p.kind, ProgramKind::Guard(_)) {
                            "drop"
                        } else {
                            "deny"
                        },
                    });
                    out
                });
                ProgramMeta {
                    name: p.name.clone(),
                    kind,
                    hook: p.hook().name(),
                    tc_direction,
                    functions: programs
                        .iter()
                        .filter(|c| c.name == p.name)
                        .map(|c| (c.section.to_string(), c.function.clone()))
                        .collect(),
                    line: p.line,
                    audit: p.filter().is_some_and(|f| f.audit),
                    selectors: selectors
                        .iter()
                        .map(|s| SelectorMeta {
                            pods: s.pods.as_str().to_string(),
                            namespace: s.namespace.as_ref().map(|n| n.as_str().to_string()),
                        })
                        .collect(),
                    outcomes,
                    counters: plan.counters(&p.name).map(|i| plan.maps[i].name.clone()),
                    service_maps: plan
                        .service_vips(&p.name)
                        .zip(plan.service_backends(&p.name))
                        .map(|(v, b)| (plan.maps[v].name.clone(), plan.maps[b].name.clone())),
                }
            })
            .collect(),
        sets: checked
            .sets
            .iter()
            .map(|s| SetMeta {
                name: s.name.clone(),
                kind: match s.contents {
                    SetContents::Addrs(_) => "addrs",
                    SetContents::Ports(_) => "ports",
                },
                line: s.line,
                maps: plan
                    .maps
                    .iter()
                    .filter(|m| match m.role {
                        MapRole::AddrSet { set, .. } | MapRole::PortSet { set } => set == s.id,
                        _ => false,
                    })
                    .map(|m| m.name.clone())
                    .collect(),
            })
            .collect(),
        events: plan.events().map(|i| plan.maps[i].name.clone()),
    };
    serde_json::to_vec_pretty(&meta).expect("metadata serialises")
}
