//! Printing the tree: turns items into lines and places comments.
//!
//! Each line-level construct is rendered to [`Piece`]s: text, and brace
//! lists that may be laid out on one line or one entry per line. The
//! [`Printer`] then emits lines, and before each line flushes the comments
//! that came before it in the source: a comment on the same source line
//! as the previous output goes at the end of that line, any other on a
//! line of its own.

use super::WIDTH;
use crate::ast::{
    self, Apply, Backends, Comment, DefaultLine, Endpoint, Expect, IcmpSpec, IcmpType, Item, Line,
    List, Mapping, Modifier, PacketSpec, Proto, Rule, SetDecl, SockAddr, Value,
};
use crate::span::Span;

/// A part of a line-level construct.
enum Piece {
    Text(String),
    /// A brace list: its span and its entries (each with its span).
    List {
        span: Span,
        entries: Vec<(Span, String)>,
    },
}

/// Accumulates pieces, merging adjacent text.
#[derive(Default)]
struct Pieces(Vec<Piece>);

impl Pieces {
    fn text(&mut self, s: &str) {
        if let Some(Piece::Text(last)) = self.0.last_mut() {
            last.push_str(s);
        } else {
            self.0.push(Piece::Text(s.to_string()));
        }
    }

    fn word(&mut self, s: &str) {
        let needs_space = match self.0.last() {
            Some(Piece::Text(t)) => !t.is_empty() && !t.ends_with(' '),
            Some(Piece::List { .. }) => true,
            None => false,
        };
        if needs_space {
            self.text(" ");
        }
        self.text(s);
    }

    fn list(&mut self, span: Span, entries: Vec<(Span, String)>) {
        self.word("");
        self.0.push(Piece::List { span, entries });
    }

    fn value(&mut self, value: &Value) {
        match value {
            Value::List(list) => self.list_value(list),
            other => self.word(&scalar(other)),
        }
    }

    fn list_value(&mut self, list: &List) {
        let entries = list.items.iter().map(|v| (v.span(), scalar(v))).collect();
        self.list(list.span, entries);
    }

    fn one_line(&self) -> String {
        let mut s = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(t) => s.push_str(t),
                Piece::List { entries, .. } if entries.is_empty() => s.push_str("{}"),
                Piece::List { entries, .. } => {
                    let texts: Vec<&str> = entries.iter().map(|(_, t)| t.as_str()).collect();
                    s.push_str("{ ");
                    s.push_str(&texts.join(", "));
                    s.push_str(" }");
                }
            }
        }
        s
    }
}

/// A value that is not a list.
fn scalar(value: &Value) -> String {
    match value {
        Value::Addr(a) => a.text.clone(),
        Value::Number(n) => n.value.to_string(),
        Value::Range { low, high, .. } => format!("{}..{}", low.value, high.value),
        Value::Name(n) => n.name.clone(),
        // Lists never nest (the grammar has no list inside a list).
        Value::List(_) => "{}".to_string(),
    }
}

fn proto(p: &Proto) -> String {
    match p {
        Proto::Name(n) => n.name.clone(),
        Proto::Number { number, .. } => format!("proto {}", number.value),
    }
}

fn icmp(spec: &IcmpSpec) -> String {
    let ty = match &spec.ty {
        IcmpType::Number(n) => n.value.to_string(),
        IcmpType::Name(n) => n.name.clone(),
    };
    match &spec.code {
        Some(code) => format!("type {ty} code {}", code.value),
        None => format!("type {ty}"),
    }
}

fn sock(addr: &SockAddr) -> String {
    let host = if addr.bracketed {
        format!("[{}]", addr.addr.text)
    } else {
        addr.addr.text.clone()
    };
    match &addr.port {
        Some(port) => format!("{host}:{}", port.value),
        None => host,
    }
}

fn modifiers(p: &mut Pieces, modifiers: &[Modifier]) {
    for m in modifiers {
        p.word(m.kind.keyword());
    }
}

fn endpoint(p: &mut Pieces, keyword: &str, ep: &Endpoint) {
    p.word(keyword);
    if let Some(addr) = &ep.addr {
        p.value(addr);
    }
    if let Some(port) = &ep.port {
        p.word("port");
        p.value(port);
    }
}

