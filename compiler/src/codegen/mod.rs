//! Code generation: a checked `.pol` file becomes one eBPF object.
//!
//! ```text
//! Checked ──lower──▶ FilterIr ──optimise──▶ validate ──filter──▶ Emitter ──finish──▶ Code
//!         └─service (connect4/connect6)──────────────────────────────────▶ Code
//! Code + MapPlan + metadata ──object writer──▶ ELF bytes
//! ```
//!
//! * [`maps`] plans every map (sets, counters, events, service tables);
//! * [`lower`] builds and optimises the filter IR ([`ir`]), which
//!   [`ir::validate`] checks before [`filter`] emits bytecode;
//! * [`frame`] is the packet parser in bytecode and [`wire`] its reference
//!   twin in Rust;
//! * [`service`] emits the connect-time load balancers;
//! * [`metadata`] is the `.palisade` section the runtime reads to attach,
//!   explain and update sets.
//!
//! Sections: tc policies share `classifier`, guards share `xdp`, services
//! put one function each in `cgroup/connect4` and `cgroup/connect6`; every
//! program is its own function (symbol), as libbpf expects.
//! The object is a pure function of the input: same file, same bytes.

pub mod emit;
pub mod expect;
pub mod filter;
pub mod frame;
pub mod ir;
pub mod lower;
pub mod maps;
pub mod metadata;
pub mod service;
pub mod table;
pub mod wire;

use crate::model::{Checked, Family, ProgramKind, SetContents};
use crate::span::LineIndex;
use emit::{Code, EmitError, Loc};
use ir::{FilterHook, IrError};
use maps::MapPlan;
use palisade_verifier::object::write::{
    FunctionSpec, MapSpec, ObjectSpec, RelocSpec, SectionSpec, WriteError,
};
use palisade_verifier::object::SourceLoc;
use std::sync::Arc;

/// The section of tc programs (aya 0.14 only knows `classifier`).
pub const SECTION_TC: &str = "classifier";
pub const SECTION_XDP: &str = "xdp";
pub const SECTION_CONNECT4: &str = "cgroup/connect4";
pub const SECTION_CONNECT6: &str = "cgroup/connect6";

/// Why compilation failed (always a compiler bug: checked input compiles).
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    #[error(transparent)]
    Ir(#[from] IrError),
    #[error("program `{program}`: {source}")]
    Emit {
        program: String,
        #[source]
        source: EmitError,
    },
    #[error("writing the object failed")]
    Write(#[from] WriteError),
}

/// One generated program.
#[derive(Clone, Debug)]
pub struct CompiledProgram {
    /// The `.pol` name (`web`; services get one program per family).
    pub name: String,
    /// The ELF function (symbol) name.
    pub function: String,
    pub section: &'static str,
    pub code: Code,
}

/// A compiled file: programs, maps, and the object spec to write.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub programs: Vec<CompiledProgram>,
    pub maps: MapPlan,
    pub spec: ObjectSpec,
}

impl Compiled {
    /// The function (symbol) of the program called `name` (a service's
    /// first, its connect4 program).
    pub fn function(&self, name: &str) -> Option<&str> {
        self.programs
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.function.as_str())
    }

    /// The ELF bytes of the object.
    pub fn to_elf(&self) -> Result<Vec<u8>, CodegenError> {
        Ok(palisade_verifier::object::write::write_object(&self.spec)?)
    }
}

/// A compiled object whose every program passed the in-process verifier.
#[derive(Debug)]
pub struct Verified {
    pub compiled: Compiled,
    pub elf: Vec<u8>,
    /// One accepting report per program.
    pub reports: Vec<palisade_verifier::verify::Report>,
}

/// Why a compiled object may not be written.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Codegen(#[from] CodegenError),
    #[error("the verifier rejected {} program(s); the object was not written", rejected.len())]
    Rejected {
        /// The rejecting reports, or why a program could not be verified.
        rejected: Vec<String>,
    },
}

/// Compiles `checked`, writes the object, and verifies every program in
/// it with the in-process verifier (the object as a loader would read it,
/// not the compiler's view of it). This is what `palisade build` runs.
pub fn build(checked: &Checked, source: &Source<'_>) -> Result<Verified, BuildError> {
    build_with(checked, source, &Options::default())
}

