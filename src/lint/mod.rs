//! Lint: rules over the resolved model that report what is legal but probably wrong.
//!
//! Input: a model that compiled without errors (see [`crate::compile`]), the preset's
//! [`External`] objects, the [`SourceMap`] and the SQL fragment facts validation kept
//! ([`crate::Compiled::fragments`]; [`run`] computes them itself). Output: [`Finding`]s — each a [`Diagnostic`] with
//! the rule's code and name, plus the object path and a stable fingerprint — after severity
//! overrides (`lint.rules`) and inline suppressions (`lint: { allow: … }`) are applied, with the
//! meta findings `SC001` (unused suppression) and `SC002` (unknown rule) added.
//! Invariants: every rule is linear in the size of the model (maps are built once in
//! [`LintContext::new`]); no rule parses SQL (it reads [`Facts`]); output is sorted by
//! (file, offset, code, object) and does not depend on how many threads ran the rules; a rule never
//! duplicates a hard error of validation (rules whose check lives there say so in their docs and
//! report nothing here).

pub mod changes;
pub mod output;
pub mod registry;
pub mod rules;
#[cfg(test)]
pub mod test_utils;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::graph::{TableOrder, table_order};
use crate::ir::{Model, QName, Sp};
use crate::preset::External;
use crate::preset::privileges::{Access, Api};
use crate::resolve::Scope;
use crate::source::{SourceMap, Span};
use crate::sqlfrag::OuterRef;
use crate::sqlfrag::facts::{Facts, Role};
use crate::validate::Fragments;

pub use registry::{ALL_RULES, find_rule};

/// What a rule is about (separate from its code family, as splinter's categories are).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Keys, references and types that hold together.
    Integrity,
    /// Indexes.
    Indexing,
    /// Row level security, grants, functions and views that guard data.
    Security,
    /// Query speed.
    Performance,
    /// Identifiers.
    Naming,
    /// Descriptions.
    Docs,
    /// Suppressions and configuration.
    Meta,
    /// Changes between the committed snapshot and the model (locks, rewrites, data loss).
    MigrationSafety,
}

impl Category {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Integrity => "integrity",
            Category::Indexing => "indexing",
            Category::Security => "security",
            Category::Performance => "performance",
            Category::Naming => "naming",
            Category::Docs => "docs",
            Category::Meta => "meta",
            Category::MigrationSafety => "migration-safety",
        }
    }
}

/// How loudly a rule reports. Order matters: `Off < Info < Warn < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Not run.
    Off,
    /// Reported for information; never fails the run.
    Info,
    /// Reported; fails the run with `--deny-warnings`.
    Warn,
    /// Fails the run.
    Error,
}

impl Level {
    /// The word used in `lint.rules` and `schemac rules`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }

    /// Parse the word used in `lint.rules`.
    pub fn parse(word: &str) -> Option<Level> {
        match word {
            "off" => Some(Level::Off),
            "info" => Some(Level::Info),
            "warn" => Some(Level::Warn),
            "error" => Some(Level::Error),
            _ => None,
        }
    }

    /// The diagnostic severity (`None` for `off`).
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Info => Some(Severity::Info),
            Level::Warn => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

/// What a rule runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// The resolved model.
    Model,
    /// The change list between two models (migration safety; needs the diff).
    Changes,
}

/// A rule's identity and documentation, declared with [`declare_rule!`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable code, never reused (`SC301`).
    pub code: &'static str,
    /// Kebab-case name of the bad pattern (`fk-missing-index`).
    pub name: &'static str,
    /// Category.
    pub category: Category,
    /// Level when the configuration says nothing.
    pub default_level: Level,
    /// What the rule runs on.
    pub target: Target,
    /// The `///` lines of the declaration, each with its leading space (see [`RuleMeta::docs`]).
    pub raw_docs: &'static str,
    /// The compiler error codes this rule is an alias of (empty for a rule with a check). An
    /// alias reports nothing itself: the compiler reports the problem as one of these `E…`
    /// errors, so the rule cannot be turned off, re-levelled or suppressed, and configuring it
    /// is reported as `SC018` (see [`rules::alias_rule_configured`]).
    pub alias_of: &'static [&'static str],
}

