//! The fast path against sqlparser: unit cases, every expression fragment of the repository's
//! YAML and of the benchmark generator's models, and seeded random expressions and mutants. Every
//! text the fast path accepts must parse with sqlparser to an expression whose `Debug` (which
//! prints every identifier span and attached token) is identical.

use crate::test_corpus::{generated_models, repository_yaml};

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use super::*;

/// sqlparser's result for the whole of `text`, as `Debug`.
fn full(text: &str) -> Result<String, String> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect)
        .try_with_sql(text)
        .map_err(|e| e.to_string())?;
    let expr = parser.parse_expr().map_err(|e| e.to_string())?;
    if parser.peek_token().token != Token::EOF {
        return Err("trailing input".to_string());
    }
    Ok(format!("{expr:?}"))
}

/// The fast path's result for `text`, asserted equal to sqlparser's when it accepts.
fn compare(text: &str) -> Option<Expr> {
    let fast = parse(text)?;
    match full(text) {
        Ok(reference) => assert_eq!(
            format!("{fast:?}"),
            reference,
            "the fast path differs from sqlparser on:\n{text}"
        ),
        Err(e) => panic!("the fast path accepted what sqlparser rejects ({e}):\n{text}"),
    }
    Some(fast)
}

fn accepted(text: &str) {
    assert!(compare(text).is_some(), "the fast path bailed on:\n{text}");
}

fn bails(text: &str) {
    assert!(
        parse(text).is_none(),
        "the fast path should leave this to sqlparser:\n{text}"
    );
}

#[test]
fn policies_checks_defaults_and_predicates() {
    for text in [
        "(select auth.uid()) = owner_id or exists (select 1 from public.memberships m where m.org_id = widgets_0034.org_id and m.user_id = (select auth.uid()) and m.member_role in ('owner', 'admin'))",
        "exists (select 1 from public.orgs o where o.id = memberships.org_id and o.owner_id = (select auth.uid()))",
        "user_id = (select auth.uid())",
        "char_length(title) between 1 and 200",
        "quantity >= 0",
        "not is_archived",
        "now()",
        "gen_random_uuid()",
        "'{}'::jsonb",
        "'draft'",
        "0",
        "false",
        "op in ('INSERT', 'UPDATE', 'DELETE')",
        "a is not null and b is null or c is true",
        "x not between 1 and 2 and y not in (1, 2)",
        "-a + +b * (c - d) / e % f || 'x'",
        "\"Mixed Case\".\"größe\" <> 'ünï''s'\n  and a != 1.5",
        "not exists (select a, b from s.t as x, u where x.a = u.b)",
        "name = 'x' and type <> 'y' and coalesce(data, 0) > 1",
        "x::text = y::my_type",
    ] {
        accepted(text);
    }
}

#[test]
fn outside_the_subset_is_left_to_sqlparser() {
    for text in [
        "",
        "a = 1 b",
        "count(*)",
        "a like 'x%'",
        "case when a then 1 end",
        "cast(a as int)",
        "a = any(b)",
        "a -- comment",
        "a /* c */ = 1",
        "a=-1",
        "E'x'",
        "(a, b)",
        "a in (with q as (select 1) select 1)",
        "(select 1 from t join u on true)",
        "(select 1 union select 2)",
        "(select 1 order by 1)",
        "x::varchar(10)",
        "x::timestamp with time zone",
        "user = 'x'",
        "position('a' in b)",
        "interval '1 day'",
        "a.b.c.d(1).e",
        "größe = 1",
        "1e5",
        "1_000",
        "$1",
        "'a\\b'",
        "\"a\"\"b\"",
        "a collate \"C\"",
        "a is distinct from b",
        "f(distinct a)",
        "f(a) over ()",
        "(select from t)",
        "(select 1 from t m(a))",
        "a not null",
    ] {
        bails(text);
        // and sqlparser still decides on its own
        let _ = full(text);
    }
}

#[test]
fn multi_line_spans_count_lines_and_characters() {
    accepted("a = 'ä\nb'\n  and \"ü\nx\" = 1\n\tor\r\n c");
    accepted("exists (\n  select 1\n  from public.t x\n  where x.id = t2.id\n)");
    accepted("a\r= 1\r\r\n\t+ 2");
    bails("a\u{c}= 1");
}

