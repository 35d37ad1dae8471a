//! Tests for fragment parsing and analysis.
//!
//! Input: literal SQL fragments and a small in-memory catalog.
//! Output: assertions on parse results, problems, spans and references.
//! Invariants: test-only code; may unwrap.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;

struct Cat;

fn cols(c: &[&str]) -> RelationLookup<'static> {
    RelationLookup::Columns(c.iter().map(|s| s.to_string()).collect())
}

impl Catalog for Cat {
    fn relation(&self, schema: Option<&str>, name: &str) -> RelationLookup<'_> {
        match (schema.unwrap_or("public"), name) {
            ("public", "coding_sessions") => cols(&["id", "user_id", "title", "created_at"]),
            ("public", "coding_jobs") => {
                cols(&["id", "session_id", "status", "payload", "created_at"])
            }
            ("public", "users") => cols(&["id", "email", "name", "größe"]),
            ("public", "events") => RelationLookup::Opaque,
            ("auth", "users") => cols(&["id", "email"]),
            _ => RelationLookup::Unknown,
        }
    }

    fn function_exists(&self, schema: &str, name: &str) -> bool {
        matches!(
            (schema, name),
            ("auth", "uid") | ("auth", "jwt") | ("public", "my_fn")
        )
    }
}

fn strings(c: &[&str]) -> Vec<String> {
    c.iter().map(|s| s.to_string()).collect()
}

fn expr_problems(text: &str, table: &str, columns: &[&str]) -> Vec<Problem> {
    let e = parse_expr(text).unwrap_or_else(|err| panic!("parse {text:?}: {err:?}"));
    let columns = strings(columns);
    analyse_expr(&e, text, Some((table, &columns)), &[], &Cat).problems
}

fn expr_ok(text: &str, table: &str, columns: &[&str]) {
    let p = expr_problems(text, table, columns);
    assert!(p.is_empty(), "{text}: unexpected problems {p:?}");
}

fn query_analysis(text: &str) -> Analysis {
    let q = parse_query(text).unwrap_or_else(|err| panic!("parse {text:?}: {err:?}"));
    analyse_query(&q, text, &Cat)
}

fn unknown_col(name: &str, qualifier: Option<&str>) -> ProblemKind {
    ProblemKind::UnknownColumn {
        name: name.to_string(),
        qualifier: qualifier.map(str::to_string),
    }
}

fn at_text<'t>(text: &'t str, p: &Problem) -> &'t str {
    let at = p.at.expect("span");
    &text[at.start..at.start + at.len]
}

// ----- parsing ---------------------------------------------------------

#[test]
fn trailing_garbage_rejected() {
    let err = parse_expr("a = 1 b").unwrap_err();
    assert_eq!(err.at, Some(FragSpan { start: 6, len: 1 }), "{err:?}");
    assert!(parse_query("select 1 from t x y").is_err());
    assert!(parse_query("select 1; select 2").is_err());
    assert!(parse_query("select 1;").is_ok());
    assert!(parse_query("select 1;;").is_err());
    assert!(parse_expr("a = 1;").is_err());
}

#[test]
fn error_offset_extracted() {
    let err = parse_expr("a = = 1").unwrap_err();
    assert_eq!(err.at, Some(FragSpan { start: 4, len: 1 }), "{err:?}");
    assert!(!err.message.contains("Line:"), "{}", err.message);
    let err = parse_expr("a and\n  (b or").unwrap_err();
    // error at EOF: offset is end of text
    assert_eq!(err.at.map(|a| a.start), Some(13), "{err:?}");
    let err = parse_expr("'unterminated").unwrap_err();
    assert_eq!(err.at.map(|a| a.start), Some(0), "{err:?}");
    let err = parse_expr("\"größe\" > > 0").unwrap_err();
    assert_eq!(err.at, Some(FragSpan { start: 12, len: 1 }), "{err:?}");
}

#[test]
fn non_select_rejected() {
    assert!(parse_query("insert into t values (1)").is_err());
    assert!(parse_query("delete from t").is_err());
    assert!(parse_query("values (1), (2)").is_ok());
}

