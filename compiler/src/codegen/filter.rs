//! Bytecode for a validated filter IR: the parser, a protocol dispatch per
//! family, each chain's rules as test sequences, and one block per
//! outcome (count, log, return the verdict).
//!
//! Tests jump to the next rule on failure and fall through on success.
//! Inline port lists and IPv4 networks with more than a few entries become
//! binary compare trees (depth `log2(n)`), so the cost grows with the log
//! of a list's size; named sets are map lookups.

use super::emit::{alu64, Emitter, Label, Loc};
use super::frame::{self, event, slot, Ctx, Dispatch, Exits, Needs};
use super::ir::*;
use super::maps::{MapPlan, EVENT_SIZE};
use super::table;
use crate::model::{Cidr4, Cidr6, Family, PortRange};
use palisade_verifier::isa::{AluOp, EndianOp, Insn, JmpCond, Operand, Reg, Size, Width};

const R0: Reg = Reg::R0;
const R1: Reg = Reg::R1;
const R2: Reg = Reg::R2;
const R3: Reg = Reg::R3;
const R4: Reg = Reg::R4;
const FP: Reg = Reg::R10;

/// `bpf_map_lookup_elem`.
const HELPER_MAP_LOOKUP: i32 = 1;
/// `bpf_ringbuf_output`.
const HELPER_RINGBUF_OUTPUT: i32 = 130;

/// Return codes of a hook.
#[derive(Clone, Copy, Debug)]
pub struct Verdicts {
    pub pass: i32,
    pub block: i32,
}

impl FilterHook {
    /// The hook's return codes: tc `TC_ACT_OK`/`TC_ACT_SHOT`, XDP
    /// `XDP_PASS`/`XDP_DROP`.
    pub fn verdicts(self) -> Verdicts {
        match self {
            FilterHook::Tc => Verdicts { pass: 0, block: 2 },
            FilterHook::Xdp => Verdicts { pass: 2, block: 1 },
        }
    }

    fn ctx(self) -> Ctx {
        match self {
            FilterHook::Tc => Ctx::Skb,
            FilterHook::Xdp => Ctx::Xdp,
        }
    }
}

/// Generates the program of a validated filter. `program_index` goes into
/// `log` events.
pub fn emit_filter(v: &Validated<'_>, plan: &MapPlan, program_index: u32) -> Emitter {
    let ir = v.ir();
    let mut e = Emitter::new();
    let uses = |family: Family, pred: &dyn Fn(&Test) -> bool| {
        ir.chains_of(family)
            .flat_map(|c| &c.rules)
            .flat_map(|r| &r.tests)
            .any(pred)
    };
    let set_on =
        |side: Side| move |t: &Test| matches!(t, Test::AddrSet { side: s, .. } if *s == side);
    let v6_on = |side: Side| move |t: &Test| matches!(t, Test::AddrSet { side: s, .. } | Test::Addr6 { side: s, .. } if *s == side);
    let needs = Needs {
        len: ir.counts(),
        key4_src: uses(Family::V4, &set_on(Side::Src)),
        key4_dst: uses(Family::V4, &set_on(Side::Dst)),
        key6_src: ir.logs() || uses(Family::V6, &v6_on(Side::Src)) || table_reads(ir, Side::Src),
        key6_dst: ir.logs() || uses(Family::V6, &v6_on(Side::Dst)) || table_reads(ir, Side::Dst),
        event: ir.logs(),
        zero_key: uses(Family::V4, &|t| matches!(t, Test::PortSet { .. }))
            || uses(Family::V6, &|t| matches!(t, Test::PortSet { .. })),
    };
    // One label per chain, so the parser's protocol dispatch can jump
    // straight into the chains.
    let chain_labels: Vec<Label> = ir.chains.iter().map(|_| e.label()).collect();
    let dispatch = |family: Family| Dispatch {
        chains: ir
            .chains
            .iter()
            .zip(&chain_labels)
            .filter(|(c, _)| c.family == family)
            .filter_map(|(c, l)| match c.protocol {
                ProtoClass::Exact(p) => Some((p.0, *l)),
                ProtoClass::Other => None,
            })
            .collect(),
        other: ir
            .chains
            .iter()
            .zip(&chain_labels)
            .find(|(c, _)| c.family == family && c.protocol == ProtoClass::Other)
            .map(|(_, l)| *l)
            .expect("validated IR has an other-protocols chain per family"),
    };
    let exits = Exits {
        not_ip: e.label(),
        malformed: e.label(),
        v4: dispatch(Family::V4),
        v6: dispatch(Family::V6),
    };
    let outcome_labels: Vec<[Label; 2]> =
        ir.outcomes.iter().map(|_| [e.label(), e.label()]).collect();
    let mut g = Gen {
        e,
        ir,
        plan,
        program_index,
        outcome_labels,
    };
    g.e.at(Some(loc(ir.line, 1)));
    frame::emit_parser(&mut g.e, ir.hook.ctx(), needs, &exits);
    for (chain, label) in ir.chains.iter().zip(chain_labels) {
        g.e.bind(label);
        g.chain(chain);
    }
    g.e.bind(exits.malformed);
    // The malformed outcome never logs, so its IPv4 block serves.
    let malformed = g.outcome_label(ir.malformed_outcome(), Family::V4);
    g.e.goto(malformed);
    g.e.bind(exits.not_ip);
    g.e.mov_imm(R0, i64::from(ir.hook.verdicts().pass));
    g.e.emit(Insn::Exit);
    for i in 0..ir.outcomes.len() {
        g.outcome(OutcomeId(i as u32));
    }
    g.e
}