impl RuleMeta {
    /// The documentation as Markdown (the doc comment without its leading spaces).
    pub fn docs(&self) -> String {
        let mut out = String::new();
        for line in self.raw_docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// The first sentence under `## What it does`, for listings and SARIF.
    pub fn summary(&self) -> String {
        let docs = self.docs();
        let mut lines = docs
            .lines()
            .skip_while(|l| !l.starts_with("## What it does"))
            .skip(1)
            .skip_while(|l| l.trim().is_empty())
            .take_while(|l| !l.trim().is_empty());
        let mut s = String::new();
        for l in lines.by_ref() {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(l.trim());
        }
        s
    }

    /// Where the rule's docs live, relative to the repository root.
    pub fn docs_url(&self) -> String {
        format!("docs/rules/{}.md", self.name)
    }

    /// Whether the rule is an alias of compiler errors (see [`RuleMeta::alias_of`]).
    pub fn is_alias(&self) -> bool {
        !self.alias_of.is_empty()
    }

    /// Start a finding of this rule about `object`.
    pub fn finding(&'static self, object: Object, message: impl Into<String>) -> Finding {
        Finding {
            rule: self,
            level: self.default_level,
            object: object.path(),
            subject: object,
            extra_keys: Vec::new(),
            discriminator: String::new(),
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: Cow::Borrowed(""),
        }
    }
}

/// Declare a rule: a unit struct with a `META` constant whose docs are the `///` lines.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// …
///     pub NoPrimaryKey {
///         code: "SC101", name: "no-primary-key",
///         category: Integrity, level: Warn, target: Model,
///     }
/// }
/// ```
///
/// A rule that is an alias of compiler errors adds `alias_of: ["E203", "E204"]` after `target`
/// and implements no check.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis $ty:ident {
            code: $code:literal, name: $name:literal,
            category: $category:ident, level: $level:ident, target: $target:ident
            $(, alias_of: [$($alias:literal),* $(,)?])? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $ty;

        impl $ty {
            /// The rule's metadata and documentation.
            pub const META: $crate::lint::RuleMeta = $crate::lint::RuleMeta {
                code: $code,
                name: $name,
                category: $crate::lint::Category::$category,
                default_level: $crate::lint::Level::$level,
                target: $crate::lint::Target::$target,
                raw_docs: concat!($($doc, "\n"),*),
                alias_of: &[$($($alias),*)?],
            };
        }
    };
}

/// A lint rule.
pub trait Rule: Sync {
    /// The rule's metadata.
    fn meta(&self) -> &'static RuleMeta;
    /// Push findings about the model; the engine applies levels and suppressions. Change rules
    /// (`target: Changes`) keep this empty default.
    fn check(&self, _cx: &LintContext<'_>, _out: &mut Vec<Finding>) {}
    /// Push findings about the change list (rules with `target: Changes`, see [`changes`]).
    fn check_changes(&self, _cx: &changes::ChangeContext<'_>, _out: &mut Vec<Finding>) {}
}

/// The object a finding is about: it names the finding (object path, fingerprint) and decides
/// which inline suppressions apply (the object's own, and its table's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Object {
    /// The model as a whole (configuration).
    Model,
    /// A table.
    Table(QName),
    /// A column of a table.
    Column(QName, String),
    /// A policy of a table.
    Policy(QName, String),
    /// An index, constraint or trigger of a table (suppressed on the table).
    TablePart(QName, String),
    /// A function.
    Function(QName),
    /// A view or materialized view.
    View(QName),
    /// An object named by a suppression key (`table:public.t`, …).
    Key(String),
}

fn dotted(q: &QName) -> String {
    format!("{}.{}", q.schema, q.name)
}

impl Object {
    /// The dotted path shown to users: `public.projects.owner_select`.
    pub fn path(&self) -> String {
        match self {
            Object::Model => "model".to_string(),
            Object::Table(t) | Object::Function(t) | Object::View(t) => dotted(t),
            Object::Column(t, c) | Object::Policy(t, c) | Object::TablePart(t, c) => {
                let mut path = String::with_capacity(t.schema.len() + t.name.len() + c.len() + 2);
                for part in [&t.schema, ".", &t.name, ".", c] {
                    path.push_str(part);
                }
                path
            }
            Object::Key(k) => k.split_once(':').map_or(k.as_str(), |(_, p)| p).to_string(),
        }
    }