#[test]
fn empty_and_junk_inputs() {
    assert!(parse_expr("").is_err());
    assert!(parse_expr("   ").is_err());
    assert!(parse_query("").is_err());
    assert!(parse_expr(")").is_err());
    assert!(parse_expr("\u{0}").is_err());
    assert!(parse_expr("'é").is_err());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for text in [
        format!("{}1{}", "(".repeat(5000), ")".repeat(5000)),
        format!("{}true", "not ".repeat(5000)),
        format!("{}1{}", "f(".repeat(3000), ")".repeat(3000)),
        format!("{}1{}", "array[".repeat(3000), "]".repeat(3000)),
        format!("1{}", "+1".repeat(20000)),
        format!("1{}", "::int".repeat(20000)),
        format!(
            "{}true{}",
            "case when ".repeat(3000),
            " then 1 end".repeat(3000)
        ),
        format!("{}1{}", "exists (select ".repeat(2000), ")".repeat(2000)),
    ] {
        let r = parse_expr(&text);
        assert!(r.is_err(), "{}", &text[..20]);
    }
    // long subscript chains are flat in the AST: fine either way, must not crash
    let text = format!("a{}", "[1]".repeat(20000));
    if let Ok(e) = parse_expr(&text) {
        let _ = analyse_expr(&e, &text, None, &[], &Cat);
    }
    let q = format!("select 1{}", " union select 1".repeat(20000));
    assert!(parse_query(&q).is_err());
    let q = format!("select * from {}t{}", "(".repeat(3000), ")".repeat(3000));
    assert!(parse_query(&q).is_err());
    // moderately nested input is still fine and analysable
    let text = format!("{}user_id{}", "(".repeat(30), ")".repeat(30));
    expr_ok(&text, "t", &["user_id"]);
    let text = format!("1{}", "+user_id".repeat(150));
    expr_ok(&text, "t", &["user_id"]);
    // The deepest tree accepted is walked by the analysis and the lint facts on an ordinary
    // 2 MiB thread (the test's own) without stack growth: sqlparser's `recursive-protection`
    // is off, so nothing grows the stack behind our back.
    let text = format!("user_id = 1{}", " or user_id = 1".repeat(197));
    let e = parse_expr(&text).unwrap();
    assert!(
        analyse_expr(&e, &text, Some(("t", &strings(&["user_id"]))), &[], &Cat)
            .problems
            .is_empty()
    );
    let facts = super::facts::Facts::of(super::facts::Role::Policy, &e, &text);
    assert_eq!(facts.comparisons.len(), 198);
    let text = format!("1{}", "+user_id".repeat(super::parse::MAX_EXPR_DEPTH));
    assert!(parse_expr(&text).is_err(), "one level too deep");
    let huge = "a".repeat(300 * 1024);
    assert!(parse_expr(&huge).is_err());
}

// ----- expressions -----------------------------------------------------

#[test]
fn policy_subselect_auth_uid() {
    expr_ok("(select auth.uid()) = user_id", "t", &["user_id"]);
    let e = parse_expr("(select auth.uid()) = user_id").unwrap();
    let a = analyse_expr(&e, "", Some(("t", &strings(&["user_id"]))), &[], &Cat);
    assert_eq!(
        a.functions,
        vec![(Some("auth".to_string()), "uid".to_string())]
    );
}

#[test]
fn unknown_column_with_offset() {
    let text = "auth.uid() = usr_id";
    let p = expr_problems(text, "t", &["user_id"]);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].kind, unknown_col("usr_id", None));
    assert_eq!(p[0].at, Some(FragSpan { start: 13, len: 6 }));
}

#[test]
fn correlated_exists() {
    let text = "exists (select 1 from coding_sessions s where s.id = session_id and s.user_id = (select auth.uid()))";
    let e = parse_expr(text).unwrap();
    let base = strings(&["id", "session_id", "status"]);
    let a = analyse_expr(&e, text, Some(("coding_jobs", &base)), &[], &Cat);
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert_eq!(a.relations, vec![(None, "coding_sessions".to_string())]);

    let text = "exists (select 1 from coding_sessions s where s.id = session_id and s.usr = (select auth.uid()))";
    let e = parse_expr(text).unwrap();
    let a = analyse_expr(&e, text, Some(("coding_jobs", &base)), &[], &Cat);
    assert_eq!(a.problems.len(), 1, "{:?}", a.problems);
    assert_eq!(a.problems[0].kind, unknown_col("usr", Some("s")));
    assert_eq!(at_text(text, &a.problems[0]), "usr");

    // the base table qualifier is in scope too
    expr_ok(
        "exists (select 1 from coding_sessions s where s.id = coding_jobs.session_id)",
        "coding_jobs",
        &["session_id"],
    );
    // inner alias shadows: s.session_id is not a column of coding_sessions
    let p = expr_problems(
        "exists (select 1 from coding_sessions s where s.session_id = 1)",
        "coding_jobs",
        &["session_id"],
    );
    assert_eq!(p.len(), 1);
}

