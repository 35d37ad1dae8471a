//! Diagnostics: what every stage reports to the user.
//!
//! Input: problems found by load, resolve, validate (and later lint). Output: [`Diagnostic`] values
//! collected in a [`Diagnostics`] sink, rendered for people by [`report`] and for programs by
//! [`output`] (one [`output::Record`] shape for JSON, SARIF and GitHub, for every command).
//! Invariants: stages push and keep going; the driver stops between stages when
//! [`Diagnostics::has_errors`]. A diagnostic always has a code and a help line; it has a primary
//! span unless the problem is about a whole file or the command line. Output order is by
//! (file, offset, code) so it is deterministic.

pub mod code;
pub mod output;
pub mod report;

pub use code::Code;

use crate::source::Span;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Stops the pipeline; exit code 1.
    Error,
    /// Reported; exit code 0 unless warnings are denied.
    Warning,
    /// Reported for information.
    Info,
}

/// A span with the text shown next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there.
    pub text: String,
}

/// One problem, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code such as `E102`.
    pub code: &'static str,
    /// Kebab-case name of the code, such as `unknown-key`.
    pub name: &'static str,
    /// Severity.
    pub severity: Severity,
    /// What is wrong, lower case, object names in backticks, no trailing period.
    pub message: String,
    /// The exact place, with a short label; `None` for file-level or command-line problems.
    pub primary: Option<Label>,
    /// Other places that explain the problem (for example the first declaration of a duplicate).
    pub secondary: Vec<Label>,
    /// One imperative sentence saying how to fix it.
    pub help: String,
    /// A file the problem is about when there is no span (for example an unreadable file).
    pub path: Option<String>,
    /// A lint finding's rule category (`None`: a compiler diagnostic, category `compile`).
    pub category: Option<&'static str>,
    /// A lint finding's dotted object path (`public.projects.owner_select`).
    pub object: Option<String>,
    /// A lint finding's fingerprint (`None`: computed from the code and the message, see
    /// [`output::fingerprint`]).
    pub fingerprint: Option<String>,
}

impl Diagnostic {
    /// A compiler error with a code from [`Code`].
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code: code.as_str(),
            name: code.name(),
            severity: Severity::Error,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: String::new(),
            path: None,
            category: None,
            object: None,
            fingerprint: None,
        }
    }

    /// A lint finding of the rule with `code` (`SC…`) and kebab-case `name`.
    pub fn rule(
        code: &'static str,
        name: &'static str,
        severity: Severity,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            name,
            severity,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: String::new(),
            path: None,
            category: None,
            object: None,
            fingerprint: None,
        }
    }

    /// Point at `span` with `label`.
    #[must_use]
    pub fn at(mut self, span: Span, label: impl Into<String>) -> Self {
        self.primary = Some(Label {
            span,
            text: label.into(),
        });
        self
    }

    /// Add a secondary label.
    #[must_use]
    pub fn also(mut self, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            text: label.into(),
        });
        self
    }

    /// Set the help line.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    /// Mark a rule's diagnostic as a lint finding: its rule category, object path and
    /// fingerprint, which machine-readable output carries.
    #[must_use]
    pub fn finding(
        mut self,
        category: &'static str,
        object: impl Into<String>,
        fingerprint: impl Into<String>,
    ) -> Self {
        self.category = Some(category);
        self.object = Some(object.into());
        self.fingerprint = Some(fingerprint.into());
        self
    }

    /// Name the file a span-less diagnostic is about.
    #[must_use]
    pub fn in_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Where the docs for this code live, relative to the repository root.
    pub fn docs_url(&self) -> String {
        if self.code.starts_with('E') {
            format!("docs/diagnostics.md#{}", self.code.to_ascii_lowercase())
        } else {
            format!("docs/rules/{}.md", self.name)
        }
    }

    fn sort_key(&self) -> (u32, u32, &'static str, &str) {
        let (file, start) = self
            .primary
            .as_ref()
            .map_or((u32::MAX, 0), |l| (l.span.file.0, l.span.start));
        (file, start, self.code, &self.message)
    }
}

/// How many diagnostics of one code are printed; the rest are counted in one line.
pub const MAX_PER_CODE: usize = 50;

/// The help line of a summary diagnostic.
const SUMMARY_HELP: &str = "fix the ones shown and run the command again";

/// The diagnostic counting `rest` more diagnostics of `code`.
fn summary(code: &'static str, name: &'static str, severity: Severity, rest: usize) -> Diagnostic {
    let kind = match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info finding",
    };
    Diagnostic {
        code,
        name,
        severity,
        message: format!(
            "… and {rest} more `{code}` {kind}{} (only the first {MAX_PER_CODE} of each code are shown)",
            if rest == 1 { "" } else { "s" }
        ),
        primary: None,
        secondary: Vec::new(),
        help: SUMMARY_HELP.to_string(),
        path: None,
        category: None,
        object: None,
        fingerprint: None,
    }
}

/// `sorted` with at most [`MAX_PER_CODE`] of each code, then a summary diagnostic for each code
/// that had more (in code order).
pub fn cap_per_code<'a>(sorted: Vec<&'a Diagnostic>) -> Vec<std::borrow::Cow<'a, Diagnostic>> {
    cap(sorted, &std::collections::BTreeMap::new())
}