fn rule(rule: &Rule) -> Pieces {
    let mut p = Pieces::default();
    p.word(&rule.action.text);
    if let Some(pr) = &rule.proto {
        p.word(&proto(pr));
    }
    if let Some(spec) = &rule.icmp {
        p.word(&icmp(spec));
    }
    if let Some(ep) = &rule.from {
        endpoint(&mut p, "from", ep);
    }
    if let Some(ep) = &rule.to {
        endpoint(&mut p, "to", ep);
    }
    modifiers(&mut p, &rule.modifiers);
    p
}

fn packet(p: &mut Pieces, spec: &PacketSpec) {
    if let Some(d) = &spec.direction {
        p.word(&d.name);
    }
    p.word(&proto(&spec.proto));
    p.word(&sock(&spec.src));
    p.word("->");
    p.word(&sock(&spec.dst));
    if let Some(i) = &spec.icmp {
        p.word(&icmp(i));
    }
    if spec.fragment.is_some() {
        p.word("fragment");
    }
}

fn line_pieces(line: &Line) -> Pieces {
    let mut p = Pieces::default();
    match line {
        Line::Apply(Apply {
            pods, namespace, ..
        }) => {
            p.word("apply to");
            if let Some(pods) = pods {
                p.word(&format!("pods \"{}\"", pods.value));
                if let Some(ns) = namespace {
                    p.word(&format!("in namespace \"{}\"", ns.value));
                }
            } else if let Some(ns) = namespace {
                p.word(&format!("namespace \"{}\"", ns.value));
            }
        }
        Line::Rule(r) => return rule(r),
        Line::Default(DefaultLine {
            verdict,
            modifiers: m,
            ..
        }) => {
            p.word("default");
            p.word(&verdict.text);
            modifiers(&mut p, m);
        }
        Line::Mapping(Mapping {
            proto: pr,
            vip,
            backends,
            ..
        }) => {
            if let Some(pr) = pr {
                p.word(&proto(pr));
            }
            p.word(&sock(vip));
            p.word("->");
            match backends {
                Backends::One(one) => p.word(&sock(one)),
                Backends::List { span, items } => {
                    p.list(*span, items.iter().map(|b| (b.span, sock(b))).collect());
                }
            }
        }
        Line::Expect(Expect {
            program,
            verdict,
            packet: spec,
            backend,
            ..
        }) => {
            p.word("expect");
            p.word(&program.name);
            p.word(&verdict.text);
            packet(&mut p, spec);
            if let Some(b) = backend {
                p.word("to");
                p.word(&sock(b));
            }
        }
        // Files with syntax errors are never printed.
        Line::Error(_) => {}
    }
    p
}

fn set_pieces(set: &SetDecl) -> Pieces {
    let mut p = Pieces::default();
    p.word("set");
    match &set.kind {
        Some(kind) => p.word(&format!("{}: {}", set.name.name, kind.name)),
        None => p.word(&set.name.name),
    }
    p.word("=");
    p.list_value(&set.entries);
    p
}

/// The printer's state (see the module doc).
struct Printer<'a> {
    source: &'a str,
    comments: &'a [Comment],
    next_comment: usize,
    out: Vec<String>,
    /// Source offset just after the last thing printed.
    last_end: u32,
    indent: usize,
    /// Print a blank line before the next thing, whatever the source says.
    force_blank: bool,
    /// Print no blank line before the next thing (just after a `{`).
    no_blank: bool,
}

impl<'a> Printer<'a> {
    fn pad(&self) -> String {
        "  ".repeat(self.indent)
    }

    fn gap_has_blank_line(&self, start: u32) -> bool {
        let from = (self.last_end as usize).min(self.source.len());
        let to = (start as usize).clamp(from, self.source.len());
        self.source[from..to].matches('\n').count() >= 2
    }

    fn blank_if_needed(&mut self, start: u32) {
        let blank = self.force_blank || self.gap_has_blank_line(start);
        if blank && !self.no_blank && !self.out.is_empty() {
            self.out.push(String::new());
        }
        self.force_blank = false;
        self.no_blank = false;
    }

    fn same_source_line(&self, start: u32) -> bool {
        let from = (self.last_end as usize).min(self.source.len());
        let to = (start as usize).clamp(from, self.source.len());
        !self.source[from..to].contains('\n')
    }

