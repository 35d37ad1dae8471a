//! Where every named object of a compiled model is declared and used, for navigation.
//!
//! Input: a [`Compiled`] model (spans on every IR value) and its preset. Output: an [`Index`]:
//! occurrences (a span, the [`Symbol`] it names, whether it is the declaration), sorted by
//! position, and each table's region of the YAML. SQL fragments (defaults, checks, generated
//! columns, index expressions and predicates, policy `using`/`with_check`, trigger `when`, view
//! queries) are parsed with [`crate::sqlfrag`] and their resolved table and column references
//! (aliases followed) become occurrences at their exact place in the YAML.
//! Invariants: an occurrence covers exactly the name's text in the file (a qualified
//! `public.profiles` yields the `profiles` part; a fragment in a folded or escaped scalar, whose
//! positions cannot be mapped exactly, yields none), so a rename can replace occurrences as they
//! are. Built on demand, only when the editor asks something the diagnostics do not need.

use crate::Compiled;
use crate::ir::{Index as IrIndex, QName, Sp, Table};
use crate::load::yaml::fragment_span;
use crate::resolve::Scope;
use crate::source::{SourceMap, Span};
use crate::sqlfrag::{self, Reference};

/// Something with a name the editor can navigate to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Symbol {
    /// A table or view (one name space in PostgreSQL).
    Relation(QName),
    /// A column of a table.
    Column(QName, String),
    /// An enum type.
    Enum(QName),
    /// A function.
    Function(QName),
    /// A role.
    Role(String),
    /// A policy of a table.
    Policy(QName, String),
}

/// One place a symbol's name is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// Exactly the name.
    pub span: Span,
    /// What it names.
    pub symbol: Symbol,
    /// Whether this is where the symbol is declared.
    pub decl: bool,
}

/// The occurrences of a model, sorted by position.
#[derive(Debug, Default)]
pub struct Index {
    occurrences: Vec<Occurrence>,
    /// Each table's extent in the YAML: from its key to the end of the last thing in it.
    regions: Vec<(Span, QName)>,
}

impl Index {
    /// Index a compiled model.
    pub fn build(compiled: &Compiled) -> Index {
        let mut b = Builder {
            sources: &compiled.sources,
            scope: Scope::new(&compiled.model, &compiled.external),
            out: Vec::new(),
            regions: Vec::new(),
        };
        b.model(compiled);
        let Builder {
            mut out,
            mut regions,
            ..
        } = b;
        out.sort_by(|a, b| {
            (a.span.file, a.span.start, a.span.len, !a.decl).cmp(&(
                b.span.file,
                b.span.start,
                b.span.len,
                !b.decl,
            ))
        });
        out.dedup_by(|a, b| a.span == b.span && a.symbol == b.symbol);
        regions.sort();
        Index {
            occurrences: out,
            regions,
        }
    }

    /// The occurrence under byte `offset` of `file` (the innermost when they nest; an offset
    /// just after a name counts, as editors put the cursor there).
    pub fn at(&self, file: crate::source::FileId, offset: usize) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .filter(|o| {
                o.span.file == file && o.span.start as usize <= offset && offset <= o.span.end()
            })
            .min_by_key(|o| o.span.len)
    }

    /// Where `symbol` is declared.
    pub fn declaration(&self, symbol: &Symbol) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .find(|o| o.decl && o.symbol == *symbol)
    }

    /// Every occurrence of `symbol`, in position order.
    pub fn occurrences_of<'a>(
        &'a self,
        symbol: &'a Symbol,
    ) -> impl Iterator<Item = &'a Occurrence> {
        self.occurrences.iter().filter(move |o| o.symbol == *symbol)
    }

    /// The table whose YAML holds byte `offset` of `file`.
    pub fn table_at(&self, file: crate::source::FileId, offset: usize) -> Option<&QName> {
        self.regions
            .iter()
            .filter(|(s, _)| s.file == file && s.start as usize <= offset && offset <= s.end())
            .min_by_key(|(s, _)| s.len)
            .map(|(_, q)| q)
    }
}

struct Builder<'a> {
    sources: &'a SourceMap,
    scope: Scope<'a>,
    out: Vec<Occurrence>,
    regions: Vec<(Span, QName)>,
}

impl<'a> Builder<'a> {
    fn push(&mut self, span: Span, symbol: Symbol, decl: bool) {
        if span.len > 0 {
            self.out.push(Occurrence { span, symbol, decl });
        }
    }

    /// The part of `span` that is exactly `name` (the last place it occurs, so a qualified
    /// `public.t` gives `t`), or `None` when the text does not hold it.
    fn narrow(&self, span: Span, name: &str) -> Option<Span> {
        let text = self.sources.text(span);
        let at = text.rfind(name)?;
        Some(span.subspan(at, name.len()))
    }

