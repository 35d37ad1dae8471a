//! `pg_default_acl` → [`DefaultAcl`] rows: the default privileges of every role, in every schema
//! read and in no schema (every schema).
//!
//! Input: a client and the schemas to read. Output: one row per (owner, schema, class, grantee)
//! with its privileges, sorted; the owner's own entries are left out (an owner holds every
//! privilege on its objects; the model never changes that). Also `current_user`, the role whose default
//! privileges an entry without `for_role:` is about. Invariants: a `SELECT` on the catalogs only.

use postgres::GenericClient;

/// One grantee of one `pg_default_acl` row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DefaultAcl {
    /// The role whose new objects it covers (`defaclrole`).
    pub owner: String,
    /// The schema (`None`: every schema).
    pub schema: Option<String>,
    /// `defaclobjtype`: `r` tables, `S` sequences, `f` functions, `T` types, `n` schemas.
    pub objtype: String,
    /// The grantee (`public` for PUBLIC).
    pub grantee: String,
    /// Privileges, lower case, sorted.
    pub privileges: Vec<String>,
}

/// One every-schema row, whether or not it names grantees: its presence means the owner's
/// defaults for the class are no longer PostgreSQL's built-in ones.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GlobalRow {
    /// `defaclrole`.
    pub owner: String,
    /// `defaclobjtype`.
    pub objtype: String,
}

const DEFAULT_ACL_SQL: &str = "
select pg_get_userbyid(da.defaclrole)::text, n.nspname::text, da.defaclobjtype::text,
       case when x.grantee = 0 then 'public' else pg_get_userbyid(x.grantee)::text end,
       array_agg(lower(x.privilege_type) order by lower(x.privilege_type))::text[]
from pg_default_acl da left join pg_namespace n on n.oid = da.defaclnamespace
cross join lateral aclexplode(da.defaclacl) x
where x.grantee <> da.defaclrole and (da.defaclnamespace = 0 or n.nspname::text = any($1::text[]))
group by da.defaclrole, n.nspname, da.defaclobjtype, x.grantee";

const GLOBAL_SQL: &str = "
select pg_get_userbyid(da.defaclrole)::text, da.defaclobjtype::text
from pg_default_acl da where da.defaclnamespace = 0";

/// Read the default privileges, every-schema rows and `current_user`.
pub fn read(
    client: &mut impl GenericClient,
    schemas: &[String],
) -> Result<(Vec<DefaultAcl>, Vec<GlobalRow>, String), postgres::Error> {
    let mut rows = Vec::new();
    for r in client.query(DEFAULT_ACL_SQL, &[&schemas])? {
        rows.push(DefaultAcl {
            owner: r.try_get(0)?,
            schema: r.try_get(1)?,
            objtype: r.try_get(2)?,
            grantee: r.try_get(3)?,
            privileges: r.try_get(4)?,
        });
    }
    rows.sort();
    let mut global = Vec::new();
    for r in client.query(GLOBAL_SQL, &[])? {
        global.push(GlobalRow {
            owner: r.try_get(0)?,
            objtype: r.try_get(1)?,
        });
    }
    global.sort();
    let user: String = client
        .query_one("select current_user::text", &[])?
        .try_get(0)?;
    Ok((rows, global, user))
}
