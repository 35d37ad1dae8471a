//! SQL fragments: parse every one and check the names it uses.
//!
//! Input: the model's fragments (defaults, checks, generated columns, index expressions and
//! predicates, policy USING / WITH CHECK, trigger WHEN, view queries). Output: `E301` for text that
//! does not parse, `E302` for columns that do not resolve where the fragment is evaluated, `E303`
//! for unknown tables and schema-qualified functions; and [`Fragments`]: for the fragments lint
//! rules read (policies, index expressions and predicates, defaults), the [`Facts`] taken from
//! the tree and the outer references, so the rules never parse SQL and no tree is kept.
//! Invariants: positions inside a fragment are mapped back into the YAML exactly for plain
//! one-line and `|` literal scalars; for any other style the whole value is labelled. Each
//! fragment is parsed once, and a text repeated over the model (`now()`, the same check on many
//! tables) once per thread: its tree (kept until the thread's last fragment of that text) and
//! facts are reused, its names checked again wherever it is evaluated against a table. Parsing
//! and name analysis may run on several threads (they are pure), but diagnostics are pushed
//! afterwards in the model's order, so output does not depend on the thread count.

use std::collections::BTreeMap;
use std::fmt;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{Model, QName, Sp, Table};
use crate::load::yaml::fragment_span;
use crate::resolve::{Scope, ViewQueries};
use crate::source::{SourceMap, Span};
use crate::sqlfrag::facts::{Facts, Role};
use crate::sqlfrag::{self, Analysis, OuterRef, ProblemKind, SyntaxError};
use sqlparser::ast::Expr;

/// What is known about one expression fragment.
#[derive(Debug, Clone)]
pub struct Fragment {
    /// The text it was parsed from (lookups compare it, so a span reused for another text never
    /// answers with another fragment's facts).
    text: String,
    /// The table the fragment is evaluated against, if any.
    base: Option<QName>,
    /// The facts of its role (`None` when the text does not parse).
    pub facts: Option<Facts>,
    /// References from a nested SELECT to the row of `base` (see [`sqlfrag::Analysis`]).
    pub outer_refs: Vec<OuterRef>,
}

/// The expression fragments of a model, parsed once (by validation) and read by the lint rules.
/// Keyed by the span of the YAML value; a lookup also compares the text, and the table for facts
/// that depend on it, so values sharing a span (made-up values, YAML aliases) never get each
/// other's trees, and a miss is always safe (the caller parses the fragment itself).
#[derive(Debug, Clone, Default)]
pub struct Fragments {
    map: BTreeMap<Span, Vec<Fragment>>,
}

impl Fragments {
    /// Keep a parsed fragment (unless one with the same span, text and table is kept already).
    pub fn insert(
        &mut self,
        value: &Sp<String>,
        base: Option<&QName>,
        facts: Option<Facts>,
        outer_refs: Vec<OuterRef>,
    ) {
        let same = self.map.entry(value.span).or_default();
        if same
            .iter()
            .any(|f| f.text == value.value && f.base.as_ref() == base)
        {
            return;
        }
        same.push(Fragment {
            text: value.value.clone(),
            base: base.cloned(),
            facts,
            outer_refs,
        });
    }

    /// The fragment kept for `value` (same span and same text; the tree does not depend on
    /// the table).
    pub fn get(&self, value: &Sp<String>) -> Option<&Fragment> {
        self.map
            .get(&value.span)?
            .iter()
            .find(|f| f.text == value.value)
    }

    /// The fragment kept for `value` when it was analysed against table `base`.
    pub fn get_for(&self, value: &Sp<String>, base: &QName) -> Option<&Fragment> {
        self.map
            .get(&value.span)?
            .iter()
            .find(|f| f.text == value.value && f.base.as_ref() == Some(base))
    }