/// [`build`] with explicit [`Options`].
pub fn build_with(
    checked: &Checked,
    source: &Source<'_>,
    options: &Options,
) -> Result<Verified, BuildError> {
    use palisade_verifier::verify::{
        verify_object, ObjectResult, Options as VerifyOptions, Platform,
    };
    let compiled = compile_with(checked, source, options)?;
    let elf = compiled.to_elf()?;
    let object =
        palisade_verifier::object::Object::parse(&elf).map_err(|e| BuildError::Rejected {
            rejected: vec![format!("the written object cannot be read back: {e}")],
        })?;
    let mut reports = Vec::new();
    let mut rejected = Vec::new();
    for result in verify_object(&object, &Platform::linux(), &VerifyOptions::strict()) {
        match result {
            ObjectResult::Verified(report) if report.accepted() => reports.push(report),
            ObjectResult::Verified(report) => rejected.push(report.to_string()),
            ObjectResult::NotVerified { program, reason } => {
                rejected.push(format!("{program}: {reason}"))
            }
        }
    }
    if rejected.is_empty() {
        Ok(Verified {
            compiled,
            elf,
            reports,
        })
    } else {
        Err(BuildError::Rejected { rejected })
    }
}

/// Where the source came from, for line tables.
pub struct Source<'a> {
    /// The file name recorded in the object (as given on the command line).
    pub path: &'a str,
    pub text: &'a str,
}

/// Line lookups over a [`Source`], built once per compilation (policies
/// can have tens of thousands of lines).
struct SourceIndex<'a> {
    text: &'a str,
    index: LineIndex,
    /// The text of each line, trimmed, shared by every line-table row.
    lines: Vec<Arc<str>>,
}

impl<'a> SourceIndex<'a> {
    fn new(text: &'a str) -> SourceIndex<'a> {
        SourceIndex {
            text,
            index: LineIndex::new(text),
            lines: text.lines().map(|l| Arc::from(l.trim_end())).collect(),
        }
    }

    /// 1-based column of a byte offset.
    fn column(&self, offset: u32) -> u32 {
        self.index.line_col(self.text, offset).column
    }

    /// The text of a 1-based line.
    fn line_text(&self, line: u32) -> Option<Arc<str>> {
        self.lines.get(line.checked_sub(1)? as usize).cloned()
    }
}

/// Choices that change the generated code, not its meaning.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// When long chains become rule tables.
    pub rule_tables: table::TableMode,
}

/// Compiles a checked file into programs and an object spec.
pub fn compile(checked: &Checked, source: &Source<'_>) -> Result<Compiled, CodegenError> {
    compile_with(checked, source, &Options::default())
}

/// [`compile`] with explicit [`Options`].
pub fn compile_with(
    checked: &Checked,
    source: &Source<'_>,
    options: &Options,
) -> Result<Compiled, CodegenError> {
    let counting: Vec<String> = checked
        .programs
        .iter()
        .filter(|p| p.filter().is_some_and(lower::filter_counts))
        .map(|p| p.name.clone())
        .collect();
    let logging = checked
        .programs
        .iter()
        .any(|p| p.filter().is_some_and(lower::filter_logs));
    let mut plan = MapPlan::new(checked, &counting, logging);
    let index = SourceIndex::new(source.text);
    let column = |span: crate::span::Span| index.column(span.start);
    let mut programs = Vec::new();
    for (index, program) in checked.programs.iter().enumerate() {
        match &program.kind {
            ProgramKind::Policy(_) | ProgramKind::Guard(_) => {
                let (hook, section) = match program.kind {
                    ProgramKind::Guard(_) => (FilterHook::Xdp, SECTION_XDP),
                    _ => (FilterHook::Tc, SECTION_TC),
                };
                let filter = program.filter().expect("policies and guards are filters");
                let mut ir =
                    lower::lower_filter(&plan, &column, &program.name, program.line, hook, filter);
                table::tabulate(&mut ir, &mut plan, hook.verdicts(), options.rule_tables);
                let v = ir::validate(&ir)?;
                let e = filter::emit_filter(&v, &plan, index as u32);
                programs.push(finish(&program.name, program.name.clone(), section, e)?);
            }
            ProgramKind::Service(_) => {
                let vips = plan
                    .service_vips(&program.name)
                    .expect("planned for every service");
                let backends = plan
                    .service_backends(&program.name)
                    .expect("planned for every service");
                let loc = Loc {
                    line: program.line,
                    column: column(program.span),
                };
                for (family, section, suffix) in [
                    (Family::V4, SECTION_CONNECT4, "_connect4"),
                    (Family::V6, SECTION_CONNECT6, "_connect6"),
                ] {
                    let e = service::emit_service(family, vips, backends, loc);
                    let function = format!("{}{suffix}", program.name);
                    programs.push(finish(&program.name, function, section, e)?);
                }
            }
        }
    }
    let spec = object_spec(checked, source.path, &index, &plan, &programs);
    Ok(Compiled {
        programs,
        maps: plan,
        spec,
    })
}