#[test]
fn unknown_relation_and_function() {
    let text = "exists (select 1 from nope n where n.x = id)";
    let p = expr_problems(text, "t", &["id"]);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(
        p[0].kind,
        ProblemKind::UnknownRelation {
            name: "nope".to_string()
        }
    );
    assert_eq!(at_text(text, &p[0]), "nope");

    let text = "auth.nope() = owner";
    let p = expr_problems(text, "t", &["owner"]);
    assert_eq!(p.len(), 1);
    assert_eq!(
        p[0].kind,
        ProblemKind::UnknownFunction {
            name: "auth.nope".to_string()
        }
    );
    assert_eq!(at_text(text, &p[0]), "auth.nope");
    // unqualified calls are never checked
    expr_ok("whatever_fn(owner) > 0", "t", &["owner"]);
    expr_ok("public.my_fn(owner)", "t", &["owner"]);
}

#[test]
fn keywords_and_literals() {
    expr_ok("current_user = owner", "t", &["owner"]);
    expr_ok("created_at <= current_timestamp", "t", &["created_at"]);
    expr_ok(
        "session_user <> current_role and current_date > localtimestamp and current_schema is not null",
        "t",
        &[],
    );
    expr_ok("true and not false and null is null", "t", &[]);
    let p = expr_problems("\"current_user\" = 1", "t", &[]);
    assert_eq!(p.len(), 1, "quoted keyword is a column name");
}

#[test]
fn common_expressions() {
    let c = &[
        "status",
        "email",
        "title",
        "body",
        "x",
        "user_id",
        "created_at",
        "data",
        "tags",
        "n",
    ];
    for text in [
        "status <> 'deleted'",
        "lower(email)",
        "to_tsvector('english', coalesce(title,'') || ' ' || coalesce(body,''))",
        "now() + interval '1 hour'",
        "'active'::project_status",
        "x = any(array['a','b'])",
        "current_setting('app.current_user_id', true)::uuid = user_id",
        "extract(epoch from created_at) > 0",
        "cast(x as int) between 1 and 10",
        "case when status = 'a' then 1 when status is null then 2 else 3 end",
        "status is distinct from 'x'",
        "data ->> 'k' = 'v' and data -> 'a' ? 'b' and data @> '{}'::jsonb",
        "to_tsvector(body) @@ to_tsquery('english', 'cat & dog')",
        "lower(email) like '%@example.com'",
        "email ~* '^[a-z]+$'",
        "tags[1] = 'x' and array_length(tags, 1) > 0",
        "'it''s $1 $$ \"quoted\" text' <> title",
        "$$dollar 'quoted' body$$ <> title",
        "n in (1, 2, 3) and status not in ('a', 'b')",
        "date_trunc('day', created_at at time zone 'utc') = created_at",
        "coalesce(nullif(title, ''), 'x') is not null",
        "greatest(n, 0) + least(n, 10) > abs(-n)",
        "x = all(array[1,2])",
        "substring(title from 1 for 3) = 'abc'",
        "position('a' in title) > 0",
        "trim(both ' ' from title) <> ''",
        "row(n, x) is not null",
        "n % 2 = 0 and n::text ~ '^[0-9]+$'",
        "gen_random_uuid() is not null",
        "title collate \"C\" > 'a'",
    ] {
        expr_ok(text, "t", c);
    }
}

