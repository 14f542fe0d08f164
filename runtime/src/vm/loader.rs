//! From an object file to a ready [`Vm`]: parse, pick the program(s), link
//! each (entry function plus the subprograms it reaches, as libbpf does),
//! create every map of the object in the object's order (so the linker's
//! map indexes are the VM's map numbers), load data sections
//! (`.data`/`.rodata`) and `.palisade.map_init` entries, and prepare the
//! programs.
//!
//! * [`load_object`]: one program, in a VM of its own;
//! * [`load_all`]: every program of the object in one VM, sharing the
//!   maps as they do in the kernel (a policy's programs and counters, a
//!   service's connect4/connect6 pair).
//!
//! Maps whose type the VM does not emulate become placeholders: the
//! program still loads, and only a helper call on such a map fails.

use palisade_verifier::isa::Insn;
use palisade_verifier::object::elf::RawElf;
use palisade_verifier::object::prog_type::{attach_type_name, ProgType};
use palisade_verifier::object::write::map_init;
use palisade_verifier::object::{LinkError, Object, ObjectError};

use super::ctx::PacketHook;
use super::env::VmConfig;
use super::error::LoadError;
use super::maps::{Map, MapError, Maps, BPF_ANY};
use super::{ProgramId, Vm};

/// What kind of input a program expects, from its section name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    /// A packet program (`classifier`, `xdp`, `socket`, `cgroup_skb/...`,
    /// `lwt_*`).
    Packet(PacketHook),
    /// A cgroup socket-address program (`cgroup/connect4`, ...);
    /// `attach` is the attach type's name (`cgroup_inet4_connect`).
    SockAddr { ipv6: bool, attach: &'static str },
    /// Any other program type: it can still run on raw memory.
    Other,
}

/// A program loaded from an object, with everything needed to run it.
#[derive(Clone, Debug)]
pub struct LoadedProgram {
    /// The program's function name.
    pub name: String,
    /// Its ELF section.
    pub section: String,
    pub hook: Hook,
    pub vm: Vm,
    /// Things the caller should know (maps the VM only has placeholders
    /// for, parts of the object that could not be read).
    pub warnings: Vec<String>,
}