/// [`cap_per_code`], counting `dropped` (diagnostics that were counted, not kept) in the summaries.
fn cap<'a>(
    sorted: Vec<&'a Diagnostic>,
    dropped: &std::collections::BTreeMap<&'static str, (&'static str, Severity, usize)>,
) -> Vec<std::borrow::Cow<'a, Diagnostic>> {
    use std::borrow::Cow;
    // Per code: name, severity, count, and the category of a rule's findings.
    type Seen = (&'static str, Severity, usize, Option<&'static str>);
    let mut seen: std::collections::BTreeMap<&'static str, Seen> =
        std::collections::BTreeMap::new();
    let mut out: Vec<Cow<'a, Diagnostic>> = Vec::with_capacity(sorted.len().min(1024));
    for d in sorted {
        let entry = seen
            .entry(d.code)
            .or_insert((d.name, d.severity, 0, d.category));
        entry.2 += 1;
        if entry.2 <= MAX_PER_CODE {
            out.push(Cow::Borrowed(d));
        }
    }
    for (code, (name, severity, n)) in dropped {
        seen.entry(code).or_insert((name, *severity, 0, None)).2 += n;
    }
    for (code, (name, severity, n, category)) in seen {
        if n > MAX_PER_CODE {
            let mut s = summary(code, name, severity, n - MAX_PER_CODE);
            s.category = category;
            out.push(Cow::Owned(s));
        }
    }
    out
}

/// How many diagnostics of one code the sink keeps; later ones are only counted (a 50 MB file of
/// two million unknown keys must not build, sort and print two million diagnostics). Larger than
/// [`MAX_PER_CODE`], so what is printed is the first ones by position among those kept.
pub const KEPT_PER_CODE: usize = 1000;

/// The sink stages push into.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// Diagnostics kept per code.
    kept: std::collections::BTreeMap<&'static str, usize>,
    /// Diagnostics counted but not kept, per code: (name, severity, count).
    dropped: std::collections::BTreeMap<&'static str, (&'static str, Severity, usize)>,
}

impl Diagnostics {
    /// Add a diagnostic (kept when fewer than [`KEPT_PER_CODE`] of its code are, else counted).
    pub fn push(&mut self, diagnostic: Diagnostic) {
        let kept = self.kept.entry(diagnostic.code).or_insert(0);
        if *kept < KEPT_PER_CODE {
            *kept += 1;
            self.items.push(diagnostic);
        } else {
            self.dropped
                .entry(diagnostic.code)
                .or_insert((diagnostic.name, diagnostic.severity, 0))
                .2 += 1;
        }
    }

    /// Whether a diagnostic of `code` pushed now would be kept; when not, a caller may
    /// [`Self::count_error`] instead of building it.
    pub fn keeps(&self, code: Code) -> bool {
        self.kept.get(code.as_str()).copied().unwrap_or(0) < KEPT_PER_CODE
    }

    /// Count an error of `code` without building it (see [`Self::keeps`]).
    pub fn count_error(&mut self, code: Code) {
        self.dropped
            .entry(code.as_str())
            .or_insert((code.name(), Severity::Error, 0))
            .2 += 1;
    }

    /// Whether any error was pushed.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
            || self.dropped.values().any(|(_, s, _)| *s == Severity::Error)
    }

    /// Number of diagnostics of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
            + self
                .dropped
                .values()
                .filter(|(_, s, _)| *s == severity)
                .map(|(_, _, n)| n)
                .sum::<usize>()
    }

    /// Whether nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.dropped.is_empty()
    }

    /// Add every diagnostic of another sink.
    pub fn extend(&mut self, other: Diagnostics) {
        for d in other.items {
            self.push(d);
        }
        for (code, (name, severity, n)) in other.dropped {
            self.dropped.entry(code).or_insert((name, severity, 0)).2 += n;
        }
    }

    /// What is printed: [`Self::sorted`] with at most [`MAX_PER_CODE`] diagnostics of each code,
    /// and after them, for each code that had more, one diagnostic counting the rest ("… and 12
    /// more `E102` errors"). Every output format prints this list.
    pub fn printed(&self) -> Vec<std::borrow::Cow<'_, Diagnostic>> {
        cap(self.sorted(), &self.dropped)
    }

    /// The diagnostics in output order (file, offset, code), duplicates removed.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.items.iter().collect();
        v.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        v.dedup_by(|a, b| a == b);
        v
    }
}

/// Whether `c` must not reach a terminal or a one-line text as itself: a control character
/// (NUL, newline, ESC, DEL, the C1 set) or a bidirectional override that reorders what is shown.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every [`is_unsafe_char`] written as a Rust-style escape (`\n`, `\u{1b}`), so
/// that a name from the model cannot end a line or drive the terminal where it is shown.
pub fn escape_control(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_char(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod escape_tests {
    use super::escape_control;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("plain ü"), "plain ü");
        assert_eq!(escape_control("a\nb"), "a\\nb");
        assert_eq!(escape_control("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(escape_control("x\0y\u{202e}"), "x\\0y\\u{202e}");
        assert_eq!(escape_control("tab\there"), "tab\\there");
    }
}