    /// Number of spans with a fragment kept.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// What a fragment is, for messages (formatted only when there is something to report).
#[derive(Clone, Copy)]
enum What<'a> {
    Default(&'a Table, &'a str),
    Generated(&'a str),
    Using(&'a str),
    Check(&'a str),
    Index(&'a str),
    Predicate(&'a str),
    Exclusion(&'a str),
    ExclusionWhere(&'a str),
    Policy(&'a str),
    TriggerWhen(&'a str),
    View(&'a QName),
    DomainCheck(&'a QName, &'a str),
    DomainDefault(&'a QName),
}

impl fmt::Display for What<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            What::Default(t, c) => write!(f, "the default of `{}.{c}`", t.name.name),
            What::Generated(c) => write!(f, "the generated expression of column `{c}`"),
            What::Using(c) => write!(f, "the `using` of column `{c}`"),
            What::Check(n) => write!(f, "check `{n}`"),
            What::Index(n) => write!(f, "index `{n}`"),
            What::Predicate(n) => write!(f, "the predicate of index `{n}`"),
            What::Exclusion(n) => write!(f, "exclusion constraint `{n}`"),
            What::ExclusionWhere(n) => write!(f, "the WHERE of exclusion constraint `{n}`"),
            What::Policy(n) => write!(f, "policy `{n}`"),
            What::TriggerWhen(n) => write!(f, "the WHEN of trigger `{n}`"),
            What::View(q) => write!(f, "the query of view `{}`", q.name),
            What::DomainCheck(q, n) => write!(f, "check `{n}` of domain `{}`", q.name),
            What::DomainDefault(q) => write!(f, "the default of domain `{}`", q.name),
        }
    }
}

/// One fragment to check.
struct Job<'a> {
    value: &'a Sp<String>,
    what: What<'a>,
    /// The table whose columns are in scope, with its column names.
    table: Option<(&'a Table, &'a [String])>,
    extra: &'static [&'static str],
    query: bool,
    /// What the lint rules read it as (`None`: nothing is kept).
    role: Option<Role>,
}

/// An expression fragment to check.
fn job<'a>(
    value: &'a Sp<String>,
    what: What<'a>,
    table: Option<(&'a Table, &'a [String])>,
    extra: &'static [&'static str],
) -> Job<'a> {
    let role = match what {
        What::Policy(_) => Some(Role::Policy),
        What::Index(_) | What::Predicate(_) | What::Exclusion(_) | What::ExclusionWhere(_) => {
            Some(Role::Index)
        }
        What::Default(..) => Some(Role::Default),
        What::Generated(_)
        | What::Using(_)
        | What::Check(_)
        | What::TriggerWhen(_)
        | What::View(_)
        | What::DomainCheck(..)
        | What::DomainDefault(_) => None,
    };
    Job {
        value,
        what,
        table,
        extra,
        query: false,
        role,
    }
}

/// What parsing and analysing one fragment gave: the facts of its role (if it has one), or the
/// syntax error.
#[derive(Clone)]
struct Outcome {
    parsed: Result<Option<Facts>, SyntaxError>,
    analysis: Analysis,
}

/// Work already done for texts that occur more than once among one thread's jobs (defaults such
/// as `now()`, checks and predicates repeated over many tables, a policy's USING repeated as its
/// WITH CHECK): the parsed tree per text, and the whole outcome of jobs that do not depend on a
/// table. Each thread keeps its own. A tree is dropped after its text's last job: on a large
/// model the trees of texts that occur twice would otherwise all be alive at once.
struct Memo<'a> {
    /// How many of the thread's jobs not yet done have each expression text, for the texts that
    /// occur more than once among its jobs.
    remaining: BTreeMap<&'a str, u32>,
    trees: BTreeMap<&'a str, Result<Expr, SyntaxError>>,
    /// The facts of a repeated text in a role.
    facts: BTreeMap<(&'a str, Role), Facts>,
    /// Outcomes of table-less expression jobs, by text, role and extra scope.
    outcomes: BTreeMap<(&'a str, Option<Role>, &'static [&'static str]), Outcome>,
}

impl<'a> Memo<'a> {
    /// The memo for a thread that does `jobs`.
    fn new(jobs: &'a [Job<'a>]) -> Self {
        let mut remaining: BTreeMap<&str, u32> = BTreeMap::new();
        for j in jobs.iter().filter(|j| !j.query) {
            *remaining.entry(j.value.value.as_str()).or_default() += 1;
        }
        remaining.retain(|_, n| *n > 1);
        Memo {
            remaining,
            trees: BTreeMap::new(),
            facts: BTreeMap::new(),
            outcomes: BTreeMap::new(),
        }
    }

    /// Count one job of `text` as done: `None` when the text is not repeated, else whether this
    /// was its last job.
    fn done(&mut self, text: &str) -> Option<bool> {
        let left = self.remaining.get_mut(text)?;
        *left -= 1;
        Some(*left == 0)
    }
}

/// Parse and analyse one fragment (pure: safe to run on any thread; `memo` only saves work).
fn work<'a>(job: &Job<'a>, scope: &Scope<'_>, views: &ViewQueries, memo: &mut Memo<'a>) -> Outcome {
    let text: &'a str = &job.value.value;
    if job.query {
        // Parsed and analysed by resolve (which needed the relations it reads), or here.
        let done = match job.what {
            What::View(name) => views.get(name),
            _ => None,
        };
        if let Some(done) = done {
            return match done {
                Err(e) => Outcome {
                    parsed: Err(e.clone()),
                    analysis: Analysis::default(),
                },
                Ok(analysis) => Outcome {
                    analysis: analysis.clone(),
                    parsed: Ok(None),
                },
            };
        }
        return match sqlfrag::parse_query(text) {
            Err(e) => Outcome {
                parsed: Err(e),
                analysis: Analysis::default(),
            },
            Ok(q) => Outcome {
                analysis: sqlfrag::analyse_query(&q, text, scope),
                parsed: Ok(None),
            },
        };
    }
    let Some(last) = memo.done(text) else {
        return analyse(job, sqlfrag::parse_expr(text).as_ref(), scope);
    };
    let key = (text, job.role, job.extra);
    if job.table.is_none()
        && let Some(done) = memo.outcomes.get(&key)
    {
        let done = done.clone();
        if last {
            memo.trees.remove(text);
        }
        return done;
    }
    let tree = memo
        .trees
        .entry(text)
        .or_insert_with(|| sqlfrag::parse_expr(text));
    let outcome = match (tree.as_ref(), job.role) {
        // The facts depend on the text and role only; the names are checked per table.
        (Ok(expr), Some(role)) => {
            let facts = memo
                .facts
                .entry((text, role))
                .or_insert_with(|| Facts::of(role, expr, text))
                .clone();
            Outcome {
                analysis: analyse_names(job, expr, scope),
                parsed: Ok(Some(facts)),
            }
        }
        (parsed, _) => analyse(job, parsed, scope),
    };
    if last {
        memo.trees.remove(text);
    }
    if job.table.is_none() {
        memo.outcomes.insert(key, outcome.clone());
    }
    outcome
}

/// Analyse a parsed expression fragment (or pass its syntax error on).
fn analyse(job: &Job<'_>, parsed: Result<&Expr, &SyntaxError>, scope: &Scope<'_>) -> Outcome {
    match parsed {
        Err(e) => Outcome {
            parsed: Err(e.clone()),
            analysis: Analysis::default(),
        },
        Ok(expr) => Outcome {
            analysis: analyse_names(job, expr, scope),
            parsed: Ok(job.role.map(|role| Facts::of(role, expr, &job.value.value))),
        },
    }
}

/// Check the names a parsed expression fragment uses where it is evaluated.
fn analyse_names(job: &Job<'_>, expr: &Expr, scope: &Scope<'_>) -> Analysis {
    let base = job.table.map(|(t, cols)| (t.name.name.as_str(), cols));
    sqlfrag::analyse_expr(expr, &job.value.value, base, job.extra, scope)
}

/// Fewer fragments than this are checked on the caller's thread.
const PARALLEL_MIN_JOBS: usize = 256;
/// Most threads used (the work is CPU-bound; more than the cores only adds overhead).
const MAX_THREADS: usize = 4;

/// Run [`work`] over every job, in contiguous chunks on up to [`MAX_THREADS`] threads; the
/// outcomes come back in job order.
fn work_all(jobs: &[Job<'_>], scope: &Scope<'_>, views: &ViewQueries) -> Vec<Outcome> {
    let run = move |part: &[Job<'_>]| {
        let mut memo = Memo::new(part);
        part.iter()
            .map(|j| work(j, scope, views, &mut memo))
            .collect::<Vec<_>>()
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(MAX_THREADS);
    if threads < 2 || jobs.len() < PARALLEL_MIN_JOBS {
        return run(jobs);
    }
    let chunk = jobs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .skip(1)
            .map(|part| s.spawn(move || run(part)))
            .collect();
        let mut out = run(jobs.chunks(chunk).next().unwrap_or(&[]));
        for h in handles {
            match h.join() {
                Ok(part) => out.extend(part),
                // A panicking parse is a bug: let it surface as it would without threads.
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        out
    })
}

struct Ctx<'a> {
    scope: &'a Scope<'a>,
    sources: &'a SourceMap,
}

impl Ctx<'_> {
    fn syntax(&self, d: &mut Diagnostics, value: &Sp<String>, what: What<'_>, err: &SyntaxError) {
        d.push(
            Diagnostic::error(Code::SqlSyntax, format!("{what} is not valid SQL: {}", err.message))
                .at(fragment_span(self.sources, value, err.at), "here")
                .help("write the expression as PostgreSQL would accept it; quote identifiers that need it with double quotes"),
        );
    }

    /// E341: a call to a name the model declares only as procedures (PostgreSQL runs a
    /// procedure with `CALL`, never inside an expression).
    fn procedure_calls(
        &self,
        d: &mut Diagnostics,
        value: &Sp<String>,
        what: What<'_>,
        analysis: &Analysis,
    ) {
        for (schema, name) in &analysis.functions {
            let written = match schema {
                Some(s) => format!(
                    "{}.{}",
                    crate::ir::name::ident_sql(s),
                    crate::ir::name::ident_sql(name)
                ),
                None => crate::ir::name::ident_sql(name),
            };
            let Some(q) = self.scope.function(&written) else {
                continue;
            };
            let model = self.scope.model;
            let mut overloads = model.functions_named(&q).peekable();
            let Some(first) = overloads.peek().map(|f| f.origin) else {
                continue;
            };
            if overloads.all(|f| f.kind == crate::ir::RoutineKind::Procedure) {
                d.push(
                    Diagnostic::error(
                        Code::ProcedureCalledAsFunction,
                        format!("{what} calls `{}`, which is a procedure", q.name),
                    )
                    .at(value.span, "a procedure cannot be called in an expression")
                    .also(first, "declared with `kind: procedure` here")
                    .help("declare it as a function (without `kind: procedure`) or run it with CALL outside the model's SQL"),
                );
            }
        }
    }

    fn problems(
        &self,
        d: &mut Diagnostics,
        value: &Sp<String>,
        what: What<'_>,
        analysis: &Analysis,
        table: Option<&Table>,
    ) {
        for p in &analysis.problems {
            let span = fragment_span(self.sources, value, p.at);
            let diag = match &p.kind {
                // A default cannot refer to columns: a bare word there is a value written
                // without its quotes (`default: open` for an enum or text column).
                ProblemKind::UnknownColumn {
                    name,
                    qualifier: None,
                } if matches!(what, What::Default(..) | What::DomainDefault(_)) => Diagnostic::error(
                    Code::SqlUnknownColumn,
                    format!("{what} reads `{name}` as a column name (a default cannot use columns); a text or enum value needs quotes"),
                )
                .at(span, "a column name to SQL")
                .help(format!(
                    "write the value as an SQL string literal inside YAML quotes: `default: \"'{name}'\"`"
                )),
                ProblemKind::UnknownColumn { name, qualifier } => {
                    let shown = qualifier
                        .as_ref()
                        .map_or(name.clone(), |q| format!("{q}.{name}"));
                    let hint = table
                        .filter(|_| qualifier.is_none())
                        .map(|t| {
                            crate::load::decode::did_you_mean(
                                name,
                                t.columns.keys().map(String::as_str),
                            )
                        })
                        .unwrap_or_default();
                    let place =
                        table.map_or(String::new(), |t| format!(" of table `{}`", t.name.name));
                    let help = if matches!(what, What::DomainCheck(..)) {
                        "a domain's check reads the value being checked as `value`, and nothing else"
                    } else {
                        "use a column of the table (or of a table in the query's FROM), or fix the qualifier"
                    };
                    Diagnostic::error(Code::SqlUnknownColumn, format!("{what}{place} uses unknown column `{shown}`{hint}"))
                        .at(span, "not a column here")
                        .help(help)
                }
                ProblemKind::UnknownRelation { name } => {
                    let names = self.scope.relation_names();
                    let hint =
                        crate::load::decode::did_you_mean(name, names.iter().map(String::as_str));
                    Diagnostic::error(
                        Code::SqlUnknownObject,
                        format!("{what} reads unknown table or view `{name}`{hint}"),
                    )
                    .at(span, "not in the model")
                    .help("declare the table or view in the model, or fix the name")
                }
                ProblemKind::UnknownFunction { name } => Diagnostic::error(
                    Code::SqlUnknownObject,
                    format!("{what} calls unknown function `{name}`"),
                )
                .at(span, "not in the model or the preset")
                .help("declare the function under `functions:` or fix its schema"),
            };
            d.push(diag);
        }
    }
}

/// Check every SQL fragment of the model; return the parsed expression fragments with their
/// lint facts (none when `lint_facts` is false: the checks and diagnostics are the same).
pub fn fragments(
    model: &Model,
    scope: &Scope,
    sources: &SourceMap,
    d: &mut Diagnostics,
    lint_facts: bool,
    views: &ViewQueries,
) -> Fragments {
    // The column names of every table, collected once (the analysis reads them as a slice).
    let columns: Vec<Vec<String>> = model
        .tables
        .values()
        .map(|t| t.columns.keys().cloned().collect())
        .collect();
    // The platform tables that top-level policies are on, as tables of their preset columns.
    let platform: Vec<(Table, Vec<String>)> = model
        .external_policies
        .keys()
        .filter_map(|name| {
            let cols = scope.external.tables.get(name)?;
            let table = Table {
                name: name.clone(),
                columns: cols
                    .iter()
                    .map(|(c, ty)| {
                        (
                            c.clone(),
                            crate::ir::Column {
                                name: c.clone(),
                                type_sql: ty.clone(),
                                ..Default::default()
                            },
                        )
                    })
                    .collect(),
                ..Default::default()
            };
            Some((table, cols.iter().map(|(c, _)| c.clone()).collect()))
        })
        .collect();
    // Each domain as a table of one column, `value`, for its checks.
    let domain_scopes: Vec<(Table, Vec<String>)> = model
        .domains
        .values()
        .map(|d| {
            let table = Table {
                name: d.name.clone(),
                ..Default::default()
            };
            (table, vec!["value".to_string()])
        })
        .collect();
    let mut jobs: Vec<Job<'_>> = Vec::new();
    let expr = job;
    for (t, cols) in &platform {
        let base = Some((t, cols.as_slice()));
        for p in model
            .external_policies
            .get(&t.name)
            .into_iter()
            .flat_map(|p| p.values())
        {
            if let Some(u) = &p.using {
                jobs.push(expr(u, What::Policy(&p.name), base, &[]));
            }
            if let Some(w) = &p.with_check {
                jobs.push(expr(w, What::Policy(&p.name), base, &[]));
            }
        }
    }
    for (t, cols) in model.tables.values().zip(&columns) {
        let base = Some((t, cols.as_slice()));
        for c in t.columns.values() {
            if let Some(def) = &c.default {
                // A DEFAULT cannot read other columns: no table in scope.
                jobs.push(expr(def, What::Default(t, &c.name), None, &[]));
            }
            if let Some(g) = &c.generated {
                jobs.push(expr(g, What::Generated(&c.name), base, &[]));
            }
            if let Some(u) = &c.using {
                // `ALTER COLUMN … TYPE … USING <expr>` reads the table's columns.
                jobs.push(expr(u, What::Using(&c.name), base, &[]));
            }
        }
        for c in &t.checks {
            jobs.push(expr(&c.expr, What::Check(&c.name.value), base, &[]));
        }
        for ix in &t.indexes {
            for k in ix.keys.iter().filter(|k| k.expression) {
                jobs.push(expr(&k.target, What::Index(&ix.name.value), base, &[]));
            }
            if let Some(p) = &ix.predicate {
                jobs.push(expr(p, What::Predicate(&ix.name.value), base, &[]));
            }
        }
        for x in &t.excludes {
            for e in x.elements.iter().filter(|e| e.expression) {
                jobs.push(expr(&e.target, What::Exclusion(&x.name.value), base, &[]));
            }
            if let Some(p) = &x.predicate {
                jobs.push(expr(p, What::ExclusionWhere(&x.name.value), base, &[]));
            }
        }
        for p in t.policies.values() {
            if let Some(u) = &p.using {
                jobs.push(expr(u, What::Policy(&p.name), base, &[]));
            }
            if let Some(w) = &p.with_check {
                jobs.push(expr(w, What::Policy(&p.name), base, &[]));
            }
        }
        for tr in t.triggers.values() {
            if let Some(w) = &tr.when {
                jobs.push(expr(w, What::TriggerWhen(&tr.name), base, &["new", "old"]));
            }
        }
    }
    for tr in &model.external_triggers {
        if let Some(w) = &tr.when {
            jobs.push(expr(w, What::TriggerWhen(&tr.name), None, &["new", "old"]));
        }
    }
    for v in model.views.values() {
        jobs.push(Job {
            value: &v.query,
            what: What::View(&v.name),
            table: None,
            extra: &[],
            query: true,
            role: None,
        });
        for ix in &v.indexes {
            for k in ix.keys.iter().filter(|k| k.expression) {
                jobs.push(expr(&k.target, What::Index(&ix.name.value), None, &[]));
            }
        }
    }
    for ((t, cols), dom) in domain_scopes.iter().zip(model.domains.values()) {
        // A domain's check reads the value as the column `value`; its default reads nothing.
        for (name, e) in &dom.checks {
            let base = Some((t, cols.as_slice()));
            jobs.push(expr(e, What::DomainCheck(&dom.name, name), base, &[]));
        }
        if let Some(def) = &dom.default {
            jobs.push(expr(def, What::DomainDefault(&dom.name), None, &[]));
        }
    }
    if !lint_facts {
        // A job without a role computes no facts and keeps nothing; its checks are the same.
        for j in &mut jobs {
            j.role = None;
        }
    }
    let outcomes = work_all(&jobs, scope, views);
    let cx = Ctx { scope, sources };
    let mut kept = Fragments::default();
    for (job, outcome) in jobs.iter().zip(outcomes) {
        let table = job
            .table
            .map(|(t, _)| t)
            .filter(|_| !matches!(job.what, What::DomainCheck(..)));
        match outcome.parsed {
            Err(e) => {
                cx.syntax(d, job.value, job.what, &e);
                if job.role.is_some() {
                    kept.insert(job.value, table.map(|t| &t.name), None, Vec::new());
                }
            }
            Ok(facts) => {
                cx.problems(d, job.value, job.what, &outcome.analysis, table);
                cx.procedure_calls(d, job.value, job.what, &outcome.analysis);
                if facts.is_some() {
                    kept.insert(
                        job.value,
                        table.map(|t| &t.name),
                        facts,
                        outcome.analysis.outer_refs,
                    );
                }
            }
        }
    }
    kept
}
