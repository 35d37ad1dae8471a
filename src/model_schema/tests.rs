//! The key tables against the loader: the same keys, the same closed value sets.

use std::collections::BTreeSet;

use super::keys;
use super::*;
use crate::load::{
    access_tests as at, citus, data, default_privileges as dp, exclude as ex, job,
    migrations as mig, model as m, publication as pb,
};

/// Each loader key list (by its name in `src/load/`) and the object that documents it.
fn pairs() -> Vec<(&'static str, &'static [&'static str], &'static Object)> {
    vec![
        ("TOP", m::TOP, &keys::TOP),
        ("TABLE", m::TABLE, &keys::TABLE),
        ("COLUMN", m::COLUMN, &keys::COLUMN),
        ("FK", m::FK, &keys::FK),
        ("FK_TARGET", m::FK_TARGET, &keys::FK_TARGET),
        ("INDEX", m::INDEX, &keys::INDEX),
        ("INDEX_KEY", m::INDEX_KEY, &keys::INDEX_KEY),
        ("RLS", m::RLS, &keys::RLS),
        ("POLICY", m::POLICY, &keys::POLICY),
        ("TRIGGER", m::TRIGGER, &keys::TRIGGER),
        ("FUNCTION", m::FUNCTION, &keys::FUNCTION),
        ("ARG", m::ARG, &keys::ARG),
        ("VIEW", m::VIEW, &keys::VIEW),
        ("ENUM", m::ENUM, &keys::ENUM),
        ("UNIQUE", m::UNIQUE, &keys::UNIQUE),
        ("PRIMARY_KEY", m::PRIMARY_KEY, &keys::PRIMARY_KEY),
        ("COLUMN_NAMED", m::COLUMN_NAMED, &keys::COLUMN_NAMED),
        ("DELETE_SET", m::DELETE_SET, &keys::DELETE_SET),
        ("PARTITION", m::PARTITION, &keys::PARTITION),
        (
            "PARTITION_BOUND",
            m::PARTITION_BOUND,
            &keys::PARTITION_BOUND,
        ),
        ("DESCRIBED", m::DESCRIBED, &keys::DESCRIBED),
        ("SCHEMA", m::SCHEMA, &keys::SCHEMA),
        (
            "DEFAULT_PRIVILEGES",
            dp::DEFAULT_PRIVILEGES,
            &keys::DEFAULT_PRIVILEGES,
        ),
        (
            "DEFAULT_PRIVILEGES_CLASS",
            dp::DEFAULT_PRIVILEGES_CLASS,
            &keys::DEFAULT_PRIVILEGES_CLASS,
        ),
        ("EXTENSION", m::EXTENSION, &keys::EXTENSION),
        ("SUPABASE", m::SUPABASE, &keys::SUPABASE),
        ("LINT", m::LINT, &keys::LINT),
        (
            "REQUIRED_COLUMN",
            m::REQUIRED_COLUMN,
            &keys::REQUIRED_COLUMN,
        ),
        ("LINT_ALLOW", m::LINT_ALLOW, &keys::LINT_ALLOW),
        ("TEST", at::TEST, &keys::TEST),
        ("STEP", at::STEP, &keys::STEP),
        ("IDENTITY", at::IDENTITY, &keys::IDENTITY),
        ("EXPECT", at::EXPECT, &keys::EXPECT),
        ("QUERY", at::QUERY, &keys::QUERY),
        ("OPT_OUT", at::OPT_OUT, &keys::OPT_OUT),
        ("MIGRATIONS", mig::MIGRATIONS, &keys::MIGRATIONS),
        ("ACKNOWLEDGE", mig::ACKNOWLEDGE, &keys::ACKNOWLEDGE),
        ("DISTRIBUTION", citus::DISTRIBUTION, &keys::DISTRIBUTION),
        (
            "REPLICA_IDENTITY_INDEX",
            crate::load::replication::REPLICA_IDENTITY_INDEX,
            &keys::REPLICA_IDENTITY_INDEX,
        ),
        ("DOMAIN", m::DOMAIN, &keys::DOMAIN),
        ("DOMAIN_CHECK", m::DOMAIN_CHECK, &keys::DOMAIN_CHECK),
        ("COMPOSITE", m::COMPOSITE, &keys::COMPOSITE),
        ("FIELD", m::FIELD, &keys::FIELD),
        ("JOB", job::JOB, &keys::JOB),
        ("PUBLICATION", pb::PUBLICATION, &keys::PUBLICATION),
        (
            "PUBLICATION_TABLE",
            pb::PUBLICATION_TABLE,
            &keys::PUBLICATION_TABLE,
        ),
        ("DATA", data::DATA, &keys::DATA),
        ("BUCKET", data::BUCKET, &keys::BUCKET),
        ("EXCLUDE", ex::EXCLUDE, &keys::EXCLUDE),
        (
            "EXCLUDE_ELEMENT",
            ex::EXCLUDE_ELEMENT,
            &keys::EXCLUDE_ELEMENT,
        ),
    ]
}

/// Loader constants that are value sets, not key lists (checked as choices below).
const VALUE_SETS: &[&str] = &["ACTIONS", "LINT_LEVELS"];

const LOADER_SOURCES: &[(&str, &str)] = &[
    ("src/load/model.rs", include_str!("../load/model.rs")),
    (
        "src/load/access_tests.rs",
        include_str!("../load/access_tests.rs"),
    ),
    (
        "src/load/migrations.rs",
        include_str!("../load/migrations.rs"),
    ),
    ("src/load/decode.rs", include_str!("../load/decode.rs")),
    ("src/load/mod.rs", include_str!("../load/mod.rs")),
    ("src/load/citus.rs", include_str!("../load/citus.rs")),
    (
        "src/load/default_privileges.rs",
        include_str!("../load/default_privileges.rs"),
    ),
    (
        "src/load/replication.rs",
        include_str!("../load/replication.rs"),
    ),
    (
        "src/load/model/domains.rs",
        include_str!("../load/model/domains.rs"),
    ),
    ("src/load/job.rs", include_str!("../load/job.rs")),
    (
        "src/load/publication.rs",
        include_str!("../load/publication.rs"),
    ),
    ("src/load/data.rs", include_str!("../load/data.rs")),
    ("src/load/exclude.rs", include_str!("../load/exclude.rs")),
];

fn set<'a>(items: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'a str> {
    items.into_iter().collect()
}

#[test]
fn every_object_has_exactly_the_loaders_keys() {
    for (name, loader, obj) in pairs() {
        let documented = set(obj.keys.iter().map(|k| k.name));
        assert_eq!(
            set(loader.iter().copied()),
            documented,
            "the keys of `{name}` in src/load/ differ from object `{}` of src/model_schema/keys.rs: \
             add the new key (shape, required, one line of documentation) there and run \
             `schemac json-schema > schema/schemac.schema.json` and \
             `schemac json-schema --markdown > docs/model-keys.md`",
            obj.id
        );
    }
}

#[test]
fn a_tables_trigger_has_every_key_but_on() {
    let mut keys: Vec<&str> = m::TRIGGER.iter().copied().filter(|k| *k != "on").collect();
    keys.sort_unstable();
    let mut documented: Vec<&str> = keys::TABLE_TRIGGER.keys.iter().map(|k| k.name).collect();
    documented.sort_unstable();
    assert_eq!(keys, documented);
}

#[test]
fn the_derived_test_names_are_the_reserved_keys_of_tests() {
    let mut reserved = vec!["derived"];
    reserved.extend(crate::ir::access_test::DERIVED_TESTS.iter().copied());
    assert_eq!(set(keys::TESTS.keys.iter().map(|k| k.name)), set(reserved));
}

/// The `const NAME: &[&str]` items of a source text.
fn key_list_consts(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let rest = l
                .strip_prefix("pub(crate) const ")
                .or_else(|| l.strip_prefix("pub const "))
                .or_else(|| l.strip_prefix("const "))?;
            let (name, ty) = rest.split_once(':')?;
            ty.trim_start()
                .starts_with("&[&str]")
                .then(|| name.trim().to_string())
        })
        .collect()
}