#[test]
fn deep_nesting_bails_before_sqlparsers_limit() {
    let deep = format!("{}1{}", "(".repeat(40), ")".repeat(40));
    bails(&deep);
    let deep = format!("{}1", "not ".repeat(60));
    bails(&deep);
    let ok = format!("{}1{}", "(".repeat(20), ")".repeat(20));
    accepted(&ok);
}

/// Keys whose values are expression fragments.
const EXPRESSION_KEYS: &[&str] = &[
    "using",
    "with_check",
    "check",
    "default",
    "where",
    "expression",
    "when",
    "generated",
    "predicate",
];

/// The one-line scalar values of [`EXPRESSION_KEYS`] in a YAML text (plain, single- or
/// double-quoted without escapes, in block or flow mappings); a simple scanner, not a YAML parser.
fn expression_fragments(yaml: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in yaml.lines() {
        for key in EXPRESSION_KEYS {
            let pat = format!("{key}: ");
            let mut from = 0;
            while let Some(found) = line.get(from..).and_then(|l| l.find(&pat)) {
                let at = from + found;
                from = at + pat.len();
                let before = line.get(..at).unwrap_or("");
                if !(before.trim().is_empty()
                    || before.ends_with("{ ")
                    || before.ends_with(", ")
                    || before.trim_end().ends_with('-'))
                {
                    continue;
                }
                let rest = line.get(at + pat.len()..).unwrap_or("").trim_start();
                let in_flow = before.contains('{');
                let value = if let Some(q) = rest.strip_prefix('"') {
                    q.find('"')
                        .filter(|&e| !q[..e].contains('\\'))
                        .map(|e| q[..e].to_string())
                } else if let Some(q) = rest.strip_prefix('\'') {
                    let mut v = String::new();
                    let mut chars = q.chars().peekable();
                    let mut closed = false;
                    while let Some(c) = chars.next() {
                        if c == '\'' {
                            if chars.peek() == Some(&'\'') {
                                chars.next();
                                v.push('\'');
                            } else {
                                closed = true;
                                break;
                            }
                        } else {
                            v.push(c);
                        }
                    }
                    closed.then_some(v)
                } else {
                    let ends = if in_flow {
                        [
                            rest.find(" #"),
                            rest.find(", "),
                            rest.find(" }"),
                            rest.find('}'),
                        ]
                    } else {
                        [rest.find(" #"), None, None, None]
                    };
                    let end = ends.into_iter().flatten().min().unwrap_or(rest.len());
                    let v = rest[..end].trim();
                    (!v.is_empty() && !v.starts_with(['|', '>', '[', '{', '&', '*', '!']))
                        .then(|| v.to_string())
                };
                if let Some(v) = value {
                    out.push(v);
                }
            }
        }
    }
    out
}

#[test]
#[allow(clippy::disallowed_macros)]
fn every_repository_fragment_parses_as_with_sqlparser() {
    let mut texts = Vec::new();
    for (_, yaml) in repository_yaml() {
        texts.extend(expression_fragments(&yaml));
    }
    let repo = texts.len();
    assert!(repo > 200, "only {repo} fragments found");
    let mut bench = Vec::new();
    for (_, yaml) in generated_models(&[50]) {
        bench.extend(expression_fragments(&yaml));
    }
    let mut took = 0;
    let mut parsed = 0;
    let mut shown_bails = std::collections::BTreeSet::new();
    for t in &texts {
        if full(t).is_ok() {
            parsed += 1;
        }
        match compare(t) {
            Some(_) => took += 1,
            None => {
                shown_bails.insert(t.clone());
            }
        }
    }
    let mut bench_took = 0;
    let mut bench_parsed = 0;
    for t in &bench {
        if full(t).is_ok() {
            bench_parsed += 1;
        }
        match compare(t) {
            Some(_) => bench_took += 1,
            None => {
                shown_bails.insert(t.clone());
            }
        }
    }
    eprintln!(
        "fast path: {took} of {repo} repository fragments ({parsed} valid for sqlparser), \
         {bench_took} of {} gen.py 50 fragments ({bench_parsed} valid) taken, all equal to sqlparser",
        bench.len()
    );
    for t in shown_bails.iter().take(400) {
        eprintln!("  bail: {t}");
    }
    // 594 of the 604 valid repository fragments and all 822 of gen.py 50 when this was written.
    assert!(
        took * 100 >= parsed * 95,
        "the fast path took only {took} of {parsed} valid repository fragments (at least 95% expected)"
    );
    assert!(
        !bench.is_empty() && bench_took * 100 >= bench.len() * 99,
        "the fast path took only {bench_took} of {} gen.py 50 fragments (at least 99% expected)",
        bench.len()
    );
}

