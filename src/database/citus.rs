//! Running a Citus migration file: one statement per query.
//!
//! Input: the text of a migration file schemac wrote for a model with `target: citus`. Output:
//! its statements, one string each, for the caller to send one by one (in the file's own
//! transaction). Invariants: Citus refuses to run a foreign key's DDL in the same multi-statement
//! query string as the `create_distributed_table` call before it ("cannot execute multiple
//! utility events"), so such files cannot go to the server as one string the way plain
//! PostgreSQL files do; `psql -f` already sends them statement by statement. The split respects
//! `'…'` literals, `"…"` names, `$tag$…$tag$` bodies and `--` comments, so a function body with
//! `;` inside stays one statement.

/// Whether a migration file was written for Citus (it pins Citus's session settings).
pub fn is_citus_file(sql: &str) -> bool {
    sql.lines()
        .any(|l| l.trim_start().starts_with("SET LOCAL citus."))
}

/// The statements of `sql`, each with its closing `;`, without the comment lines and blank lines
/// between them.
pub fn statements(sql: &str) -> Vec<String> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut i = 0usize;
    let push = |from: usize, to: usize, out: &mut Vec<String>| {
        let text = strip_leading_comments(sql.get(from..to).unwrap_or(""));
        if !text.trim().is_empty() {
            out.push(text.trim().to_string());
        }
    };
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\'' | b'"' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    i += 1;
                    if c == b {
                        if bytes.get(i) == Some(&b) {
                            i += 1; // doubled quote inside
                        } else {
                            break;
                        }
                    }
                }
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while let Some(&c) = bytes.get(i) {
                    if c == b'\n' {
                        break;
                    }
                    i += 1;
                }
            }
            b'$' => {
                // A dollar quote's tag: `$$` or `$name$` (letters, digits, `_`; not a `$1`).
                let tag_end = bytes
                    .get(i + 1..)
                    .and_then(|rest| rest.iter().position(|c| *c == b'$'))
                    .map(|p| i + 1 + p);
                let valid = tag_end.is_some_and(|e| {
                    let tag = bytes.get(i + 1..e).unwrap_or(&[]);
                    tag.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
                        && tag.first().is_none_or(|c| !c.is_ascii_digit())
                });
                match (valid, tag_end) {
                    (true, Some(e)) => {
                        let tag = sql.get(i..=e).unwrap_or("$$");
                        let body_start = e + 1;
                        match sql.get(body_start..).and_then(|rest| rest.find(tag)) {
                            Some(p) => i = body_start + p + tag.len(),
                            None => i = bytes.len(),
                        }
                    }
                    _ => i += 1,
                }
            }
            b';' => {
                push(start, i + 1, &mut out);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    push(start, bytes.len(), &mut out);
    out
}

/// `text` without the blank and `-- ` lines before its first statement line.
fn strip_leading_comments(text: &str) -> &str {
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start();
        if let Some(after) = trimmed.strip_prefix("--") {
            rest = after
                .find('\n')
                .map_or("", |n| after.get(n + 1..).unwrap_or(""));
        } else {
            return trimmed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_semicolons_outside_quotes_bodies_and_comments() {
        let sql = "-- head; with a semicolon\nBEGIN;\n\nSET LOCAL citus.x = 'a;b';\n-- Function f\nCREATE FUNCTION f() RETURNS trigger AS $fn$begin new.a = 1; return new; end;$fn$;\nCOMMENT ON TABLE \"t;1\" IS 'it''s; here';\nSELECT create_distributed_table('public.t', 'id', colocate_with => 'none');\nCOMMIT;\n";
        assert_eq!(
            statements(sql),
            vec![
                "BEGIN;",
                "SET LOCAL citus.x = 'a;b';",
                "CREATE FUNCTION f() RETURNS trigger AS $fn$begin new.a = 1; return new; end;$fn$;",
                "COMMENT ON TABLE \"t;1\" IS 'it''s; here';",
                "SELECT create_distributed_table('public.t', 'id', colocate_with => 'none');",
                "COMMIT;",
            ]
        );
        assert!(is_citus_file(sql));
        assert!(!is_citus_file(
            "BEGIN;\nSET LOCAL lock_timeout = '5s';\nCOMMIT;\n"
        ));
    }
}
