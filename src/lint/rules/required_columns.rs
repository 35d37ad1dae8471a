//! SC207 `required-columns`.

use crate::declare_rule;
use crate::ir::types::{builtin_sql, parse_written, with_array};
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// When enabled, checks that every table has the columns listed under
    /// `lint: { required_columns: … }`, with the type, nullability and default given there.
    /// Entries are names (`[created_at, updated_at]`) or a mapping of name to
    /// `{ type, nullable, default }`; types are compared after normalisation (`timestamptz` ==
    /// `timestamp with time zone`), defaults ignoring case and spaces. Off by default.
    ///
    /// ## Why is this bad?
    /// Teams rely on a few columns on every table (audit timestamps, a tenant key); a table that
    /// lacks one breaks the jobs, triggers and dashboards that assume it.
    ///
    /// ## Example
    /// ```yaml
    /// lint:
    ///   rules: { required-columns: warn }
    ///   required_columns:
    ///     created_at: { type: timestamptz, nullable: false, default: now() }
    /// tables:
    ///   notes:
    ///     columns: { id: { type: bigint, identity: always, primary_key: true } }
    /// ```
    ///
    /// Use instead: add `created_at: { type: timestamptz, default: now() }` to `notes`, or accept
    /// the finding on that table with `lint: { allow: { required-columns: "reason" } }`.
    ///
    /// ## Options
    /// `lint.required_columns` (see above). Exclude a table with an inline `allow`.
    pub RequiredColumns {
        code: "SC207", name: "required-columns",
        category: Integrity, level: Off, target: Model,
    }
}

fn normalise_type(written: &str) -> String {
    parse_written(written)
        .and_then(|t| builtin_sql(&t).map(|b| with_array(b, t.array_dims)))
        .unwrap_or_else(|| written.trim().to_ascii_lowercase())
}

fn normalise_default(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

impl Rule for RequiredColumns {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let required = &cx.model.lint.required_columns;
        if required.is_empty() {
            return;
        }
        let wanted_types: Vec<Option<String>> = required
            .iter()
            .map(|r| r.type_written.as_ref().map(|t| normalise_type(&t.value)))
            .collect();
        for t in cx.model.tables.values() {
            let table = cx.short(&t.name);
            for (r, wanted_type) in required.iter().zip(&wanted_types) {
                let name = &r.name.value;
                let Some(c) = t.columns.get(name) else {
                    out.push(
                        Self::META
                            .finding(
                                Object::Table(t.name.clone()),
                                format!("table `{table}` has no `{name}` column"),
                            )
                            .at(t.origin, format!("`{name}` is required on every table"))
                            .help(format!("add the column `{name}` to `{table}`")),
                    );
                    continue;
                };
                let mut problems = Vec::new();
                if let Some(want) = wanted_type
                    && *want != c.type_sql
                {
                    problems.push(format!("type `{}` instead of `{want}`", c.type_sql));
                }
                if let Some(nullable) = r.nullable
                    && nullable != c.nullable
                {
                    problems.push(if nullable {
                        "NOT NULL instead of nullable".to_string()
                    } else {
                        "nullable instead of NOT NULL".to_string()
                    });
                }
                if let Some(want) = &r.default {
                    let have = c.default.as_ref().map(|d| normalise_default(&d.value));
                    if have.as_deref() != Some(normalise_default(&want.value).as_str()) {
                        problems.push(format!("a default other than `{}`", want.value.trim()));
                    }
                }
                if !problems.is_empty() {
                    out.push(
                        Self::META
                            .finding(
                                Object::Column(t.name.clone(), name.clone()),
                                format!("`{table}.{name}` has {}", problems.join(", ")),
                            )
                            .at(c.origin, "differs from `lint.required_columns`")
                            .help(format!(
                                "make `{name}` match the required column definition"
                            )),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = r#"
version: 1
lint:
  rules: { required-columns: warn }
  required_columns:
    created_at: { type: timestamptz, nullable: false, default: now() }
    tenant_id: { type: uuid }
tables:
  notes:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      COLUMNS
"#;

    #[test]
    fn required_columns_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace("COLUMNS", "created_at: { type: timestamp, nullable: true }"),
            "SC207"
        ));
    }

    #[test]
    fn required_columns_ok() {
        assert_clean(
            &MODEL.replace(
                "COLUMNS",
                "created_at: { type: timestamp with time zone, default: NOW( ) }\n      tenant_id: uuid",
            ),
            "SC207",
        );
    }
}
