//! Bad input never panics: `compile_sources` always returns, and every diagnostic it returns is
//! well-formed (non-empty code, message and help; a primary span inside the text unless the
//! problem is about the whole file). Rendering those diagnostics (human and JSON) must not panic
//! either.
//!
//! Each input runs inside `catch_unwind`, so a failure names the input that panicked (the panic
//! message with its source location is printed by the default hook just above the failure).

// Test helpers fail with readable panics rather than returning errors; the crate's clippy lints
// only exempt `#[test]` functions themselves.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::unreachable
)]

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use schemac::diagnostics::report::{self, Style};
use schemac::load::yaml::{self, Node, NodeKind};
use schemac::source::{FileId, SourceMap};

const FIXTURES: &[(&str, &str)] = &[
    (
        "01_types.yaml",
        include_str!("fixtures/models/01_types.yaml"),
    ),
    (
        "02_constraints.yaml",
        include_str!("fixtures/models/02_constraints.yaml"),
    ),
    (
        "03_fk_graph.yaml",
        include_str!("fixtures/models/03_fk_graph.yaml"),
    ),
    (
        "04_indexes.yaml",
        include_str!("fixtures/models/04_indexes.yaml"),
    ),
    (
        "05_rls_postgres.yaml",
        include_str!("fixtures/models/05_rls_postgres.yaml"),
    ),
    (
        "06_supabase.yaml",
        include_str!("fixtures/models/06_supabase.yaml"),
    ),
    (
        "07_functions.yaml",
        include_str!("fixtures/models/07_functions.yaml"),
    ),
    (
        "08_views.yaml",
        include_str!("fixtures/models/08_views.yaml"),
    ),
    (
        "09_partitions.yaml",
        include_str!("fixtures/models/09_partitions.yaml"),
    ),
    (
        "10_quoting_unicode.yaml",
        include_str!("fixtures/models/10_quoting_unicode.yaml"),
    ),
    (
        "11_triggers.yaml",
        include_str!("fixtures/models/11_triggers.yaml"),
    ),
];

/// A small valid model used as the base of hand-written cases.
const SMALL: &str = "\
version: 1
tables:
  notes:
    description: A note.
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      body: text
";

/// Compile one file and check the diagnostics' invariants. `Err` describes a violation.
fn check(text: &str) -> Result<schemac::Compiled, String> {
    let compiled = schemac::compile_sources(&[("s.yaml".to_string(), text.to_string())]);
    let mut problems = Vec::new();
    for d in compiled.diagnostics.sorted() {
        if d.code.is_empty() {
            problems.push(format!("empty code: {d:?}"));
        }
        if d.message.trim().is_empty() {
            problems.push(format!("empty message: {d:?}"));
        }
        if d.help.trim().is_empty() {
            problems.push(format!("empty help: {d:?}"));
        }
        let labels = d.primary.iter().chain(d.secondary.iter());
        for label in labels {
            let span = label.span;
            if span.file != FileId(0) {
                problems.push(format!("span in unknown file {:?}: {d:?}", span.file));
            } else if span.end() > text.len() {
                problems.push(format!(
                    "span {}..{} outside the text (len {}): {d:?}",
                    span.start,
                    span.end(),
                    text.len()
                ));
            } else if text.get(span.start as usize..span.end()).is_none() {
                problems.push(format!(
                    "span {}..{} not on UTF-8 character boundaries: {d:?}",
                    span.start,
                    span.end()
                ));
            }
        }
    }
    let sorted = compiled.diagnostics.sorted();
    let _ = report::human(&sorted, &compiled.sources, Style::Plain, 100);
    let _ = schemac::diagnostics::output::json(&schemac::diagnostics::output::records(
        &sorted,
        &compiled.sources,
    ));
    if problems.is_empty() {
        Ok(compiled)
    } else {
        Err(problems.join("\n"))
    }
}

fn preview(text: &str) -> String {
    const MAX: usize = 600;
    if text.len() <= MAX {
        format!("{text:?}")
    } else {
        let mut cut = MAX;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        format!(
            "{:?}… ({} bytes in all)",
            text.get(..cut).unwrap_or(""),
            text.len()
        )
    }
}