/// Random expressions in and slightly outside the subset.
struct Gen {
    rng: ChaCha8Rng,
    out: String,
}

impl Gen {
    fn pick<'s>(&mut self, items: &[&'s str]) -> &'s str {
        items[self.rng.random_range(0..items.len())]
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100) < percent
    }

    fn ws(&mut self) {
        let w = self.pick(&[" ", " ", " ", " ", " ", "  ", "\n", "\n  ", "\t", " \r\n "]);
        self.out.push_str(w);
    }

    fn word(&mut self, s: &str) {
        self.out.push_str(s);
        self.ws();
    }

    /// Mostly in-subset picks from `usual`, sometimes one from `unusual`.
    fn pick_mostly<'s>(&mut self, usual: &[&'s str], unusual: &[&'s str]) -> &'s str {
        if self.chance(4) {
            self.pick(unusual)
        } else {
            self.pick(usual)
        }
    }

    fn ident(&mut self) {
        if self.chance(10) {
            // any keyword, in any case
            let kw = ALL_KEYWORDS[self.rng.random_range(0..ALL_KEYWORDS.len())];
            let kw = if self.chance(70) {
                kw.to_ascii_lowercase()
            } else {
                kw.to_string()
            };
            self.out.push_str(&kw);
            return;
        }
        let s = self.pick_mostly(
            &[
                "a",
                "owner_id",
                "Org_Id",
                "t",
                "x1",
                "_p$q",
                "name",
                "NAME",
                "type",
                "key",
                "level",
                "role",
                "owner",
                "data",
                "status",
                "text",
                "date",
                "id",
                "email",
                "public",
                "auth",
                "\"Quoted\"",
                "\"sp ace\"",
                "\"größe\"",
                "\"select\"",
            ],
            &[
                "user",
                "interval",
                "timestamp",
                "select",
                "left",
                "position",
                "any",
                "from",
                "point",
                "größe",
                "\"a\"\"b\"",
                "\"\"",
            ],
        );
        self.out.push_str(s);
    }

    fn column(&mut self) {
        self.ident();
        while self.chance(30) {
            self.out.push('.');
            self.ident();
        }
        self.ws();
    }

    fn literal(&mut self) {
        let s = self.pick_mostly(
            &[
                "0", "1", "42", "1.5", "007", "200", "'a'", "'owner'", "''", "'it''s'", "'ünï'",
                "'x\ny'", "true", "FALSE", "null", "Null",
            ],
            &["1.", ".5", "1e3", "'a\\b'", "E'x'", "$1", "1_000", "0x1F"],
        );
        self.word(s);
    }

    fn function(&mut self, depth: u32) {
        let s = self.pick_mostly(
            &[
                "now",
                "auth.uid",
                "auth.jwt",
                "char_length",
                "coalesce",
                "lower",
                "upper",
                "length",
                "nullif",
                "greatest",
                "least",
                "count",
                "public.\"Fn\"",
                "f",
                "text",
                "date",
                "left",
                "public.next_code",
            ],
            &[
                "position",
                "user",
                "current_user",
                "trim",
                "array",
                "exists",
                "t.exists",
                "row",
            ],
        );
        self.out.push_str(s);
        if self.chance(10) {
            self.ws();
        }
        self.word("(");
        let n = self.rng.random_range(0..4);
        for i in 0..n {
            if i > 0 {
                self.word(",");
            }
            self.expr(depth + 1);
        }
        if self.chance(2) {
            self.word("*");
        }
        self.word(")");
        if self.chance(2) {
            let s = self.pick(&["over ()", "filter (where true)", ".x"]);
            self.word(s);
        }
    }

    fn query(&mut self, depth: u32) {
        let kw = self.pick(&["select", "SELECT", "Select"]);
        self.word(kw);
        let n = self.rng.random_range(1..3);
        for i in 0..n {
            if i > 0 {
                self.word(",");
            }
            if self.chance(2) {
                self.word("*");
            } else {
                self.expr(depth + 1);
            }
        }
        if self.chance(75) {
            self.word("from");
            let n = self.rng.random_range(1..3);
            for i in 0..n {
                if i > 0 {
                    self.word(",");
                }
                let t = self.pick(&[
                    "public.memberships",
                    "orgs",
                    "\"S\".\"T\"",
                    "a.b.c",
                    "t",
                    "user",
                    "name",
                ]);
                self.word(t);
                if self.chance(60) {
                    if self.chance(30) {
                        self.word("as");
                    }
                    let a = self.pick(&["m", "o", "x", "\"Al\"", "name", "left", "join"]);
                    self.word(a);
                }
            }
            if self.chance(2) {
                self.word("join t2 on true");
            }
        }
        if self.chance(70) {
            self.word("where");
            self.expr(depth + 1);
        }
        if self.chance(2) {
            let s = self.pick(&["order by 1", "limit 1", "union select 2", "group by a"]);
            self.word(s);
        }
    }

    fn primary(&mut self, depth: u32) {
        let choice = if depth > 3 {
            self.rng.random_range(0..3)
        } else {
            self.rng.random_range(0..12)
        };
        match choice {
            0 => self.column(),
            1 => self.literal(),
            2 => self.function(depth),
            3 => {
                self.word("(");
                self.expr(depth + 1);
                if self.chance(2) {
                    self.word(",");
                    self.expr(depth + 1);
                }
                self.word(")");
            }
            4 | 5 => {
                self.word("(");
                self.query(depth + 1);
                self.word(")");
            }
            6 => {
                if self.chance(30) {
                    self.word("not");
                }
                let e = self.pick(&["exists", "EXISTS"]);
                self.word(e);
                self.word("(");
                self.query(depth + 1);
                self.word(")");
            }
            7 => {
                let p = self.pick_mostly(&["not", "NOT", "-", "+", "- "], &["~", "!", "@", "|/"]);
                self.word(p);
                self.primary(depth + 1);
            }
            8 => {
                self.primary(depth + 1);
                let s = self.pick_mostly(
                    &[
                        "is null",
                        "is not null",
                        "IS NOT NULL",
                        "is true",
                        "is not false",
                        "is false",
                        "is not true",
                    ],
                    &[
                        "is unknown",
                        "is distinct from 1",
                        "not null",
                        "isnull",
                        "notnull",
                    ],
                );
                self.word(s);
            }
            9 => {
                self.primary(depth + 1);
                if self.chance(30) {
                    self.word("not");
                }
                self.word("in");
                self.word("(");
                if self.chance(2) {
                    self.query(depth + 1);
                } else {
                    let n = self.rng.random_range(1..4);
                    for i in 0..n {
                        if i > 0 {
                            self.word(",");
                        }
                        self.expr(depth + 1);
                    }
                }
                self.word(")");
            }
            10 => {
                self.primary(depth + 1);
                if self.chance(30) {
                    self.word("not");
                }
                self.word("between");
                self.primary(depth + 1);
                self.word("and");
                self.primary(depth + 1);
            }
            _ => {
                self.primary(depth + 1);
                self.out.push_str("::");
                if self.chance(10) {
                    self.ws();
                }
                let t = self.pick_mostly(
                    &[
                        "jsonb",
                        "json",
                        "text",
                        "uuid",
                        "int",
                        "integer",
                        "bigint",
                        "smallint",
                        "boolean",
                        "bool",
                        "date",
                        "timestamptz",
                        "my_type",
                        "\"T\"",
                        "member_role",
                    ],
                    &[
                        "varchar(10)",
                        "int[]",
                        "numeric",
                        "timestamp with time zone",
                        "double precision",
                        "public.t",
                        "name",
                        "interval",
                    ],
                );
                self.word(t);
            }
        }
    }

    fn expr(&mut self, depth: u32) {
        self.primary(depth);
        let n = if depth > 3 {
            0
        } else {
            self.rng.random_range(0..3)
        };
        for _ in 0..n {
            let op = self.pick_mostly(
                &[
                    "=", "<>", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "||", "and",
                    "or", "AND", "Or",
                ],
                &[
                    "like",
                    "~",
                    "->>",
                    "^",
                    "&",
                    "|",
                    "#",
                    "<<",
                    "=>",
                    "is",
                    "collate",
                    "not",
                    "xor",
                    "at time zone",
                    "div",
                    "::",
                ],
            );
            self.word(op);
            self.primary(depth + 1);
        }
    }
}

