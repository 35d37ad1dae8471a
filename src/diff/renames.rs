//! Declared renames (`renamed_from:`) between two models, and the old model with them applied.
//!
//! Input: the previous model (from the snapshot) and the new one. Output: [`Renames`], the
//! renames that apply (the old name exists before, the new name does not), and a copy of the
//! previous model whose objects carry their new names, so the structural diff that follows
//! compares like with like. Invariants: renames are never guessed — only `renamed_from:` counts;
//! a `renamed_from:` whose old name no longer exists (the rename already shipped) is ignored.

use std::borrow::Cow;
use std::collections::BTreeMap;

use indexmap::IndexMap;

use crate::ir::{FnKey, Model, QName, Sp};

/// One table's column renames: old column name → new column name.
pub type ColumnRenames = BTreeMap<String, String>;

/// Renames from one model to the next.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Renames {
    /// Tables: old name → new name.
    pub tables: BTreeMap<QName, QName>,
    /// Columns, by the table's new name.
    pub columns: BTreeMap<QName, ColumnRenames>,
    /// Enum types: old name → new name.
    pub enums: BTreeMap<QName, QName>,
    /// Indexes, by the table's new name: old index name → new index name.
    pub indexes: BTreeMap<QName, BTreeMap<String, String>>,
    /// Policies, by the table's new name: old policy name → new policy name.
    pub policies: BTreeMap<QName, BTreeMap<String, String>>,
    /// Domains and composite types: old name → new name.
    pub types: BTreeMap<QName, QName>,
    /// Fields of composite types and checks of domains, by the type's new name: old → new.
    pub type_parts: BTreeMap<QName, BTreeMap<String, String>>,
    /// Functions and procedures (same input types): old identity → new identity.
    pub functions: BTreeMap<FnKey, FnKey>,
}

fn qualify(written: &str, default_schema: &str) -> QName {
    match crate::ir::name::split_qualified(written.trim()).as_deref() {
        Some([s, n]) => QName::new(s.clone(), n.clone()),
        Some([n]) => QName::new(default_schema.to_string(), n.clone()),
        _ => QName::new(default_schema.to_string(), written.trim().to_string()),
    }
}

/// Old name → new name for the parts of one table (columns, indexes, policies) that declare
/// `renamed_from:`, given `(renamed_from, name)` pairs and whether a name existed in the old
/// table: only renames whose old name existed and whose new one did not are taken.
fn table_part_renames<'a>(
    parts: impl Iterator<Item = (Option<&'a Sp<String>>, &'a str)>,
    existed: impl Fn(&str) -> bool,
) -> BTreeMap<String, String> {
    let mut renames = BTreeMap::new();
    for (renamed_from, name) in parts {
        let Some(w) = renamed_from else { continue };
        let from = w.value.trim();
        if from != name && existed(from) && !existed(name) {
            renames.insert(from.to_string(), name.to_string());
        }
    }
    renames
}

/// `expr` with its column references renamed by `renames`, written exactly as before otherwise;
/// `None` when nothing is renamed, the text cannot be tokenized, or its tokens do not write back
/// to the same text (the caller keeps the old text: the check then counts as changed). A word is
/// a column reference unless it is qualified (`t.col`), called (`f(…)`) or a type after `::`.
pub fn rename_columns_in(expr: &str, renames: &ColumnRenames) -> Option<String> {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::{Token, Tokenizer};
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, expr)
        .tokenize()
        .ok()?;
    let same: String = tokens.iter().map(ToString::to_string).collect();
    if same != expr {
        return None;
    }
    let significant = |t: &&Token| !matches!(t, Token::Whitespace(_));
    let mut out = String::with_capacity(expr.len() + 16);
    let mut changed = false;
    for (i, t) in tokens.iter().enumerate() {
        let new_name = match t {
            Token::Word(w) => {
                let prev = tokens
                    .get(..i)
                    .and_then(|b| b.iter().rev().find(significant));
                let next = tokens.get(i + 1..).and_then(|a| a.iter().find(significant));
                let free = !matches!(prev, Some(Token::Period | Token::DoubleColon))
                    && !matches!(next, Some(Token::LParen | Token::Period));
                let name = match w.quote_style {
                    None => w.value.to_lowercase(),
                    Some('"') => w.value.clone(),
                    Some(_) => String::new(),
                };
                renames.get(&name).filter(|_| free)
            }
            _ => None,
        };
        match new_name {
            Some(n) => {
                out.push_str(&crate::ir::name::ident_sql(n));
                changed = true;
            }
            None => out.push_str(&t.to_string()),
        }
    }
    changed.then_some(out)
}