    /// The suppression keys that cover this object.
    pub fn keys(&self) -> Vec<String> {
        match self {
            Object::Model => Vec::new(),
            Object::Table(t) | Object::TablePart(t, _) => vec![format!("table:{}", dotted(t))],
            Object::Column(t, c) => vec![
                format!("column:{}.{c}", dotted(t)),
                format!("table:{}", dotted(t)),
            ],
            Object::Policy(t, p) => vec![
                format!("policy:{}.{p}", dotted(t)),
                format!("table:{}", dotted(t)),
            ],
            Object::Function(f) => vec![format!("function:{}", dotted(f))],
            Object::View(v) => vec![format!("view:{}", dotted(v))],
            Object::Key(k) => vec![k.clone()],
        }
    }
}

/// One problem a rule found.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule.
    pub rule: &'static RuleMeta,
    /// The level (the rule's default, possibly lowered by the rule, then the configuration's).
    pub level: Level,
    /// The object it is about (its suppression keys are made only when the model has
    /// suppressions, see [`Finding::keys`]).
    pub subject: Object,
    /// Further suppression keys that cover it.
    pub extra_keys: Vec<String>,
    /// Dotted object path.
    pub object: String,
    /// Distinguishes several findings of one rule on one object (a role, a command).
    pub discriminator: String,
    /// What is wrong.
    pub message: String,
    /// Primary span and label.
    pub primary: Option<(Span, Cow<'static, str>)>,
    /// Secondary spans.
    pub secondary: Vec<(Span, Cow<'static, str>)>,
    /// How to fix it (labels and help lines are mostly fixed texts, kept without a copy).
    pub help: Cow<'static, str>,
}

impl Finding {
    /// Point at `span`.
    #[must_use]
    pub fn at(mut self, span: Span, label: impl Into<Cow<'static, str>>) -> Self {
        self.primary = Some((span, label.into()));
        self
    }

    /// Add a secondary label.
    #[must_use]
    pub fn also(mut self, span: Span, label: impl Into<Cow<'static, str>>) -> Self {
        self.secondary.push((span, label.into()));
        self
    }

    /// Set the help line.
    #[must_use]
    pub fn help(mut self, help: impl Into<Cow<'static, str>>) -> Self {
        self.help = help.into();
        self
    }

    /// Set the level (rules that lower their severity in a documented case).
    #[must_use]
    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// Also covered by the suppressions under `key`.
    #[must_use]
    pub fn key(mut self, key: String) -> Self {
        self.extra_keys.push(key);
        self
    }

    /// The suppression keys that cover it: its object's, then those added with [`Finding::key`].
    pub fn keys(&self) -> Vec<String> {
        let mut keys = self.subject.keys();
        keys.extend(self.extra_keys.iter().cloned());
        keys
    }

    /// Tell apart several findings of one rule on one object.
    #[must_use]
    pub fn discriminator(mut self, d: impl Into<String>) -> Self {
        self.discriminator = d.into();
        self
    }

    /// A stable fingerprint: a hash of the code, the object path and the discriminator (never of
    /// spans, so moving YAML around keeps it).
    pub fn fingerprint(&self) -> String {
        fingerprint(self.rule.code, &self.object, &self.discriminator)
    }

    /// The finding as a diagnostic (`None` when its level is `off`).
    pub fn diagnostic(&self) -> Option<Diagnostic> {
        let severity = self.level.severity()?;
        let mut d = Diagnostic::rule(
            self.rule.code,
            self.rule.name,
            severity,
            self.message.clone(),
        )
        .help(self.help.to_string())
        .finding(
            self.rule.category.as_str(),
            self.object.clone(),
            self.fingerprint(),
        );
        if let Some((span, label)) = &self.primary {
            d = d.at(*span, label.to_string());
        }
        for (span, label) in &self.secondary {
            d = d.also(*span, label.to_string());
        }
        Some(d)
    }
}

pub use crate::diagnostics::output::fingerprint;

/// Settings the rules read, from `lint:` and the preset.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Schemas the API exposes.
    pub exposed_schemas: BTreeSet<String>,
    /// Roles clients use.
    pub client_roles: Vec<String>,
    /// Whether the platform grants new objects in exposed schemas to the API roles by itself
    /// (`supabase: { auto_expose_new_tables: true }`; off on today's Supabase).
    pub auto_expose: bool,
    /// Names of last-modified columns that need a maintaining trigger (SC206).
    pub updated_at_columns: Vec<String>,
    /// Functions whose result is the same for every row (SC410), as `schema.name` or `name`.
    pub per_statement_functions: Vec<String>,
}

impl Settings {
    /// The settings of a model: its API ([`Api::of`]) and the rules' fixed lists.
    pub fn of(model: &Model, external: &External) -> Settings {
        let Api {
            exposed_schemas,
            client_roles,
            auto_expose,
        } = Api::of(model, external);
        Settings {
            exposed_schemas,
            client_roles,
            auto_expose,
            updated_at_columns: vec!["updated_at".to_string()],
            per_statement_functions: [
                "auth.uid",
                "auth.jwt",
                "auth.role",
                "auth.email",
                "current_setting",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        }
    }

    /// The API part of the settings (what [`Access::of`] reads).
    pub fn api(&self) -> Api {
        Api {
            exposed_schemas: self.exposed_schemas.clone(),
            client_roles: self.client_roles.clone(),
            auto_expose: self.auto_expose,
        }
    }

    /// Whether `schema` is exposed through the API.
    pub fn exposed(&self, schema: &str) -> bool {
        self.exposed_schemas.contains(schema)
    }
}

/// Everything a rule may read. Built once per run; lookups are maps, so rules stay linear.
pub struct LintContext<'a> {
    /// The resolved model.
    pub model: &'a Model,
    /// The preset's objects.
    pub external: &'a External,
    /// The source files (for spans inside SQL fragments).
    pub sources: &'a SourceMap,
    /// Tables in foreign-key order, and the cycles.
    pub order: TableOrder,
    /// Settings.
    pub settings: Settings,
    /// Effective privileges of every table, view and function.
    pub access: Access,
    /// The fragments validation parsed.
    shared: &'a Fragments,
    /// Fragments the rules read that `shared` does not hold (parsed here, once).
    own: Fragments,
    /// Every table's indexes (see [`rules::table_indexes`]), built once.
    indexes: BTreeMap<&'a QName, Vec<rules::TableIndex<'a>>>,
}

impl<'a> LintContext<'a> {
    /// Build the context for a compiled model. `shared` holds the fragments validation parsed
    /// ([`crate::Compiled::fragments`]); whatever it lacks is parsed here, so an empty store is
    /// correct, only slower.
    pub fn new(
        model: &'a Model,
        external: &'a External,
        sources: &'a SourceMap,
        shared: &'a Fragments,
    ) -> Self {
        let settings = Settings::of(model, external);
        let access = Access::of(model, &settings.api());
        let own = missing_fragments(model, external, shared);
        let normalise = |v: &Sp<String>| match shared
            .get(v)
            .or_else(|| own.get(v))
            .and_then(|f| f.facts.as_ref()?.normalised.clone())
        {
            Some(n) => n,
            None => v.value.trim().to_lowercase(),
        };
        let indexes = model
            .tables
            .values()
            .map(|t| (&t.name, rules::table_indexes(t, &normalise)))
            .collect();
        LintContext {
            model,
            external,
            sources,
            order: table_order(model),
            settings,
            access,
            shared,
            own,
            indexes,
        }
    }

