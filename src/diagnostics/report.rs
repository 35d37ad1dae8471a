//! Rendering diagnostics for people (miette's graphical report); programs read
//! [`super::output`].
//!
//! Input: sorted diagnostics and the [`SourceMap`] they point into. Output: text.
//! Invariants: rendering never fails on a span outside its file (spans are clamped); the plain
//! theme is fixed-width and colourless, so snapshots are stable.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{Diagnostic, Severity, escape_control, is_unsafe_char};
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
    source: Option<Window>,
    labels: Vec<LabeledSpan>,
    related: Vec<Rendered<'a>>,
    message: String,
    help: String,
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
        if self.message.starts_with("note") {
            return Some(miette::Severity::Advice);
        }
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
            Some(Box::new(&self.help))
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

/// The lines of a file around some spans, for miette. Handing miette the whole file makes every
/// report cost O(file size) (it scans from the start for line numbers), which is quadratic when a
/// large model has many findings; a window keeps each report proportional to its snippet.
struct Window {
    name: String,
    text: String,
    /// Byte offset of `text` in the file.
    start: usize,
    /// 0-based line number of `text`'s first line in the file.
    first_line: usize,
}

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let offset = span
            .offset()
            .saturating_sub(self.start)
            .min(self.text.len());
        let len = span.len().min(self.text.len() - offset);
        let local = SourceSpan::new(offset.into(), len);
        let c = self
            .text
            .read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            SourceSpan::new((c.span().offset() + self.start).into(), c.span().len()),
            c.line() + self.first_line,
            c.column(),
            c.line_count(),
        )))
    }
}

/// A window over the lines around `spans` (all in one file), with a few lines of context.
fn named_source(sources: &SourceMap, spans: &[Span]) -> Option<Window> {
    const CONTEXT_LINES: usize = 3;
    let first = spans.first()?;
    let f = sources.file(first.file)?;
    let text: &str = &f.text;
    let lo = spans
        .iter()
        .map(|s| s.start as usize)
        .min()?
        .min(text.len());
    let hi = spans.iter().map(Span::end).max()?.min(text.len());
    let mut start = lo;
    for _ in 0..=CONTEXT_LINES {
        start = text
            .get(..start.saturating_sub(1))
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1);
        if start == 0 {
            break;
        }
    }
    let mut end = hi;
    for _ in 0..=CONTEXT_LINES {
        end = text
            .get(end..)
            .and_then(|t| t.find('\n'))
            .map_or(text.len(), |i| end + i + 1);
        if end >= text.len() {
            end = text.len();
            break;
        }
    }
    let (line, _) = f.line_col(start);
    Some(Window {
        name: shown(&f.name),
        text: snippet_text(text.get(start..end)?),
        start,
        first_line: line - 1,
    })
}

/// A snippet as shown: every [`is_unsafe_char`] but the line breaks and tabs miette lays out is
/// replaced by `?` repeated to its UTF-8 length, so byte offsets (the spans) stay where they are.
fn snippet_text(text: &str) -> String {
    if !text
        .chars()
        .any(|c| is_unsafe_char(c) && !matches!(c, '\n' | '\r' | '\t'))
    {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unsafe_char(c) && !matches!(c, '\n' | '\r' | '\t') {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
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

/// Text from the model shown in a report: control characters escaped (see [`escape_control`]),
/// except the line breaks and tabs of multi-line text (a policy expression, a view query), which
/// miette lays out. A name with either is an error itself (E208), whose message escapes them.
fn shown(text: &str) -> String {
    if !text
        .chars()
        .any(|c| is_unsafe_char(c) && !matches!(c, '\n' | '\t'))
    {
        return text.to_string();
    }
    text.split('\n')
        .map(|line| {
            line.split('\t')
                .map(|part| escape_control(part).into_owned())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
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
    let message = shown(&message);
    if let Some(primary) = diag
        .primary
        .as_ref()
        .filter(|p| snippet_fits(sources, p.span))
    {
        let mut same_file: Vec<Span> = vec![primary.span];
        same_file.extend(
            diag.secondary
                .iter()
                .filter(|s| s.span.file == primary.span.file && snippet_fits(sources, s.span))
                .map(|s| s.span),
        );
        source = named_source(sources, &same_file);
        labels.push(LabeledSpan::new_primary_with_span(
            Some(shown(&primary.text)),
            source_span(sources, primary.span),
        ));
        for s in diag
            .secondary
            .iter()
            .filter(|s| snippet_fits(sources, s.span))
        {
            if s.span.file == primary.span.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(shown(&s.text)),
                    source_span(sources, s.span),
                ));
            } else {
                related.push(Rendered {
                    diag,
                    source: named_source(sources, &[s.span]),
                    labels: vec![LabeledSpan::new_primary_with_span(
                        Some(shown(&s.text)),
                        source_span(sources, s.span),
                    )],
                    related: Vec::new(),
                    message: shown(&format!("note: {}", s.text)),
                    help: String::new(),
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
        help: shown(&diag.help),
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
        let mut rendered = build(d, sources);
        // Notes in other files follow as reports of their own: miette would head each related
        // report with a stray `Error:` line.
        let notes = std::mem::take(&mut rendered.related);
        if handler.render_report(&mut out, &rendered).is_err() {
            out.push_str(&format!("{}: {}\n", d.code, escape_control(&d.message)));
        }
        for note in &notes {
            if handler.render_report(&mut out, note).is_err() {
                out.push_str(&format!("{}\n", note.message));
            }
        }
        out.push('\n');
    }
    out
}
