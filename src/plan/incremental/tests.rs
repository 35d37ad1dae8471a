//! Unit tests of the incremental plan on small models: which changes are recorded (with their
//! typed subjects) and which statements come out, in which order and in which file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use crate::diff::ColumnDelta;

fn model(yaml: &str) -> Model {
    let compiled = crate::compile_sources(&[("schema.yaml".to_string(), yaml.to_string())]);
    assert!(compiled.ok(), "{:?}", compiled.diagnostics.sorted());
    compiled.model
}

const HEAD: &str = "version: 1\n";

/// The incremental migration from `before` to `after` (both under `HEAD`).
fn plan(before: &str, after: &str) -> Incremental {
    incremental(
        &model(&format!("{HEAD}{before}")),
        &model(&format!("{HEAD}{after}")),
    )
}

fn steps(out: &mut String, title: &str, steps: &[Step<'_>]) {
    out.push_str(&format!("== {title}\n"));
    for s in steps {
        out.push_str(&format!("-- {}\n", s.comment));
        for st in &s.stmts {
            out.push_str(&format!("{st}\n"));
        }
    }
}

/// Changes, then the up, follow-up and down statements, as text.
fn render(inc: &Incremental) -> String {
    let mut out = String::from("== changes\n");
    for c in &inc.changes {
        out.push_str(&format!("{:?} {} [{}]", c.kind, c.object, c.detail));
        if let Some(s) = c.strategy {
            out.push_str(&format!(" ({s})"));
        }
        out.push('\n');
    }
    steps(&mut out, "up", &inc.main.up);
    if let Some(online) = &inc.online {
        steps(&mut out, "follow-up (no transaction)", &online.up);
    }
    steps(&mut out, "down", &inc.main.down);
    out
}

const TABLE: &str = "tables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      n: { type: integer, nullable: true, default: '1' }\n";

#[test]
fn same_model_no_changes() {
    let inc = plan(TABLE, TABLE);
    assert!(inc.is_empty());
    assert!(inc.main.up.is_empty() && inc.online.is_none());
}

#[test]
fn added_column_carries_the_column() {
    let inc = plan(
        TABLE,
        &format!("{TABLE}      title: {{ type: text, nullable: true }}\n"),
    );
    assert_eq!(inc.changes.len(), 1);
    let c = &inc.changes[0];
    assert_eq!(c.kind, ChangeKind::AddColumn);
    assert!(c.on_existing_table);
    assert!(c.subject.old_column().is_none());
    assert_eq!(
        c.subject.new_column().map(|x| x.name.as_str()),
        Some("title")
    );
    insta::assert_snapshot!(render(&inc));
}

#[test]
fn type_and_default_change_one_column_delta() {
    let after = TABLE.replace(
        "n: { type: integer, nullable: true, default: '1' }",
        "n: { type: bigint, default: '2' }",
    );
    let inc = plan(TABLE, &after);
    let kinds: Vec<ChangeKind> = inc.changes.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [ChangeKind::AlterColumnType, ChangeKind::SetNotNull]);
    let Subject::Column { delta, .. } = &inc.changes[0].subject else {
        panic!("not a column subject: {:?}", inc.changes[0].subject);
    };
    assert_eq!(
        *delta,
        ColumnDelta {
            ty: true,
            default: true,
            nullable: true,
            ..ColumnDelta::default()
        }
    );
    // The default goes before the type change and comes back after it; NOT NULL is validated
    // through a NOT VALID check in the follow-up file (see the snapshot).
    insta::assert_snapshot!(render(&inc));
}

#[test]
fn index_and_foreign_key_on_an_existing_table_use_safe_strategies() {
    let before = format!(
        "{TABLE}  b:\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n      a_id: {{ type: bigint, nullable: true }}\n"
    );
    let after = format!(
        "{TABLE}  b:\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n      a_id: {{ type: bigint, nullable: true, references: a }}\n    indexes:\n      - {{ columns: [a_id] }}\n"
    );
    let inc = plan(&before, &after);
    let c = inc
        .changes
        .iter()
        .find(|c| c.kind == ChangeKind::AddConstraint)
        .unwrap();
    assert!(matches!(
        c.subject,
        Subject::Constraint {
            kind: ConstraintKind::ForeignKey,
            ..
        }
    ));
    insta::assert_snapshot!(render(&inc));
}

