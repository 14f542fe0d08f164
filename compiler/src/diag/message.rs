//! The words of every diagnostic: one arm per [`IssueKind`].

use super::Diagnostic;
use crate::issue::{Issue, IssueKind as K, ValueKind};

fn did_you_mean(suggestion: &Option<String>) -> Option<String> {
    suggestion.as_ref().map(|s| format!("did you mean `{s}`?"))
}

fn one_of(expected: &[String]) -> String {
    match expected {
        [] => "nothing more here".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Builds the diagnostic for an issue.
pub fn diagnostic(issue: &Issue) -> Diagnostic {
    let d = |message: String| Diagnostic::new(issue, message);
    match &issue.kind {
        K::InvalidCharacter { ch } => d(format!("unexpected character `{}`", ch.escape_debug()))
            .label("no token starts with this")
            .note("comments start with `#`; names are letters, digits, `_` and `-`"),
        K::UnterminatedString => d("unterminated string".into())
            .label("this string has no closing `\"` on its line")
            .help("add a `\"` at the end of the string"),
        K::NumberTooLarge { text } => d(format!("number `{text}` is too large")).label("does not fit in 64 bits"),
        K::UnexpectedToken {
            found,
            expected,
            suggestion,
        } => d(format!("unexpected {found}"))
            .label(format!("expected {}", one_of(expected)))
            .help_opt(did_you_mean(suggestion)),
        K::UnexpectedEnd { expected } => d("unexpected end of file".into())
            .label(format!("expected {}", one_of(expected)))
            .note("is a `}` missing?"),
        K::DuplicateName { what, name, first } => d(format!("the {what} `{name}` is declared twice"))
            .label("declared again here")
            .secondary(*first, "first declared here")
            .help(format!("rename one of them; {what} names must be unique")),
        K::UnknownSet { name, suggestion } => d(format!("unknown set `{name}`"))
            .label("no set has this name")
            .help_opt(did_you_mean(suggestion).or_else(|| Some(format!("declare it: `set {name} = {{ ... }}`")))),
        K::UnknownProgram { name, suggestion } => d(format!("unknown policy, guard or service `{name}`"))
            .label("nothing is declared with this name")
            .help_opt(did_you_mean(suggestion)),
        K::UnusedSet { name } => d(format!("the set `{name}` is never used"))
            .label("declared here")
            .note("sets only do something when a rule refers to them"),
        K::InvalidAddress { text, reason } => d(format!("invalid address `{text}`")).label(reason.clone()),
        K::PrefixTooLong { text, len, max } => d(format!("invalid prefix in `{text}`"))
            .label(format!("a prefix of {len} is longer than {max} bits"))
            .note(format!("prefixes go from 0 to {max} for this address family")),
        K::HostBitsSet { text, fixed } => d(format!("`{text}` has host bits set"))
            .label(format!("this is the network `{fixed}`"))
            .note("bits after the prefix are ignored when matching")
            .help(format!("write `{fixed}`"))
            .fix(fixed.clone()),
        K::PortOutOfRange { value } => d(format!("port {value} is out of range"))
            .label("ports go from 0 to 65535"),
        K::ReversedRange { low, high } => d(format!("the range `{low}..{high}` is reversed"))
            .label("the first port must not be larger than the last")
            .help(format!("write `{high}..{low}`"))
            .fix(format!("{high}..{low}")),
        K::MixedSet {
            name,
            first_kind,
            first,
            other_kind,
        } => d(format!("the set `{name}` mixes {first_kind} and {other_kind}"))
            .label(format!("this is one of the {other_kind}"))
            .secondary(*first, format!("the first entry makes `{name}` a set of {first_kind}"))
            .help("split it into an address set and a port set"),
        K::WrongValueKind { expected, found, help } => {
            let wanted = match expected {
                ValueKind::Addresses => "addresses",
                ValueKind::Ports => "ports",
            };
            d(format!("expected {wanted}, found {found}"))
                .label(format!("{wanted} are needed here"))
                .help_opt(help.clone())
        }
        K::UntypedEmptySet { name } => d(format!("cannot tell what the empty set `{name}` holds"))
            .label("this set is empty")
            .help(format!(
                "say what it will hold: `set {name}: addr = {{}}` or `set {name}: port = {{}}`"
            )),
        K::UnknownSetKind { text, suggestion } => d(format!("unknown set kind `{text}`"))
            .label("expected `addr` or `port`")
            .help_opt(did_you_mean(suggestion)),
        K::DuplicateEntry { text, first } => d(format!("`{text}` is listed twice"))
            .label("listed again here")
            .secondary(*first, "first listed here")
            .help("remove one of them"),
        K::EmptyList => d("empty list".into())
            .label("an empty list matches nothing, so this rule never matches")
            .help("list at least one entry, or use a named set (which may be empty)"),
        K::UnknownProtocol {
            name,
            suggestion,
            set_named,
        } => {
            let help = if *set_named {
                Some(format!("`{name}` is a set: write `from {name}` or `to {name}`"))
            } else {
                did_you_mean(suggestion)
            };
            d(format!("unknown protocol `{name}`"))
                .label("not a protocol")
                .note("protocols are tcp, udp, sctp, icmp, icmpv6, gre, esp, ah, or `proto N`")
                .help_opt(help)
        }
        K::ProtocolOutOfRange { value } => d(format!("protocol number {value} is out of range"))
            .label("IP protocol numbers go from 0 to 255"),
        K::UnknownIcmpType {
            name,
            family,
            suggestion,
        } => d(format!("unknown {family} ICMP type `{name}`"))
            .label("not a known type name")
            .help_opt(did_you_mean(suggestion).or_else(|| Some("write the type number instead".into()))),
        K::IcmpOutOfRange { what, value } => d(format!("ICMP {what} {value} is out of range"))
            .label(format!("ICMP {what}s go from 0 to 255")),
        K::UnknownHook { name, suggestion } => d(format!("unknown hook `{name}`"))
            .label("expected `ingress`, `egress`, `xdp` or `connect`")
            .help_opt(did_you_mean(suggestion)),
        K::WrongHook {
            kind,
            hook,
            allowed,
            help,
        } => d(format!("a {kind} cannot run on `{hook}`"))
            .label(format!("a {kind} runs on {allowed}"))
            .help_opt(help.clone()),
        K::UnknownOption {
            name,
            kind,
            suggestion,
        } => {
            let d = d(format!("unknown option `{name}`"));
            if *kind == "service" {
                d.label("services take no options")
            } else {
                d.label(format!("the only option of a {kind} is `audit`"))
                    .help_opt(did_you_mean(suggestion))
            }
        }
        K::MisplacedLine { line, block, help } => d(format!("{line} does not belong in a {block}"))
            .label(format!("not allowed in a {block} block"))
            .help_opt(help.clone()),
        K::UnknownAction { word, suggestion } => d(format!("unknown verdict `{word}`"))
            .label("a rule starts with its verdict")
            .note("policies `allow` or `deny`; guards `drop` or `pass`")
            .help_opt(did_you_mean(suggestion)),
        K::WrongAction { word, kind, suggestion } => d(format!("a {kind} cannot `{word}`"))
            .label(format!("not a {kind} verdict"))
            .note("policies `allow` or `deny`; guards `drop` or `pass`")
            .help(format!("write `{suggestion}`"))
            .fix(*suggestion),
        K::MissingDefault { kind, name } => d(format!("the {kind} `{name}` has no `default`"))
            .label("every packet needs a verdict when no rule matches")
            .help(if *kind == "guard" {
                "end the block with `default pass` or `default drop`"
            } else {
                "end the block with `default deny` or `default allow`"
            }),
        K::DuplicateDefault { first } => d("a second `default`".into())
            .label("a block has exactly one default")
            .secondary(*first, "the first `default` is here"),
        K::RuleAfterDefault { default } => d("rule after `default`".into())
            .label("move this rule above the `default` line")
            .secondary(*default, "the default is here")
            .note("rules are tried in order and the default decides when none matches, so it comes last"),
        K::PortWithoutProtocol { proto } => {
            let d = d("ports need tcp, udp or sctp".into());
            match proto {
                None => d
                    .label("this rule names no protocol")
                    .help("say which protocol, e.g. `allow tcp to port 443`; write two rules for tcp and udp"),
                Some(p) => d.label(format!("`{p}` has no ports")),
            }
        }
        K::IcmpTypeWithoutIcmp { proto } => {
            let d = d("`type` needs `icmp` or `icmpv6`".into());
            match proto {
                None => d.label("this rule names no protocol").help("write `allow icmp type ...`"),
                Some(p) => d.label(format!("`{p}` has no ICMP types")),
            }
        }
        K::FamilyConflict {
            first,
            first_family,
            second_family,
        } => d(format!("mixes {first_family} and {second_family}"))
            .label(format!("this is {second_family} only"))
            .secondary(*first, format!("this is {first_family} only"))
            .note("a packet is either IPv4 or IPv6, so this can never match")
            .help("write one rule per address family"),
        K::ShadowedRule {
            by,
            by_line,
            by_text,
            same_action,
        } => {
            let d = d("this rule never matches".into())
                .label(format!("every packet it matches is decided by line {by_line} first"))
                .secondary(*by, format!("`{by_text}` matches first"))
                .note("rules are tried in order and the first match decides");
            if *same_action {
                d.help("the rule is redundant: remove it")
            } else {
                d.help("move it above the earlier rule, or narrow the earlier rule")
            }
        }
        K::DuplicateModifier { name, first } => d(format!("`{name}` is given twice"))
            .label("given again here")
            .secondary(*first, "first given here")
            .help("remove one of them"),
        K::MissingApply { kind, name } => d(format!("the {kind} `{name}` applies to no pods"))
            .label("no `apply to` line")
            .note("the CNI plugin only attaches it to pods its `apply` lines select")
            .help("add `apply to pods \"NAME-GLOB\" in namespace \"NAMESPACE\"` or `apply to namespace \"NAMESPACE\"`"),
        K::InvalidGlob { glob, reason } => d(format!("invalid pattern \"{glob}\"")).label(reason.clone()).note(
            "patterns use `*` (any run), `?` (one character) and `[a-z]` / `[!a-z]` (one of / none of)",
        ),
        K::GlobNeverMatches { glob, reason } => {
            d(format!("the pattern \"{glob}\" matches no pod")).label(reason.clone())
        }
        K::MissingPort { what } => d(format!("{what} needs a port"))
            .label("no port")
            .help("write `ADDRESS:PORT` (or `[IPV6]:PORT`)"),
        K::ServiceProtocol { proto } => d(format!("a service cannot balance `{proto}`"))
            .label("services see tcp and udp connects only")
            .help("write `tcp`, `udp`, or nothing for both"),
        K::BackendFamily { vip, vip_family } => d("backend of the other address family".into())
            .label(format!("the service address is {vip_family}, this backend is not"))
            .secondary(*vip, "the service address")
            .note("connect-time balancing rewrites the destination within one family"),
        K::EmptyBackends => d("a service mapping without backends".into())
            .label("no backends")
            .help("list at least one `ADDRESS:PORT`"),
        K::DuplicateMapping { first } => d("this service address is mapped twice".into())
            .label("mapped again here")
            .secondary(*first, "first mapped here")
            .note("a connect to it would have two meanings"),
        K::WrongVerdict {
            word,
            kind,
            allowed,
            suggestion,
        } => d(format!("a {kind} never answers `{word}`"))
            .label(format!("expected {allowed}"))
            .help_opt(did_you_mean(suggestion)),
        K::InvalidPacket { reason, help } => d("invalid packet".into()).label(reason.clone()).help_opt(help.clone()),
        K::DirectionMismatch {
            direction,
            program,
            hook,
        } => d(format!("`{program}` never sees {direction} packets"))
            .label(format!("`{program}` runs on {hook}"))
            .help("leave the direction out, or use the direction of the program"),
        K::UnexpectedBackend { verdict } => d("`to BACKEND` only follows `rewrite`".into())
            .label(format!("not meaningful after `{verdict}`"))
            .help("remove it"),
        K::EmptyTest { name } => d(format!("the test `{name}` expects nothing"))
            .label("no `expect` lines")
            .help("add `expect PROGRAM VERDICT PACKET` lines"),
    }
}
