//! Machine-readable lint output: JSON, SARIF 2.1.0 and GitHub workflow commands.
//!
//! Input: compiler diagnostics (E-codes, when the model does not compile) and lint findings,
//! with the [`SourceMap`]. Output: text. Invariants: every record carries code, name, severity,
//! category, object path, message, help, docs link, location and a stable fingerprint (a hash of
//! code, object path and discriminator — never of spans); records keep the input order, which
//! is sorted by the caller; the output ends with a newline.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::json;

use super::{Finding, Report, fingerprint};
use crate::diagnostics::report::to_json;
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::source::SourceMap;

/// One finding or compiler diagnostic as plain data (borrowing the finding's text).
#[derive(Debug, Clone, Serialize)]
pub struct Record<'a> {
    /// Stable code (`SC301`, `E302`).
    pub code: Cow<'a, str>,
    /// Kebab-case name.
    pub name: Cow<'a, str>,
    /// error, warning or info.
    pub severity: Severity,
    /// Rule category, or `compile` for compiler diagnostics.
    pub category: Cow<'a, str>,
    /// Dotted path of the object (`public.projects.owner_select`), when there is one.
    pub object: Option<Cow<'a, str>>,
    /// What is wrong.
    pub message: Cow<'a, str>,
    /// How to fix it.
    pub help: Cow<'a, str>,
    /// Where the docs are, relative to the repository root.
    pub url: Cow<'a, str>,
    /// File.
    pub file: Option<Cow<'a, str>>,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column (characters).
    pub column: Option<usize>,
    /// 1-based end line.
    pub end_line: Option<usize>,
    /// 1-based end column (exclusive).
    pub end_column: Option<usize>,
    /// Stable fingerprint.
    pub fingerprint: String,
}

/// Records of compiler diagnostics followed by lint findings.
pub fn records<'a>(
    compile: &[&Diagnostic],
    report: &'a Report,
    sources: &'a SourceMap,
) -> Vec<Record<'a>> {
    let mut out = Vec::new();
    for j in to_json(compile, sources) {
        let fp = fingerprint(&j.code, "", &j.message);
        out.push(Record {
            code: Cow::Owned(j.code),
            name: Cow::Owned(j.name),
            severity: j.severity,
            category: Cow::Borrowed("compile"),
            object: None,
            message: Cow::Owned(j.message),
            help: Cow::Owned(j.help),
            url: Cow::Owned(j.url),
            file: j.file.map(Cow::Owned),
            line: j.line,
            column: j.column,
            end_line: j.end_line,
            end_column: j.end_column,
            fingerprint: fp,
        });
    }
    out.reserve(report.findings.len());
    out.extend(report.findings.iter().filter_map(|f| record(f, sources)));
    out
}

/// The record of one finding (`None` when its level is `off`); the same fields as the
/// finding's [`Finding::diagnostic`] through [`to_json`], without building either.
fn record<'a>(f: &'a Finding, sources: &'a SourceMap) -> Option<Record<'a>> {
    let severity = f.level.severity()?;
    let mut r = Record {
        code: Cow::Borrowed(f.rule.code),
        name: Cow::Borrowed(f.rule.name),
        severity,
        category: Cow::Borrowed(f.rule.category.as_str()),
        object: Some(Cow::Borrowed(&f.object)),
        message: Cow::Borrowed(&f.message),
        help: Cow::Borrowed(&f.help),
        url: Cow::Owned(f.rule.docs_url()),
        file: None,
        line: None,
        column: None,
        end_line: None,
        end_column: None,
        fingerprint: f.fingerprint(),
    };
    if let Some((span, _)) = &f.primary
        && let Some(file) = sources.file(span.file)
    {
        let (l, c) = file.line_col(span.start as usize);
        let (el, ec) = file.line_col(span.end());
        r.file = Some(Cow::Borrowed(&file.name));
        r.line = Some(l);
        r.column = Some(c);
        r.end_line = Some(el);
        r.end_column = Some(ec);
    }
    Some(r)
}

/// `--format json`: one array of records.
pub fn json(records: &[Record]) -> String {
    // About 550 bytes per record: reserved (not touched) up front, so the text is not copied
    // each time it outgrows its buffer.
    let mut bytes = Vec::with_capacity(records.len().saturating_mul(640).saturating_add(64));
    if serde_json::to_writer_pretty(&mut bytes, records).is_err() {
        return "[]\n".to_string();
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

/// The SARIF rule descriptors: every lint rule, then every compiler code.
fn sarif_rules() -> (Vec<serde_json::Value>, Vec<String>) {
    let mut rules = Vec::new();
    let mut ids = Vec::new();
    for r in super::ALL_RULES {
        let m = r.meta();
        ids.push(m.code.to_string());
        rules.push(json!({
            "id": m.code,
            "name": m.name,
            "shortDescription": { "text": m.summary() },
            "fullDescription": { "text": m.summary() },
            "help": { "text": m.docs(), "markdown": m.docs() },
            "defaultConfiguration": {
                "enabled": m.default_level != super::Level::Off,
                "level": match m.default_level {
                    super::Level::Error => "error",
                    super::Level::Warn => "warning",
                    super::Level::Info | super::Level::Off => "note",
                },
            },
            // `helpUri` must be an absolute URI; the docs path is relative to the repository.
            "properties": { "category": m.category.as_str(), "tags": [m.category.as_str()], "docs": m.docs_url() },
        }));
    }
    for c in Code::ALL {
        ids.push(c.as_str().to_string());
        rules.push(json!({
            "id": c.as_str(),
            "name": c.name(),
            "shortDescription": { "text": c.name() },
            "defaultConfiguration": { "level": "error" },
            "properties": {
                "category": "compile",
                "docs": format!("docs/diagnostics.md#{}", c.as_str().to_ascii_lowercase()),
            },
        }));
    }
    (rules, ids)
}

/// `--format sarif`: a SARIF 2.1.0 log with one run.
pub fn sarif(records: &[Record], version: &str) -> String {
    let (rules, ids) = sarif_rules();
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
            if let (Some(obj), Some(i)) = (result.as_object_mut(), ids.iter().position(|id| *id == r.code)) {
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
                if let Some(obj) = result.as_object_mut() {
                    obj.insert("locations".to_string(), json!([location]));
                }
            }
            result
        })
        .collect();
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