#[test]
fn enum_values_appended_or_inserted() {
    let before = "enums:\n  status: [draft, done]\n";
    let inc = plan(
        before,
        "enums:\n  status: [draft, review, done, archived]\n",
    );
    assert_eq!(inc.changes.len(), 1);
    let Subject::Enum { old, new, .. } = &inc.changes[0].subject else {
        panic!("not an enum subject");
    };
    assert_eq!(
        crate::diff::compare::enum_values_inserted_before_end(old, new),
        ["review"]
    );
    insta::assert_snapshot!(render(&inc));
    // Removing a value rebuilds the type.
    let inc = plan(before, "enums:\n  status: [draft]\n");
    assert_eq!(inc.changes[0].kind, ChangeKind::RebuildEnum);
    assert_eq!(
        crate::diff::compare::enum_values_removed(
            &["draft".to_string(), "done".to_string()],
            &["draft".to_string()]
        ),
        ["done"]
    );
}

#[test]
fn drops_before_creates_and_tables_in_fk_order() {
    let before = "tables:\n  old_t:\n    columns:\n      id: { type: bigint, primary_key: true }\n";
    let after = "tables:\n  child:\n    columns:\n      id: { type: bigint, primary_key: true }\n      p: { type: bigint, references: parent }\n  parent:\n    columns:\n      id: { type: bigint, primary_key: true }\n";
    let inc = plan(before, after);
    let kinds: Vec<(ChangeKind, &str)> = inc
        .changes
        .iter()
        .map(|c| (c.kind, c.object.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (ChangeKind::DropTable, "public.old_t"),
            (ChangeKind::CreateTable, "public.parent"),
            (ChangeKind::CreateTable, "public.child"),
        ]
    );
    let comments: Vec<&str> = inc.main.up.iter().map(|s| s.comment.as_str()).collect();
    assert_eq!(
        comments,
        [
            "Drop table public.old_t",
            "Table public.parent",
            "Table public.child",
        ]
    );
}

/// A snapshot written before E321 may hold a unique constraint PostgreSQL folded into the primary
/// key (`primary_key: true, unique: true`): it never existed on the server, so removing it from
/// the model migrates nothing (a `DROP CONSTRAINT` would fail), and the down file adds nothing.
#[test]
fn a_folded_unique_constraint_of_an_older_snapshot_is_never_dropped() {
    let new = model(&format!(
        "{HEAD}tables:\n  accounts:\n    columns:\n      id: {{ type: uuid, primary_key: true }}\n      email: text\n"
    ));
    let mut old = new.clone();
    let t = old.tables.values_mut().next().unwrap();
    let pk_cols = t.primary_key.as_ref().unwrap().columns.clone();
    t.uniques.push(crate::ir::Unique {
        name: crate::ir::Sp::new("accounts_id_key".to_string(), Default::default()),
        columns: pk_cols,
        nulls_distinct: true,
        origin: Default::default(),
    });
    let up = incremental(&old, &new);
    assert!(up.is_empty(), "{}", render(&up));
    let back = incremental(&new, &old);
    assert!(back.is_empty(), "{}", render(&back));
    // A unique constraint that is not folded is still dropped.
    let mut kept = new.clone();
    let t = kept.tables.values_mut().next().unwrap();
    t.uniques.push(crate::ir::Unique {
        name: crate::ir::Sp::new("accounts_email_key".to_string(), Default::default()),
        columns: vec![crate::ir::Sp::new("email".to_string(), Default::default())],
        nulls_distinct: true,
        origin: Default::default(),
    });
    let dropped = render(&incremental(&kept, &new));
    assert!(dropped.contains("accounts_email_key"), "{dropped}");
}
