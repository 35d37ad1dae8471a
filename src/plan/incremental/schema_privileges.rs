//! Grants and revokes on schemas (`schemas: { app: { grants, revoke } }`), `public` and the
//! platform's schemas included.

use super::*;

impl Differ<'_> {
    /// The privileges of every schema either model declares. A schema the new model creates
    /// starts with none; one it drops takes its privileges with it (nothing to revoke); `public`
    /// and the platform's schemas, which are never created or dropped, go back to their defaults
    /// when the model stops declaring them.
    pub(super) fn schema_privileges(&mut self) {
        let (old, new) = (self.old, self.new);
        let empty = Privileges::new();
        let names: BTreeSet<&String> = old.schemas.keys().chain(new.schemas.keys()).collect();
        for name in names {
            let before = old.schemas.get(name);
            let after = new.schemas.get(name);
            if after.is_none() && new.creates_schema(name) {
                // Dropped with the schema.
                continue;
            }
            let (og, or) = before.map_or((&empty, &empty), |s| (&s.grants, &s.revokes));
            let (ng, nr, span) = after.map_or((&empty, &empty, Span::default()), |s| {
                (&s.grants, &s.revokes, s.origin)
            });
            if og == ng && or == nr {
                continue;
            }
            self.privileges(
                &GrantObject::Schema(name.clone()),
                name.clone(),
                og,
                or,
                ng,
                nr,
                span,
                &[],
            );
        }
        // Grants on platform tables (top-level `grants:`): granted and revoked like a table's.
        let tables: BTreeSet<&QName> = old
            .external_grants
            .keys()
            .chain(new.external_grants.keys())
            .collect();
        for table in tables {
            let og = old.external_grants.get(table).unwrap_or(&empty);
            let ng = new.external_grants.get(table).unwrap_or(&empty);
            if og == ng {
                continue;
            }
            let span = new
                .external_grant_spans
                .get(table)
                .map_or(Span::default(), |(s, _)| *s);
            self.privileges(
                &GrantObject::Table(table.clone()),
                format!("{}.{}", table.schema, table.name),
                og,
                &empty,
                ng,
                &empty,
                span,
                &[],
            );
        }
    }
}