#[test]
fn unknown_inside_special_syntax() {
    let c = &["a"];
    for (text, bad) in [
        ("extract(epoch from zz) > 0", "zz"),
        ("cast(zz as int) > 0", "zz"),
        ("zz::int > 0", "zz"),
        ("case when a then zz end", "zz"),
        ("coalesce(a, zz)", "zz"),
        ("zz = any(array['a'])", "zz"),
        ("a in (select zz)", "zz"),
        ("lower(zz) like 'x%'", "zz"),
        ("zz ->> 'k' = 'v'", "zz"),
        ("interval '1 day' * zz", "zz"),
        ("substring(a from zz)", "zz"),
        ("zz[1] = 1", "zz"),
        ("(zz).field = 1", "zz"),
    ] {
        let p = expr_problems(text, "t", c);
        assert_eq!(p.len(), 1, "{text}: {p:?}");
        assert_eq!(p[0].kind, unknown_col(bad, None), "{text}");
        assert_eq!(at_text(text, &p[0]), bad, "{text}");
    }
}

#[test]
fn extra_scope_new_old() {
    let text = "NEW.status is distinct from OLD.status";
    let e = parse_expr(text).unwrap();
    let a = analyse_expr(&e, text, None, &["NEW", "OLD"], &Cat);
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    let text = "new.status <> mid.status";
    let e = parse_expr(text).unwrap();
    let a = analyse_expr(&e, text, None, &["new", "old"], &Cat);
    assert_eq!(a.problems.len(), 1);
    assert_eq!(a.problems[0].kind, unknown_col("status", Some("mid")));
    assert_eq!(at_text(text, &a.problems[0]), "mid.status");
}

#[test]
fn qualified_base_columns() {
    expr_ok("t.a > 0 and t.* is not null", "t", &["a"]);
    let text = "t.b > 0";
    let p = expr_problems(text, "t", &["a"]);
    assert_eq!(p[0].kind, unknown_col("b", Some("t")));
    assert_eq!(at_text(text, &p[0]), "b");
}

#[test]
fn multibyte_offsets() {
    let text = "\"größe\" > 0 and \"größe\" < größ";
    let p = expr_problems(text, "t", &["größe"]);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].kind, unknown_col("größ", None));
    assert_eq!(at_text(text, &p[0]), "größ");
    let text = "'ünïcödé' = \"Größe\"";
    let p = expr_problems(text, "t", &["größe"]);
    assert_eq!(p[0].kind, unknown_col("Größe", None));
    assert_eq!(at_text(text, &p[0]), "\"Größe\"");
    let text = "a = 1 and\n  ö = 2";
    let p = expr_problems(text, "t", &["a"]);
    assert_eq!(at_text(text, &p[0]), "ö");
}

#[test]
fn case_folding() {
    expr_ok("USER_ID = 1 and User_Id = 2", "t", &["user_id"]);
    let p = expr_problems("\"User_Id\" = 1", "t", &["user_id"]);
    assert_eq!(p.len(), 1);
}

// ----- queries ---------------------------------------------------------

#[test]
fn view_with_everything() {
    let text = r#"
with recent as (
    select j.session_id, count(*) as n_jobs,
           count(*) filter (where j.status = 'failed') as n_failed
    from coding_jobs j
    where j.created_at > now() - interval '7 days'
    group by j.session_id
)
select s.id, u.email, r.n_jobs, r.n_failed,
       row_number() over (partition by s.user_id order by s.created_at desc) as rn,
       e.value ->> 'name' as elem_name,
       lower(u.email) as mail,
       sum(r.n_jobs) over w as running
from coding_sessions s
join users u on u.id = s.user_id
left join recent r on r.session_id = s.id
cross join lateral jsonb_array_elements(u.name::jsonb) e
where s.title is not null and exists (select 1 from coding_jobs j2 where j2.session_id = s.id)
group by s.id, u.email, r.n_jobs, r.n_failed, mail, e.value
having count(*) > 0
window w as (partition by u.id order by s.created_at)
order by mail, rn
limit 10;
"#;
    let a = query_analysis(text);
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert_eq!(
        a.relations,
        vec![
            (None, "coding_jobs".to_string()),
            (None, "coding_sessions".to_string()),
            (None, "users".to_string()),
        ]
    );
    assert!(
        a.functions
            .contains(&(None, "jsonb_array_elements".to_string()))
    );
    assert!(a.functions.contains(&(None, "row_number".to_string())));
    assert!(a.functions.contains(&(None, "count".to_string())));
}