    /// A name written as a value (`columns: [a]`, `function: f`, a role).
    fn name_ref(&mut self, value: &Sp<String>, name: &str, symbol: Symbol) {
        if let Some(s) = self.narrow(value.span, name) {
            self.push(s, symbol, false);
        }
    }

    /// A declaration at a key (the key's span may hold quotes around the name).
    fn decl(&mut self, key: Span, name: &str, symbol: Symbol) {
        let span = self.narrow(key, name).unwrap_or(key);
        self.push(span, symbol, true);
    }

    fn model(&mut self, compiled: &'a Compiled) {
        let model = &compiled.model;
        for (name, r) in &model.roles {
            self.decl(r.origin, name, Symbol::Role(name.clone()));
        }
        for (q, e) in &model.enums {
            self.decl(e.origin, &q.name, Symbol::Enum(q.clone()));
        }
        // Functions are keyed by name: go-to-definition on a name goes to its first overload.
        for (k, f) in &model.functions {
            let q = &k.name;
            self.decl(f.origin, &q.name, Symbol::Function(q.clone()));
            for a in &f.args {
                self.type_ref(&a.type_written, &a.type_sql);
            }
        }
        for t in model.tables.values() {
            self.table(t);
        }
        for (q, v) in &model.views {
            self.decl(v.origin, &q.name, Symbol::Relation(q.clone()));
            if let Ok(query) = sqlfrag::parse_query(&v.query.value) {
                let refs = sqlfrag::query_references(&query, &v.query.value, &self.scope);
                self.fragment(&v.query, None, &refs);
            }
            self.indexes(&v.indexes, None);
        }
        for tr in &model.external_triggers {
            self.name_ref(
                &Sp::new(String::new(), tr.table_span),
                &tr.table.name,
                Symbol::Relation(tr.table.clone()),
            );
            self.name_ref(
                &tr.function_written,
                &tr.function.name,
                Symbol::Function(tr.function.clone()),
            );
            if let Some(w) = &tr.when {
                self.expr(w, None, &["new", "old"]);
            }
        }
        for (q, policies) in &model.external_policies {
            for p in policies.values() {
                self.policy(q, p, None);
            }
        }
    }

    fn table(&mut self, t: &'a Table) {
        let q = &t.name;
        let first = self.out.len();
        self.decl(t.origin, &q.name, Symbol::Relation(q.clone()));
        let cols: Vec<String> = t.columns.keys().cloned().collect();
        let base = Some((t, cols.as_slice()));
        let col = |c: &str| Symbol::Column(q.clone(), c.to_string());
        for c in t.columns.values() {
            self.decl(c.origin, &c.name, col(&c.name));
            self.type_ref(&c.type_written, &c.type_sql);
            if let Some(d) = &c.default {
                self.expr(d, None, &[]);
            }
            if let Some(g) = &c.generated {
                self.expr(g, base, &[]);
            }
        }
        if let Some(pk) = &t.primary_key {
            for c in &pk.columns {
                self.name_ref(c, &c.value, col(&c.value));
            }
        }
        for u in &t.uniques {
            for c in &u.columns {
                self.name_ref(c, &c.value, col(&c.value));
            }
        }
        for ck in &t.checks {
            self.expr(&ck.expr, base, &[]);
        }
        for fk in &t.foreign_keys {
            for c in &fk.columns {
                self.name_ref(c, &c.value, col(&c.value));
            }
            self.fk_target(&fk.target_written, &fk.target, &fk.target_columns);
        }
        self.indexes(&t.indexes, base);
        for x in &t.excludes {
            for e in &x.elements {
                if e.expression {
                    self.expr(&e.target, base, &[]);
                } else {
                    self.name_ref(&e.target, &e.target.value, col(&e.target.value));
                }
            }
            if let Some(p) = &x.predicate {
                self.expr(p, base, &[]);
            }
        }
        for p in t.policies.values() {
            self.policy(q, p, base);
        }
        for tr in t.triggers.values() {
            for c in &tr.of_columns {
                self.name_ref(c, &c.value, col(&c.value));
            }
            self.name_ref(
                &tr.function_written,
                &tr.function.name,
                Symbol::Function(tr.function.clone()),
            );
            if let Some(w) = &tr.when {
                self.expr(w, base, &["new", "old"]);
            }
        }
        if let Some(part) = &t.partition {
            for c in &part.columns {
                self.name_ref(c, &c.value, col(&c.value));
            }
        }
        // The table's region: from its key to the end of the last thing indexed in it.
        let file = t.origin.file;
        let end = self
            .out
            .get(first..)
            .unwrap_or_default()
            .iter()
            .filter(|o| o.span.file == file)
            .map(|o| o.span.end())
            .chain([t.origin.end()])
            .max()
            .unwrap_or(0);
        let start = t.origin.start as usize;
        self.regions
            .push((Span::new(file, start, end.saturating_sub(start)), q.clone()));
    }

