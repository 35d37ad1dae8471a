//! View dependencies: which tables and views each view's query reads.
//!
//! Input: a resolved [`Model`] and its preset. Output: `depends_on` of every view filled in (the
//! relations its query reads that the model knows, sorted), and [`ViewQueries`]: each view's
//! query parsed and analysed once, handed to validation so it reports the query's syntax and
//! name errors without parsing it again. Invariants: a query that does not parse keeps the
//! `depends_on` it had (validation reports it); the analysis is the one validation would compute
//! (the same scope: nothing validation reads changes after this).

use std::collections::{BTreeMap, BTreeSet};

use super::Scope;
use crate::ir::{Model, QName};
use crate::preset::External;
use crate::sqlfrag::{self, Analysis, SyntaxError};

/// Each view's query, analysed (or why it does not parse), by view name.
pub type ViewQueries = BTreeMap<QName, Result<Analysis, SyntaxError>>;

/// Parse and analyse every view's query once; fill `depends_on` of every view from it.
pub fn view_dependencies(model: &mut Model, external: &External) -> ViewQueries {
    let mut queries = ViewQueries::new();
    let mut found: Vec<(QName, Vec<QName>)> = Vec::new();
    {
        let scope = Scope::new(model, external);
        for (view_name, v) in &model.views {
            let text = &v.query.value;
            let analysis = match sqlfrag::parse_query(text) {
                Ok(q) => sqlfrag::analyse_query(&q, text, &scope),
                Err(e) => {
                    queries.insert(view_name.clone(), Err(e));
                    continue;
                }
            };
            let mut deps: BTreeSet<QName> = BTreeSet::new();
            for (schema, name) in &analysis.relations {
                let written = match schema {
                    Some(s) => format!(
                        "{}.{}",
                        crate::sql::ident::quote_ident(s),
                        crate::sql::ident::quote_ident(name)
                    ),
                    None => crate::sql::ident::quote_ident(name),
                };
                if let Some(q) = scope.relation(&written) {
                    deps.insert(q);
                }
            }
            found.push((view_name.clone(), deps.into_iter().collect()));
            queries.insert(view_name.clone(), Ok(analysis));
        }
    }
    for (q, deps) in found {
        if let Some(v) = model.views.get_mut(&q) {
            v.depends_on = deps;
        }
    }
    queries
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use crate::diagnostics::Code;
    use crate::ir::QName;

    const MODEL: &str = "version: 1
tables:
  projects:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
  tasks:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
views:
  project_ids:
    query: select p.id from projects p join tasks t on t.id = p.id
  latest:
    query: select id from project_ids
";

    fn q(name: &str) -> QName {
        QName::new("public", name)
    }

    #[test]
    fn a_view_depends_on_the_relations_its_query_reads() {
        let c = crate::compile_sources(&[("schema.yaml".into(), MODEL.into())]);
        assert!(c.ok(), "{:?}", c.diagnostics);
        assert_eq!(
            c.model.views[&q("project_ids")].depends_on,
            vec![q("projects"), q("tasks")]
        );
        assert_eq!(
            c.model.views[&q("latest")].depends_on,
            vec![q("project_ids")]
        );
    }

    #[test]
    fn a_query_parsed_in_resolve_is_reported_once_by_validation() {
        let broken = MODEL.replace("select id from project_ids", "select id frm project_ids");
        let unknown = MODEL.replace("select id from project_ids", "select id from nowhere");
        for (text, code) in [(broken, Code::SqlSyntax), (unknown, Code::SqlUnknownObject)] {
            let c = crate::compile_sources(&[("schema.yaml".into(), text)]);
            let codes: Vec<&str> = c.diagnostics.sorted().iter().map(|d| d.code).collect();
            assert_eq!(codes, vec![code.as_str()]);
            // The view that parsed keeps its dependencies.
            assert_eq!(
                c.model.views[&q("project_ids")].depends_on,
                vec![q("projects"), q("tasks")]
            );
        }
    }
}