fn loc(line: u32, column: u32) -> Loc {
    Loc { line, column }
}

struct Gen<'a> {
    e: Emitter,
    ir: &'a FilterIr,
    plan: &'a MapPlan,
    program_index: u32,
    /// Per outcome, the block's label for IPv4 and IPv6 packets (the same
    /// block unless the outcome logs, whose event needs the family).
    outcome_labels: Vec<[Label; 2]>,
}

impl Gen<'_> {
    fn outcome_label(&self, id: OutcomeId, family: Family) -> Label {
        self.outcome_labels[id.0 as usize][family_index(family)]
    }

    fn chain(&mut self, chain: &Chain) {
        // In long chains, compare copies of the port registers: a compare
        // on r6/r7 itself pins their value on the path that continues, and
        // the kernel verifier then cannot prune the rest of the chain
        // (its cost becomes quadratic in the number of rules).
        let scratch = chain.rules.len() > SCRATCH_COMPARES_AFTER;
        let decide_table = self.e.label();
        if let Some(table) = &chain.table {
            self.table_lookups(chain.family, table);
        }
        for rule in &chain.rules {
            let next = self.e.label();
            let o = &self.ir.outcomes[rule.outcome.0 as usize];
            self.e.at(Some(loc(o.line, o.column)));
            if chain.table.is_some() {
                // A table rule before this one already matched.
                self.e.load(Size::W, R1, FP, slot::TABLE_BEST);
                self.e.jump_if_w(
                    Width::W32,
                    JmpCond::Lt,
                    R1,
                    Operand::Imm(rule.outcome.0 as i32),
                    decide_table,
                );
            }
            for test in &rule.tests {
                self.test(chain.family, test, next, scratch);
            }
            self.decide(rule.outcome, chain.family);
            self.e.bind(next);
        }
        let d = self.ir.default_outcome();
        let o = &self.ir.outcomes[d.0 as usize];
        self.e.at(Some(loc(o.line, o.column)));
        if chain.table.is_some() {
            self.e.bind(decide_table);
            let default = self.e.label();
            self.e.load(Size::W, R1, FP, slot::TABLE_BEST);
            self.e
                .jump_if_w(Width::W32, JmpCond::Eq, R1, Operand::Imm(-1), default);
            self.table_decision(chain.family);
            self.e.bind(default);
        }
        self.decide(d, chain.family);
    }

    /// One hash lookup per tuple; the smallest outcome found goes to
    /// `TABLE_BEST`, its action word to `TABLE_ACTION`.
    fn table_lookups(&mut self, family: Family, table: &RuleTable) {
        let key = slot::TABLE_KEY;
        let (addr_bytes, src_at, dst_at, ports_at) = match family {
            Family::V4 => (4, 4, 8, 12),
            Family::V6 => (16, 4, 20, 36),
        };
        self.e.store_imm(Size::W, FP, slot::TABLE_BEST, -1);
        // Written with BEST below, but initialised so that no path reads
        // uninitialised stack (the strict verifier insists).
        self.e.store_imm(Size::W, FP, slot::TABLE_ACTION, 0);
        for (id, tuple) in table.tuples.iter().enumerate() {
            let skip = self.e.label();
            // Packets without ports (or ICMP fields) cannot match exact ones.
            if tuple.sport {
                self.e
                    .jump_if(JmpCond::Gt, Reg::R6, Operand::Imm(0xffff), skip);
            }
            if tuple.dport {
                self.e
                    .jump_if(JmpCond::Gt, Reg::R7, Operand::Imm(0xffff), skip);
            }
            self.e.store_imm(Size::W, FP, key, id as i32);
            for (len, side, at) in [
                (tuple.src_len, Side::Src, src_at),
                (tuple.dst_len, Side::Dst, dst_at),
            ] {
                self.masked_address(family, side, len, key + at, addr_bytes);
            }
            for (on, reg, at) in [
                (tuple.sport, Reg::R6, ports_at),
                (tuple.dport, Reg::R7, ports_at + 2),
            ] {
                if on {
                    self.e.store(Size::H, FP, key + at, reg);
                } else {
                    self.e.store_imm(Size::H, FP, key + at, 0);
                }
            }
            self.lookup(table.map, key);
            self.e.jump_if(JmpCond::Eq, R0, Operand::Imm(0), skip);
            self.e.load(Size::W, R1, R0, 0);
            self.e.load(Size::W, R2, FP, slot::TABLE_BEST);
            self.e
                .jump_if_w(Width::W32, JmpCond::Ge, R1, Operand::Reg(R2), skip);
            self.e.store(Size::W, FP, slot::TABLE_BEST, R1);
            self.e.load(Size::W, R1, R0, 4);
            self.e.store(Size::W, FP, slot::TABLE_ACTION, R1);
            self.e.bind(skip);
        }
    }

    /// Writes the address on `side`, masked to `len` bits (zero when the
    /// tuple does not constrain it), at stack offset `at`.
    fn masked_address(&mut self, family: Family, side: Side, len: Option<u8>, at: i16, bytes: i16) {
        let Some(len) = len else {
            for word in 0..bytes / 4 {
                self.e.store_imm(Size::W, FP, at + 4 * word, 0);
            }
            return;
        };
        let mut bits = u32::from(len);
        for word in 0..bytes / 4 {
            let take = bits.min(32);
            bits -= take;
            if take == 0 {
                self.e.store_imm(Size::W, FP, at + 4 * word, 0);
                continue;
            }
            match family {
                Family::V4 => self.e.emit(Insn::Alu {
                    width: Width::W32,
                    op: AluOp::Mov,
                    dst: R1,
                    src: Operand::Reg(if side == Side::Src { Reg::R8 } else { Reg::R9 }),
                }),
                Family::V6 => {
                    let from = if side == Side::Src {
                        slot::KEY6_SRC
                    } else {
                        slot::KEY6_DST
                    };
                    self.e.load(Size::W, R1, FP, from + 4 + 4 * word);
                }
            }
            if take < 32 {
                let mask = u32::MAX << (32 - take);
                self.e.alu32(
                    AluOp::And,
                    R1,
                    Operand::Imm(i32::from_le_bytes(mask.to_be_bytes())),
                );
            }
            self.e.store(Size::W, FP, at + 4 * word, R1);
        }
    }

    /// Decides by the table's action word: count, log, return.
    fn table_decision(&mut self, family: Family) {
        let counts = self.ir.outcomes.iter().any(|o| o.count);
        let logs = self.ir.outcomes.iter().any(|o| o.log);
        if counts {
            if let Some(map) = self.plan.counters(&self.ir.name) {
                let skip = self.e.label();
                self.e.load(Size::W, R1, FP, slot::TABLE_ACTION);
                self.e
                    .alu(AluOp::And, R1, Operand::Imm(table::action::COUNT as i32));
                self.e.jump_if(JmpCond::Eq, R1, Operand::Imm(0), skip);
                self.count(map, Value::Stack(slot::TABLE_BEST));
                self.e.bind(skip);
            }
        }
        if logs {
            if let Some(map) = self.plan.events() {
                let skip = self.e.label();
                self.e.load(Size::W, R1, FP, slot::TABLE_ACTION);
                self.e
                    .alu(AluOp::And, R1, Operand::Imm(table::action::LOG as i32));
                self.e.jump_if(JmpCond::Eq, R1, Operand::Imm(0), skip);
                self.log(
                    map,
                    Value::Stack(slot::TABLE_BEST),
                    Value::StackBit(slot::TABLE_ACTION, table::action::BLOCKS_BIT),
                    family,
                );
                self.e.bind(skip);
            }
        }
        self.e.load(Size::W, R0, FP, slot::TABLE_ACTION);
        self.e.alu(
            AluOp::And,
            R0,
            Operand::Imm(table::action::CODE_MASK as i32),
        );
        self.e.emit(Insn::Exit);
    }

    /// Jumps to an outcome, or inlines it when it is only `r0 = K; exit`.
    fn decide(&mut self, id: OutcomeId, family: Family) {
        let o = &self.ir.outcomes[id.0 as usize];
        if !o.count && !o.log {
            self.e.mov_imm(R0, i64::from(self.return_code(o)));
            self.e.emit(Insn::Exit);
        } else {
            self.e.goto(self.outcome_label(id, family));
        }
    }

    fn return_code(&self, o: &Outcome) -> i32 {
        let v = self.ir.hook.verdicts();
        if o.blocks && !self.ir.audit {
            v.block
        } else {
            v.pass
        }
    }

    /// The block(s) of an outcome: count, log, return. An outcome that
    /// logs gets one block per family, since the event holds addresses.
    fn outcome(&mut self, id: OutcomeId) {
        let o = self.ir.outcomes[id.0 as usize].clone();
        self.e.at(Some(loc(o.line, o.column)));
        let families: &[Family] = if o.log {
            &[Family::V4, Family::V6]
        } else {
            &[Family::V4]
        };
        for &family in families {
            self.e.bind(self.outcome_label(id, family));
            if !o.log {
                self.e.bind(self.outcome_label(id, Family::V6));
            }
            if o.count {
                if let Some(map) = self.plan.counters(&self.ir.name) {
                    self.count(map, Value::Imm(id.0 as i32));
                }
            }
            if o.log {
                if let Some(map) = self.plan.events() {
                    self.log(
                        map,
                        Value::Imm(id.0 as i32),
                        Value::Imm(i32::from(o.blocks)),
                        family,
                    );
                }
            }
            self.e.mov_imm(R0, i64::from(self.return_code(&o)));
            self.e.emit(Insn::Exit);
        }
    }

    /// Adds the packet to counter slot `slot` (an outcome id).
    fn count(&mut self, map: usize, slot_value: Value) {
        let skip = self.e.label();
        self.put(Size::W, slot::COUNTER_KEY, slot_value);
        self.lookup(map, slot::COUNTER_KEY);
        self.e.jump_if(JmpCond::Eq, R0, Operand::Imm(0), skip);
        self.e.load(Size::DW, R1, R0, 0);
        self.e.alu(AluOp::Add, R1, Operand::Imm(1));
        self.e.store(Size::DW, R0, 0, R1);
        self.e.load(Size::DW, R1, R0, 8);
        self.e.load(Size::DW, R2, FP, slot::LEN);
        self.e.alu(AluOp::Add, R1, Operand::Reg(R2));
        self.e.store(Size::DW, R0, 8, R1);
        self.e.bind(skip);
    }

    /// Stores `value` at stack offset `at`.
    fn put(&mut self, size: Size, at: i16, value: Value) {
        match value {
            Value::Imm(v) => self.e.store_imm(size, FP, at, v),
            Value::Stack(from) => {
                self.e.load(Size::W, R1, FP, from);
                self.e.store(size, FP, at, R1);
            }
            Value::StackBit(from, bit) => {
                self.e.load(Size::W, R1, FP, from);
                self.e.alu(AluOp::Rsh, R1, Operand::Imm(i32::from(bit)));
                self.e.alu(AluOp::And, R1, Operand::Imm(1));
                self.e.store(size, FP, at, R1);
            }
        }
    }

    /// Sends the 48-byte event (layout in [`frame::event`]); the protocol
    /// byte was stored while parsing.
    fn log(&mut self, map: usize, outcome: Value, blocks: Value, family: Family) {
        let ev = slot::EVENT;
        self.e
            .store_imm(Size::W, FP, ev + event::PROGRAM, self.program_index as i32);
        self.put(Size::W, ev + event::OUTCOME, outcome);
        self.put(Size::B, ev + event::VERDICT, blocks);
        self.e
            .store_imm(Size::B, FP, ev + event::FLAGS, i32::from(self.ir.audit));
        self.e.store(Size::H, FP, ev + event::SPORT, Reg::R6);
        self.e.store(Size::H, FP, ev + event::DPORT, Reg::R7);
        match family {
            Family::V4 => {
                self.e.store_imm(Size::B, FP, ev + event::FAMILY, 4);
                self.e.store(Size::W, FP, ev + event::SRC, Reg::R8);
                self.e.store(Size::W, FP, ev + event::DST, Reg::R9);
                for off in [4, 8, 12] {
                    self.e.store_imm(Size::W, FP, ev + event::SRC + off, 0);
                    self.e.store_imm(Size::W, FP, ev + event::DST + off, 0);
                }
            }
            Family::V6 => {
                self.e.store_imm(Size::B, FP, ev + event::FAMILY, 6);
                for (key, at) in [(slot::KEY6_SRC, event::SRC), (slot::KEY6_DST, event::DST)] {
                    for word in 0..4 {
                        self.e.load(Size::W, R1, FP, key + 4 + 4 * word);
                        self.e.store(Size::W, FP, ev + at + 4 * word, R1);
                    }
                }
            }
        }
        self.e.load_map(R1, map);
        self.e.emit(alu64(AluOp::Mov, R2, Operand::Reg(FP)));
        self.e.alu(AluOp::Add, R2, Operand::Imm(i32::from(ev)));
        self.e.mov_imm(R3, i64::from(EVENT_SIZE));
        self.e.mov_imm(R4, 0);
        self.e
            .emit(Insn::Call(palisade_verifier::isa::CallTarget::Helper(
                HELPER_RINGBUF_OUTPUT,
            )));
    }

    /// `r0 = bpf_map_lookup_elem(map, r10 + key)`.
    fn lookup(&mut self, map: usize, key: i16) {
        self.e.load_map(R1, map);
        self.e.emit(alu64(AluOp::Mov, R2, Operand::Reg(FP)));
        self.e.alu(AluOp::Add, R2, Operand::Imm(i32::from(key)));
        self.e
            .emit(Insn::Call(palisade_verifier::isa::CallTarget::Helper(
                HELPER_MAP_LOOKUP,
            )));
    }

    fn test(&mut self, family: Family, test: &Test, fail: Label, scratch: bool) {
        // The register a port or ICMP test compares (see `chain`).
        let fetch = |e: &mut Emitter, reg: Reg| {
            if scratch {
                // `r1 |= 0` unlinks the copy: verifiers link a moved
                // scalar to its source and narrow both on a compare.
                e.emit(alu64(AluOp::Mov, R1, Operand::Reg(reg)));
                e.alu(AluOp::Or, R1, Operand::Imm(0));
                R1
            } else {
                reg
            }
        };
        match test {
            Test::IcmpType(t) => {
                let reg = fetch(&mut self.e, Reg::R6);
                self.e
                    .jump_if(JmpCond::Ne, reg, Operand::Imm(i32::from(*t)), fail)
            }
            Test::IcmpCode(c) => {
                let reg = fetch(&mut self.e, Reg::R7);
                self.e
                    .jump_if(JmpCond::Ne, reg, Operand::Imm(i32::from(*c)), fail)
            }
            Test::Ports { side, ranges } => {
                let ok = self.e.label();
                let reg = fetch(&mut self.e, port_reg(*side));
                range_tree(
                    &mut self.e,
                    reg,
                    Width::W64,
                    &to_u32_ranges(ranges),
                    ok,
                    fail,
                );
                self.e.bind(ok);
            }
            Test::PortSet { side, map } => self.port_set(port_reg(*side), *map, fail),
            Test::Addr4 { side, cidrs } => self.addr4(*side, cidrs, fail),
            Test::Addr6 { side, cidrs } => self.addr6(*side, cidrs, fail),
            Test::AddrSet { side, map } => {
                let key = match (family, side) {
                    (Family::V4, Side::Src) => slot::KEY4_SRC,
                    (Family::V4, Side::Dst) => slot::KEY4_DST,
                    (Family::V6, Side::Src) => slot::KEY6_SRC,
                    (Family::V6, Side::Dst) => slot::KEY6_DST,
                };
                self.lookup(*map, key);
                self.e.jump_if(JmpCond::Eq, R0, Operand::Imm(0), fail);
            }
        }
    }

    /// Port `reg` in the bitmap of map `map`.
    fn port_set(&mut self, reg: Reg, map: usize, fail: Label) {
        self.e.jump_if(JmpCond::Gt, reg, Operand::Imm(0xffff), fail);
        self.lookup(map, slot::ZERO_KEY);
        self.e.jump_if(JmpCond::Eq, R0, Operand::Imm(0), fail);
        self.e.emit(alu64(AluOp::Mov, R1, Operand::Reg(reg)));
        self.e.alu(AluOp::Rsh, R1, Operand::Imm(3));
        self.e.alu(AluOp::Add, R0, Operand::Reg(R1));
        self.e.load(Size::B, R1, R0, 0);
        self.e.emit(alu64(AluOp::Mov, R2, Operand::Reg(reg)));
        self.e.alu(AluOp::And, R2, Operand::Imm(7));
        self.e.alu(AluOp::Rsh, R1, Operand::Reg(R2));
        self.e.alu(AluOp::And, R1, Operand::Imm(1));
        self.e.jump_if(JmpCond::Eq, R1, Operand::Imm(0), fail);
    }

    /// IPv4 networks: masked compares for one or two, else a compare
    /// tree over host-order intervals.
    fn addr4(&mut self, side: Side, cidrs: &[Cidr4], fail: Label) {
        let reg = match side {
            Side::Src => Reg::R8,
            Side::Dst => Reg::R9,
        };
        let ok = self.e.label();
        if cidrs.len() <= 2 {
            for (i, c) in cidrs.iter().enumerate() {
                let last = i + 1 == cidrs.len();
                let net = i32::from_le_bytes(c.addr().octets());
                let (cond, target) = if last {
                    (JmpCond::Ne, fail)
                } else {
                    (JmpCond::Eq, ok)
                };
                if c.len() == 32 {
                    self.e
                        .jump_if_w(Width::W32, cond, reg, Operand::Imm(net), target);
                } else {
                    let mask = u32::MAX.checked_shl(32 - u32::from(c.len())).unwrap_or(0);
                    let mask = i32::from_le_bytes(mask.to_be_bytes());
                    self.e.emit(Insn::Alu {
                        width: Width::W32,
                        op: AluOp::Mov,
                        dst: R1,
                        src: Operand::Reg(reg),
                    });
                    self.e.alu32(AluOp::And, R1, Operand::Imm(mask));
                    self.e
                        .jump_if_w(Width::W32, cond, R1, Operand::Imm(net), target);
                }
            }
        } else {
            let intervals = merge_intervals(cidrs.iter().map(|c| {
                let (lo, hi) = c.bounds();
                (u64::from(lo), u64::from(hi))
            }));
            self.e.emit(Insn::Alu {
                width: Width::W32,
                op: AluOp::Mov,
                dst: R1,
                src: Operand::Reg(reg),
            });
            self.e.emit(Insn::Endian {
                op: EndianOp::ToBe,
                bits: 32,
                dst: R1,
            });
            range_tree(&mut self.e, R1, Width::W32, &intervals, ok, fail);
        }
        self.e.bind(ok);
    }

    /// IPv6 networks: word-by-word masked compares against the address
    /// stored in the LPM key slot.
    fn addr6(&mut self, side: Side, cidrs: &[Cidr6], fail: Label) {
        let base = match side {
            Side::Src => slot::KEY6_SRC + 4,
            Side::Dst => slot::KEY6_DST + 4,
        };
        let ok = self.e.label();
        for (i, c) in cidrs.iter().enumerate() {
            let next = if i + 1 == cidrs.len() {
                fail
            } else {
                self.e.label()
            };
            let octets = c.addr().octets();
            let mut bits = u32::from(c.len());
            for word in 0..4 {
                if bits == 0 {
                    break;
                }
                let take = bits.min(32);
                bits -= take;
                let net =
                    i32::from_le_bytes(octets[word * 4..word * 4 + 4].try_into().expect("4 bytes"));
                self.e.load(Size::W, R1, FP, base + 4 * word as i16);
                if take < 32 {
                    let mask = u32::MAX << (32 - take);
                    self.e.alu32(
                        AluOp::And,
                        R1,
                        Operand::Imm(i32::from_le_bytes(mask.to_be_bytes())),
                    );
                }
                self.e
                    .jump_if_w(Width::W32, JmpCond::Ne, R1, Operand::Imm(net), next);
            }
            self.e.goto(ok);
            if next != fail {
                self.e.bind(next);
            }
        }
        self.e.bind(ok);
    }
}