/// Why an object's program cannot be loaded into the VM.
#[derive(Debug, thiserror::Error)]
pub enum ObjectLoadError {
    #[error("cannot read the object")]
    Parse(#[source] ObjectError),
    #[error("no program `{selector}` (programs: {})", list(.available))]
    NoProgram {
        selector: String,
        available: Vec<String>,
    },
    #[error("section `{section}` has several programs; pick one with `{section}/NAME` ({})", list(.names))]
    Ambiguous { section: String, names: Vec<String> },
    #[error("cannot link program `{name}`")]
    Link {
        name: String,
        #[source]
        source: Box<LinkError>,
    },
    #[error("cannot create map `{name}`")]
    Map {
        name: String,
        #[source]
        source: MapError,
    },
    #[error(".palisade.map_init: {0}")]
    MapInit(String),
    #[error("cannot prepare program `{name}`")]
    Program {
        name: String,
        #[source]
        source: LoadError,
    },
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// The hook of a section, from libbpf's section conventions.
pub fn hook_of_section(section: &str) -> Hook {
    let kind = palisade_verifier::object::prog_type::classify(section);
    let Some(def) = kind.def else {
        return Hook::Other;
    };
    match def.prog_type {
        ProgType::SchedCls | ProgType::SchedAct => Hook::Packet(PacketHook::Tc),
        ProgType::SocketFilter => Hook::Packet(PacketHook::SocketFilter),
        ProgType::CgroupSkb => Hook::Packet(PacketHook::CgroupSkb),
        ProgType::Xdp => Hook::Packet(PacketHook::Xdp),
        ProgType::LwtIn | ProgType::LwtOut | ProgType::LwtXmit | ProgType::LwtSeg6Local => {
            Hook::Packet(PacketHook::Lwt)
        }
        ProgType::CgroupSockAddr => match def.attach_type.and_then(attach_type_name) {
            Some(attach) => Hook::SockAddr {
                ipv6: attach.contains('6'),
                attach,
            },
            None => Hook::Other,
        },
        _ => Hook::Other,
    }
}

/// Finds the program `selector` names among `(section, name)` pairs: a
/// section with one program, a function name, or `section/function`.
fn select(programs: &[(&str, &str)], selector: &str) -> Result<usize, ObjectLoadError> {
    let in_section: Vec<usize> = (0..programs.len())
        .filter(|&i| programs[i].0 == selector)
        .collect();
    match in_section.as_slice() {
        [one] => return Ok(*one),
        [] => {}
        many => {
            return Err(ObjectLoadError::Ambiguous {
                section: selector.to_owned(),
                names: many.iter().map(|&i| programs[i].1.to_owned()).collect(),
            })
        }
    }
    if let Some(i) = programs.iter().position(|p| p.1 == selector) {
        return Ok(i);
    }
    if let Some((section, name)) = selector.rsplit_once('/') {
        if let Some(i) = programs.iter().position(|p| p.0 == section && p.1 == name) {
            return Ok(i);
        }
    }
    Err(ObjectLoadError::NoProgram {
        selector: selector.to_owned(),
        available: programs.iter().map(|(s, n)| format!("{s}/{n}")).collect(),
    })
}

/// Creates the object's maps, in order, with their initial contents.
fn create_maps(
    obj: &Object,
    bytes: &[u8],
    warnings: &mut Vec<String>,
) -> Result<Maps, ObjectLoadError> {
    let mut maps = Maps::new();
    for m in &obj.maps {
        let map_err = |source| ObjectLoadError::Map {
            name: m.name.clone(),
            source,
        };
        let mut map = match Map::new(&m.name, &m.def) {
            Ok(map) => map,
            Err(e @ MapError::UnsupportedType(_)) => {
                warnings.push(format!(
                    "map `{}`: {e}; helper calls on it will fail",
                    m.name
                ));
                Map::unsupported(&m.name, &m.def)
            }
            Err(e) => return Err(map_err(e)),
        };
        if let Some(initial) = &m.initial {
            map.set_data(initial).map_err(map_err)?;
        }
        maps.push(map).map_err(map_err)?;
    }
    // `.palisade.map_init`: the object parsed, so the ELF does too.
    let section = RawElf::parse(bytes).ok().and_then(|elf| {
        elf.section_by_name(map_init::SECTION)
            .map(|s| s.data.to_vec())
    });
    if let Some(data) = section {
        let records = map_init::decode(&data)
            .ok_or_else(|| ObjectLoadError::MapInit("malformed section".into()))?;
        for record in records {
            let map = maps
                .named_mut(&record.map)
                .ok_or_else(|| ObjectLoadError::MapInit(format!("no map `{}`", record.map)))?;
            for (key, value) in &record.entries {
                map.update(key, value, BPF_ANY)
                    .map_err(|e| ObjectLoadError::MapInit(format!("map `{}`: {e}", record.map)))?;
            }
        }
    }
    Ok(maps)
}

/// Links program `index` of `obj` and returns its instructions.
fn link(
    obj: &Object,
    index: usize,
    warnings: &mut Vec<String>,
) -> Result<Vec<Insn>, ObjectLoadError> {
    let linked = obj.link(index).map_err(|source| ObjectLoadError::Link {
        name: obj.programs[index].name.clone(),
        source: Box::new(source),
    })?;
    for e in &linked.externs {
        warnings.push(format!(
            "{}: extern `{}` is not resolved in the VM",
            linked.name, e.name
        ));
    }
    Ok(linked.insns.iter().map(|(_, i)| *i).collect())
}

fn object_programs(obj: &Object) -> Vec<(&str, &str)> {
    obj.programs
        .iter()
        .map(|p| (p.section_name.as_str(), p.name.as_str()))
        .collect()
}

/// Loads program `selector` of the object in `bytes` into a new VM (as
/// its program 0).
pub fn load_object(
    bytes: &[u8],
    selector: &str,
    config: VmConfig,
) -> Result<LoadedProgram, ObjectLoadError> {
    let obj = Object::parse(bytes).map_err(ObjectLoadError::Parse)?;
    let mut warnings: Vec<String> = obj.problems.iter().map(|p| p.to_string()).collect();
    let index = select(&object_programs(&obj), selector)?;
    let program = &obj.programs[index];
    let insns = link(&obj, index, &mut warnings)?;
    let maps = create_maps(&obj, bytes, &mut warnings)?;
    let vm = Vm::with_config(&insns, maps, config).map_err(|source| ObjectLoadError::Program {
        name: program.name.clone(),
        source,
    })?;
    Ok(LoadedProgram {
        name: program.name.clone(),
        section: program.section_name.clone(),
        hook: hook_of_section(&program.section_name),
        vm,
        warnings,
    })
}

/// One program of a [`LoadedObject`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectProgram {
    pub name: String,
    pub section: String,
    pub hook: Hook,
    /// Its number in [`LoadedObject::vm`].
    pub id: ProgramId,
}

/// Every program of an object in one VM with shared maps.
#[derive(Clone, Debug)]
pub struct LoadedObject {
    pub vm: Vm,
    /// In the object's order.
    pub programs: Vec<ObjectProgram>,
    /// As in [`LoadedProgram::warnings`].
    pub warnings: Vec<String>,
}

impl LoadedObject {
    /// The program `selector` names (a section with one program, a
    /// function name, or `section/function`).
    pub fn find(&self, selector: &str) -> Result<&ObjectProgram, ObjectLoadError> {
        let pairs: Vec<(&str, &str)> = self
            .programs
            .iter()
            .map(|p| (p.section.as_str(), p.name.as_str()))
            .collect();
        select(&pairs, selector).map(|i| &self.programs[i])
    }
}

/// Loads every program of the object in `bytes` into one VM. A program
/// that cannot be linked or prepared is left out with a warning; the
/// maps are created once and shared.
pub fn load_all(bytes: &[u8], config: VmConfig) -> Result<LoadedObject, ObjectLoadError> {
    let obj = Object::parse(bytes).map_err(ObjectLoadError::Parse)?;
    let mut warnings: Vec<String> = obj.problems.iter().map(|p| p.to_string()).collect();
    let maps = create_maps(&obj, bytes, &mut warnings)?;
    let mut vm = Vm::with_maps(maps, config);
    let mut programs = Vec::new();
    for (index, program) in obj.programs.iter().enumerate() {
        let added = link(&obj, index, &mut warnings).and_then(|insns| {
            vm.add_program(&insns)
                .map_err(|source| ObjectLoadError::Program {
                    name: program.name.clone(),
                    source,
                })
        });
        match added {
            Ok(id) => programs.push(ObjectProgram {
                name: program.name.clone(),
                section: program.section_name.clone(),
                hook: hook_of_section(&program.section_name),
                id,
            }),
            Err(e) => warnings.push(format!("{}: left out: {}", program.name, error_chain(&e))),
        }
    }
    Ok(LoadedObject {
        vm,
        programs,
        warnings,
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hooks_follow_section_names() {
        assert_eq!(hook_of_section("xdp"), Hook::Packet(PacketHook::Xdp));
        assert_eq!(hook_of_section("classifier"), Hook::Packet(PacketHook::Tc));
        assert_eq!(hook_of_section("tc"), Hook::Packet(PacketHook::Tc));
        assert_eq!(
            hook_of_section("cgroup/connect6"),
            Hook::SockAddr {
                ipv6: true,
                attach: "cgroup_inet6_connect"
            }
        );
        assert_eq!(hook_of_section("kprobe/foo"), Hook::Other);
    }
}