    /// The facts of a policy clause, index expression or predicate, or default (`None` when
    /// the text does not parse), computed once from its tree (see [`Facts`]).
    pub fn facts(&self, value: &Sp<String>) -> Option<&Facts> {
        self.shared
            .get(value)
            .or_else(|| self.own.get(value))
            .and_then(|f| f.facts.as_ref())
    }

    /// The references from a nested SELECT of `clause` (a policy expression of `table`) to the
    /// row being checked (see [`crate::sqlfrag::Analysis::outer_refs`]).
    pub fn outer_refs(&self, clause: &Sp<String>, table: &QName) -> &[OuterRef] {
        self.shared
            .get_for(clause, table)
            .or_else(|| self.own.get_for(clause, table))
            .map(|f| f.outer_refs.as_slice())
            .unwrap_or_default()
    }

    /// A table's indexes: constraint-backed ones first (primary key, uniques), then the declared
    /// indexes, in declaration order.
    pub fn table_indexes(&self, table: &QName) -> &[rules::TableIndex<'a>] {
        self.indexes
            .get(table)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Every policy with its table: the model's tables' policies (`rls: { policies: … }`), then
    /// those the model attaches to platform tables (top-level `policies:`, `storage.objects`).
    pub fn policies(&self) -> impl Iterator<Item = (&'a QName, &'a crate::ir::Policy)> {
        let model = self.model;
        model
            .tables
            .values()
            .flat_map(|t| t.policies.values().map(move |p| (&t.name, &**p)))
            .chain(
                model
                    .external_policies
                    .iter()
                    .flat_map(|(t, ps)| ps.values().map(move |p| (t, &**p))),
            )
    }

    /// A table's name for messages: `projects`, or `auth.users` outside the default schema.
    pub fn short(&self, q: &QName) -> String {
        q.display_short(&self.model.default_schema)
    }
}

/// Parse (and, for policies, analyse) the fragments the rules read that `shared` lacks: policy
/// clauses, index expressions and predicates, and the defaults of enum columns.
fn missing_fragments(model: &Model, external: &External, shared: &Fragments) -> Fragments {
    let mut own = Fragments::default();
    let mut scope = None;
    let enums: BTreeSet<String> = model.enums.values().map(|e| e.name.to_string()).collect();
    let parse = |own: &mut Fragments, v: &Sp<String>, base: Option<&QName>, role: Role| {
        if shared.get(v).is_none() && own.get(v).is_none() {
            let facts = crate::sqlfrag::parse_expr(&v.value)
                .ok()
                .map(|e| Facts::of(role, &e, &v.value));
            own.insert(v, base, facts, Vec::new());
        }
    };
    for t in model.tables.values() {
        for c in t.columns.values() {
            if let Some(d) = c.default.as_ref().filter(|_| enums.contains(&c.type_sql)) {
                parse(&mut own, d, None, Role::Default);
            }
        }
        for ix in &t.indexes {
            for k in ix.keys.iter().filter(|k| k.expression) {
                parse(&mut own, &k.target, Some(&t.name), Role::Index);
            }
            if let Some(p) = &ix.predicate {
                parse(&mut own, p, Some(&t.name), Role::Index);
            }
        }
        let mut cols: Option<Vec<String>> = None;
        for p in t.policies.values() {
            for clause in [&p.using, &p.with_check].into_iter().flatten() {
                if shared.get_for(clause, &t.name).is_some()
                    || own.get_for(clause, &t.name).is_some()
                {
                    continue;
                }
                let expr = crate::sqlfrag::parse_expr(&clause.value).ok();
                let scope = scope.get_or_insert_with(|| Scope::new(model, external));
                let cols = cols.get_or_insert_with(|| t.columns.keys().cloned().collect());
                let outer_refs = expr.as_ref().map_or_else(Vec::new, |e| {
                    crate::sqlfrag::analyse_expr(
                        e,
                        &clause.value,
                        Some((t.name.name.as_str(), cols.as_slice())),
                        &[],
                        &*scope,
                    )
                    .outer_refs
                });
                let facts = expr.map(|e| Facts::of(Role::Policy, &e, &clause.value));
                own.insert(clause, Some(&t.name), facts, outer_refs);
            }
        }
    }
    // Policies on platform tables: their facts (the rules that need outer references read the
    // model's own tables only).
    for (table, policies) in &model.external_policies {
        for p in policies.values() {
            for clause in [&p.using, &p.with_check].into_iter().flatten() {
                parse(&mut own, clause, Some(table), Role::Policy);
            }
        }
    }
    own
}

/// The result of a lint run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Findings that were not suppressed and whose level is not `off`, in output order.
    pub findings: Vec<Finding>,
}

impl Report {
    /// The findings as diagnostics, in the same order.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.findings
            .iter()
            .filter_map(Finding::diagnostic)
            .collect()
    }