#[test]
fn every_key_list_of_the_loader_is_documented() {
    let known: BTreeSet<&str> = pairs()
        .iter()
        .map(|(n, _, _)| *n)
        .chain(VALUE_SETS.iter().copied())
        .collect();
    for (file, text) in LOADER_SOURCES {
        for name in key_list_consts(text) {
            assert!(
                known.contains(name.as_str()),
                "{file} has a new key list `{name}`: add its object to src/model_schema/keys.rs \
                 and to `pairs()` in src/model_schema/tests.rs"
            );
        }
    }
}

/// Every string-array literal `&["a", "b"]` of a source text, as a set of its words.
fn string_arrays(text: &str) -> Vec<BTreeSet<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("&[") {
        rest = &rest[i + 2..];
        let body = rest.trim_start();
        if !body.starts_with('"') {
            continue;
        }
        let Some(end) = body.find(']') else { break };
        let words: BTreeSet<String> = body[..end]
            .split(',')
            .map(|w| w.trim().trim_matches('"').to_string())
            .filter(|w| !w.is_empty())
            .collect();
        out.push(words);
    }
    out
}

fn choices(shape: &Shape, out: &mut Vec<BTreeSet<String>>) {
    match shape {
        Shape::Choice(words) => out.push(words.iter().map(|w| (*w).to_string()).collect()),
        Shape::Either(alts) => {
            for a in *alts {
                choices(a, out);
            }
        }
        Shape::MapOf(s) | Shape::ListOf(s) | Shape::Seq(s) => choices(s, out),
        _ => {}
    }
}