/// Run every input; collect panics and invariant violations, and fail listing them all.
fn run_all(label: &str, inputs: &[(String, String)]) {
    let mut failures = Vec::new();
    for (name, text) in inputs {
        match catch_unwind(AssertUnwindSafe(|| check(text))) {
            Ok(Ok(_)) => {}
            Ok(Err(why)) => failures.push(format!(
                "[{name}] bad diagnostic\n  input: {}\n  {why}",
                preview(text)
            )),
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
                    .unwrap_or_default();
                failures.push(format!("[{name}] PANIC: {msg}\n  input: {}", preview(text)));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{label}: {} of {} inputs failed:\n\n{}",
        failures.len(),
        inputs.len(),
        failures.join("\n\n")
    );
}

fn case(name: &str, text: impl Into<String>) -> (String, String) {
    (name.to_string(), text.into())
}

/// The diagnostics of compiling `text`, each as `CODE line:col` (the primary span's start, 1-based;
/// `CODE -` without one), sorted as users see them.
fn located(text: &str) -> Vec<String> {
    let compiled = schemac::compile_sources(&[("s.yaml".to_string(), text.to_string())]);
    schemac::diagnostics::output::records(&compiled.diagnostics.sorted(), &compiled.sources)
        .into_iter()
        .map(|d| match (d.line, d.column) {
            (Some(l), Some(c)) => format!("{} {l}:{c}", d.code),
            _ => format!("{} -", d.code),
        })
        .collect()
}

/// `text` compiles to exactly the diagnostics `expected` (see [`located`]).
fn assert_located(name: &str, text: &str, expected: &[&str]) {
    let found = located(text);
    assert_eq!(found, expected, "{name}: wrong diagnostics for\n{text}");
}

#[test]
fn fixtures_are_valid() {
    for (name, text) in FIXTURES {
        let compiled = check(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(compiled.ok(), "{name}: {:?}", compiled.diagnostics.sorted());
    }
}

#[test]
fn degenerate_documents() {
    let inputs = vec![
        case("empty", ""),
        case("whitespace", "   \n\n  \n"),
        case("only comments", "# one\n# two\n   # three\n"),
        case("document marker", "---"),
        case("document marker and end", "---\n...\n"),
        case("two documents", "version: 1\n---\nversion: 1\n"),
        case("bare scalar", "hello"),
        case("bare number", "42"),
        case("bare null", "~"),
        case("bare bool", "true"),
        case("list at top level", "- version: 1\n- tables: {}\n"),
        case("flow list at top level", "[1, 2, 3]"),
        case(
            "tabs for indentation",
            "version: 1\ntables:\n\tnotes:\n\t\tcolumns:\n\t\t\tid: bigint\n",
        ),
        case(
            "tab after key",
            "version:\t1\ntables:\n  notes:\n    columns:\n      id:\tbigint\n",
        ),
        case("unclosed [", "version: 1\ntables: [\n"),
        case(
            "unclosed {",
            "version: 1\ntables: { notes: { columns: { id: bigint }\n",
        ),
        case(
            "unclosed \"",
            "version: 1\ntables:\n  \"notes:\n    columns: {}\n",
        ),
        case(
            "unclosed '",
            "version: 1\ntables:\n  notes:\n    description: 'it\n",
        ),
        case("stray ]", "version: 1]\n"),
        case("stray }", "}\n"),
        case("only a colon", ":"),
        case("only a dash", "-"),
        case("key without value at eof", "version: 1\ntables:"),
        case(
            "bad indentation",
            "version: 1\n tables:\n  notes:\n columns: {}\n",
        ),
        case("complex key", "? [a, b]\n: c\n"),
        case(
            "complex key in tables",
            "version: 1\ntables:\n  ? { a: 1 }\n  : { columns: { id: bigint } }\n",
        ),
        case("tags", "version: !!str 1\ntables: !!map {}\n"),
        case("custom tag", "version: !custom 1\n"),
        case("directive", "%YAML 1.2\n---\nversion: 1\n"),
        case("bom", "\u{feff}version: 1\n"),
        case("crlf", SMALL.replace('\n', "\r\n")),
        case("cr only", SMALL.replace('\n', "\r")),
        case("no trailing newline", SMALL.trim_end()),
        case("version zero", "version: 0\n"),
        case("version huge", "version: 99999999999999999999999999\n"),
        case("version negative", "version: -1\n"),
        case("version string", "version: \"1\"\n"),
        case("version list", "version: [1]\n"),
    ];
    run_all("degenerate documents", &inputs);
}

#[test]
fn duplicate_keys_hand_written() {
    let inputs = vec![
        case(
            "top level",
            "version: 1\nversion: 1\ntables: {}\ntables: {}\n",
        ),
        case(
            "table",
            "version: 1\ntables:\n  notes:\n    columns: { id: bigint }\n  notes:\n    columns: { id: bigint }\n",
        ),
        case(
            "table key",
            "version: 1\ntables:\n  notes:\n    columns: { id: bigint }\n    columns: { id: bigint }\n",
        ),
        case(
            "column",
            "version: 1\ntables:\n  notes:\n    columns:\n      id: bigint\n      id: text\n",
        ),
        case(
            "column key",
            "version: 1\ntables:\n  notes:\n    columns:\n      id: { type: bigint, type: text }\n",
        ),
        case(
            "flow map",
            "version: 1\ntables: { a: { columns: { x: int } }, a: { columns: { x: int } } }\n",
        ),
    ];
    run_all("duplicate keys", &inputs);
    // Each duplicate is an E106 at the second occurrence of the key, and nothing else is reported.
    let expected: &[&[&str]] = &[
        &["E106 2:1", "E106 4:1"],
        // A table twice is also two tables of one name.
        &["E106 5:3", "E201 5:3"],
        &["E106 5:5"],
        &["E106 6:7"],
        &["E106 5:27"],
        &["E106 2:39", "E201 2:39"],
    ];
    assert_eq!(inputs.len(), expected.len());
    for ((name, text), want) in inputs.iter().zip(expected) {
        assert_located(name, text, want);
    }
}

// ---------------------------------------------------------------------------------------------
// Programmatic variants of the valid fixtures: the node tree is re-emitted as flow YAML with one
// change at a time.

/// A value of each kind, in flow YAML.
const KINDS: &[(&str, &str)] = &[
    ("string", "\"wrong\""),
    ("number", "42"),
    ("bool", "true"),
    ("list", "[1, \"two\", {three: 3}]"),
    ("map", "{ wrong: 1, other: [x] }"),
    ("null", "null"),
];

fn kind_name(kind: &NodeKind) -> &'static str {
    match kind {
        NodeKind::Null => "null",
        NodeKind::Bool(_) => "bool",
        NodeKind::Number(_) => "number",
        NodeKind::Str(..) => "string",
        NodeKind::Seq(_) => "list",
        NodeKind::Map(_) => "map",
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// What to do while emitting: replace the value with this path, or duplicate the first entry of
/// the mapping with this path (the cell receives the byte offset of the duplicate's key).
enum Edit<'a> {
    Replace(&'a [usize], &'a str),
    DuplicateFirst(&'a [usize], &'a Cell<Option<usize>>),
}

/// Emit `node` as flow YAML (one mapping entry per line, so positions stay meaningful).
fn emit(node: &Node, path: &mut Vec<usize>, edit: &Edit, indent: usize, out: &mut String) {
    if let Edit::Replace(p, with) = edit
        && *p == path.as_slice()
    {
        out.push_str(with);
        return;
    }
    match &node.kind {
        NodeKind::Null => out.push_str("null"),
        NodeKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        NodeKind::Number(n) => out.push_str(n),
        NodeKind::Str(s, _) => out.push_str(&json_str(s)),
        NodeKind::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                path.push(i);
                emit(item, path, edit, indent + 2, out);
                path.pop();
            }
            out.push(']');
        }
        NodeKind::Map(entries) => {
            out.push('{');
            let dup = match edit {
                Edit::DuplicateFirst(p, at) if *p == path.as_slice() => Some(*at),
                _ => None,
            };
            let mut first = true;
            let mut entry =
                |i: usize, k: &str, v: &Node, path: &mut Vec<usize>, out: &mut String| {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    out.push('\n');
                    out.push_str(&" ".repeat(indent + 2));
                    out.push_str(&json_str(k));
                    out.push_str(": ");
                    path.push(i);
                    emit(v, path, edit, indent + 2, out);
                    path.pop();
                };
            for (i, (k, v)) in entries.iter().enumerate() {
                entry(i, &k.name, v, path, out);
                if let Some(at) = dup.filter(|_| i == 0) {
                    // The duplicate's key starts after the `,`, the newline and the indentation.
                    at.set(Some(out.len() + 2 + indent + 2));
                    entry(i, &k.name, v, path, out);
                }
            }
            if !entries.is_empty() {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
            }
            out.push('}');
        }
    }
}