impl Renames {
    /// The renames `new` declares that apply to `old`.
    pub fn declared(old: &Model, new: &Model) -> Renames {
        let mut r = Renames::default();
        for t in new.tables.values() {
            if let Some(w) = &t.renamed_from {
                let from = qualify(&w.value, &t.name.schema);
                if from != t.name
                    && old.tables.contains_key(&from)
                    && !old.tables.contains_key(&t.name)
                {
                    r.tables.insert(from, t.name.clone());
                }
            }
        }
        for e in new.enums.values() {
            if let Some(w) = &e.renamed_from {
                let from = qualify(&w.value, &e.name.schema);
                if from != e.name
                    && old.enums.contains_key(&from)
                    && !old.enums.contains_key(&e.name)
                {
                    r.enums.insert(from, e.name.clone());
                }
            }
        }
        super::type_renames::declared(old, new, &mut r);
        for (key, f) in &new.functions {
            if let Some(w) = &f.renamed_from {
                let from = FnKey {
                    name: qualify(&w.value, &f.name.schema),
                    args: key.args.clone(),
                };
                if &from != key
                    && old.functions.contains_key(&from)
                    && !old.functions.contains_key(key)
                {
                    r.functions.insert(from, key.clone());
                }
            }
        }
        for t in new.tables.values() {
            let Some(ot) = old.tables.get(&r.old_table(&t.name)) else {
                continue;
            };
            let cols = table_part_renames(
                t.columns
                    .values()
                    .map(|c| (c.renamed_from.as_ref(), c.name.as_str())),
                |n| ot.columns.contains_key(n),
            );
            if !cols.is_empty() {
                r.columns.insert(t.name.clone(), cols);
            }
            let ixs = table_part_renames(
                t.indexes
                    .iter()
                    .map(|ix| (ix.renamed_from.as_ref(), ix.name.value.as_str())),
                |n| ot.indexes.iter().any(|i| i.name.value == n),
            );
            if !ixs.is_empty() {
                r.indexes.insert(t.name.clone(), ixs);
            }
            let pols = table_part_renames(
                t.policies
                    .values()
                    .map(|p| (p.renamed_from.as_ref(), p.name.as_str())),
                |n| ot.policies.contains_key(n),
            );
            if !pols.is_empty() {
                r.policies.insert(t.name.clone(), pols);
            }
        }
        r
    }

