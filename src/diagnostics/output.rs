//! The one record every machine-readable output is made of: `--format json`, `sarif` and
//! `github`, for every command, for compiler diagnostics (`E…`) and lint findings (`SC…`) alike.
//!
//! Input: [`Diagnostic`]s with the [`SourceMap`] they point into (lint builds its records from
//! its findings directly, with the same fields, see `lint::output`). Output: [`Record`]s, and the
//! text of each format. Invariants: every record has every field (absent ones are `null`, the
//! same for every code); records keep the order they are given in (the caller sorts); the JSON
//! document carries [`JSON_VERSION`]; a fingerprint never depends on positions; every text ends
//! with a newline (GitHub's, when it has a line).

use std::borrow::Cow;

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Code, Diagnostic, Severity};
use crate::source::SourceMap;

/// The version of the JSON document (`{"version": 1, "diagnostics": [...]}`); it changes only
/// when a field is removed or changes meaning (new fields may be added within a version).
pub const JSON_VERSION: u32 = 1;

/// The category of compiler diagnostics (lint findings carry their rule's).
pub const COMPILE_CATEGORY: &str = "compile";

/// One diagnostic or finding as plain data, with line and column computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record<'a> {
    /// Stable code (`SC301`, `E302`).
    pub code: Cow<'a, str>,
    /// Kebab-case name.
    pub name: Cow<'a, str>,
    /// error, warning or info.
    pub severity: Severity,
    /// The rule's category, or `compile` for compiler diagnostics.
    pub category: Cow<'a, str>,
    /// Dotted path of the object (`public.projects.owner_select`); `null` for compiler
    /// diagnostics.
    pub object: Option<Cow<'a, str>>,
    /// What is wrong.
    pub message: Cow<'a, str>,
    /// How to fix it (empty only for the lines that count the diagnostics not shown).
    pub help: Cow<'a, str>,
    /// The text shown at the primary location; `null` without one.
    pub label: Option<Cow<'a, str>>,
    /// Where the docs are, relative to the repository root.
    pub url: Cow<'a, str>,
    /// File; `null` for problems about the command line or the database.
    pub file: Option<Cow<'a, str>>,
    /// 1-based line; `null` without a location in the file.
    pub line: Option<usize>,
    /// 1-based column (characters).
    pub column: Option<usize>,
    /// 1-based end line.
    pub end_line: Option<usize>,
    /// 1-based end column (exclusive).
    pub end_column: Option<usize>,
    /// Stable fingerprint (see [`fingerprint`]).
    pub fingerprint: Cow<'a, str>,
}

/// A stable fingerprint of `code`, `object` and `discriminator`: 16 hex digits of SHA-256. Lint
/// findings use their object path and discriminator; compiler diagnostics an empty object and
/// their message. Never positions, so moving YAML around keeps it.
pub fn fingerprint(code: &str, object: &str, discriminator: &str) -> String {
    let mut h = Sha256::new();
    h.update(code.as_bytes());
    h.update([0]);
    h.update(object.as_bytes());
    h.update([0]);
    h.update(discriminator.as_bytes());
    let mut s = String::with_capacity(16);
    for b in h.finalize().iter().take(8) {
        for nibble in [b >> 4, b & 0xf] {
            s.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    s
}

impl<'a> Record<'a> {
    /// The record of a diagnostic.
    pub fn of(d: &'a Diagnostic, sources: &'a SourceMap) -> Record<'a> {
        let mut r = Record {
            code: Cow::Borrowed(d.code),
            name: Cow::Borrowed(d.name),
            severity: d.severity,
            category: Cow::Borrowed(d.category.unwrap_or(COMPILE_CATEGORY)),
            object: d.object.as_deref().map(Cow::Borrowed),
            message: Cow::Borrowed(&d.message),
            help: Cow::Borrowed(&d.help),
            label: None,
            url: Cow::Owned(d.docs_url()),
            file: d.path.as_deref().map(Cow::Borrowed),
            line: None,
            column: None,
            end_line: None,
            end_column: None,
            fingerprint: match &d.fingerprint {
                Some(f) => Cow::Borrowed(f),
                None => Cow::Owned(fingerprint(d.code, "", &d.message)),
            },
        };
        if let Some(p) = &d.primary {
            r.label = Some(Cow::Borrowed(&p.text));
            r.locate(sources, p.span);
        }
        r
    }

    /// Set file, line and column from `span` (nothing when its file is unknown).
    pub fn locate(&mut self, sources: &'a SourceMap, span: crate::source::Span) {
        if let Some(f) = sources.file(span.file) {
            let (l, c) = f.line_col(span.start as usize);
            let (el, ec) = f.line_col(span.end());
            self.file = Some(Cow::Borrowed(&f.name));
            self.line = Some(l);
            self.column = Some(c);
            self.end_line = Some(el);
            self.end_column = Some(ec);
        }
    }

    /// The record with its own copies of every text.
    pub fn into_owned(self) -> Record<'static> {
        let own = |c: Cow<'a, str>| Cow::Owned(c.into_owned());
        Record {
            code: own(self.code),
            name: own(self.name),
            severity: self.severity,
            category: own(self.category),
            object: self.object.map(own),
            message: own(self.message),
            help: own(self.help),
            label: self.label.map(own),
            url: own(self.url),
            file: self.file.map(own),
            line: self.line,
            column: self.column,
            end_line: self.end_line,
            end_column: self.end_column,
            fingerprint: own(self.fingerprint),
        }
    }
}