    /// Number of findings at a level.
    pub fn count(&self, level: Level) -> usize {
        self.findings.iter().filter(|f| f.level == level).count()
    }
}

fn sort_key(f: &Finding) -> (u32, u32, &'static str, &str, &str) {
    let (file, start) = f
        .primary
        .as_ref()
        .map_or((u32::MAX, 0), |(s, _)| (s.file.0, s.start));
    (file, start, f.rule.code, &f.object, &f.discriminator)
}

/// `findings` in [`sort_key`] order, ties in their given order (a stable sort). The keys are
/// sorted with the findings' positions, then the findings are moved to their places in the same
/// vector (each swap puts one finding where it belongs): on tens of thousands of findings this
/// is several times cheaper than sorting the findings themselves, and needs no second vector of
/// findings at the point where lint's memory peaks.
fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    let mut keyed: Vec<_> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| (sort_key(f), i))
        .collect();
    keyed.sort_unstable();
    // place[i]: where the finding now at i goes.
    let mut place = vec![0; findings.len()];
    for (to, (_, from)) in keyed.into_iter().enumerate() {
        if let Some(p) = place.get_mut(from) {
            *p = to;
        }
    }
    for i in 0..findings.len() {
        while let Some(&to) = place.get(i)
            && to != i
        {
            findings.swap(i, to);
            place.swap(i, to);
        }
    }
    findings
}