fn schema_choices() -> Vec<BTreeSet<String>> {
    let mut out = Vec::new();
    for obj in objects() {
        for k in obj.keys {
            choices(&k.shape, &mut out);
        }
        if let Some(rest) = obj.rest {
            choices(rest, &mut out);
        }
    }
    out
}

#[test]
fn every_closed_value_set_of_the_loader_is_an_enum_of_the_schema_and_back() {
    let schema = schema_choices();
    let key_lists: Vec<BTreeSet<String>> = pairs()
        .iter()
        .map(|(_, l, _)| l.iter().map(|w| (*w).to_string()).collect())
        .collect();
    let mut loader = Vec::new();
    for (_, text) in LOADER_SOURCES {
        loader.extend(string_arrays(text));
    }
    assert!(
        loader.len() > 30,
        "the scan found only {} lists",
        loader.len()
    );
    // `decode::choice(…, &[…])` lists and the value-set constants (`ACTIONS`, `LINT_LEVELS`).
    for words in &loader {
        if key_lists.contains(words) || words.len() == 1 {
            continue;
        }
        assert!(
            schema.contains(words),
            "the loader accepts the words {words:?}, which no enum of src/model_schema/keys.rs lists"
        );
    }
    for words in &schema {
        assert!(
            loader.contains(words),
            "the enum {words:?} of src/model_schema/keys.rs is not a value set of the loader"
        );
    }
}

#[test]
fn keys_at_the_root_are_the_sections() {
    let names: Vec<&str> = keys_at(&[]).iter().map(|k| k.name).collect();
    assert_eq!(names, m::TOP);
}

#[test]
fn keys_at_a_column_through_user_names() {
    let keys = keys_at(&["tables", "profiles", "columns", "id"]);
    let names: Vec<&str> = keys.iter().map(|k| k.name).collect();
    assert_eq!(names, m::COLUMN);
    let on_delete = keys.iter().find(|k| k.name == "on_delete").unwrap();
    assert_eq!(
        on_delete.values,
        [
            "no_action",
            "restrict",
            "cascade",
            "set_null",
            "set_default"
        ]
    );
    let ty = keys.iter().find(|k| k.name == "type").unwrap();
    assert!(ty.required);
    assert_eq!(ty.kind, "text");
}

#[test]
fn keys_at_list_items_with_or_without_an_index() {
    let a = keys_at(&["tables", "t", "indexes"]);
    let b = keys_at(&["tables", "t", "indexes", "0"]);
    assert_eq!(a, b);
    assert_eq!(a.iter().map(|k| k.name).collect::<Vec<_>>(), m::INDEX);
    let key = keys_at(&["tables", "t", "indexes", "0", "columns", "1"]);
    assert_eq!(key.iter().map(|k| k.name).collect::<Vec<_>>(), m::INDEX_KEY);
}

#[test]
fn keys_at_policies_tests_and_nowhere() {
    let p = keys_at(&["tables", "t", "rls", "policies", "own"]);
    assert_eq!(p.iter().map(|k| k.name).collect::<Vec<_>>(), m::POLICY);
    let top = keys_at(&["policies", "storage.objects", "read"]);
    assert_eq!(top, p);
    let step = keys_at(&["tables", "t", "tests", "isolation", "steps", "0"]);
    assert_eq!(step.iter().map(|k| k.name).collect::<Vec<_>>(), at::STEP);
    let opt_out = keys_at(&["tables", "t", "tests", "derived"]);
    assert_eq!(opt_out.iter().map(|k| k.name).collect::<Vec<_>>(), ["skip"]);
    assert!(
        keys_at(&["tables"]).is_empty(),
        "table names are the user's"
    );
    assert!(keys_at(&["nonsense", "x"]).is_empty());
    assert!(keys_at(&["version"]).is_empty());
}

#[test]
fn the_schema_is_deterministic_and_sorted() {
    let a = json_schema_text();
    assert_eq!(a, json_schema_text());
    assert!(a.ends_with("}\n"));
    let v: Value = serde_json::from_str(&a).unwrap();
    assert_eq!(v["$schema"], JSON_SCHEMA_DRAFT);
    assert_eq!(v["additionalProperties"], false);
    assert_eq!(
        v["definitions"]["column"]["properties"]["identity"]["enum"],
        json!(["always", "by_default"])
    );
}