#[test]
fn view_problems() {
    let text = "with r as (select session_id, count(*) as n from coding_jobs group by session_id)\n\
                select s.id, r.nn, zz, s.nope, x.id from coding_sessions s join r on r.session_id = s.id join missing m on m.id = s.id";
    let a = query_analysis(text);
    let kinds: Vec<_> = a.problems.iter().map(|p| p.kind.clone()).collect();
    assert_eq!(
        kinds,
        vec![
            ProblemKind::UnknownRelation {
                name: "missing".to_string()
            },
            unknown_col("nn", Some("r")),
            // zz resolves against the opaque unknown relation `missing`
            unknown_col("nope", Some("s")),
            unknown_col("id", Some("x")),
        ],
        "{:?}",
        a.problems
    );
    assert_eq!(at_text(text, &a.problems[1]), "nn");
    assert_eq!(at_text(text, &a.problems[3]), "x.id");
    // CTE names are not relations
    assert_eq!(
        a.relations,
        vec![
            (None, "coding_jobs".to_string()),
            (None, "coding_sessions".to_string()),
            (None, "missing".to_string())
        ]
    );
}

#[test]
fn unqualified_in_view() {
    let a = query_analysis("select id, email, bogus from users where name is not null order by id");
    assert_eq!(a.problems.len(), 1);
    assert_eq!(a.problems[0].kind, unknown_col("bogus", None));
    let a = query_analysis("select id, whatever from events");
    assert!(a.problems.is_empty(), "opaque relation accepts any column");
    let a = query_analysis("select a.id, a.email from auth.users a where auth.users is null");
    // `auth.users` as a column ref: qualifier `auth` unknown (table aliased)
    assert_eq!(a.problems.len(), 1, "{:?}", a.problems);
    assert_eq!(
        a.relations,
        vec![(Some("auth".to_string()), "users".to_string())]
    );
    let a = query_analysis("select auth.users.email from auth.users");
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    let a = query_analysis("select u from users u");
    assert!(a.problems.is_empty(), "whole-row reference");
}

#[test]
fn derived_tables_and_aliases() {
    let a = query_analysis("select d.x, d.y from (select id as x, email as y from users) d");
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    let a = query_analysis("select d.z from (select id as x from users) d");
    assert_eq!(a.problems[0].kind, unknown_col("z", Some("d")));
    let a = query_analysis("select d.anything from (select * from users) d");
    assert!(a.problems.is_empty());
    let a = query_analysis("select d.a, d.email from (select id, email from users) d(a)");
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    let a = query_analysis("select u.v from unnest(array[1,2]) as u(v)");
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    let a = query_analysis("select u.w from unnest(array[1,2]) as u(v)");
    assert_eq!(a.problems.len(), 1, "{:?}", a.problems);
    let a = query_analysis("select g from generate_series(1, 10) g");
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    let a = query_analysis("select x.a, y.b from users x(a), users y where y.email = x.email");
    assert_eq!(a.problems.len(), 1, "{:?}", a.problems);
    assert_eq!(a.problems[0].kind, unknown_col("b", Some("y")));
}

#[test]
fn cte_columns_and_recursion() {
    let a = query_analysis(
        "with recursive t(n) as (select 1 union all select n + 1 from t where n < 10) select t.n from t",
    );
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert!(a.relations.is_empty());
    let a = query_analysis("with c as (select id, email from users) select c.name from c");
    assert_eq!(a.problems[0].kind, unknown_col("name", Some("c")));
    // a CTE is not visible outside its query
    let a = query_analysis("select * from (with c as (select 1 as k) select k from c) d, c");
    assert_eq!(a.problems.len(), 1, "{:?}", a.problems);
    assert_eq!(
        a.problems[0].kind,
        ProblemKind::UnknownRelation {
            name: "c".to_string()
        }
    );
}

#[test]
fn scalar_and_set_subqueries() {
    let a = query_analysis(
        "select u.id, (select count(*) from coding_sessions s where s.user_id = u.id) as n, \
         array(select s.id from coding_sessions s where s.user_id = u.id) as ids \
         from users u where u.id = any(select user_id from coding_sessions) \
         and u.id in (select s.user_id from coding_sessions s where s.title = u.name)",
    );
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    let a = query_analysis("select id from users union select id from coding_sessions order by id");
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    let a = query_analysis(
        "select s.id from coding_sessions s where s.id in (select j.session_id from coding_jobs j where j.oops = 1)",
    );
    assert_eq!(a.problems.len(), 1, "{:?}", a.problems);
    assert_eq!(a.problems[0].kind, unknown_col("oops", Some("j")));
    // inner alias not visible outside
    let a = query_analysis("select j.id from users u where exists (select 1 from coding_jobs j)");
    assert_eq!(a.problems.len(), 1, "{:?}", a.problems);
}