/// Every node's path (mapping entries and list items), with the node.
fn walk<'n>(
    node: &'n Node,
    path: &mut Vec<usize>,
    out: &mut Vec<(Vec<usize>, String, &'n Node)>,
    key: &str,
) {
    out.push((path.clone(), key.to_string(), node));
    match &node.kind {
        NodeKind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i);
                walk(item, path, out, &format!("{key}[{i}]"));
                path.pop();
            }
        }
        NodeKind::Map(entries) => {
            for (i, (k, v)) in entries.iter().enumerate() {
                path.push(i);
                walk(v, path, out, &format!("{key}.{}", k.name));
                path.pop();
            }
        }
        _ => {}
    }
}

fn parse_fixture(text: &str) -> Node {
    let mut map = SourceMap::default();
    let id = map.add("f.yaml", text);
    let file = map.file(id).expect("file just added");
    yaml::parse(file, id).expect("fixture parses")
}

#[test]
fn reemitted_fixtures_are_valid() {
    // The generator itself must be faithful, or the variants below test nothing.
    for (name, text) in FIXTURES {
        let root = parse_fixture(text);
        let mut out = String::new();
        emit(
            &root,
            &mut Vec::new(),
            &Edit::DuplicateFirst(&[usize::MAX], &Cell::new(None)),
            0,
            &mut out,
        );
        let compiled = check(&out).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            compiled.ok(),
            "{name} re-emitted:\n{out}\n{:?}",
            compiled.diagnostics.sorted()
        );
    }
}

