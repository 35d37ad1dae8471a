//! `schemac lint`, `schemac rule <CODE|name>` and `schemac rules [--markdown DIR]`.
//!
//! Input: the model (for `lint`) or the rule registry. Output: findings in the chosen format on
//! stdout (human output on stderr, like the other commands), rule docs, or `docs/rules/*.md`.
//! Exit codes: `lint` 1 on an error-level finding or a compile error (or a warning with
//! `--deny-warnings`), 2 on I/O or usage problems, else 0.

use std::collections::BTreeMap;
use std::path::Path;

use schemac::diagnostics::Severity;
use schemac::diagnostics::report;
use schemac::lint::output::records;
use schemac::lint::registry::{markdown, markdown_index};
use schemac::lint::{ALL_RULES, Level, Report, find_rule};

use super::{Cli, Format, exit};

/// Run `schemac lint`.
pub fn run(cli: &Cli, deny_warnings: bool, allow: &[String], show_info: bool) -> u8 {
    let compiled = schemac::compile(&cli.schema);
    let (report, extra) = if compiled.ok() {
        schemac::lint_compiled(&compiled, &cli.out, allow)
    } else {
        (
            Report::default(),
            schemac::diagnostics::Diagnostics::default(),
        )
    };
    // At most `MAX_PER_CODE` compiler diagnostics of each code, then a line counting the rest,
    // in every format (rule findings are all printed; info ones are counted in human output).
    let mut all_compile = compiled.diagnostics.clone();
    all_compile.extend(extra.clone());
    let compile_counts =
        [Severity::Error, Severity::Warning, Severity::Info].map(|s| all_compile.count(s));
    let capped = all_compile.printed();
    let compile: Vec<&schemac::diagnostics::Diagnostic> =
        capped.iter().map(AsRef::as_ref).collect();
    match cli.format {
        Format::Human | Format::Markdown => {
            // Info findings are printed in full only when asked for; otherwise they are counted
            // per rule, so a large model's notes do not bury its warnings.
            let mut hidden: BTreeMap<(&str, &str), usize> = BTreeMap::new();
            let mut shown = Vec::new();
            for f in &report.findings {
                if f.level == Level::Info && !show_info {
                    *hidden.entry((f.rule.code, f.rule.name)).or_default() += 1;
                } else if let Some(diag) = f.diagnostic() {
                    shown.push(diag);
                }
            }
            let mut all = compile.clone();
            all.extend(shown.iter());
            eprint!(
                "{}",
                report::human(&all, &compiled.sources, super::human_style(cli), 100)
            );
            let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
            let hidden_total: usize = hidden.values().sum();
            if hidden_total > 0 {
                eprintln!(
                    "{} not shown (`--show-info` prints them):",
                    plural(hidden_total, "info finding")
                );
                for ((code, name), n) in &hidden {
                    eprintln!("  {n:>6}  {code} {name}");
                }
            }
            let count = |s: Severity| shown.iter().filter(|d| d.severity == s).count();
            let [errors, warnings, infos] = compile_counts;
            eprintln!(
                "{}, {}, {}",
                plural(errors + count(Severity::Error), "error"),
                plural(warnings + count(Severity::Warning), "warning"),
                plural(infos + count(Severity::Info) + hidden_total, "info")
            );
        }
        Format::Json | Format::Sarif | Format::Github => {
            super::write_document(cli, records(&compile, &report, &compiled.sources));
        }
    }
    let code = if !compiled.ok() {
        super::compile_failure_exit(&compiled.diagnostics)
    } else if extra.has_errors()
        || report.count(Level::Error) > 0
        || (deny_warnings && report.count(Level::Warn) > 0)
    {
        exit::ERRORS
    } else {
        exit::OK
    };
    super::keep_until_exit(report);
    super::keep_until_exit(compiled);
    code
}

/// Run `schemac rule <CODE|name>`: print the rule's documentation.
pub fn rule(word: &str) -> u8 {
    match find_rule(word) {
        Some(r) => {
            out!("{}", markdown(r.meta()));
            exit::OK
        }
        None => {
            let names = ALL_RULES.iter().map(|r| r.meta().name);
            let hint = schemac::load::decode::did_you_mean(word, names);
            eprintln!("error: no rule `{word}`{hint}; `schemac rules` lists them");
            exit::IO
        }
    }
}

/// Run `schemac rules`: list the rules, or write their Markdown docs into `markdown`.
pub fn rules(markdown_dir: Option<&Path>) -> u8 {
    let Some(dir) = markdown_dir else {
        outln!("{:<6} {:<38} {:<6} category", "code", "name", "level");
        for r in ALL_RULES {
            let m = r.meta();
            if m.is_alias() {
                outln!(
                    "{:<6} {:<38} {:<6} {} (alias of {}: cannot be configured)",
                    m.code,
                    m.name,
                    "alias",
                    m.category.as_str(),
                    m.alias_of.join(", ")
                );
            } else {
                outln!(
                    "{:<6} {:<38} {:<6} {}",
                    m.code,
                    m.name,
                    m.default_level.as_str(),
                    m.category.as_str()
                );
            }
        }
        return exit::OK;
    };
    let mut files: Vec<(std::path::PathBuf, String)> = ALL_RULES
        .iter()
        .map(|r| {
            (
                dir.join(format!("{}.md", r.meta().name)),
                markdown(r.meta()),
            )
        })
        .collect();
    files.push((dir.join("README.md"), markdown_index()));
    if let Err(e) = schemac::commit::commit(dir, &files, &[]) {
        let mut d = schemac::diagnostics::Diagnostics::default();
        d.push(e.diagnostic());
        eprint!(
            "{}",
            schemac::diagnostics::report::human(
                &d.sorted(),
                &schemac::source::SourceMap::default(),
                schemac::diagnostics::report::Style::Plain,
                100
            )
        );
        return exit::IO;
    }
    eprintln!("wrote {} files to {}", files.len(), dir.display());
    exit::OK
}
