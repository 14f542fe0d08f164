//! The syntax tree of a `.pol` file, as written.
//!
//! The parser builds it; the checker ([`crate::check`]) lowers it to the
//! checked model ([`crate::model`]); the formatter ([`crate::fmt`]) prints it
//! back. Invariants:
//!
//! - Every node has a [`Span`] into the source it was parsed from.
//! - Nothing is resolved or validated here: names are text, addresses are
//!   the text as written (`10.0.0.1/8` stays as is), numbers are `u64`.
//!   Validation is the checker's job, so it can report every problem with
//!   the right span.
//! - Lines that failed to parse survive as `Error` items (with the span of
//!   the dropped text) so later stages know something was there.
//! - Comments live beside the tree in [`File::comments`], in source order.
//!
//! All types implement `Serialize`; the round-trip property test compares
//! trees as JSON with spans removed.

use crate::span::Span;
use serde::Serialize;

/// A parsed source file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct File {
    /// Top-level items in source order.
    pub items: Vec<Item>,
    /// Every `# comment`, in source order.
    pub comments: Vec<Comment>,
}

/// A `# ...` comment. `text` includes the `#` and has no trailing blanks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub span: Span,
    pub text: String,
}

/// A name as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A decimal number as written (its value; leading zeros are not kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Num {
    pub value: u64,
    pub span: Span,
}

/// A double-quoted string (without the quotes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Str {
    pub value: String,
    pub span: Span,
}

/// An address or CIDR, as written: `10.0.0.0/8`, `fd00::1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddrLit {
    pub text: String,
    pub span: Span,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Item {
    Set(SetDecl),
    Program(Program),
    Test(TestBlock),
    /// A line (or block) that did not parse.
    Error(Span),
}

impl Item {
    /// The span of the whole item.
    pub fn span(&self) -> Span {
        match self {
            Item::Set(s) => s.span,
            Item::Program(p) => p.span,
            Item::Test(t) => t.span,
            Item::Error(span) => *span,
        }
    }
}

/// `set NAME [: KIND] = { ENTRY, ... }`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetDecl {
    pub span: Span,
    pub name: Ident,
    /// The optional `: addr` / `: port` annotation.
    pub kind: Option<Ident>,
    pub entries: List,
}

/// A brace list `{ a, b, c }` (commas or line ends separate entries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct List {
    /// From `{` to `}`.
    pub span: Span,
    pub items: Vec<Value>,
}

/// A value in an address, port or set position. Which kinds are allowed
/// where is the checker's business, so that it can explain mistakes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Value {
    /// An address or CIDR.
    Addr(AddrLit),
    /// A number (a port, as a rule).
    Number(Num),
    /// `LOW..HIGH` (a port range).
    Range { span: Span, low: Num, high: Num },
    /// A set name.
    Name(Ident),
    /// An inline list.
    List(List),
}

impl Value {
    /// The span of the value.
    pub fn span(&self) -> Span {
        match self {
            Value::Addr(a) => a.span,
            Value::Number(n) => n.span,
            Value::Range { span, .. } => *span,
            Value::Name(i) => i.span,
            Value::List(l) => l.span,
        }
    }
}

/// The keyword that opens a program block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ProgramKind {
    Policy,
    Guard,
    Service,
}

impl ProgramKind {
    /// The keyword as written.
    pub fn keyword(self) -> &'static str {
        match self {
            ProgramKind::Policy => "policy",
            ProgramKind::Guard => "guard",
            ProgramKind::Service => "service",
        }
    }
}

/// `policy|guard|service NAME on HOOK [OPTION...] { LINES }`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Program {
    pub span: Span,
    pub kind: ProgramKind,
    pub kind_span: Span,
    pub name: Ident,
    /// `ingress`, `egress`, `xdp` or `connect` (checked later).
    pub hook: Ident,
    /// Words after the hook, such as `audit`.
    pub options: Vec<Ident>,
    pub body: Block,
}

/// The `{ ... }` of a program or test: one item per line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Block {
    /// From `{` to `}`.
    pub span: Span,
    pub lines: Vec<Line>,
}

/// One line of a block. The grammar accepts every kind of line in every
/// block; the checker says which belong where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Line {
    Apply(Apply),
    Rule(Rule),
    Default(DefaultLine),
    Mapping(Mapping),
    Expect(Expect),
    /// A line that did not parse.
    Error(Span),
}