/// Run every rule over a compiled, error-free model, parsing the SQL fragments the rules read.
/// [`run_with`] reuses the fragments validation parsed instead.
pub fn run(model: &Model, external: &External, sources: &SourceMap) -> Report {
    run_with(model, external, sources, &Fragments::default())
}

/// Fewer tables than this are linted on the caller's thread only.
const PARALLEL_MIN_TABLES: usize = 100;
/// Most threads used.
const MAX_THREADS: usize = 4;

/// Each enabled rule's findings, in the order of `rules`. On a large model the rules run on
/// several threads, each taking the next rule not yet started; the results are put back in rule
/// order, so the output does not depend on the scheduling.
fn check_all(rules: &[&'static dyn Rule], cx: &LintContext<'_>) -> Vec<Vec<Finding>> {
    let check = |r: &&'static dyn Rule| {
        let mut out = Vec::new();
        r.check(cx, &mut out);
        out
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(MAX_THREADS)
        .min(rules.len());
    if threads < 2 || cx.model.tables.len() < PARALLEL_MIN_TABLES {
        return rules.iter().map(check).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(r) = rules.get(i) else { break };
            done.push((i, check(r)));
        }
        done
    };
    let mut all: Vec<(usize, Vec<Finding>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..threads).map(|_| s.spawn(worker)).collect();
        let mut all = worker();
        for h in handles {
            match h.join() {
                Ok(part) => all.extend(part),
                // A panicking rule is a bug: let it surface as it would without threads.
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        all
    });
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, out)| out).collect()
}

/// Run every rule over a compiled, error-free model, reading the fragments validation parsed
/// (`shared`, normally [`crate::Compiled::fragments`]).
pub fn run_with(
    model: &Model,
    external: &External,
    sources: &SourceMap,
    shared: &Fragments,
) -> Report {
    run_selected(model, external, sources, shared, None, false)
}

/// Only the rules with these codes, with the model's levels and inline suppressions (what
/// `build` and `plan` show of the model rules, such as SC409). Unknown rule names and unused
/// suppressions are left to `schemac lint`.
pub fn run_only(model: &Model, external: &External, sources: &SourceMap, codes: &[&str]) -> Report {
    run_selected(
        model,
        external,
        sources,
        &Fragments::default(),
        Some(codes),
        false,
    )
}

