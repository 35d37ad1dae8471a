//! Stages import downward only: every `crate::…`, `super::…` and `$crate::…` path in
//! `src/**/*.rs` must name a module of a lower layer than the module it is written in.
//!
//! Input: the layer table of `docs/architecture.md` (between `<!-- layers: begin -->` and
//! `<!-- layers: end -->`) and its table of temporary exceptions; the source files. Output: one
//! failure listing every import that goes the wrong way as `file:line: from (layer a) imports to
//! (layer b): path`, every module of `src/` the table does not place, and every exception no
//! import needs any more. Invariants: the doc's table is the only rule table (nothing here
//! repeats it); comments and string literals are skipped; test code (`#[cfg(test)]`) may also use
//! the crate root and `test_corpus`. The library's root (`lib.rs`) and the binary (`main.rs`,
//! `cli/`) are the top layer and are not scanned.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path from the crate root (`["sql", "ident"]`; empty for the root).
type ModPath = Vec<String>;

/// The layer table: module path → layer (1 is the lowest).
#[derive(Debug, Default)]
struct Layers {
    rank: BTreeMap<ModPath, usize>,
}

impl Layers {
    /// The entry a module belongs to: the longest entry that is a prefix of its path.
    fn unit<'a>(&'a self, path: &[String]) -> Option<(&'a ModPath, usize)> {
        (1..=path.len())
            .rev()
            .find_map(|n| self.rank.get_key_value(&path[..n]))
            .map(|(k, r)| (k, *r))
    }
}