    /// Prints the comments that start before `before`.
    fn flush_comments(&mut self, before: u32) {
        while let Some(comment) = self.comments.get(self.next_comment) {
            if comment.span.start >= before {
                break;
            }
            let trailing = !self.out.is_empty()
                && self.same_source_line(comment.span.start)
                && !self.out.last().is_some_and(|l| l.trim().is_empty());
            if trailing {
                let last = self.out.last_mut().expect("checked non-empty");
                last.push(' ');
                last.push_str(&comment.text);
                // A trailing comment does not consume a pending blank line.
            } else {
                self.blank_if_needed(comment.span.start);
                let line = format!("{}{}", self.pad(), comment.text);
                self.out.push(line);
            }
            self.last_end = comment.span.end;
            self.next_comment += 1;
        }
    }

    /// Prints one output line for source `start..end`.
    fn line(&mut self, start: u32, end: u32, text: &str) {
        self.flush_comments(start);
        self.blank_if_needed(start);
        let line = format!("{}{}", self.pad(), text);
        self.out.push(line);
        self.last_end = end;
    }

    /// Prints a closing `}` (with any text after it) at `start`, after the
    /// comments inside the block.
    fn close(&mut self, start: u32, end: u32, text: &str) {
        self.flush_comments(start);
        self.indent -= 1;
        self.no_blank = true;
        self.line(start, end, text);
    }

    /// Prints a construct that starts at `span.start`.
    fn construct(&mut self, span: Span, pieces: &Pieces) {
        let one = pieces.one_line();
        let has_comment_in_list = pieces.0.iter().any(|p| match p {
            Piece::List { span, .. } => self.comments[self.next_comment..]
                .iter()
                .any(|c| span.start < c.span.start && c.span.start < span.end),
            Piece::Text(_) => false,
        });
        if !has_comment_in_list && self.indent * 2 + one.chars().count() <= WIDTH {
            self.line(span.start, span.end, &one);
            return;
        }
        // Broken layout: every list one entry per line.
        let mut text = String::new();
        let mut start = span.start;
        for piece in &pieces.0 {
            match piece {
                Piece::Text(t) => text.push_str(t),
                Piece::List {
                    span: list,
                    entries,
                } => {
                    text.push('{');
                    self.line(start, list.start + 1, &text);
                    self.indent += 1;
                    self.no_blank = true;
                    for (entry_span, entry) in entries {
                        self.line(entry_span.start, entry_span.end, &format!("{entry},"));
                    }
                    self.flush_comments(list.end - 1);
                    self.indent -= 1;
                    text = "}".to_string();
                    start = list.end - 1;
                    self.no_blank = true;
                }
            }
        }
        self.line(start, span.end, &text);
    }

    fn block(&mut self, header: String, span: Span, body: &ast::Block) {
        self.line(span.start, body.span.start + 1, &format!("{header} {{"));
        self.indent += 1;
        self.no_blank = true;
        for line in &body.lines {
            self.construct(line.span(), &line_pieces(line));
        }
        self.close(body.span.end - 1, body.span.end, "}");
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Set(set) => self.construct(set.span, &set_pieces(set)),
            Item::Program(p) => {
                let mut header = format!("{} {} on {}", p.kind.keyword(), p.name.name, p.hook.name);
                for option in &p.options {
                    header.push(' ');
                    header.push_str(&option.name);
                }
                self.block(header, p.span, &p.body);
            }
            Item::Test(t) => self.block(format!("test {}", t.name.name), t.span, &t.body),
            // Files with syntax errors are never printed.
            Item::Error(_) => {}
        }
    }
}

/// Prints a whole file (which must have parsed without errors).
pub fn print_file(file: &ast::File, source: &str) -> String {
    let mut printer = Printer {
        source,
        comments: &file.comments,
        next_comment: 0,
        out: Vec::new(),
        last_end: 0,
        indent: 0,
        force_blank: false,
        no_blank: false,
    };
    let is_block = |item: &Item| matches!(item, Item::Program(_) | Item::Test(_));
    for (i, item) in file.items.iter().enumerate() {
        if i > 0 && (is_block(item) || is_block(&file.items[i - 1])) {
            printer.force_blank = true;
        }
        printer.item(item);
    }
    printer.flush_comments(u32::MAX);
    let mut text = printer.out.join("\n");
    text.push('\n');
    text
}