/// The records of diagnostics, in their order.
pub fn records<'a>(diags: &[&'a Diagnostic], sources: &'a SourceMap) -> Vec<Record<'a>> {
    diags.iter().map(|d| Record::of(d, sources)).collect()
}

#[derive(Serialize)]
struct Document<'r, 'a> {
    version: u32,
    diagnostics: &'r [Record<'a>],
}

/// `--format json`: `{"version": 1, "diagnostics": [records]}`, pretty-printed.
pub fn json(records: &[Record]) -> String {
    // About 600 bytes per record: reserved (not touched) up front, so the text is not copied
    // each time it outgrows its buffer.
    let mut bytes = Vec::with_capacity(records.len().saturating_mul(700).saturating_add(64));
    let doc = Document {
        version: JSON_VERSION,
        diagnostics: records,
    };
    if serde_json::to_writer_pretty(&mut bytes, &doc).is_err() {
        return format!("{{\"version\": {JSON_VERSION}, \"diagnostics\": []}}\n");
    }
    bytes.push(b'\n');
    // serde_json writes UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The SARIF rule descriptors of the compiler codes.
pub fn compile_rules() -> Vec<serde_json::Value> {
    Code::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "name": c.name(),
                "shortDescription": { "text": c.name() },
                "defaultConfiguration": { "level": "error" },
                "properties": {
                    "category": COMPILE_CATEGORY,
                    "docs": format!("docs/diagnostics.md#{}", c.as_str().to_ascii_lowercase()),
                },
            })
        })
        .collect()
}

/// `--format sarif`: a SARIF 2.1.0 log with one run whose tool lists `rules` (descriptors with
/// an `id`; every record's code should have one).
pub fn sarif(records: &[Record], rules: Vec<serde_json::Value>, version: &str) -> String {
    let index: std::collections::BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((r.get("id")?.as_str()?, i)))
        .collect();
    let results: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            let mut result = json!({
                "ruleId": r.code,
                "level": sarif_level(r.severity),
                "message": { "text": if r.help.is_empty() { r.message.to_string() } else { format!("{}\nhelp: {}", r.message, r.help) } },
                "partialFingerprints": { "schemacFingerprint/v1": r.fingerprint },
                "properties": { "name": r.name, "category": r.category },
            });
            if let (Some(obj), Some(i)) = (result.as_object_mut(), index.get(r.code.as_ref())) {
                obj.insert("ruleIndex".to_string(), json!(i));
            }
            if let Some(file) = &r.file {
                let mut location = json!({
                    "physicalLocation": {
                        "artifactLocation": { "uri": file.replace('\\', "/") },
                    }
                });
                if let (Some(l), Some(c), Some(el), Some(ec)) = (r.line, r.column, r.end_line, r.end_column)
                    && let Some(pl) = location.get_mut("physicalLocation").and_then(|p| p.as_object_mut())
                {
                    pl.insert(
                        "region".to_string(),
                        json!({
                            "startLine": l,
                            "startColumn": c,
                            "endLine": el,
                            "endColumn": ec.max(if el == l { c } else { 1 }),
                        }),
                    );
                }
                if let Some(o) = &r.object
                    && let Some(loc) = location.as_object_mut()
                {
                    loc.insert(
                        "logicalLocations".to_string(),
                        json!([{ "fullyQualifiedName": o }]),
                    );
                }
                if let Some(label) = &r.label
                    && let Some(loc) = location.as_object_mut()
                {
                    loc.insert("message".to_string(), json!({ "text": label }));
                }
                if let Some(obj) = result.as_object_mut() {
                    obj.insert("locations".to_string(), json!([location]));
                }
            }
            result
        })
        .collect();
    drop(index);
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "schemac",
                    "version": version,
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

