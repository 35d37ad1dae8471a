//! Rendering diagnostics for people (miette's graphical report) and for programs (JSON).
//!
//! Input: sorted diagnostics and the [`SourceMap`] they point into. Output: text.
//! Invariants: rendering never fails on a span outside its file (spans are clamped); the plain
//! theme is fixed-width and colourless, so snapshots are stable.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use super::{Diagnostic, Severity};
use crate::source::{SourceMap, Span};

/// How to draw human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Unicode box drawing with colours (terminals).
    Fancy,
    /// ASCII, no colour (snapshots, CI logs, `NO_COLOR`).
    Plain,
}

struct Rendered<'a> {
    diag: &'a Diagnostic,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Rendered<'a>>,
    message: String,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if self.message.starts_with("note") {
            return None;
        }
        Some(Box::new(format!("{}({})", self.diag.code, self.diag.name)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if self.message.starts_with("note") || self.diag.help.is_empty() {
            None
        } else {
            Some(Box::new(&self.diag.help))
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

fn source_span(sources: &SourceMap, span: Span) -> SourceSpan {
    let len = sources.file(span.file).map_or(0, |f| f.text.len());
    let start = (span.start as usize).min(len);
    let end = span.end().min(len).max(start);
    SourceSpan::new(start.into(), end - start)
}

fn named_source(sources: &SourceMap, span: Span) -> Option<NamedSource<String>> {
    sources
        .file(span.file)
        .map(|f| NamedSource::new(f.name.clone(), f.text.to_string()))
}

/// Lines longer than this are not shown as a snippet (miette cannot pad past column 65,535, and
/// such a snippet would not help anyway); the location is put in the message instead.
const MAX_SNIPPET_LINE: usize = 2_000;

fn snippet_fits(sources: &SourceMap, span: Span) -> bool {
    let Some(f) = sources.file(span.file) else {
        return false;
    };
    let text: &str = &f.text;
    let start = (span.start as usize).min(text.len());
    let end = span.end().min(text.len());
    let line_start = text
        .get(..start)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = text
        .get(end..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| end + i);
    text.get(line_start..line_end).is_some_and(|l| {
        l.lines()
            .all(|line| line.chars().count() <= MAX_SNIPPET_LINE)
    })
}

fn build<'a>(diag: &'a Diagnostic, sources: &SourceMap) -> Rendered<'a> {
    let mut labels = Vec::new();
    let mut related = Vec::new();
    let mut source = None;
    let message = match (&diag.primary, &diag.path) {
        (None, Some(path)) => format!("{}: {}", path, diag.message),
        (Some(p), _) if !snippet_fits(sources, p.span) => {
            format!(
                "{}: {} ({})",
                sources.location(p.span),
                diag.message,
                p.text
            )
        }
        _ => diag.message.clone(),
    };
    if let Some(primary) = diag
        .primary
        .as_ref()
        .filter(|p| snippet_fits(sources, p.span))
    {
        source = named_source(sources, primary.span);
        labels.push(LabeledSpan::new_primary_with_span(
            Some(primary.text.clone()),
            source_span(sources, primary.span),
        ));
        for s in diag
            .secondary
            .iter()
            .filter(|s| snippet_fits(sources, s.span))
        {
            if s.span.file == primary.span.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(s.text.clone()),
                    source_span(sources, s.span),
                ));
            } else {
                related.push(Rendered {
                    diag,
                    source: named_source(sources, s.span),
                    labels: vec![LabeledSpan::new_primary_with_span(
                        Some(s.text.clone()),
                        source_span(sources, s.span),
                    )],
                    related: Vec::new(),
                    message: format!("note: {}", s.text),
                });
            }
        }
    }
    Rendered {
        diag,
        source,
        labels,
        related,
        message,
    }
}

/// Render diagnostics as miette reports, one after another, followed by a summary line.
pub fn human(diags: &[&Diagnostic], sources: &SourceMap, style: Style, width: usize) -> String {
    let theme = match style {
        Style::Fancy => GraphicalTheme::unicode(),
        Style::Plain => GraphicalTheme {
            characters: miette::ThemeCharacters::ascii(),
            styles: miette::ThemeStyles::none(),
        },
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false)
        .with_context_lines(1);
    let mut out = String::new();
    for d in diags {
        let rendered = build(d, sources);
        if handler.render_report(&mut out, &rendered).is_err() {
            out.push_str(&format!("{}: {}\n", d.code, d.message));
        }
        out.push('\n');
    }
    out
}

/// One diagnostic as plain data with line and column computed (for `--format json`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct JsonDiagnostic {
    /// Stable code.
    pub code: String,
    /// Kebab-case name.
    pub name: String,
    /// Severity.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// Where the docs are.
    pub url: String,
    /// File, if any.
    pub file: Option<String>,
    /// 1-based line of the primary span.
    pub line: Option<usize>,
    /// 1-based column (characters) of the primary span.
    pub column: Option<usize>,
    /// 1-based line where the primary span ends.
    pub end_line: Option<usize>,
    /// 1-based column where the primary span ends (exclusive).
    pub end_column: Option<usize>,
    /// The primary label.
    pub label: Option<String>,
}

/// Convert diagnostics into [`JsonDiagnostic`]s.
pub fn to_json(diags: &[&Diagnostic], sources: &SourceMap) -> Vec<JsonDiagnostic> {
    diags
        .iter()
        .map(|d| {
            let mut j = JsonDiagnostic {
                code: d.code.to_string(),
                name: d.name.to_string(),
                severity: d.severity,
                message: d.message.clone(),
                help: d.help.clone(),
                url: d.docs_url(),
                file: d.path.clone(),
                line: None,
                column: None,
                end_line: None,
                end_column: None,
                label: None,
            };
            if let Some(p) = &d.primary
                && let Some(f) = sources.file(p.span.file)
            {
                let (l, c) = f.line_col(p.span.start as usize);
                let (el, ec) = f.line_col(p.span.end());
                j.file = Some(f.name.clone());
                j.line = Some(l);
                j.column = Some(c);
                j.end_line = Some(el);
                j.end_column = Some(ec);
                j.label = Some(p.text.clone());
            }
            j
        })
        .collect()
}