fn finish(
    name: &str,
    function: String,
    section: &'static str,
    e: emit::Emitter,
) -> Result<CompiledProgram, CodegenError> {
    let code = e.finish().map_err(|source| CodegenError::Emit {
        program: name.to_string(),
        source,
    })?;
    Ok(CompiledProgram {
        name: name.to_string(),
        function: c_identifier(&function),
        section,
        code,
    })
}

/// Program names become ELF symbols: keep them C identifiers.
fn c_identifier(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The object: sections in a fixed order, maps with their initial
/// contents, source lines, metadata.
fn object_spec(
    checked: &Checked,
    path: &str,
    index: &SourceIndex<'_>,
    plan: &MapPlan,
    programs: &[CompiledProgram],
) -> ObjectSpec {
    let file: Arc<str> = Arc::from(path);
    let mut sections: Vec<SectionSpec> = Vec::new();
    for section in [SECTION_TC, SECTION_XDP, SECTION_CONNECT4, SECTION_CONNECT6] {
        let functions: Vec<FunctionSpec> = programs
            .iter()
            .filter(|p| p.section == section)
            .map(|p| FunctionSpec {
                name: p.function.clone(),
                global: true,
                insns: p.code.insns.clone(),
                relocs: p
                    .code
                    .map_refs
                    .iter()
                    .map(|&(slot, map)| RelocSpec {
                        slot,
                        symbol: plan.maps[map].name.clone(),
                    })
                    .collect(),
                labels: Vec::new(),
                lines: p
                    .code
                    .lines
                    .iter()
                    .map(|&(slot, loc)| {
                        (
                            slot,
                            SourceLoc {
                                file: file.clone(),
                                line: loc.line,
                                column: loc.column,
                                text: index.line_text(loc.line),
                            },
                        )
                    })
                    .collect(),
            })
            .collect();
        if !functions.is_empty() {
            sections.push(SectionSpec {
                name: section.to_string(),
                functions,
            });
        }
    }
    let maps = plan
        .maps
        .iter()
        .map(|m| MapSpec {
            name: m.name.clone(),
            map_type: m.map_type,
            key_size: m.key_size,
            value_size: m.value_size,
            max_entries: m.max_entries,
            flags: m.flags,
            pinning: 0,
            entries: initial_entries(checked, m),
        })
        .collect();
    ObjectSpec {
        license: "GPL".to_string(),
        sections,
        maps,
        externs: Vec::new(),
        notes: vec![(
            metadata::SECTION.to_string(),
            metadata::render(checked, path, plan, programs),
        )],
    }
}

/// The contents a map starts with: set members, service tables.
fn initial_entries(checked: &Checked, map: &maps::MapDecl) -> Vec<(Vec<u8>, Vec<u8>)> {
    match &map.role {
        maps::MapRole::AddrSet { set, family } => match &checked.set(*set).contents {
            SetContents::Addrs(list) => match family {
                Family::V4 => list
                    .v4()
                    .iter()
                    .map(|c| (lpm_key(c.len(), &c.addr().octets()), vec![1]))
                    .collect(),
                Family::V6 => list
                    .v6()
                    .iter()
                    .map(|c| (lpm_key(c.len(), &c.addr().octets()), vec![1]))
                    .collect(),
            },
            SetContents::Ports(_) => Vec::new(),
        },
        maps::MapRole::PortSet { set } => match &checked.set(*set).contents {
            SetContents::Ports(list) => {
                let mut bitmap = vec![0u8; maps::PORT_BITMAP_BYTES as usize];
                for r in list.ranges() {
                    for p in r.low()..=r.high() {
                        bitmap[usize::from(p >> 3)] |= 1 << (p & 7);
                    }
                }
                vec![(0u32.to_le_bytes().to_vec(), bitmap)]
            }
            SetContents::Addrs(_) => Vec::new(),
        },
        maps::MapRole::ServiceVips { program } | maps::MapRole::ServiceBackends { program } => {
            let Some(ProgramKind::Service(s)) = checked.program_by_name(program).map(|p| &p.kind)
            else {
                return Vec::new();
            };
            let tables = service::tables(s);
            if matches!(map.role, maps::MapRole::ServiceVips { .. }) {
                tables.vips
            } else {
                tables.backends
            }
        }
        maps::MapRole::RuleTable { entries, .. } => entries.clone(),
        maps::MapRole::Counters { .. } | maps::MapRole::Events => Vec::new(),
    }
}

/// An LPM trie key: `{u32 prefixlen; u8 addr[]}`.
pub fn lpm_key(prefix: u8, addr: &[u8]) -> Vec<u8> {
    let mut key = u32::from(prefix).to_le_bytes().to_vec();
    key.extend_from_slice(addr);
    key
}