fn wrong_kind_variants(name: &str, text: &str) -> Vec<(String, String)> {
    let root = parse_fixture(text);
    let mut nodes = Vec::new();
    walk(&root, &mut Vec::new(), &mut nodes, "");
    let mut inputs = Vec::new();
    for (path, key, node) in &nodes {
        if path.is_empty() {
            continue;
        }
        let own = kind_name(&node.kind);
        for (kind, with) in KINDS {
            if *kind == own {
                continue;
            }
            let mut out = String::new();
            emit(
                &root,
                &mut Vec::new(),
                &Edit::Replace(path, with),
                0,
                &mut out,
            );
            inputs.push((format!("{name} {key} := {kind}"), out));
        }
    }
    inputs
}

#[test]
fn every_value_of_every_fixture_replaced_by_each_wrong_kind() {
    // One thread per fixture: thousands of compiles in a debug build.
    let total: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = FIXTURES
            .iter()
            .map(|(name, text)| {
                std::thread::Builder::new()
                    .stack_size(16 << 20)
                    .spawn_scoped(scope, move || {
                        let inputs = wrong_kind_variants(name, text);
                        run_all(name, &inputs);
                        inputs.len()
                    })
                    .expect("spawn")
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| panic!("a fixture failed (see above)"))
            })
            .sum()
    });
    assert!(total > 5_000, "only {total} variants generated");
}

#[test]
fn duplicate_key_in_every_mapping_of_every_fixture() {
    let mut total = 0;
    for (name, text) in FIXTURES {
        let root = parse_fixture(text);
        let mut nodes = Vec::new();
        walk(&root, &mut Vec::new(), &mut nodes, "");
        let mut inputs = Vec::new();
        let mut expected = Vec::new();
        for (path, key, node) in &nodes {
            if matches!(&node.kind, NodeKind::Map(e) if !e.is_empty()) {
                let mut out = String::new();
                let at = Cell::new(None);
                emit(
                    &root,
                    &mut Vec::new(),
                    &Edit::DuplicateFirst(path, &at),
                    0,
                    &mut out,
                );
                let at = at.get().expect("the duplicate was emitted");
                // The fixtures' keys hold no newline; columns count characters.
                let before = out.get(..at).expect("offset on a character boundary");
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
                expected.push(format!("E106 {line}:{column}"));
                inputs.push((format!("{name} duplicate first key of `{key}`"), out));
            }
        }
        total += inputs.len();
        run_all(name, &inputs);
        // The loader reports exactly one problem: E106 at the second occurrence of the key. (Later
        // stages may add their own, e.g. E201 for two tables of one name, E309 for a second
        // identity column.)
        for ((case, text), at) in inputs.iter().zip(&expected) {
            let found = located(text);
            let loader: Vec<&String> = found.iter().filter(|d| d.starts_with("E1")).collect();
            assert_eq!(loader, [at], "{case}: found {found:?} for\n{text}");
        }
    }
    assert!(total > 200, "only {total} variants generated");
}

