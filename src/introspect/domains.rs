//! Domains and composite types of a live catalog (`pg_type` typtype `d` and `c`), as PostgreSQL
//! prints them.
//!
//! Input: a client and the schemas to read. Output: sorted [`DomainInfo`] and [`CompositeInfo`]
//! records. Invariants: only `SELECT`s on the catalogs; types of extensions and the row types of
//! tables and views are left out; fields are in `attnum` order, checks by name.

use postgres::GenericClient;

/// A domain.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DomainInfo {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// `format_type(typbasetype, typtypmod)`.
    pub base: String,
    /// `typnotnull`.
    pub not_null: bool,
    /// `typdefault`.
    pub default: Option<String>,
    /// The collation, when it is not the base type's.
    pub collation: Option<String>,
    /// CHECK constraints: (name, `pg_get_constraintdef`, validated), by name.
    pub checks: Vec<(String, String, bool)>,
    /// `COMMENT ON TYPE`.
    pub description: Option<String>,
}

/// A composite type (`CREATE TYPE … AS (…)`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CompositeInfo {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// Fields: (name, `format_type`), in attnum order.
    pub fields: Vec<(String, String)>,
    /// `COMMENT ON TYPE`.
    pub description: Option<String>,
}

const DOMAINS_SQL: &str = "
select n.nspname::text, t.typname::text, format_type(t.typbasetype, t.typtypmod), t.typnotnull,
       t.typdefault,
       case when t.typcollation <> b.typcollation then co.collname::text end,
       array(select k.conname::text from pg_constraint k
             where k.contypid = t.oid and k.contype = 'c' order by k.conname),
       array(select pg_get_constraintdef(k.oid) from pg_constraint k
             where k.contypid = t.oid and k.contype = 'c' order by k.conname),
       array(select k.convalidated from pg_constraint k
             where k.contypid = t.oid and k.contype = 'c' order by k.conname),
       obj_description(t.oid, 'pg_type')
from pg_type t join pg_namespace n on n.oid = t.typnamespace
join pg_type b on b.oid = t.typbasetype
left join pg_collation co on co.oid = t.typcollation
where t.typtype = 'd' and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}";

const COMPOSITES_SQL: &str = "
select n.nspname::text, t.typname::text,
       array(select a.attname::text from pg_attribute a
             where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped order by a.attnum),
       array(select format_type(a.atttypid, a.atttypmod) from pg_attribute a
             where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped order by a.attnum),
       obj_description(t.oid, 'pg_type')
from pg_type t join pg_namespace n on n.oid = t.typnamespace
join pg_class r on r.oid = t.typrelid and r.relkind = 'c'
where t.typtype = 'c' and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}";

/// The domains and composite types of `schemas`.
pub fn read(
    client: &mut impl GenericClient,
    schemas: &[String],
) -> Result<(Vec<DomainInfo>, Vec<CompositeInfo>), postgres::Error> {
    let mut domains = Vec::new();
    for r in client.query(&super::sql(DOMAINS_SQL, "pg_type", "t.oid"), &[&schemas])? {
        let names: Vec<String> = r.try_get(6)?;
        let defs: Vec<String> = r.try_get(7)?;
        let valid: Vec<bool> = r.try_get(8)?;
        domains.push(DomainInfo {
            schema: r.try_get(0)?,
            name: r.try_get(1)?,
            base: r.try_get(2)?,
            not_null: r.try_get(3)?,
            default: r.try_get(4)?,
            collation: r.try_get(5)?,
            checks: names
                .into_iter()
                .zip(defs)
                .zip(valid)
                .map(|((n, d), v)| (n, d, v))
                .collect(),
            description: r.try_get(9)?,
        });
    }
    let mut composites = Vec::new();
    for r in client.query(&super::sql(COMPOSITES_SQL, "pg_type", "t.oid"), &[&schemas])? {
        let names: Vec<String> = r.try_get(2)?;
        let types: Vec<String> = r.try_get(3)?;
        composites.push(CompositeInfo {
            schema: r.try_get(0)?,
            name: r.try_get(1)?,
            fields: names.into_iter().zip(types).collect(),
            description: r.try_get(4)?,
        });
    }
    domains.sort();
    composites.sort();
    Ok((domains, composites))
}