/// Whether an IPv6 rule table keys on the address of `side`.
fn table_reads(ir: &FilterIr, side: Side) -> bool {
    ir.chains_of(Family::V6)
        .filter_map(|c| c.table.as_ref())
        .flat_map(|t| &t.tuples)
        .any(|t| match side {
            Side::Src => t.src_len.is_some(),
            Side::Dst => t.dst_len.is_some(),
        })
}

/// A value written into the stack: a constant, a `u32` read from another
/// slot, or one bit of such a `u32`.
#[derive(Clone, Copy, Debug)]
enum Value {
    Imm(i32),
    Stack(i16),
    StackBit(i16, u8),
}

fn family_index(family: Family) -> usize {
    match family {
        Family::V4 => 0,
        Family::V6 => 1,
    }
}

fn port_reg(side: Side) -> Reg {
    match side {
        Side::Src => Reg::R6,
        Side::Dst => Reg::R7,
    }
}

fn to_u32_ranges(ranges: &[PortRange]) -> Vec<(u64, u64)> {
    ranges
        .iter()
        .map(|r| (u64::from(r.low()), u64::from(r.high())))
        .collect()
}

/// Sorts and merges overlapping or adjacent inclusive intervals.
fn merge_intervals(items: impl Iterator<Item = (u64, u64)>) -> Vec<(u64, u64)> {
    let mut v: Vec<(u64, u64)> = items.collect();
    v.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(v.len());
    for (lo, hi) in v {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// Chains with more rules compare copies of the port registers.
const SCRATCH_COMPARES_AFTER: usize = 32;

/// Leaves with this many intervals or fewer are compared one by one.
const LEAF: usize = 3;

/// Jumps to `ok` if `reg` is in one of the sorted, disjoint intervals,
/// else to `fail`. Values are compared unsigned at `width`.
fn range_tree(
    e: &mut Emitter,
    reg: Reg,
    width: Width,
    ranges: &[(u64, u64)],
    ok: Label,
    fail: Label,
) {
    let imm = |v: u64| Operand::Imm(v as u32 as i32);
    if ranges.len() > LEAF {
        let mid = ranges.len() / 2;
        let left = e.label();
        e.jump_if_w(width, JmpCond::Lt, reg, imm(ranges[mid].0), left);
        range_tree(e, reg, width, &ranges[mid..], ok, fail);
        e.bind(left);
        range_tree(e, reg, width, &ranges[..mid], ok, fail);
        return;
    }
    for (i, &(lo, hi)) in ranges.iter().enumerate() {
        let last = i + 1 == ranges.len();
        if lo == hi {
            if last {
                e.jump_if_w(width, JmpCond::Ne, reg, imm(lo), fail);
            } else {
                e.jump_if_w(width, JmpCond::Eq, reg, imm(lo), ok);
            }
            continue;
        }
        if lo > 0 {
            e.jump_if_w(width, JmpCond::Lt, reg, imm(lo), fail);
        }
        if last {
            e.jump_if_w(width, JmpCond::Gt, reg, imm(hi), fail);
        } else {
            e.jump_if_w(width, JmpCond::Le, reg, imm(hi), ok);
        }
    }
    e.goto(ok);
}