// ---------------------------------------------------------------------------------------------
// Awkward names, bodies and sizes.

fn with_table(name: &str) -> String {
    format!(
        "version: 1\ntables:\n  {}:\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n",
        json_str(name)
    )
}

fn with_column(name: &str) -> String {
    format!(
        "version: 1\ntables:\n  t:\n    columns:\n      {}: {{ type: bigint, primary_key: true }}\n",
        json_str(name)
    )
}

fn with_body(body: &str) -> String {
    let indented: String = body.lines().map(|l| format!("      {l}\n")).collect();
    format!(
        "version: 1\nfunctions:\n  f:\n    returns: text\n    language: plpgsql\n    description: {desc}\n    body: |\n{indented}tables:\n  t:\n    description: {desc}\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n      c: {{ type: text, check: {check}, default: {default} }}\n",
        desc = json_str(body),
        check = json_str(&format!("c <> {}", sql_literal(body))),
        default = json_str(&sql_literal(body)),
    )
}

fn sql_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[test]
fn awkward_names_and_bodies() {
    let mut inputs = Vec::new();
    let big = "t".repeat(10 * 1024);
    let names = [
        ("10 kB name", big.as_str()),
        ("63 bytes", &"n".repeat(63)),
        ("64 bytes", &"n".repeat(64)),
        ("unicode", "größe_über"),
        ("cjk", "表格"),
        ("rtl hebrew", "טבלה"),
        ("rtl arabic", "جدول"),
        ("rtl override", "ab\u{202e}cd"),
        ("emoji", "🦀_table"),
        ("zwj emoji", "👩\u{200d}💻"),
        ("combining", "e\u{301}\u{301}\u{301}"),
        ("control chars", "a\u{1}\u{7}\u{8}\u{1b}[31mb"),
        ("del", "a\u{7f}b"),
        ("newline", "a\nb"),
        ("cr", "a\rb"),
        ("tab", "a\tb"),
        ("dot", "a.b.c"),
        ("empty", ""),
        ("space", " "),
        ("quote", "a\"b"),
        ("apostrophe", "a'b"),
        ("backslash", "a\\b"),
        ("dollar", "$$"),
        ("reserved", "select"),
        ("uppercase", "Notes"),
        ("digits", "123"),
        ("yaml-ish", "- : # & * ! | > ' \" % @ `"),
    ];
    for (label, name) in names {
        inputs.push(case(&format!("table name: {label}"), with_table(name)));
        inputs.push(case(&format!("column name: {label}"), with_column(name)));
        inputs.push(case(
            &format!("schema-qualified table: {label}"),
            with_table(&format!("{name}.{name}")),
        ));
    }
    let bodies = [
        ("dollar quotes", "begin return $$x$$; end;"),
        ("dollar tags", "$a$ $b$ $$ $_$ $1 $"),
        ("quotes", "it's 'quoted' ''twice''"),
        ("backslashes", "a \\ b \\\\ c \\n \\' \\\""),
        ("comments", "-- comment $$ ' \\\n/* block ' $$ */ select 1"),
        ("unclosed comment", "/* never closed"),
        ("unclosed string", "select 'oops"),
        ("unicode", "größe ✓ 🦀 טבלה"),
        ("control", "a\u{1}\u{2}\u{1b}b"),
        ("only spaces", "   "),
        ("semicolons", ";;; drop table x; --"),
        ("jinja", "{{ name }} {% if x %} {# c #}"),
    ];
    for (label, body) in bodies {
        inputs.push(case(&format!("body: {label}"), with_body(body)));
    }
    run_all("awkward names and bodies", &inputs);
}

const DEPTH: usize = 200;