#[test]
fn aggregates_windows_and_functions() {
    let a = query_analysis(
        "select string_agg(u.email, ',' order by u.email), percentile_cont(0.5) within group (order by u.id), \
         count(distinct u.id), sum(u.id) filter (where u.name like 'a%'), lag(u.id, 1) over (order by u.id rows between unbounded preceding and current row), \
         auth.jwt() ->> 'sub', count(u.*) from users u",
    );
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    let a =
        query_analysis("select count(*) filter (where zz > 1) over (partition by yy) from users");
    assert_eq!(a.problems.len(), 2, "{:?}", a.problems);
    let a = query_analysis("select auth.nope(id) from users");
    assert_eq!(
        a.problems[0].kind,
        ProblemKind::UnknownFunction {
            name: "auth.nope".to_string()
        }
    );
    assert!(
        a.functions
            .contains(&(Some("auth".to_string()), "nope".to_string()))
    );
}

#[test]
fn group_by_order_by_aliases() {
    let a = query_analysis(
        "select lower(email) as mail, count(*) as c from users group by mail having count(*) > 1 order by c desc, mail",
    );
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    let a = query_analysis("select lower(email) as mail from users where mail is not null");
    assert_eq!(
        a.problems.len(),
        1,
        "alias not visible in WHERE: {:?}",
        a.problems
    );
}

#[test]
fn joins_using_and_nested() {
    let a = query_analysis(
        "select * from users u join coding_sessions s using (id) left join (coding_jobs j join users u2 on u2.id = j.id) on j.session_id = s.id",
    );
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    let a = query_analysis("select * from users u join coding_sessions s on s.user_id = u.idd");
    assert_eq!(a.problems.len(), 1, "{:?}", a.problems);
}

#[test]
fn no_panics_on_odd_queries() {
    for text in [
        "select",
        "select 1 from",
        "table users",
        "values (1, 2)",
        "select * from users, lateral (select u2.id from users u2 where u2.id = users.id) x",
        "select distinct on (u.email) u.id from users u order by u.email",
        "select (u).id from users u",
        "select x from json_to_recordset('[]') as x(a int, b text)",
        "select * from rows from (generate_series(1,2), generate_series(1,3)) as t(a, b)",
        "select * from generate_series(1, 3) with ordinality as t(v, i)",
        "select 1 from users for update",
        "select 1 fetch first 1 rows only",
        "select 1 offset 1",
        "select u.id from users u tablesample system (10)",
        "(select 1) union (select 2) order by 1",
    ] {
        if let Ok(q) = parse_query(text) {
            let _ = analyse_query(&q, text, &Cat);
        }
    }
}

#[test]
fn deep_types_do_not_crash() {
    let text = format!("x::int{}", "[]".repeat(50000));
    let r = parse_expr(&text);
    if let Ok(e) = r {
        let _ = analyse_expr(&e, &text, None, &[], &Cat);
        panic!("accepted a 50000-deep array type");
    }
}

#[test]
fn a_comment_at_the_end_is_an_error() {
    // Copied into `CREATE VIEW … AS <query>;` (or `DEFAULT <expr> NOT NULL`), a `--` comment
    // at the end would comment out the `;` (or the rest of the line).
    for q in ["select 1 -- c", "select 1 -- c\n;", "select 1 -- c\n ; \n"] {
        let e = parse_query(q).unwrap_err();
        assert!(e.message.contains("`--` comment"), "{q}: {e:?}");
    }
    for x in ["1 -- c", "1 --", "now() -- c\n"] {
        let e = parse_expr(x).unwrap_err();
        assert!(e.message.contains("`--` comment"), "{x}: {e:?}");
    }
    assert!(parse_expr("1 -- c\n + 2").is_ok());
    assert!(parse_expr("'--'").is_ok());
    assert!(parse_query("select '--' -- c\nwhere true").is_ok());
}

