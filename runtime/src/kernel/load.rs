//! Loading an eBPF object into the kernel through the [`Bpf`] seam, the way
//! libbpf does: create every map, fill it with the object's initial
//! entries (`.palisade.map_init`, global data), link each program, point
//! its map references at the map descriptors, and load it.
//!
//! Everything created is owned by the returned [`LoadedObject`]; dropping
//! it closes the descriptors (the kernel frees what nothing pins or
//! attaches).

use crate::sys::{Bpf, Fd, MapCreate, ProgLoad, SysError};
use palisade_verifier::isa::decode::RawInsn;
use palisade_verifier::isa::opcode::pseudo;
use palisade_verifier::object::maps::{map_flags, map_type};
use palisade_verifier::object::{LinkError, Map, Object, ObjectError};

/// A map created in the kernel.
#[derive(Debug)]
pub struct LoadedMap {
    pub name: String,
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub fd: Fd,
}

/// A program loaded in the kernel.
#[derive(Debug)]
pub struct LoadedProgram {
    /// The function (symbol) name.
    pub name: String,
    pub section: String,
    pub prog_type: u32,
    pub fd: Fd,
    /// Instructions after linking.
    pub insn_count: usize,
}

/// An object whose maps and programs live in the kernel.
#[derive(Debug)]
pub struct LoadedObject {
    pub maps: Vec<LoadedMap>,
    pub programs: Vec<LoadedProgram>,
}

impl LoadedObject {
    /// The program with this function name.
    pub fn program(&self, name: &str) -> Option<&LoadedProgram> {
        self.programs.iter().find(|p| p.name == name)
    }

    /// The map with this name.
    pub fn map(&self, name: &str) -> Option<&LoadedMap> {
        self.maps.iter().find(|m| m.name == name)
    }
}

/// Why an object could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the object")]
    Object(#[from] ObjectError),
    #[error("map `{map}`: {source}")]
    MapCreate {
        map: String,
        #[source]
        source: SysError,
    },
    #[error("map `{map}`: filling initial entries failed: {source}")]
    MapFill {
        map: String,
        #[source]
        source: SysError,
    },
    #[error("program `{program}` cannot be linked")]
    Link {
        program: String,
        #[source]
        source: Box<LinkError>,
    },
    #[error("program `{program}` has no known program type (section `{section}`)")]
    UnknownSection { program: String, section: String },
    #[error("program `{program}` uses map {map}, which could not be created")]
    MissingMap { program: String, map: usize },
    #[error("the kernel rejected program `{program}`: {}\n{log}", std::io::Error::from_raw_os_error(*errno))]
    Rejected {
        program: String,
        errno: i32,
        log: String,
    },
}

/// Options for [`load`].
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Load only the programs with these function names (all if empty).
    pub only: Vec<String>,
    /// Verifier log level on failure (the load is retried with a log).
    pub log_level: u32,
}

/// Loads `bytes` through `bpf`.
pub fn load(bpf: &dyn Bpf, bytes: &[u8], opts: &LoadOptions) -> Result<LoadedObject, LoadError> {
    let object = Object::parse(bytes)?;
    let mut maps = Vec::with_capacity(object.maps.len());
    for map in &object.maps {
        maps.push(create_map(bpf, map)?);
    }
    let mut programs = Vec::new();
    for (index, program) in object.programs.iter().enumerate() {
        let name = object.functions[program.function].name.clone();
        if !opts.only.is_empty() && !opts.only.contains(&name) {
            continue;
        }
        if opts.only.is_empty() && !program_autoloads(&object, index) {
            continue;
        }
        let linked = object.link(index).map_err(|source| LoadError::Link {
            program: name.clone(),
            source: Box::new(source),
        })?;
        let Some(def) = linked.kind.def else {
            return Err(LoadError::UnknownSection {
                program: name,
                section: linked.section_name.clone(),
            });
        };
        let mut raw = linked.raw.clone();
        for r in &linked.map_refs {
            let fd = maps.get(r.map).ok_or(LoadError::MissingMap {
                program: name.clone(),
                map: r.map,
            })?;
            let insn = &mut raw[r.slot];
            insn.src = if r.value_offset.is_some() {
                pseudo::MAP_VALUE
            } else {
                pseudo::MAP_FD
            };
            insn.imm = fd.fd.raw();
        }
        let mut req = ProgLoad {
            prog_type: def.prog_type.number(),
            expected_attach_type: def.attach_type.unwrap_or(0),
            insns: raw.iter().map(|r: &RawInsn| r.to_bytes()).collect(),
            license: linked.license.clone().unwrap_or_else(|| "GPL".into()),
            prog_flags: 0,
            name: name.clone(),
            log_level: 0,
            log_size: 0,
        };
        let mut outcome = bpf.prog_load(&req);
        if outcome.result.is_err() {
            // Load again with a log to explain the rejection.
            req.log_level = opts.log_level.max(1);
            req.log_size = 1 << 24;
            outcome = bpf.prog_load(&req);
        }
        match outcome.result {
            Ok(fd) => programs.push(LoadedProgram {
                name,
                section: linked.section_name.clone(),
                prog_type: def.prog_type.number(),
                fd,
                insn_count: raw.len(),
            }),
            Err(errno) => {
                return Err(LoadError::Rejected {
                    program: name,
                    errno,
                    log: outcome.log,
                })
            }
        }
    }
    Ok(LoadedObject { maps, programs })
}

fn program_autoloads(object: &Object, index: usize) -> bool {
    object.programs[index].kind.autoload
}

fn create_map(bpf: &dyn Bpf, map: &Map) -> Result<LoadedMap, LoadError> {
    let def = &map.def;
    let fd = bpf
        .map_create(&MapCreate {
            map_type: def.map_type,
            key_size: def.key_size,
            value_size: def.value_size,
            max_entries: def.max_entries,
            flags: def.flags,
            inner_map_fd: None,
            name: map.name.clone(),
        })
        .map_err(|source| LoadError::MapCreate {
            map: map.name.clone(),
            source,
        })?;
    let fill = |key: &[u8], value: &[u8]| {
        bpf.map_update(&fd, key, value)
            .map_err(|source| LoadError::MapFill {
                map: map.name.clone(),
                source,
            })
    };
    if let Some(initial) = &map.initial {
        if def.map_type == map_type::ARRAY && def.max_entries == 1 {
            fill(&0u32.to_le_bytes(), initial)?;
        }
    }
    for (key, value) in &map.entries {
        fill(key, value)?;
    }
    if def.flags & map_flags::RDONLY_PROG != 0 {
        // Read-only global data (.rodata) is frozen, as libbpf does.
        bpf.map_freeze(&fd).map_err(|source| LoadError::MapFill {
            map: map.name.clone(),
            source,
        })?;
    }
    Ok(LoadedMap {
        name: map.name.clone(),
        map_type: def.map_type,
        key_size: def.key_size,
        value_size: def.value_size,
        max_entries: def.max_entries,
        fd,
    })
}