/// A model nesting `DEPTH` levels deep in one of several ways.
fn deep(kind: &str, depth: usize) -> String {
    match kind {
        "flow lists" => format!(
            "version: 1\ntables: {}{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
        "flow maps" => format!(
            "version: 1\ntables: {}1{}\n",
            "{a: ".repeat(depth),
            "}".repeat(depth)
        ),
        "block maps" => {
            let mut block = String::from("version: 1\ntables:\n");
            for i in 0..depth {
                block.push_str(&" ".repeat(2 * (i + 1)));
                block.push_str("k:\n");
            }
            block.push_str(&" ".repeat(2 * (depth + 1)));
            block.push_str("v: 1\n");
            block
        }
        "block lists" => {
            let mut block = String::from("version: 1\ntables:\n");
            for i in 0..depth {
                block.push_str(&" ".repeat(2 * (i + 1)));
                block.push_str("-\n");
            }
            block
        }
        "nested type" => format!(
            "version: 1\ntables:\n  t:\n    columns:\n      id: {{ type: {}bigint{} }}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
        "nested SQL parentheses" => format!(
            "version: 1\ntables:\n  t:\n    columns:\n      id: {{ type: bigint, check: \"{}id{} > 0\" }}\n",
            "(".repeat(depth),
            ")".repeat(depth)
        ),
        _ => unreachable!("unknown nesting kind {kind}"),
    }
}

// One test per shape: a stack overflow aborts the whole test binary, so each shape is its own
// test to make the culprit obvious (`cargo test --test robustness deep_`).

#[test]
fn deep_flow_lists() {
    run_all("200-deep", &[case("flow lists", deep("flow lists", DEPTH))]);
}

#[test]
fn deep_flow_maps() {
    run_all("200-deep", &[case("flow maps", deep("flow maps", DEPTH))]);
}

#[test]
fn deep_block_maps() {
    run_all("200-deep", &[case("block maps", deep("block maps", DEPTH))]);
}

#[test]
fn deep_block_lists() {
    run_all(
        "200-deep",
        &[case("block lists", deep("block lists", DEPTH))],
    );
}

#[test]
fn deep_nested_type() {
    run_all(
        "200-deep",
        &[case("nested type", deep("nested type", DEPTH))],
    );
}

#[test]
fn deep_sql_parentheses() {
    run_all(
        "200-deep",
        &[case(
            "nested SQL parentheses",
            deep("nested SQL parentheses", DEPTH),
        )],
    );
}

/// Compile one input on its own thread with a roomy stack, check the diagnostics' invariants and
/// that it reports exactly `expected` (see [`located`]).
///
/// How long these inputs take is measured by `scripts/bench/robustness.sh` (docs/performance.md),
/// not here: a test with a time limit fails on a loaded machine and passes a slow regression.
fn huge(name: &str, text: String, expected: &[&str]) {
    let owned = name.to_string();
    let found = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            run_all(&owned, &[(owned.clone(), text.clone())]);
            located(&text)
        })
        .expect("spawn")
        .join()
        .unwrap_or_else(|_| panic!("{name}: failed (see the panic above)"));
    assert_eq!(found, expected, "{name}: wrong diagnostics");
}

fn five_mb() -> String {
    "x".repeat(5 * 1024 * 1024)
}

#[test]
fn huge_description() {
    // A long description is valid and kept whole.
    let text = SMALL.replace("A note.", &five_mb());
    huge("5 MB description", text.clone(), &[]);
    let compiled = schemac::compile_sources(&[("s.yaml".to_string(), text)]);
    let table = compiled.model.tables.values().next().expect("one table");
    assert_eq!(
        table.description.as_deref().map(str::len),
        Some(5 * 1024 * 1024)
    );
}

#[test]
fn huge_unknown_key() {
    huge(
        "5 MB unknown key",
        format!("version: 1\n{}: 1\n", five_mb()),
        // YAML limits implicit keys to 1,024 characters.
        &["E101 2:1"],
    );
}

#[test]
fn huge_check_expression() {
    huge(
        "5 MB check",
        format!(
            "version: 1\ntables:\n  t:\n    columns:\n      id: {{ type: bigint, check: \"id > {}\" }}\n",
            "1".repeat(5 * 1024 * 1024)
        ),
        // Larger than the 256 KiB a fragment may have.
        &["E301 5:34"],
    );
}

#[test]
fn huge_unknown_type_name() {
    // "did you mean" runs an O(n·m) edit distance against every type name.
    huge(
        "5 MB quoted type",
        format!(
            "version: 1\ntables:\n  t:\n    columns:\n      id: {{ type: \"{}\" }}\n",
            five_mb()
        ),
        &["E202 5:19"],
    );
}

