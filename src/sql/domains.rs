//! Statements on domains and composite types (`CREATE DOMAIN`, `ALTER DOMAIN`, `CREATE TYPE … AS
//! (…)`, `ALTER TYPE … ATTRIBUTE`).
//!
//! Input: names, `format_type()` type names resolved from the model, and check and default
//! expressions the validator parsed as exactly one expression. Output: one statement's text
//! without its closing `;` ([`super::Stmt::write_sql`] adds it). Invariants: identifiers are
//! quoted through [`super::ident`] only; expressions are copied trimmed, never re-printed.

use std::fmt::Write as _;

use super::ident::quote_ident;
use crate::ir::{CompositeType, Domain, QName};

/// A statement on a domain or a composite type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeStmt {
    /// `CREATE DOMAIN name AS base [COLLATE c] [DEFAULT e] [NOT NULL] [CONSTRAINT n CHECK (e)]…`
    CreateDomain(Box<Domain>),
    /// `CREATE TYPE name AS (field type, …)`
    CreateComposite(Box<CompositeType>),
    /// `DROP DOMAIN name`
    DropDomain(QName),
    /// `ALTER DOMAIN name RENAME TO new`
    RenameDomain(QName, String),
    /// `ALTER DOMAIN name SET SCHEMA s`
    SetDomainSchema(QName, String),
    /// `ALTER DOMAIN name SET DEFAULT e`
    SetDefault(QName, String),
    /// `ALTER DOMAIN name DROP DEFAULT`
    DropDefault(QName),
    /// `ALTER DOMAIN name SET NOT NULL`
    SetNotNull(QName),
    /// `ALTER DOMAIN name DROP NOT NULL`
    DropNotNull(QName),
    /// `ALTER DOMAIN name ADD CONSTRAINT n CHECK (e) [NOT VALID]`
    AddCheck(QName, String, String, bool),
    /// `ALTER DOMAIN name VALIDATE CONSTRAINT n`
    ValidateCheck(QName, String),
    /// `ALTER DOMAIN name DROP CONSTRAINT [IF EXISTS] n`
    DropCheck(QName, String, bool),
    /// `ALTER DOMAIN name RENAME CONSTRAINT a TO b`
    RenameCheck(QName, String, String),
    /// `ALTER TYPE name ADD ATTRIBUTE f type`
    AddAttribute(QName, String, String),
    /// `ALTER TYPE name DROP ATTRIBUTE f`
    DropAttribute(QName, String),
    /// `ALTER TYPE name ALTER ATTRIBUTE f TYPE type`
    AlterAttributeType(QName, String, String),
    /// `ALTER TYPE name RENAME ATTRIBUTE a TO b`
    RenameAttribute(QName, String, String),
}

/// `CONSTRAINT n CHECK (e)`.
fn check(out: &mut String, name: &str, expr: &str) {
    let _ = write!(
        out,
        "CONSTRAINT {} CHECK ({})",
        quote_ident(name),
        expr.trim()
    );
}

impl TypeStmt {
    /// Append the statement's SQL, without the closing `;`.
    pub fn write_sql(&self, out: &mut String) {
        match self {
            TypeStmt::CreateDomain(d) => {
                let _ = write!(out, "CREATE DOMAIN {} AS {}", d.name, d.type_sql);
                if let Some(c) = &d.collation {
                    let _ = write!(out, " COLLATE {}", quote_ident(&c.value));
                }
                if let Some(e) = &d.default {
                    let _ = write!(out, " DEFAULT {}", e.value.trim());
                }
                if d.not_null {
                    out.push_str(" NOT NULL");
                }
                for (name, e) in &d.checks {
                    out.push_str("\n    ");
                    check(out, name, &e.value);
                }
            }
            TypeStmt::CreateComposite(t) => {
                let _ = write!(out, "CREATE TYPE {} AS (", t.name);
                for (i, f) in t.fields.values().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "\n    {} {}", quote_ident(&f.name), f.type_sql);
                }
                out.push_str("\n)");
            }
            TypeStmt::DropDomain(q) => {
                let _ = write!(out, "DROP DOMAIN {q}");
            }
            TypeStmt::RenameDomain(q, n) => {
                let _ = write!(out, "ALTER DOMAIN {q} RENAME TO {}", quote_ident(n));
            }
            TypeStmt::SetDomainSchema(q, s) => {
                let _ = write!(out, "ALTER DOMAIN {q} SET SCHEMA {}", quote_ident(s));
            }
            TypeStmt::SetDefault(q, e) => {
                let _ = write!(out, "ALTER DOMAIN {q} SET DEFAULT {}", e.trim());
            }
            TypeStmt::DropDefault(q) => {
                let _ = write!(out, "ALTER DOMAIN {q} DROP DEFAULT");
            }
            TypeStmt::SetNotNull(q) => {
                let _ = write!(out, "ALTER DOMAIN {q} SET NOT NULL");
            }
            TypeStmt::DropNotNull(q) => {
                let _ = write!(out, "ALTER DOMAIN {q} DROP NOT NULL");
            }
            TypeStmt::AddCheck(q, n, e, not_valid) => {
                let _ = write!(out, "ALTER DOMAIN {q} ADD ");
                check(out, n, e);
                if *not_valid {
                    out.push_str(" NOT VALID");
                }
            }
            TypeStmt::ValidateCheck(q, n) => {
                let _ = write!(
                    out,
                    "ALTER DOMAIN {q} VALIDATE CONSTRAINT {}",
                    quote_ident(n)
                );
            }
            TypeStmt::DropCheck(q, n, if_exists) => {
                let _ = write!(
                    out,
                    "ALTER DOMAIN {q} DROP CONSTRAINT {}{}",
                    if *if_exists { "IF EXISTS " } else { "" },
                    quote_ident(n)
                );
            }
            TypeStmt::RenameCheck(q, a, b) => {
                let _ = write!(
                    out,
                    "ALTER DOMAIN {q} RENAME CONSTRAINT {} TO {}",
                    quote_ident(a),
                    quote_ident(b)
                );
            }
            TypeStmt::AddAttribute(q, f, ty) => {
                let _ = write!(out, "ALTER TYPE {q} ADD ATTRIBUTE {} {ty}", quote_ident(f));
            }
            TypeStmt::DropAttribute(q, f) => {
                let _ = write!(out, "ALTER TYPE {q} DROP ATTRIBUTE {}", quote_ident(f));
            }
            TypeStmt::AlterAttributeType(q, f, ty) => {
                let _ = write!(
                    out,
                    "ALTER TYPE {q} ALTER ATTRIBUTE {} TYPE {ty}",
                    quote_ident(f)
                );
            }
            TypeStmt::RenameAttribute(q, a, b) => {
                let _ = write!(
                    out,
                    "ALTER TYPE {q} RENAME ATTRIBUTE {} TO {}",
                    quote_ident(a),
                    quote_ident(b)
                );
            }
        }
    }
}