/// The findings at error level only (what stops `schemac build`): [`run_with`] restricted to the
/// rules whose level (after `lint.rules`) is `error`, since a rule never reports above its level.
pub fn run_errors(
    model: &Model,
    external: &External,
    sources: &SourceMap,
    shared: &Fragments,
) -> Report {
    let mut report = run_selected(model, external, sources, shared, None, true);
    report.findings.retain(|f| f.level == Level::Error);
    report
}

fn run_selected(
    model: &Model,
    external: &External,
    sources: &SourceMap,
    shared: &Fragments,
    only: Option<&[&str]>,
    only_errors: bool,
) -> Report {
    let selected = |code: &str| only.is_none_or(|codes| codes.contains(&code));
    let cx = LintContext::new(model, external, sources, shared);
    let mut levels: BTreeMap<&'static str, Level> = BTreeMap::new();
    let mut meta_findings = Vec::new();
    for (rule, level) in &model.lint.rules {
        match find_rule(&rule.value) {
            Some(r) if r.meta().is_alias() => {
                meta_findings.push(alias_configured(r.meta(), rule.span, "`lint.rules`"));
            }
            Some(r) => {
                if let Some(l) = Level::parse(&level.value) {
                    levels.insert(r.meta().code, l);
                }
            }
            None => meta_findings.push(unknown_rule(&rule.value, rule.span, "`lint.rules`")),
        }
    }
    let level_of = |m: &RuleMeta| levels.get(m.code).copied().unwrap_or(m.default_level);
    let enabled: Vec<&'static dyn Rule> = ALL_RULES
        .iter()
        .copied()
        .filter(|r| !r.meta().is_alias())
        .filter(|r| level_of(r.meta()) != Level::Off && selected(r.meta().code))
        .filter(|r| !only_errors || level_of(r.meta()) == Level::Error)
        .collect();
    let found = check_all(&enabled, &cx);
    // Sized once (the rules' findings, then the configuration's and the unused suppressions'):
    // tens of thousands of findings grown by doubling were copied about twice over.
    let mut findings = Vec::with_capacity(
        found.iter().map(Vec::len).sum::<usize>() + meta_findings.len() + model.lint.allows.len(),
    );
    for (rule, out) in enabled.iter().zip(found) {
        let m = rule.meta();
        for mut f in out {
            if let Some(l) = levels.get(m.code) {
                f.level = *l;
            }
            findings.push(f);
        }
    }
    // Inline suppressions.
    let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in model.lint.allows.iter().enumerate() {
        by_key.entry(s.object.as_str()).or_default().push(i);
    }
    let mut used = vec![false; model.lint.allows.len()];
    findings.retain(|f| {
        if by_key.is_empty() {
            return true;
        }
        let mut suppressed = false;
        for key in &f.keys() {
            for &i in by_key.get(key.as_str()).map(Vec::as_slice).unwrap_or(&[]) {
                let Some(s) = model.lint.allows.get(i) else {
                    continue;
                };
                if find_rule(&s.rule.value).is_some_and(|r| r.meta().code == f.rule.code) {
                    suppressed = true;
                    if let Some(u) = used.get_mut(i) {
                        *u = true;
                    }
                }
            }
        }
        !suppressed
    });
    for (s, used) in model.lint.allows.iter().zip(&used) {
        match find_rule(&s.rule.value) {
            None => meta_findings.push(unknown_rule(&s.rule.value, s.rule.span, "`lint.allow`")),
            Some(r) if r.meta().is_alias() => {
                meta_findings.push(
                    alias_configured(r.meta(), s.rule.span, "`lint.allow`").discriminator(format!(
                        "{}@{}",
                        r.meta().code,
                        s.object
                    )),
                );
            }
            // A rule that did not run has suppressed nothing yet.
            Some(r)
                if !used
                    && level_of(r.meta()) != Level::Off
                    && (!only_errors || level_of(r.meta()) == Level::Error) =>
            {
                meta_findings.push(
                    rules::unused_suppression::UnusedSuppression::META
                        .finding(
                            Object::Key(s.object.clone()),
                            format!(
                                "the suppression of `{}` ({}) on `{}` suppresses nothing",
                                r.meta().code,
                                r.meta().name,
                                Object::Key(s.object.clone()).path()
                            ),
                        )
                        .discriminator(r.meta().code)
                        .at(s.rule.span, "nothing to suppress here")
                        .help("remove the suppression"),
                );
            }
            Some(_) => {}
        }
    }
    if only.is_some() {
        meta_findings.clear();
    }
    for mut f in meta_findings {
        let l = level_of(f.rule);
        if l == Level::Off {
            continue;
        }
        f.level = levels.get(f.rule.code).copied().unwrap_or(f.level);
        findings.push(f);
    }
    findings.retain(|f| f.level != Level::Off);
    let mut findings = sorted(findings);
    findings.dedup_by(|a, b| sort_key(a) == sort_key(b) && a.message == b.message);
    Report { findings }
}

