//! Precise problems found in a `.pol` file: the inner error layer.
//!
//! Every stage (lexer, parser, checker, packet lowering) reports an
//! [`Issue`]: a typed [`IssueKind`] that callers and tests can match on,
//! plus the span it is about. [`crate::diag`] turns issues into rendered
//! diagnostics (text or JSON) at the boundary. Each kind has a stable
//! [`Code`] (`unknown-set`, `shadowed-rule`, ...) and a fixed
//! [`Severity`]; the list of codes is [`Code::ALL`], and a test checks that
//! the diagnostics test data covers every one.

pub use crate::model::Family;
use crate::span::Span;
use serde::Serialize;
use std::fmt;

/// How bad an issue is. Errors stop the checked model from being built;
/// warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

macro_rules! codes {
    ($($variant:ident => $text:literal, $severity:ident;)*) => {
        /// The stable identity of a kind of issue, printed as
        /// `error[unknown-set]` and given in JSON output.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, for coverage tests and documentation.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as printed: kebab-case.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }

            /// Whether issues with this code are errors or warnings.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }
        }
    };
}

codes! {
    InvalidCharacter => "invalid-character", Error;
    UnterminatedString => "unterminated-string", Error;
    NumberTooLarge => "number-too-large", Error;
    UnexpectedToken => "unexpected-token", Error;
    UnexpectedEnd => "unexpected-end", Error;
    DuplicateName => "duplicate-name", Error;
    UnknownSet => "unknown-set", Error;
    UnknownProgram => "unknown-program", Error;
    UnusedSet => "unused-set", Warning;
    InvalidAddress => "invalid-address", Error;
    PrefixTooLong => "prefix-too-long", Error;
    HostBitsSet => "host-bits-set", Warning;
    PortOutOfRange => "port-out-of-range", Error;
    ReversedRange => "reversed-range", Error;
    MixedSet => "mixed-set", Error;
    WrongValueKind => "wrong-value-kind", Error;
    UntypedEmptySet => "untyped-empty-set", Error;
    UnknownSetKind => "unknown-set-kind", Error;
    DuplicateEntry => "duplicate-entry", Warning;
    EmptyList => "empty-list", Error;
    UnknownProtocol => "unknown-protocol", Error;
    ProtocolOutOfRange => "protocol-out-of-range", Error;
    UnknownIcmpType => "unknown-icmp-type", Error;
    IcmpOutOfRange => "icmp-out-of-range", Error;
    UnknownHook => "unknown-hook", Error;
    WrongHook => "wrong-hook", Error;
    UnknownOption => "unknown-option", Error;
    MisplacedLine => "misplaced-line", Error;
    UnknownAction => "unknown-action", Error;
    WrongAction => "wrong-action", Error;
    MissingDefault => "missing-default", Error;
    DuplicateDefault => "duplicate-default", Error;
    RuleAfterDefault => "rule-after-default", Error;
    PortWithoutProtocol => "port-without-protocol", Error;
    IcmpTypeWithoutIcmp => "icmp-type-without-icmp", Error;
    FamilyConflict => "family-conflict", Error;
    ShadowedRule => "shadowed-rule", Warning;
    DuplicateModifier => "duplicate-modifier", Warning;
    MissingApply => "missing-apply", Warning;
    InvalidGlob => "invalid-glob", Error;
    GlobNeverMatches => "glob-never-matches", Warning;
    MissingPort => "missing-port", Error;
    ServiceProtocol => "service-protocol", Error;
    BackendFamily => "backend-family", Error;
    EmptyBackends => "empty-backends", Error;
    DuplicateMapping => "duplicate-mapping", Error;
    WrongVerdict => "wrong-verdict", Error;
    InvalidPacket => "invalid-packet", Error;
    DirectionMismatch => "direction-mismatch", Error;
    UnexpectedBackend => "unexpected-backend", Error;
    EmptyTest => "empty-test", Warning;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of value a position wants or got, for `wrong-value-kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ValueKind {
    /// Addresses or CIDRs.
    Addresses,
    /// Ports or port ranges.
    Ports,
}

impl fmt::Display for ValueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueKind::Addresses => "addresses",
            ValueKind::Ports => "ports",
        })
    }
}

/// One problem, with the span it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub kind: IssueKind,
    /// The primary location (the caret goes here).
    pub span: Span,
}

impl Issue {
    /// An issue of `kind` at `span`.
    pub fn new(kind: IssueKind, span: Span) -> Issue {
        Issue { kind, span }
    }

    /// The stable code of this issue.
    pub fn code(&self) -> Code {
        self.kind.code()
    }

    /// Error or warning.
    pub fn severity(&self) -> Severity {
        self.code().severity()
    }
}

/// Every kind of problem, with what is needed to explain it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueKind {
    // ---- lexing and parsing ----
    /// No token starts with `ch`.
    InvalidCharacter { ch: char },
    /// A `"` without its closing quote on the same line.
    UnterminatedString,
    /// A number that does not fit in 64 bits.
    NumberTooLarge { text: String },
    /// The parser met `found` where it wanted one of `expected`;
    /// `suggestion` is an expected keyword that `found` looks like.
    UnexpectedToken {
        found: String,
        expected: Vec<String>,
        suggestion: Option<String>,
    },
    /// The text ended where the parser wanted one of `expected`.
    UnexpectedEnd { expected: Vec<String> },

    // ---- names ----
    /// A second declaration of `name` (`what`: "set", "program", "test").
    DuplicateName {
        what: &'static str,
        name: String,
        first: Span,
    },
    /// A set name that is not declared.
    UnknownSet {
        name: String,
        suggestion: Option<String>,
    },
    /// A policy, guard or service name that is not declared.
    UnknownProgram {
        name: String,
        suggestion: Option<String>,
    },
    /// A set that no rule uses.
    UnusedSet { name: String },

    // ---- values ----
    /// Text that is not a valid address.
    InvalidAddress { text: String, reason: String },
    /// `/len` larger than the family allows.
    PrefixTooLong { text: String, len: u64, max: u8 },
    /// A CIDR with bits set after the prefix; `fixed` is the network.
    HostBitsSet { text: String, fixed: String },
    /// A port above 65535.
    PortOutOfRange { value: u64 },
    /// `high..low`.
    ReversedRange { low: u64, high: u64 },
    /// A set holding both addresses and ports.
    MixedSet {
        name: String,
        first_kind: ValueKind,
        first: Span,
        other_kind: ValueKind,
    },
    /// A value of the wrong kind for its position. `help` says how to write
    /// what was probably meant.
    WrongValueKind {
        expected: ValueKind,
        found: String,
        help: Option<String>,
    },
    /// `set x = {}` with no `: addr` or `: port`.
    UntypedEmptySet { name: String },
    /// A set annotation other than `addr` / `port`.
    UnknownSetKind {
        text: String,
        suggestion: Option<String>,
    },
    /// An entry written twice in one list.
    DuplicateEntry { text: String, first: Span },
    /// `{}` in a rule: matches nothing.
    EmptyList,
    /// A protocol name that is not known; `set_named` when a set has that
    /// name (the author probably forgot `from` or `to`).
    UnknownProtocol {
        name: String,
        suggestion: Option<String>,
        set_named: bool,
    },
    /// `proto N` with N > 255.
    ProtocolOutOfRange { value: u64 },
    /// An ICMP type name not known for the family.
    UnknownIcmpType {
        name: String,
        family: Family,
        suggestion: Option<String>,
    },
    /// An ICMP type or code above 255.
    IcmpOutOfRange { what: &'static str, value: u64 },

    // ---- programs ----
    /// A hook other than ingress, egress, xdp, connect.
    UnknownHook {
        name: String,
        suggestion: Option<String>,
    },
    /// A hook that does not fit the program kind.
    WrongHook {
        kind: &'static str,
        hook: String,
        allowed: &'static str,
        help: Option<String>,
    },
    /// A word after the hook that is not an option (only `audit` is).
    UnknownOption {
        name: String,
        kind: &'static str,
        suggestion: Option<String>,
    },
    /// A line that does not belong in this kind of block.
    MisplacedLine {
        line: &'static str,
        block: &'static str,
        help: Option<String>,
    },
    /// A verdict word that is no verdict.
    UnknownAction {
        word: String,
        suggestion: Option<String>,
    },
    /// `allow`/`deny` in a guard, `drop`/`pass` in a policy.
    WrongAction {
        word: String,
        kind: &'static str,
        suggestion: &'static str,
    },
    /// A policy or guard without `default`.
    MissingDefault { kind: &'static str, name: String },
    /// A second `default` line.
    DuplicateDefault { first: Span },
    /// A rule after the `default` line.
    RuleAfterDefault { default: Span },
    /// A port match without a port-carrying protocol.
    PortWithoutProtocol { proto: Option<String> },
    /// `type` without `icmp` / `icmpv6`.
    IcmpTypeWithoutIcmp { proto: Option<String> },
    /// Parts of one rule (or packet) that need different address families.
    FamilyConflict {
        first: Span,
        first_family: Family,
        second_family: Family,
    },
    /// A rule that never decides because an earlier rule matches all it
    /// matches.
    ShadowedRule {
        by: Span,
        by_line: u32,
        by_text: String,
        same_action: bool,
    },
    /// The same modifier or option twice.
    DuplicateModifier { name: String, first: Span },
    /// A policy or service without `apply` lines.
    MissingApply { kind: &'static str, name: String },
    /// A selector glob that does not parse; `offset` is the byte in the
    /// glob where the problem is.
    InvalidGlob { glob: String, reason: String },
    /// A selector that can match no Kubernetes name.
    GlobNeverMatches { glob: String, reason: String },

    // ---- services ----
    /// A service address or backend without `:port`.
    MissingPort { what: &'static str },
    /// A mapping protocol other than tcp or udp.
    ServiceProtocol { proto: String },
    /// A backend whose family differs from the service address.
    BackendFamily { vip: Span, vip_family: Family },
    /// `-> {}`.
    EmptyBackends,
    /// The same protocol and service address mapped twice.
    DuplicateMapping { first: Span },

    // ---- tests ----
    /// A verdict word that the program kind never returns.
    WrongVerdict {
        word: String,
        kind: &'static str,
        allowed: &'static str,
        suggestion: Option<String>,
    },
    /// A packet that cannot exist.
    InvalidPacket {
        reason: String,
        help: Option<String>,
    },
    /// A packet direction the program never sees.
    DirectionMismatch {
        direction: String,
        program: String,
        hook: String,
    },
    /// `to BACKEND` after a verdict other than `rewrite`.
    UnexpectedBackend { verdict: String },
    /// A test block without `expect` lines.
    EmptyTest { name: String },
}

impl IssueKind {
    /// The stable code of this kind.
    pub fn code(&self) -> Code {
        use IssueKind as K;
        match self {
            K::InvalidCharacter { .. } => Code::InvalidCharacter,
            K::UnterminatedString => Code::UnterminatedString,
            K::NumberTooLarge { .. } => Code::NumberTooLarge,
            K::UnexpectedToken { .. } => Code::UnexpectedToken,
            K::UnexpectedEnd { .. } => Code::UnexpectedEnd,
            K::DuplicateName { .. } => Code::DuplicateName,
            K::UnknownSet { .. } => Code::UnknownSet,
            K::UnknownProgram { .. } => Code::UnknownProgram,
            K::UnusedSet { .. } => Code::UnusedSet,
            K::InvalidAddress { .. } => Code::InvalidAddress,
            K::PrefixTooLong { .. } => Code::PrefixTooLong,
            K::HostBitsSet { .. } => Code::HostBitsSet,
            K::PortOutOfRange { .. } => Code::PortOutOfRange,
            K::ReversedRange { .. } => Code::ReversedRange,
            K::MixedSet { .. } => Code::MixedSet,
            K::WrongValueKind { .. } => Code::WrongValueKind,
            K::UntypedEmptySet { .. } => Code::UntypedEmptySet,
            K::UnknownSetKind { .. } => Code::UnknownSetKind,
            K::DuplicateEntry { .. } => Code::DuplicateEntry,
            K::EmptyList => Code::EmptyList,
            K::UnknownProtocol { .. } => Code::UnknownProtocol,
            K::ProtocolOutOfRange { .. } => Code::ProtocolOutOfRange,
            K::UnknownIcmpType { .. } => Code::UnknownIcmpType,
            K::IcmpOutOfRange { .. } => Code::IcmpOutOfRange,
            K::UnknownHook { .. } => Code::UnknownHook,
            K::WrongHook { .. } => Code::WrongHook,
            K::UnknownOption { .. } => Code::UnknownOption,
            K::MisplacedLine { .. } => Code::MisplacedLine,
            K::UnknownAction { .. } => Code::UnknownAction,
            K::WrongAction { .. } => Code::WrongAction,
            K::MissingDefault { .. } => Code::MissingDefault,
            K::DuplicateDefault { .. } => Code::DuplicateDefault,
            K::RuleAfterDefault { .. } => Code::RuleAfterDefault,
            K::PortWithoutProtocol { .. } => Code::PortWithoutProtocol,
            K::IcmpTypeWithoutIcmp { .. } => Code::IcmpTypeWithoutIcmp,
            K::FamilyConflict { .. } => Code::FamilyConflict,
            K::ShadowedRule { .. } => Code::ShadowedRule,
            K::DuplicateModifier { .. } => Code::DuplicateModifier,
            K::MissingApply { .. } => Code::MissingApply,
            K::InvalidGlob { .. } => Code::InvalidGlob,
            K::GlobNeverMatches { .. } => Code::GlobNeverMatches,
            K::MissingPort { .. } => Code::MissingPort,
            K::ServiceProtocol { .. } => Code::ServiceProtocol,
            K::BackendFamily { .. } => Code::BackendFamily,
            K::EmptyBackends => Code::EmptyBackends,
            K::DuplicateMapping { .. } => Code::DuplicateMapping,
            K::WrongVerdict { .. } => Code::WrongVerdict,
            K::InvalidPacket { .. } => Code::InvalidPacket,
            K::DirectionMismatch { .. } => Code::DirectionMismatch,
            K::UnexpectedBackend { .. } => Code::UnexpectedBackend,
            K::EmptyTest { .. } => Code::EmptyTest,
        }
    }
}