#[test]
fn huge_table_name() {
    // A quoted key is still an implicit key (at most 1,024 characters); the error is at its end.
    huge(
        "5 MB table name",
        with_table(&five_mb()),
        &["E101 3:5242885"],
    );
}

#[test]
fn anchors_and_aliases() {
    let ok = "\
version: 1
tables:
  a:
    columns: &cols
      id: { type: bigint, primary_key: true }
      body: text
  b:
    columns: *cols
";
    // An alias of a valid value is that value.
    let compiled = check(ok).unwrap_or_else(|e| panic!("{e}"));
    assert!(compiled.ok(), "{:?}", located(ok));
    let columns: Vec<Vec<&str>> = compiled
        .model
        .tables
        .values()
        .map(|t| t.columns.keys().map(String::as_str).collect())
        .collect();
    assert_eq!(columns, [["id", "body"], ["id", "body"]]);

    // Each case with the exact diagnostics it gets. The merge key `<<` is not YAML 1.2: it is read
    // as a column named `<<` whose keys are the aliased columns.
    let merge = format!("{ok}  c:\n    columns:\n      <<: *cols\n      extra: text\n");
    let inputs = vec![
        case("merge key", merge),
        case("undefined alias", "version: 1\ntables: *nope\n"),
        case("alias as key", "version: 1\nx: &k tables\n*k : {}\n"),
        case(
            "recursive-looking alias",
            "version: 1\ntables: &t { a: *t }\n",
        ),
        case("anchor on scalar", "version: &v 1\ntables: {}\nx: *v\n"),
    ];
    run_all("anchors and aliases", &inputs);
    let expected: &[&[&str]] = &[
        &["E102 5:7", "E102 6:7", "E104 11:7"],
        &["E101 2:9"],
        &["E102 2:1"],
        &["E101 2:17"],
        &["E102 3:1"],
    ];
    assert_eq!(inputs.len(), expected.len());
    for ((name, text), want) in inputs.iter().zip(expected) {
        assert_located(name, text, want);
    }
}

#[test]
fn billion_laughs_is_rejected() {
    let mut bomb = String::from(
        "version: 1\na0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
    );
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        let items = [prev.as_str(); 9].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{items}]\n"));
    }
    bomb.push_str("tables: *a9\n");
    run_all("billion laughs", &[case("billion laughs", bomb.clone())]);
    // Rejected at the alias that crosses the expansion limit (docs/diagnostics.md, E101).
    assert_located("billion laughs", &bomb, &["E101 8:10"]);
}

#[test]
fn odd_numbers_and_yaml_1_1_booleans() {
    let mut inputs = Vec::new();
    for n in [
        "1e400",
        "-1e400",
        "0x1F",
        "0o17",
        "017",
        ".inf",
        "-.inf",
        ".nan",
        ".NaN",
        "1_000",
        "1.",
        "+1",
        "-0",
        "99999999999999999999999999999999",
        "0b101",
        "1:20",
        "1.10",
    ] {
        inputs.push(case(&format!("version: {n}"), format!("version: {n}\n")));
        inputs.push(case(
            &format!("modulus: {n}"),
            format!(
                "version: 1\ntables:\n  t:\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n    partition:\n      by: hash\n      columns: [id]\n      partitions:\n        t0: {{ modulus: {n}, remainder: {n} }}\n"
            ),
        ));
        inputs.push(case(
            &format!("default: {n}"),
            format!(
                "version: 1\ntables:\n  t:\n    columns:\n      id: {{ type: float8, primary_key: true, default: {n} }}\n"
            ),
        ));
        inputs.push(case(
            &format!("table named {n}"),
            with_table(n).replace(&json_str(n), n),
        ));
    }
    for b in [
        "on", "off", "yes", "no", "y", "n", "On", "YES", "True", "FALSE", "null", "~",
    ] {
        inputs.push(case(
            &format!("nullable: {b}"),
            format!("version: 1\ntables:\n  t:\n    columns:\n      id: {{ type: bigint, nullable: {b} }}\n"),
        ));
        inputs.push(case(
            &format!("table named {b}"),
            with_table(b).replace(&json_str(b), b),
        ));
    }
    run_all("numbers and booleans", &inputs);
}