impl Line {
    /// The span of the line's content.
    pub fn span(&self) -> Span {
        match self {
            Line::Apply(a) => a.span,
            Line::Rule(r) => r.span,
            Line::Default(d) => d.span,
            Line::Mapping(m) => m.span,
            Line::Expect(e) => e.span,
            Line::Error(span) => *span,
        }
    }
}

/// `apply to pods "GLOB" [in namespace "GLOB"]` or
/// `apply to namespace "GLOB"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Apply {
    pub span: Span,
    pub pods: Option<Str>,
    pub namespace: Option<Str>,
}

/// A verdict word: `allow`, `deny`, `drop`, `pass`, or a name (which the
/// checker rejects with a suggestion).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Word {
    pub text: String,
    pub span: Span,
}

/// `ACTION [PROTO] [type T [code C]] [from ENDPOINT] [to ENDPOINT] [MODIFIER...]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub span: Span,
    pub action: Word,
    pub proto: Option<Proto>,
    pub icmp: Option<IcmpSpec>,
    pub from: Option<Endpoint>,
    pub to: Option<Endpoint>,
    pub modifiers: Vec<Modifier>,
}

/// A protocol: a name (`tcp`) or `proto NUMBER`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Proto {
    Name(Ident),
    Number { span: Span, number: Num },
}

impl Proto {
    /// The span of the protocol.
    pub fn span(&self) -> Span {
        match self {
            Proto::Name(i) => i.span,
            Proto::Number { span, .. } => *span,
        }
    }
}

/// `type T [code C]`: an ICMP type (number or name) and optional code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IcmpSpec {
    pub span: Span,
    pub ty: IcmpType,
    pub code: Option<Num>,
}

/// An ICMP type as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum IcmpType {
    Number(Num),
    Name(Ident),
}

/// The part after `from` or `to`: addresses, ports or both.
///
/// Invariant: at least one of `addr` and `port` is present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    pub span: Span,
    pub addr: Option<Value>,
    pub port: Option<Value>,
}

/// `count` or `log` after a rule or default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ModifierKind {
    Count,
    Log,
}

impl ModifierKind {
    /// The keyword as written.
    pub fn keyword(self) -> &'static str {
        match self {
            ModifierKind::Count => "count",
            ModifierKind::Log => "log",
        }
    }
}

/// A modifier with its span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Modifier {
    pub kind: ModifierKind,
    pub span: Span,
}

/// `default VERDICT [MODIFIER...]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefaultLine {
    pub span: Span,
    pub verdict: Word,
    pub modifiers: Vec<Modifier>,
}

/// `[PROTO] VIP:PORT -> BACKEND` or `... -> { BACKEND, ... }` (services).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mapping {
    pub span: Span,
    pub proto: Option<Proto>,
    pub vip: SockAddr,
    pub backends: Backends,
}

/// The right-hand side of a mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Backends {
    /// One backend without braces.
    One(SockAddr),
    /// A brace list.
    List { span: Span, items: Vec<SockAddr> },
}

impl Backends {
    /// The backends, however they were written.
    pub fn items(&self) -> &[SockAddr] {
        match self {
            Backends::One(one) => std::slice::from_ref(one),
            Backends::List { items, .. } => items,
        }
    }
}

/// An address with an optional port: `10.0.0.1`, `10.0.0.1:80`,
/// `[fd00::1]:80` (IPv6 with a port needs brackets), `fd00::1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SockAddr {
    pub span: Span,
    pub addr: AddrLit,
    pub port: Option<Num>,
    /// Written as `[addr]`.
    pub bracketed: bool,
}

/// `test NAME { expect ... }`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestBlock {
    pub span: Span,
    pub name: Ident,
    pub body: Block,
}

/// `expect PROGRAM VERDICT PACKET [to BACKEND]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expect {
    pub span: Span,
    pub program: Ident,
    pub verdict: Word,
    pub packet: PacketSpec,
    /// `to ADDR:PORT` after a `rewrite` expectation.
    pub backend: Option<SockAddr>,
}

/// A packet as written in `expect` and on the `explain` command line:
/// `[DIRECTION] PROTO SRC -> DST [type T [code C]] [fragment]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PacketSpec {
    pub span: Span,
    pub direction: Option<Ident>,
    pub proto: Proto,
    pub src: SockAddr,
    pub dst: SockAddr,
    pub icmp: Option<IcmpSpec>,
    pub fragment: Option<Span>,
}