#[test]
fn misc_reporting() {
    let text = "select 1 from public.nope -- a comment\nwhere true;";
    let a = query_analysis(text);
    assert_eq!(
        a.problems[0].kind,
        ProblemKind::UnknownRelation {
            name: "public.nope".to_string()
        }
    );
    assert_eq!(at_text(text, &a.problems[0]), "public.nope");
    assert_eq!(
        a.relations,
        vec![(Some("public".to_string()), "nope".to_string())]
    );

    let text = "auth.jwt() ->> 'role' = 'admin' and current_user is not null";
    let e = parse_expr(text).unwrap();
    let a = analyse_expr(&e, text, None, &[], &Cat);
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert_eq!(
        a.functions,
        vec![(Some("auth".to_string()), "jwt".to_string())]
    );
}

/// Cheap deterministic fuzz: random concatenations of SQL pieces must never
/// panic in parsing or analysis.
#[test]
fn fuzz_no_panic() {
    let pieces = [
        "select",
        " ",
        "from",
        "users",
        "u",
        ",",
        "(",
        ")",
        "where",
        "u.id",
        "=",
        "id",
        "and",
        "not",
        "exists",
        "1",
        "'x'",
        "::int",
        "[1]",
        "as",
        "t",
        "join",
        "on",
        "group by",
        "order by",
        "over",
        "partition by",
        "count(*)",
        "filter",
        "with",
        "c",
        "union",
        "lateral",
        "unnest(",
        "array[",
        "]",
        ".",
        "*",
        "\"größe\"",
        "ö",
        "$$a$$",
        "case",
        "when",
        "then",
        "end",
        "in",
        "any(",
        "interval '1 day'",
        "->>",
        "@@",
        "||",
        ";",
        "--c\n",
        "/*",
        "*/",
        "current_user",
        "auth.uid()",
        "e'\\x'",
        "b'01'",
        "?",
        "$1",
        ":",
        "::",
        "distinct",
        "on",
        "limit",
        "values",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..3000 {
        let n = (next() % 14) as usize + 1;
        let mut text = String::new();
        for _ in 0..n {
            text.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            text.push(' ');
        }
        if let Ok(e) = parse_expr(&text) {
            let base = strings(&["id"]);
            let _ = analyse_expr(&e, &text, Some(("t", &base)), &["new"], &Cat);
        }
        if let Ok(q) = parse_query(&text) {
            let _ = analyse_query(&q, &text, &Cat);
        }
        if let Err(err) = parse_expr(&text)
            && let Some(at) = err.at
        {
            assert!(
                text.get(at.start..at.start + at.len).is_some(),
                "{text:?} {err:?}"
            );
        }
    }
}

thread_local! {
    /// Makes the analyser find every expression's children by the generic traversal (the
    /// reference for its direct handling of common shapes).
    pub(super) static GENERIC_CHILDREN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The analysis of `text` (an expression on `public.coding_jobs`), with the analyser's direct
/// child handling or with the generic traversal only.
fn analysis_with(text: &str, generic: bool) -> Analysis {
    let e = parse_expr(text).unwrap_or_else(|err| panic!("parse {text:?}: {err:?}"));
    let columns = strings(&["id", "session_id", "status", "payload", "created_at"]);
    GENERIC_CHILDREN.with(|g| g.set(generic));
    let a = analyse_expr(&e, text, Some(("coding_jobs", &columns)), &["new"], &Cat);
    GENERIC_CHILDREN.with(|g| g.set(false));
    a
}

#[test]
fn direct_children_analyse_like_the_generic_traversal() {
    // Every shape handled directly, nested in each other, with good and bad names, outer
    // references, unknown relations and functions, so problems and their order show.
    let shapes = [
        "status = 'done' and (nope > 1 or -id < 2)",
        "not (payload is null) and created_at is not null and (id is true) is not false",
        "(status is not true) or (status is false) or nope is null",
        "status in ('a', nope, lower(bad)) and id not in (select s.id from coding_sessions s where s.user_id = session_id and s.nope = 1)",
        "id between nope and 10 and created_at not between 1 and bad",
        "exists (select 1 from coding_sessions s where s.id = coding_jobs.session_id and s.title = (select u.name from users u where u.id = s.user_id and u.missing = x))",
        "not exists (select 1 from nowhere n where n.a = id) or (select count(*) from coding_sessions) > id",
        "auth.uid() = (select auth.uid()) and auth.nope() is null and my_fn(id, (select 1)) and new.anything = 1",
        "((((status)))) = coalesce(nope, 'x') || 'y' and id + 1 * 2 - session_id / 3 > payload::int",
        "case when status = 'a' then nope else id end = 1 and status like bad and id = any(array[1, nope])",
        "extract(year from created_at) = 2020 and status ~ nope and status is distinct from bad",
    ];
    for shape in shapes {
        // Longer chains too: `and` of the shape with itself.
        for text in [shape.to_string(), [shape; 4].join(" and ")] {
            let direct = analysis_with(&text, false);
            let generic = analysis_with(&text, true);
            assert_eq!(direct, generic, "{text}");
        }
    }
    // The shapes are not vacuous: problems and outer references are found.
    let all = analysis_with(&shapes.join(" and "), false);
    assert!(all.problems.len() >= 10, "{:?}", all.problems);
    assert!(!all.outer_refs.is_empty());
}

/// The references a fragment resolves, as `text@relation.column` (`base` for the base table,
/// `-` for a table reference).
fn refs_of(text: &str, list: &[Reference]) -> Vec<String> {
    list.iter()
        .map(|r| {
            let written = &text[r.at.start..r.at.start + r.at.len];
            let rel = if r.base {
                "base".to_string()
            } else {
                match &r.relation {
                    Some((Some(s), n)) => format!("{s}.{n}"),
                    Some((None, n)) => n.clone(),
                    None => "?".to_string(),
                }
            };
            format!("{written}@{rel}.{}", r.column.as_deref().unwrap_or("-"))
        })
        .collect()
}

#[test]
fn references_resolve_through_aliases_and_scopes() {
    let text = "user_id = auth.uid() and exists (select 1 from coding_jobs j \
                where j.session_id = coding_sessions.id and status = 'x')";
    let e = parse_expr(text).unwrap();
    let columns = strings(&["id", "user_id", "title"]);
    let refs = expr_references(&e, text, Some(("coding_sessions", &columns)), &[], &Cat);
    assert_eq!(
        refs_of(text, &refs),
        [
            "user_id@base.user_id",
            "coding_jobs@coding_jobs.-",
            "session_id@coding_jobs.session_id",
            "coding_sessions@base.-",
            "id@base.id",
            "status@coding_jobs.status",
        ]
    );
    // A view query: aliases, a schema-qualified table, a CTE (not a table: no reference).
    let text = "with c as (select id from coding_sessions) \
                select u.email, au.id from users u join auth.users au on au.id = u.id, c";
    let q = parse_query(text).unwrap();
    let got = refs_of(text, &query_references(&q, text, &Cat));
    // FROM items first, then the join condition, then the select list; `u` and `au` are
    // aliases, so only the columns after them are references.
    assert_eq!(
        got,
        [
            "coding_sessions@coding_sessions.-",
            "id@coding_sessions.id",
            "users@users.-",
            "users@auth.users.-",
            "id@auth.users.id",
            "id@users.id",
            "email@users.email",
            "id@auth.users.id",
        ]
    );
    // Validation's analysis is unchanged by the collection.
    assert!(analyse_query(&q, text, &Cat).problems.is_empty());
}

#[test]
fn subqueries_are_found_outermost_first_with_their_spans() {
    let found = |text: &str| -> Vec<String> {
        let e = parse_expr(text).unwrap();
        super::facts::subqueries(&e, text)
            .into_iter()
            .map(|s| {
                let s = s.unwrap();
                text[s.start..s.start + s.len].to_string()
            })
            .collect()
    };
    assert_eq!(
        found("owner_id = (select auth.uid())"),
        ["select auth.uid()"]
    );
    assert_eq!(
        found(
            "exists (select 1 from m where m.id in (select id from n)) or a in (select b from c)"
        ),
        [
            "select 1 from m where m.id in (select id from n)",
            "select b from c"
        ]
    );
    assert_eq!(
        found("a = any(array(select b from c))"),
        ["select b from c"]
    );
    assert!(found("owner_id = auth.uid() and org_id = any(array[1, 2])").is_empty());
}