#[test]
fn yaml_1_1_boolean_words_are_plain_keys() {
    // `on:` is how top-level triggers name their table; `yes`/`no`/`on`/`off` are ordinary names.
    let text = "\
version: 1
tables:
  on:
    columns:
      yes: { type: bigint, primary_key: true }
      no: text
      off: { type: boolean, default: \"false\" }
      on: text
";
    let compiled = check(text).unwrap_or_else(|e| panic!("{e}"));
    assert!(compiled.ok(), "{:?}", compiled.diagnostics.sorted());
    let table = compiled.model.tables.values().next().expect("one table");
    assert_eq!(table.name.name, "on");
    let cols: Vec<&str> = table.columns.keys().map(String::as_str).collect();
    assert_eq!(cols, ["yes", "no", "off", "on"]);

    let supabase = FIXTURES
        .iter()
        .find(|(n, _)| *n == "06_supabase.yaml")
        .map(|(_, t)| *t)
        .expect("fixture");
    let compiled = check(supabase).unwrap_or_else(|e| panic!("{e}"));
    assert!(compiled.ok(), "{:?}", compiled.diagnostics.sorted());
    assert!(
        compiled
            .model
            .external_triggers
            .iter()
            .any(|t| format!("{:?}", t).contains("users")),
        "the top-level trigger `on: auth.users` was not loaded"
    );
}

// ---------------------------------------------------------------------------------------------
// Deterministic byte-level fuzzing.

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const INTERESTING: &[u8] = b":{}[],-#&*!|>'\"%@`?\\$ \t\n\r0123456789aZ.~;()";

fn mutate(rng: &mut XorShift, base: &[u8]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    let count = 1 + rng.below(4);
    for _ in 0..count {
        let len = bytes.len();
        let at = rng.below(len + 1);
        match rng.below(7) {
            // Replace a byte with an interesting one.
            0 | 1 if at < len => {
                bytes[at] = INTERESTING[rng.below(INTERESTING.len())];
            }
            // Insert an interesting byte.
            0..=2 => bytes.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            // Delete a run.
            3 if at < len => {
                let n = 1 + rng.below(8.min(len - at));
                bytes.drain(at..at + n);
            }
            // Duplicate a chunk somewhere else.
            4 if at < len => {
                let n = 1 + rng.below(40.min(len - at));
                let chunk = bytes[at..at + n].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, chunk);
            }
            // Random byte (may break UTF-8; the text is made valid lossily).
            5 if at < len => bytes[at] = (rng.next() & 0xff) as u8,
            // Truncate.
            6 => bytes.truncate(at),
            _ => bytes.insert(at, b' '),
        }
    }
    bytes
}

#[test]
fn fuzz_byte_mutations_of_valid_models() {
    let mut rng = XorShift(0x5eed_cafe_f00d_1234);
    let bases: Vec<&str> = FIXTURES.iter().map(|(_, t)| *t).collect();
    let mut inputs = Vec::new();
    for i in 0..2_000 {
        let base = bases[i % bases.len()];
        let mutated = mutate(&mut rng, base.as_bytes());
        let text = String::from_utf8_lossy(&mutated).into_owned();
        inputs.push((
            format!("mutation #{i} of {}", FIXTURES[i % FIXTURES.len()].0),
            text,
        ));
    }
    run_all("fuzz", &inputs);
}

// ---------------------------------------------------------------------------------------------
// Minimal reproducers of bugs found by the tests above (kept small so the failure is obvious).

#[test]
fn yaml_syntax_error_span_is_on_character_boundaries() {
    // E101 points a 1-byte span at the offending character; `ö` is 2 bytes.
    run_all(
        "yaml syntax error next to a multi-byte character",
        &[
            case("after a quoted key", "\"x\"ö: 1\n"),
            case("after a quoted value", "a: 'x'ö\n"),
            case("bad indentation", "a:\n  b: 1\n ö: 2\n"),
            case("replacement character", "a: b\n\u{fffd}"),
        ],
    );
}

#[test]
fn label_beyond_column_65535_renders() {
    // miette pads with `{:width$}`, and a width above u16::MAX panics ("Formatting argument out of
    // range"); `schemac build` exits 101 on this file.
    let text = format!(
        "version: 1\ntables: {{ t: {{ description: \"{}\", columns: {{ id: bigint }}, colour: red }} }}\n",
        "x".repeat(70_000)
    );
    run_all("wide line", &[case("unknown key at column 70k", text)]);
}