/// Escape data of a GitHub workflow command (`%`, CR, LF) and, for properties, `:` and `,`.
fn gh_escape(s: &str, property: bool) -> String {
    let mut out = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

/// `--format github`: one workflow command per record
/// (`::warning file=…,line=…,col=…,endLine=…,endColumn=…,title=SC301 fk-missing-index::message`).
pub fn github(records: &[Record]) -> String {
    let mut out = String::new();
    for r in records {
        let kind = match r.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(f) = &r.file {
            props.push(format!("file={}", gh_escape(f, true)));
        }
        for (k, v) in [
            ("line", r.line),
            ("col", r.column),
            ("endLine", r.end_line),
            ("endColumn", r.end_column),
        ] {
            if let Some(v) = v {
                props.push(format!("{k}={v}"));
            }
        }
        props.push(format!(
            "title={}",
            gh_escape(&format!("{} {}", r.code, r.name), true)
        ));
        let msg = if r.help.is_empty() {
            r.message.to_string()
        } else {
            format!("{}\nhelp: {}", r.message, r.help)
        };
        out.push_str(&format!(
            "::{kind} {}::{}\n",
            props.join(","),
            gh_escape(&msg, false)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    fn sources() -> SourceMap {
        let mut s = SourceMap::default();
        s.add("schema.yaml", "version: 1\ntables:\n  t: {}\n");
        s
    }

    #[test]
    fn a_compiler_diagnostic_has_every_field() {
        let sources = sources();
        let d = Diagnostic::error(Code::UnknownKey, "unknown key `tables.t`")
            .at(Span::new(FileId(0), 13, 1), "here")
            .help("remove it");
        let r = Record::of(&d, &sources);
        assert_eq!(r.category, "compile");
        assert_eq!(r.object, None);
        assert_eq!(r.label.as_deref(), Some("here"));
        assert_eq!(
            (r.line, r.column, r.end_line, r.end_column),
            (Some(2), Some(3), Some(2), Some(4))
        );
        assert_eq!(r.fingerprint, fingerprint(d.code, "", &d.message));
        let v: serde_json::Value = serde_json::from_str(&json(&[r])).unwrap_or_default();
        assert_eq!(v["version"], 1);
        let keys: Vec<&String> = v["diagnostics"][0]
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys.len(), 15, "{keys:?}");
    }

    #[test]
    fn a_rule_diagnostic_keeps_its_category_object_and_fingerprint() {
        let sources = sources();
        let d = Diagnostic::rule("SC101", "no-primary-key", Severity::Warning, "no key").finding(
            "integrity",
            "public.t",
            "0123456789abcdef",
        );
        let r = Record::of(&d, &sources);
        assert_eq!(r.category, "integrity");
        assert_eq!(r.object.as_deref(), Some("public.t"));
        assert_eq!(r.fingerprint, "0123456789abcdef");
        assert_eq!(r.url, "docs/rules/no-primary-key.md");
        assert_eq!(r.clone().into_owned(), r);
    }

    #[test]
    fn empty_outputs() {
        assert_eq!(
            json(&[]),
            "{\n  \"version\": 1,\n  \"diagnostics\": []\n}\n"
        );
        assert_eq!(github(&[]), "");
    }
}