    fn policy(
        &mut self,
        table: &QName,
        p: &'a crate::ir::Policy,
        base: Option<(&'a Table, &[String])>,
    ) {
        self.decl(
            p.origin,
            &p.name,
            Symbol::Policy(table.clone(), p.name.clone()),
        );
        for r in &p.roles {
            self.name_ref(r, &r.value, Symbol::Role(r.value.clone()));
        }
        for clause in [&p.using, &p.with_check].into_iter().flatten() {
            match base {
                Some(b) => self.expr(clause, Some(b), &[]),
                None => {
                    // A policy on a platform table: its columns come from the preset.
                    let cols: Vec<String> = self
                        .scope
                        .columns(table)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(c, _)| c)
                        .collect();
                    if let Ok(e) = sqlfrag::parse_expr(&clause.value) {
                        let refs = sqlfrag::expr_references(
                            &e,
                            &clause.value,
                            Some((&table.name, &cols)),
                            &[],
                            &self.scope,
                        );
                        self.fragment(clause, Some(table), &refs);
                    }
                }
            }
        }
    }

    fn indexes(&mut self, indexes: &'a [IrIndex], base: Option<(&'a Table, &[String])>) {
        for ix in indexes {
            for k in &ix.keys {
                if k.expression {
                    self.expr(&k.target, base, &[]);
                } else if let Some((t, _)) = base {
                    self.name_ref(
                        &k.target,
                        &k.target.value,
                        Symbol::Column(t.name.clone(), k.target.value.clone()),
                    );
                }
            }
            if let Some((t, _)) = base {
                for c in &ix.include {
                    self.name_ref(c, &c.value, Symbol::Column(t.name.clone(), c.value.clone()));
                }
            }
            if let Some(p) = &ix.predicate {
                self.expr(p, base, &[]);
            }
        }
    }

    /// `references: profiles.id`, `references: auth.users.id`, `references: { table: …,
    /// columns: … }` (the shorthand's column shares the span of the whole text).
    fn fk_target(&mut self, written: &Sp<String>, target: &QName, columns: &[Sp<String>]) {
        let src = self.sources.text(written.span);
        let mut table_len = src.len();
        if let [c] = columns
            && c.span == written.span
        {
            let body = src.trim_end_matches(['"', '\'']);
            if let Some(at) = body.rfind(&format!(".{}", c.value))
                && at + 1 + c.value.len() == body.len()
            {
                table_len = at;
                self.push(
                    written.span.subspan(at + 1, c.value.len()),
                    Symbol::Column(target.clone(), c.value.clone()),
                    false,
                );
            }
        }
        if let Some(at) = src
            .get(..table_len)
            .and_then(|t| t.rfind(target.name.as_str()))
        {
            self.push(
                written.span.subspan(at, target.name.len()),
                Symbol::Relation(target.clone()),
                false,
            );
        }
        // Target columns written on their own (`columns:` of a table-level foreign key).
        for c in columns.iter().filter(|c| c.span != written.span) {
            self.name_ref(c, &c.value, Symbol::Column(target.clone(), c.value.clone()));
        }
    }

    /// A type written for a column or argument: an occurrence of the enum it names, if any.
    fn type_ref(&mut self, written: &Sp<String>, type_sql: &str) {
        let base = type_sql.trim_end_matches("[]");
        let Some(q) = QName::parse(base) else {
            return;
        };
        if !self.scope.model.enums.contains_key(&q) {
            return;
        }
        let name = q.name.clone();
        self.name_ref(written, &name, Symbol::Enum(q));
    }

    /// An expression fragment evaluated against `base`.
    fn expr(
        &mut self,
        value: &'a Sp<String>,
        base: Option<(&'a Table, &[String])>,
        extra: &[&str],
    ) {
        let Ok(e) = sqlfrag::parse_expr(&value.value) else {
            return;
        };
        let refs = sqlfrag::expr_references(
            &e,
            &value.value,
            base.map(|(t, cols)| (t.name.name.as_str(), cols)),
            extra,
            &self.scope,
        );
        self.fragment(value, base.map(|(t, _)| &t.name), &refs);
    }

    /// Turn a fragment's resolved references into occurrences at their place in the YAML.
    fn fragment(&mut self, value: &Sp<String>, base: Option<&QName>, refs: &[Reference]) {
        for r in refs {
            let relation = if r.base {
                base.cloned()
            } else {
                r.relation
                    .as_ref()
                    .and_then(|(s, n)| self.scope.find_relation(s.as_deref(), n))
            };
            let Some(relation) = relation else {
                continue;
            };
            let symbol = match &r.column {
                Some(c) => Symbol::Column(relation, c.clone()),
                None => Symbol::Relation(relation),
            };
            let span = fragment_span(self.sources, value, Some(r.at));
            let written = value.value.get(r.at.start..r.at.start + r.at.len);
            // Only positions that map exactly (plain, quoted without escapes, `|` blocks).
            if written.is_some_and(|w| self.sources.text(span) == w) {
                self.push(span, symbol, false);
            }
        }
    }
}