/// The rows between `<!-- NAME: begin -->` and `<!-- NAME: end -->`, as their cells.
fn table_rows(doc: &str, name: &str) -> Vec<Vec<String>> {
    let begin = format!("<!-- {name}: begin");
    let end = format!("<!-- {name}: end -->");
    let start = doc
        .find(&begin)
        .unwrap_or_else(|| panic!("docs/architecture.md has no `{begin}` marker"));
    let stop = doc[start..]
        .find(&end)
        .unwrap_or_else(|| panic!("docs/architecture.md has no `{end}` marker"));
    doc[start..start + stop]
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---"))
        .skip(1)
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

/// The backticked names of a cell (`` `a`, `b::c` ``).
fn names(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn mod_path(name: &str) -> ModPath {
    name.split("::").map(str::to_string).collect()
}

/// The layer table of the doc.
fn doc_layers(doc: &str) -> Layers {
    let mut layers = Layers::default();
    for row in table_rows(doc, "layers") {
        let rank: usize = row[0].parse().expect("a layer number");
        for m in names(&row[1]) {
            let prev = layers.rank.insert(mod_path(&m), rank);
            assert!(prev.is_none(), "`{m}` is in two layers");
        }
    }
    assert!(!layers.rank.is_empty(), "the layer table is empty");
    layers
}

/// The temporary exceptions of the doc: (from, to).
fn doc_exceptions(doc: &str) -> BTreeSet<(String, String)> {
    table_rows(doc, "layers-exceptions")
        .iter()
        .map(|row| match names(&row[0]).as_slice() {
            [from, to] => (from.clone(), to.clone()),
            other => panic!("an exception names two modules, not {other:?}"),
        })
        .collect()
}

/// One path found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    /// 1-based line.
    line: usize,
    /// The path from the crate root (what `crate::`/`super::` resolve to).
    path: ModPath,
    /// Whether it is in test code.
    test: bool,
}

/// The code of a Rust file with comments and the contents of string and char literals blanked
/// out (newlines kept, so lines stay where they are).
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && matches!(next, Some('#') | Some('"')) && raw_prefix_at(&b, i) {
            // A raw string: r"…", r#"…"#, …
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            out.extend(std::iter::repeat_n(' ', j + 1 - i));
            i = j + 1;
            while i < b.len() {
                if b[i] == '"' && (0..hashes).all(|k| b.get(i + 1 + k) == Some(&'#')) {
                    out.extend(std::iter::repeat_n(' ', hashes + 1));
                    i += hashes + 1;
                    break;
                }
                out.push(blank(b[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if let Some(&ch) = b.get(i) {
                    out.push(blank(ch));
                }
                i += 1;
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A char literal ('a', '\n', '\''), or a lifetime ('a), which is left as it is.
            let close = if next == Some('\\') {
                b.get(i + 3..)
                    .and_then(|rest| rest.iter().position(|&ch| ch == '\''))
                    .map(|p| i + 3 + p)
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(end) => {
                    out.extend(std::iter::repeat_n(' ', end + 1 - i));
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether the `r` at `i` starts a raw string (`r"`, `r#"`, `br"`), not the end of a name.
fn raw_prefix_at(b: &[char], i: usize) -> bool {
    let before = |k: usize| i.checked_sub(k).and_then(|j| b.get(j));
    !ident_char(before(1)) || (before(1) == Some(&'b') && !ident_char(before(2)))
}

fn ident_char(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// Every `crate::`/`$crate::`/`super::` path of a file whose module path is `module`, resolved
/// from the crate root; `test_file` when the whole file is test code. A group
/// (`crate::{a::b, c}`) gives one path per member.
fn paths(code: &str, module: &[String], test_file: bool) -> Vec<Found> {
    let lines: Vec<&str> = code.lines().collect();
    // Inline modules open at a line's indentation and close at a `}` line with the same one
    // (rustfmt's layout): the stack of (indentation, name, test).
    let mut open: Vec<(usize, String, bool)> = Vec::new();
    let mut found = Vec::new();
    let mut cfg_test = false;
    let mut pending = String::new();
    let mut pending_line = 0;
    for (n, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some((at, _, _)) = open.last()
            && *at == indent
            && trimmed.starts_with('}')
        {
            open.pop();
        }
        if trimmed.starts_with("#[cfg(test)]") {
            cfg_test = true;
            continue;
        }
        let in_test = test_file || open.iter().any(|(_, _, t)| *t);
        let decl = trimmed
            .trim_start_matches("pub ")
            .trim_start_matches("pub(crate) ");
        if let Some(rest) = decl.strip_prefix("mod ")
            && rest.trim_end().ends_with('{')
        {
            let name = rest.trim_end_matches(['{', ' ']).to_string();
            open.push((indent, name, cfg_test || in_test));
        }
        if !trimmed.starts_with('#') && !trimmed.is_empty() {
            cfg_test = false;
        }
        // A path may continue over lines (`use crate::{\n a,\n b,\n};`): gather until the
        // braces balance.
        if pending.is_empty() {
            pending_line = n + 1;
        }
        pending.push_str(line);
        pending.push('\n');
        if pending.matches('{').count() > pending.matches('}').count()
            && (pending.contains("crate::{") || pending.contains("super::{"))
        {
            continue;
        }
        let here: ModPath = module
            .iter()
            .cloned()
            .chain(open.iter().map(|(_, name, _)| name.clone()))
            .collect();
        collect(&pending, &here, pending_line, in_test, &mut found);
        pending.clear();
    }
    collect(&pending, module, pending_line, test_file, &mut found);
    found
}

/// The paths of `code` (starting at `line`) seen from module `here`, into `found`.
fn collect(code: &str, here: &[String], line: usize, test: bool, found: &mut Vec<Found>) {
    for raw in scan(code) {
        if let Some(path) = resolve(&raw, here)
            && !path.first().is_some_and(|s| s == "*" || s == "self")
        {
            found.push(Found { line, path, test });
        }
    }
}

/// The raw paths of a piece of code: each starts with `crate`, `$crate` or `super` (possibly
/// several `super`s) and lists its segments; groups are expanded.
fn scan(code: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = ["$crate::", "crate::", "super::"]
            .iter()
            .find(|p| chars[i..].iter().take(p.len()).copied().eq(p.chars()));
        let boundary = i == 0 || !(ident_char(chars.get(i - 1)) || chars[i - 1] == '$');
        match starts {
            Some(p) if boundary => {
                let head = p.trim_end_matches("::").trim_start_matches('$').to_string();
                i += p.len();
                let mut tails = Vec::new();
                i = path_tail(&chars, i, &mut tails);
                for t in tails {
                    let mut full = vec![head.clone()];
                    full.extend(t);
                    out.push(full);
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// Read the rest of a path from `i` (after a `::`): segments, or a `{…}` group of paths; push
/// every complete tail and return where it stopped.
fn path_tail(chars: &[char], mut i: usize, out: &mut Vec<Vec<String>>) -> usize {
    let skip_ws = |mut i: usize| {
        while chars.get(i).is_some_and(|c| c.is_whitespace()) {
            i += 1;
        }
        i
    };
    let mut segs: Vec<String> = Vec::new();
    loop {
        i = skip_ws(i);
        if chars.get(i) == Some(&'{') {
            i += 1;
            loop {
                i = skip_ws(i);
                match chars.get(i) {
                    Some('}') => return i + 1,
                    Some(',') => i += 1,
                    None => return i,
                    _ => {
                        let mut inner = Vec::new();
                        let next = path_tail(chars, i, &mut inner);
                        for t in inner {
                            out.push(segs.iter().cloned().chain(t).collect());
                        }
                        i = if next == i { i + 1 } else { next };
                        // `a as b`: the alias is not a path.
                        let after = skip_ws(i);
                        if chars
                            .get(after..after + 3)
                            .is_some_and(|w| w[..2] == ['a', 's'] && w[2].is_whitespace())
                        {
                            i = skip_ws(after + 3);
                            while chars
                                .get(i)
                                .is_some_and(|c| c.is_alphanumeric() || *c == '_')
                            {
                                i += 1;
                            }
                        }
                    }
                }
            }
        }
        let start = i;
        while chars
            .get(i)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '*')
        {
            i += 1;
        }
        if i == start {
            break;
        }
        segs.push(chars[start..i].iter().collect());
        if chars.get(i) == Some(&':') && chars.get(i + 1) == Some(&':') {
            i += 2;
        } else {
            break;
        }
    }
    if !segs.is_empty() {
        out.push(segs);
    }
    i
}

/// A raw path resolved from the crate root, seen from module `here`; `None` for paths that stay
/// in the module (`self`) or leave the crate.
fn resolve(raw: &[String], here: &[String]) -> Option<ModPath> {
    let (head, rest) = raw.split_first()?;
    if head == "crate" {
        return Some(rest.to_vec());
    }
    // `super::super::x`: one level up per `super`.
    let ups = raw.iter().take_while(|s| *s == "super").count();
    let base = here.get(..here.len().checked_sub(ups)?)?;
    Some(
        base.iter()
            .cloned()
            .chain(raw[ups..].iter().cloned())
            .collect(),
    )
}

/// A file's module path: `src/sql/ident.rs` → `["sql", "ident"]`, `src/lint/mod.rs` → `["lint"]`.
fn file_module(rel: &Path) -> ModPath {
    let mut parts: ModPath = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// What a scan of the sources finds wrong.
#[derive(Debug, Default)]
struct Verdict {
    /// `file:line: …` for each import that goes the wrong way.
    violations: Vec<String>,
    /// The exceptions some import used.
    used: BTreeSet<(String, String)>,
    /// Modules of `src/` the table does not place.
    unplaced: BTreeSet<String>,
}

/// A file of the library: its path relative to `src/` and its text.
struct Source {
    rel: PathBuf,
    text: String,
}

fn check(layers: &Layers, exceptions: &BTreeSet<(String, String)>, files: &[Source]) -> Verdict {
    let mut verdict = Verdict::default();
    let is_driver = |rel: &Path| {
        rel == Path::new("lib.rs") || rel == Path::new("main.rs") || rel.starts_with("cli")
    };
    // Modules declared `#[cfg(test)] mod x;` (test code in a file of their own), and the
    // crate-root macros (`#[macro_export]`) with the module that defines them.
    let mut test_modules: BTreeSet<ModPath> = BTreeSet::new();
    let mut macros: BTreeMap<String, ModPath> = BTreeMap::new();
    for f in files {
        let module = if f.rel == Path::new("lib.rs") {
            Vec::new()
        } else {
            file_module(&f.rel)
        };
        let code = code_only(&f.text);
        let mut prev = "";
        for line in code.lines().map(str::trim) {
            if prev.starts_with("#[cfg(test)]") {
                let decl = line
                    .trim_start_matches("pub ")
                    .trim_start_matches("pub(crate) ");
                if let Some(name) = decl.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
                    test_modules.insert(module.iter().cloned().chain([name.to_string()]).collect());
                }
            }
            if prev.starts_with("#[macro_export]")
                && let Some(name) = line.strip_prefix("macro_rules! ")
            {
                macros.insert(
                    name.trim_end_matches([' ', '{']).to_string(),
                    module.clone(),
                );
            }
            if !line.is_empty() {
                prev = line;
            }
        }
    }
    for f in files {
        if is_driver(&f.rel) {
            continue;
        }
        let module = file_module(&f.rel);
        let Some((from, from_rank)) = layers.unit(&module) else {
            verdict
                .unplaced
                .insert(module.first().cloned().unwrap_or_default());
            continue;
        };
        let test_file = (1..=module.len()).any(|n| test_modules.contains(&module[..n]));
        for found in paths(&code_only(&f.text), &module, test_file) {
            let target: ModPath = match found.path.first() {
                None => continue,
                // A crate-root macro lives where it is defined.
                Some(first) if macros.contains_key(first) => macros[first].clone(),
                Some(_) => found.path.clone(),
            };
            let (to, to_rank) = match layers.unit(&target) {
                Some(u) => u,
                // Not a module: an item of the crate root (`compile_sources`, `Compiled`).
                None => match layers.rank.get_key_value(&vec!["lib".to_string()]) {
                    Some((k, r)) => (k, *r),
                    None => continue,
                },
            };
            if to == from || to_rank < from_rank {
                continue;
            }
            let (from_name, to_name) = (from.join("::"), to.join("::"));
            if found.test && (to_name == "lib" || to_name == "test_corpus") {
                continue;
            }
            let pair = (from_name.clone(), to_name.clone());
            if exceptions.contains(&pair) {
                verdict.used.insert(pair);
                continue;
            }
            verdict.violations.push(format!(
                "src/{}:{}: `{from_name}` (layer {from_rank}) imports `{to_name}` (layer {to_rank}): `crate::{}`",
                f.rel.display(),
                found.line,
                found.path.join("::"),
            ));
        }
    }
    verdict
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn stages_import_downward_only() {
    let doc = std::fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let layers = doc_layers(&doc);
    let exceptions = doc_exceptions(&doc);
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let sources: Vec<Source> = files
        .iter()
        .map(|p| Source {
            rel: p.strip_prefix(&src).unwrap().to_path_buf(),
            text: std::fs::read_to_string(p).unwrap(),
        })
        .collect();
    assert!(
        sources.len() > 50,
        "only {} files under src/",
        sources.len()
    );
    let verdict = check(&layers, &exceptions, &sources);
    let mut problems = verdict.violations.clone();
    for m in &verdict.unplaced {
        problems.push(format!(
            "src/{m}: the module is in no layer of docs/architecture.md"
        ));
    }
    // Every top-level module of src/ is in the table, and every entry of the table exists.
    for entry in layers.rank.keys() {
        let top = &entry[0];
        let exists = src.join(top).is_dir()
            || src.join(format!("{top}.rs")).is_file()
            || matches!(top.as_str(), "lib" | "main" | "cli");
        if !exists {
            problems.push(format!(
                "docs/architecture.md: `{}` is in the layer table but not in src/",
                entry.join("::")
            ));
        }
    }
    for e in exceptions.difference(&verdict.used) {
        problems.push(format!(
            "docs/architecture.md: the exception `{}` → `{}` is no longer needed: remove it",
            e.0, e.1
        ));
    }
    assert!(
        problems.is_empty(),
        "stages must import downward only (docs/architecture.md, \"Layers\"):\n{}",
        problems.join("\n")
    );
}

/// The layer table of the tests below: `low` under `mid` under `high`.
fn toy_layers() -> Layers {
    let doc = "<!-- layers: begin -->\n| layer | modules |\n|---|---|\n| 1 | `low`, `mid::leaf` |\n| 2 | `mid` |\n| 3 | `high`, `side` |\n| 4 | `lib` |\n<!-- layers: end -->\n";
    doc_layers(doc)
}

fn toy(files: &[(&str, &str)]) -> Verdict {
    let sources: Vec<Source> = files
        .iter()
        .map(|(rel, text)| Source {
            rel: PathBuf::from(rel),
            text: text.to_string(),
        })
        .collect();
    check(&toy_layers(), &BTreeSet::new(), &sources)
}

#[test]
fn an_import_of_a_higher_or_sibling_layer_is_named_with_file_and_line() {
    let v = toy(&[
        ("low.rs", "//! x\n\nuse crate::mid::Thing;\n"),
        (
            "mid/mod.rs",
            "use crate::low::A;\nfn f() { crate::high::go(); }\n",
        ),
        ("high.rs", "use crate::{low, mid::{self, X}, side::Y};\n"),
    ]);
    assert_eq!(
        v.violations,
        vec![
            "src/low.rs:3: `low` (layer 1) imports `mid` (layer 2): `crate::mid::Thing`",
            "src/mid/mod.rs:2: `mid` (layer 2) imports `high` (layer 3): `crate::high::go`",
            "src/high.rs:1: `high` (layer 3) imports `side` (layer 3): `crate::side::Y`",
        ]
    );
}

#[test]
fn super_paths_submodule_entries_groups_over_lines_and_comments() {
    let v = toy(&[
        // `super` from a top-level file reaches the crate root; from a submodule, its parent.
        ("low.rs", "fn f() { super::high::go(); }\n"),
        ("mid/leaf.rs", "use super::Thing;\n"),
        ("mid/other.rs", "use super::leaf::X;\n"),
        (
            "high.rs",
            "use crate::{\n    low::A,\n    lib_item,\n};\n// crate::lib::x in a comment\nconst S: &str = \"crate::lib::y\";\n",
        ),
        (
            "side.rs",
            "use crate::low::{\n    a,\n    b,\n};\nfn g() { crate::lib::z(); }\n",
        ),
    ]);
    assert_eq!(
        v.violations,
        vec![
            "src/low.rs:1: `low` (layer 1) imports `high` (layer 3): `crate::high::go`",
            "src/mid/leaf.rs:1: `mid::leaf` (layer 1) imports `mid` (layer 2): `crate::mid::Thing`",
            "src/high.rs:1: `high` (layer 3) imports `lib` (layer 4): `crate::lib_item`",
            "src/side.rs:5: `side` (layer 3) imports `lib` (layer 4): `crate::lib::z`",
        ]
    );
}

#[test]
fn test_code_may_use_the_crate_root_and_nothing_else_above() {
    let v = toy(&[
        (
            "low.rs",
            "fn f() {}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::compile_sources;\n    use crate::high::H;\n}\n\nfn g() { crate::lib::x(); }\n",
        ),
        ("mid/mod.rs", "#[cfg(test)]\nmod helpers;\n"),
        (
            "mid/helpers.rs",
            "use crate::compile_sources;\nuse crate::high::H;\n",
        ),
    ]);
    assert_eq!(
        v.violations,
        vec![
            "src/low.rs:7: `low` (layer 1) imports `high` (layer 3): `crate::high::H`",
            "src/low.rs:10: `low` (layer 1) imports `lib` (layer 4): `crate::lib::x`",
            "src/mid/helpers.rs:2: `mid` (layer 2) imports `high` (layer 3): `crate::high::H`",
        ]
    );
}

#[test]
fn a_module_outside_the_table_is_reported() {
    let v = toy(&[("stray/mod.rs", "use crate::low::A;\n")]);
    assert_eq!(v.unplaced, BTreeSet::from(["stray".to_string()]));
}

#[test]
fn crate_root_macros_belong_to_the_module_that_defines_them() {
    let v = toy(&[
        (
            "high.rs",
            "#[macro_export]\nmacro_rules! declare {\n    () => {};\n}\ncrate::declare!();\n",
        ),
        ("mid/mod.rs", "crate::declare!();\n"),
    ]);
    assert_eq!(
        v.violations,
        vec!["src/mid/mod.rs:1: `mid` (layer 2) imports `high` (layer 3): `crate::declare`"]
    );
}