/// One small random edit of `text`.
fn mutate(text: &str, rng: &mut ChaCha8Rng) -> String {
    const INSERTS: &[&str] = &[
        " ", "\n", "(", ")", "'", "\"", ",", ".", "::", "-- c\n", "/* c */", "not ", " and ", "é",
        "select ", "ü", "1", "a", "*", "=", "-", "\t", " from ", " where ", "\r\n", ";",
    ];
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len().max(1);
    let mut out: Vec<char> = chars.clone();
    match rng.random_range(0..7) {
        0 if !chars.is_empty() => {
            let i = rng.random_range(0..chars.len());
            let n = rng.random_range(1..4).min(chars.len() - i);
            out.drain(i..i + n);
        }
        1 if !chars.is_empty() => {
            let i = rng.random_range(0..chars.len());
            let n = rng.random_range(1..8).min(chars.len() - i);
            let piece: Vec<char> = chars[i..i + n].to_vec();
            out.splice(i..i, piece);
        }
        2 if chars.len() > 1 => {
            let i = rng.random_range(0..chars.len());
            let j = rng.random_range(0..chars.len());
            out.swap(i, j);
        }
        3 => {
            let i = rng.random_range(0..len);
            let n = rng.random_range(1..12).min(out.len().saturating_sub(i));
            for c in out.iter_mut().skip(i).take(n) {
                *c = if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                };
            }
        }
        4 => {
            // swap two space-separated tokens
            let words: Vec<&str> = text.split(' ').collect();
            if words.len() > 1 {
                let i = rng.random_range(0..words.len());
                let j = rng.random_range(0..words.len());
                let mut w = words.clone();
                w.swap(i, j);
                return w.join(" ");
            }
        }
        _ => {
            let i = rng.random_range(0..=chars.len());
            let ins = INSERTS[rng.random_range(0..INSERTS.len())];
            out.splice(i..i, ins.chars());
        }
    }
    out.into_iter().collect()
}