    /// Whether nothing is renamed.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
            && self.columns.is_empty()
            && self.enums.is_empty()
            && self.indexes.is_empty()
            && self.policies.is_empty()
            && self.types.is_empty()
            && self.type_parts.is_empty()
            && self.functions.is_empty()
    }

    /// The old name of the table now called `new`.
    pub fn old_table(&self, new: &QName) -> QName {
        self.tables
            .iter()
            .find(|(_, n)| *n == new)
            .map_or_else(|| new.clone(), |(o, _)| o.clone())
    }

    /// The new name of the table once called `old`.
    pub fn new_table(&self, old: &QName) -> QName {
        self.tables.get(old).cloned().unwrap_or_else(|| old.clone())
    }

    /// The same renames, backwards (for the down migration).
    pub fn inverted(&self) -> Renames {
        let flip = |m: &BTreeMap<String, String>| -> BTreeMap<String, String> {
            m.iter().map(|(a, b)| (b.clone(), a.clone())).collect()
        };
        let rekey = |m: &BTreeMap<QName, BTreeMap<String, String>>| {
            m.iter()
                .map(|(t, inner)| (self.old_table(t), flip(inner)))
                .collect()
        };
        Renames {
            tables: self
                .tables
                .iter()
                .map(|(a, b)| (b.clone(), a.clone()))
                .collect(),
            columns: rekey(&self.columns),
            enums: self
                .enums
                .iter()
                .map(|(a, b)| (b.clone(), a.clone()))
                .collect(),
            indexes: rekey(&self.indexes),
            policies: rekey(&self.policies),
            types: self
                .types
                .iter()
                .map(|(a, b)| (b.clone(), a.clone()))
                .collect(),
            type_parts: self
                .type_parts
                .iter()
                .map(|(t, inner)| {
                    let old = self
                        .types
                        .iter()
                        .find(|(_, n)| *n == t)
                        .map_or_else(|| t.clone(), |(o, _)| o.clone());
                    (old, flip(inner))
                })
                .collect(),
            functions: self
                .functions
                .iter()
                .map(|(a, b)| (b.clone(), a.clone()))
                .collect(),
        }
    }

    /// `old` with every rename applied: objects carry their new names, and references to them
    /// (foreign keys, index keys, constraint columns, trigger tables, column types) follow.
    /// Without renames that is `old` itself, borrowed: a large model is not copied.
    pub fn apply<'a>(&self, old: &'a Model) -> Cow<'a, Model> {
        if self.is_empty() {
            return Cow::Borrowed(old);
        }
        let mut m = old.clone();
        // Tables.
        let mut tables = BTreeMap::new();
        for (name, mut t) in std::mem::take(&mut m.tables) {
            let new_name = self.new_table(&name);
            if new_name != name {
                t.name = new_name.clone();
                for tr in t.triggers.values_mut() {
                    tr.table = new_name.clone();
                }
            }
            tables.insert(new_name, t);
        }
        m.tables = tables;
        for t in m.tables.values_mut() {
            for fk in &mut t.foreign_keys {
                fk.target = self.new_table(&fk.target);
            }
        }
        for tr in &mut m.external_triggers {
            tr.table = self.new_table(&tr.table);
        }
        for v in m.views.values_mut() {
            for d in &mut v.depends_on {
                *d = self.new_table(d);
            }
        }
        // Columns (keyed by the new table name, which `m` now uses).
        for (table, cols) in &self.columns {
            let rename = |c: &mut String| {
                if let Some(n) = cols.get(c.as_str()) {
                    *c = n.clone();
                }
            };
            if let Some(t) = m.tables.get_mut(table) {
                let columns: IndexMap<String, crate::ir::Column> = std::mem::take(&mut t.columns)
                    .into_iter()
                    .map(|(k, mut c)| match cols.get(&k) {
                        Some(n) => {
                            c.name = n.clone();
                            (n.clone(), c)
                        }
                        None => (k, c),
                    })
                    .collect();
                t.columns = columns;
                if let Some(pk) = &mut t.primary_key {
                    pk.columns.iter_mut().for_each(|c| rename(&mut c.value));
                }
                for u in &mut t.uniques {
                    u.columns.iter_mut().for_each(|c| rename(&mut c.value));
                }
                for c in &mut t.checks {
                    if let Some(col) = &mut c.column {
                        rename(col);
                    }
                    // PostgreSQL rewrites a check's expression when a column it reads is
                    // renamed: compare like with like, so an unchanged check is not dropped
                    // and added again (NOT VALID, then a VALIDATE scanning the table).
                    if let Some(expr) = rename_columns_in(&c.expr.value, cols) {
                        c.expr.value = expr;
                    }
                }
                for fk in &mut t.foreign_keys {
                    fk.columns.iter_mut().for_each(|c| rename(&mut c.value));
                    // PostgreSQL keeps `ON DELETE SET NULL (…)` by column number.
                    fk.on_delete_columns
                        .iter_mut()
                        .for_each(|c| rename(&mut c.value));
                }
                for ix in &mut t.indexes {
                    for k in &mut ix.keys {
                        if !k.expression {
                            rename(&mut k.target.value);
                        }
                    }
                    ix.include.iter_mut().for_each(|c| rename(&mut c.value));
                }
                if let Some(p) = &mut t.partition {
                    p.columns.iter_mut().for_each(|c| rename(&mut c.value));
                }
                // PostgreSQL keeps an exclusion constraint's columns by number and rewrites its
                // expressions and predicate, like a check's.
                for x in &mut t.excludes {
                    for e in &mut x.elements {
                        if e.expression {
                            if let Some(expr) = rename_columns_in(&e.target.value, cols) {
                                e.target.value = expr;
                            }
                        } else {
                            rename(&mut e.target.value);
                        }
                    }
                    if let Some(p) = &mut x.predicate
                        && let Some(expr) = rename_columns_in(&p.value, cols)
                    {
                        p.value = expr;
                    }
                }
                for tr in t.triggers.values_mut() {
                    tr.of_columns.iter_mut().for_each(|c| rename(&mut c.value));
                }
            }
            for t in m.tables.values_mut() {
                for fk in &mut t.foreign_keys {
                    if &fk.target == table {
                        fk.target_columns
                            .iter_mut()
                            .for_each(|c| rename(&mut c.value));
                    }
                }
            }
        }
        // Enums, and the columns typed with them.
        let mut enums = BTreeMap::new();
        for (name, mut e) in std::mem::take(&mut m.enums) {
            match self.enums.get(&name) {
                Some(n) => {
                    e.name = n.clone();
                    enums.insert(n.clone(), e);
                }
                None => {
                    enums.insert(name, e);
                }
            }
        }
        m.enums = enums;
        super::type_renames::apply(self, &mut m);
        for (from, to) in &self.enums {
            let (from, to) = (from.to_string(), to.to_string());
            for t in m.tables.values_mut() {
                for c in t.columns.values_mut() {
                    if c.type_sql == from {
                        c.type_sql = to.clone();
                    } else if c.type_sql.strip_suffix("[]") == Some(from.as_str()) {
                        c.type_sql = format!("{to}[]");
                    }
                }
            }
        }
        // Functions, and the triggers calling a renamed one (a trigger function has no
        // arguments).
        if !self.functions.is_empty() {
            let mut functions = BTreeMap::new();
            for (key, mut f) in std::mem::take(&mut m.functions) {
                match self.functions.get(&key) {
                    Some(n) => {
                        f.name = n.name.clone();
                        functions.insert(n.clone(), f);
                    }
                    None => {
                        functions.insert(key, f);
                    }
                }
            }
            m.functions = functions;
            for (from, to) in self.functions.iter().filter(|(k, _)| k.args.is_empty()) {
                for tr in m
                    .tables
                    .values_mut()
                    .flat_map(|t| t.triggers.values_mut())
                    .map(|tr| &mut **tr)
                    .chain(m.external_triggers.iter_mut())
                {
                    if tr.function == from.name {
                        tr.function = to.name.clone();
                    }
                }
            }
        }
        // Indexes and policies.
        for (table, ixs) in &self.indexes {
            if let Some(t) = m.tables.get_mut(table) {
                for ix in &mut t.indexes {
                    if let Some(n) = ixs.get(&ix.name.value) {
                        ix.name.value = n.clone();
                    }
                }
            }
        }
        for (table, pols) in &self.policies {
            if let Some(t) = m.tables.get_mut(table) {
                let policies = std::mem::take(&mut t.policies)
                    .into_iter()
                    .map(|(k, mut p)| match pols.get(&k) {
                        Some(n) => {
                            p.name = n.clone();
                            (n.clone(), p)
                        }
                        None => (k, p),
                    })
                    .collect();
                t.policies = policies;
            }
        }
        Cow::Owned(m)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn check_expressions_follow_column_renames() {
        let renames: super::ColumnRenames = [("name".to_string(), "title".to_string())].into();
        let r = |e: &str| super::rename_columns_in(e, &renames);
        assert_eq!(
            r("char_length(name) between 1 and 200").as_deref(),
            Some("char_length(title) between 1 and 200")
        );
        assert_eq!(
            r("\"name\" <> 'name' and t.name is null and name::text <> ''").as_deref(),
            Some("title <> 'name' and t.name is null and title::text <> ''")
        );
        assert_eq!(r("name(id) > 0"), None);
        assert_eq!(r("length(other) > 0"), None);
    }
}