/// The finding about `lint.rules` or `lint.allow` naming `rule`, an alias of compiler errors.
fn alias_configured(rule: &RuleMeta, span: Span, place: &str) -> Finding {
    let codes = rule
        .alias_of
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let setting = if place == "`lint.allow`" {
        "it cannot be suppressed"
    } else {
        "its level cannot be changed or turned off"
    };
    rules::alias_rule_configured::AliasRuleConfigured::META
        .finding(
            Object::Model,
            format!(
                "{place} names `{}` ({}), an alias of the compiler error{} {codes}: {setting}",
                rule.code,
                rule.name,
                if rule.alias_of.len() == 1 { "" } else { "s" },
            ),
        )
        .discriminator(rule.code)
        .at(span, "this setting has no effect")
        .help(format!(
            "remove this entry; a model with this problem does not compile, so fix what {codes} reports (docs/rules/{}.md)",
            rule.name
        ))
}

fn unknown_rule(word: &str, span: Span, place: &str) -> Finding {
    let names = ALL_RULES.iter().map(|r| r.meta().name);
    let hint = crate::load::decode::did_you_mean(word, names);
    rules::unknown_rule::UnknownRule::META
        .finding(
            Object::Model,
            format!("{place} names an unknown rule `{word}`{hint}"),
        )
        .discriminator(word)
        .at(span, "no such rule")
        .help("use a rule code (`SC301`) or name (`fk-missing-index`) from `schemac rules`")
}

#[cfg(test)]
mod tests {
    use super::{Object, rules, sorted};
    use crate::source::{FileId, Span};

    #[test]
    fn sorted_orders_by_place_then_rule_and_keeps_ties_in_order() {
        let meta = &rules::missing_description::MissingDescription::META;
        let at = |start: usize, message: &str| {
            meta.finding(Object::Model, message.to_string())
                .at(Span::new(FileId(0), start, 1), "here")
        };
        let found = sorted(vec![
            at(30, "c"),
            at(10, "a1"),
            meta.finding(Object::Model, "no place"),
            at(10, "a2"),
            at(20, "b"),
            at(10, "a3"),
        ]);
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(messages, ["a1", "a2", "a3", "b", "c", "no place"]);
    }

    #[test]
    fn sorted_equals_a_stable_sort_on_many_findings() {
        let meta = &rules::missing_description::MissingDescription::META;
        // Positions from a fixed pseudo-random walk, with many ties and some without a place.
        let mut x: u64 = 7;
        let findings: Vec<_> = (0..2_000)
            .map(|i| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let f = meta.finding(Object::Model, format!("f{i}"));
                match (x >> 33) % 50 {
                    0 => f,
                    start => f.at(Span::new(FileId(0), start as usize, 1), "here"),
                }
            })
            .collect();
        let expected: Vec<String> = {
            let mut v: Vec<_> = findings.iter().collect();
            v.sort_by(|a, b| super::sort_key(a).cmp(&super::sort_key(b)));
            v.into_iter().map(|f| f.message.clone()).collect()
        };
        let found: Vec<String> = sorted(findings).into_iter().map(|f| f.message).collect();
        assert_eq!(found.len(), 2_000);
        assert_eq!(found, expected);
    }
}