#[test]
#[allow(clippy::disallowed_macros)]
fn random_expressions_bail_or_parse_as_with_sqlparser() {
    let mut generator = Gen {
        rng: ChaCha8Rng::seed_from_u64(0xfa57_e4e2),
        out: String::new(),
    };
    let mut took = 0;
    let mut valid = 0;
    let show = std::env::var_os("FASTEXPR_SHOW_BAILS").is_some();
    let cases = 30_000;
    for _ in 0..cases {
        generator.out.clear();
        generator.expr(0);
        let text = generator.out.trim_end().to_string();
        if compare(&text).is_some() {
            took += 1;
            valid += 1;
        } else if full(&text).is_ok() {
            valid += 1;
            if show && text.len() < 100 {
                eprintln!("bail on valid: {text:?}");
            }
        }
    }
    eprintln!(
        "random expressions: {took} of {cases} taken ({valid} valid for sqlparser), all equal to sqlparser"
    );
    assert!(
        took * 3 > valid,
        "only {took} of {valid} valid random expressions taken"
    );
}

#[test]
#[allow(clippy::disallowed_macros)]
fn random_mutants_bail_or_parse_as_with_sqlparser() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_e4e2);
    let mut seeds: Vec<String> = Vec::new();
    for (_, yaml) in generated_models(&[3]) {
        seeds.extend(expression_fragments(&yaml));
    }
    seeds.sort();
    seeds.dedup();
    let mut generator = Gen {
        rng: ChaCha8Rng::seed_from_u64(0x9e4e_7a7e),
        out: String::new(),
    };
    for _ in 0..200 {
        generator.out.clear();
        generator.expr(0);
        seeds.push(generator.out.trim_end().to_string());
    }
    let mut took = 0;
    let mut cases = 0;
    for _ in 0..100 {
        for seed in &seeds {
            let mut text = mutate(seed, &mut rng);
            if rng.random_range(0..3) == 0 {
                text = mutate(&text, &mut rng);
            }
            cases += 1;
            if compare(&text).is_some() {
                took += 1;
            }
        }
    }
    eprintln!("mutants: {took} of {cases} taken, all equal to sqlparser");
}

#[test]
fn keywords_are_found_in_any_case() {
    for (i, kw) in ALL_KEYWORDS.iter().enumerate() {
        assert!(kw.len() < MAX_KEYWORD_LEN, "{kw}");
        assert_eq!(keyword_of(kw), ALL_KEYWORDS_INDEX[i]);
        assert_eq!(keyword_of(&kw.to_ascii_lowercase()), ALL_KEYWORDS_INDEX[i]);
    }
    assert_eq!(keyword_of("owner_id"), Keyword::NoKeyword);
    assert_eq!(keyword_of(&"x".repeat(100)), Keyword::NoKeyword);
}
