//! A small YAML writer for imported models: block mappings, flow lists, and scalars quoted only
//! when a plain scalar would read back as something else.
//!
//! Input: keys and values built by [`super`]. Output: YAML 1.2 text that `load` reads back to the
//! same strings. Invariants: a text is written plain only when it is a safe word (letters,
//! digits, `_`, `.`, not a YAML keyword or number); multi-line text is a literal block with the
//! chomping indicator its trailing newlines need; anything else (leading spaces, control
//! characters) is a double-quoted JSON string, which YAML reads back byte for byte.

use std::fmt::Write as _;

/// Whether `s` reads back as the same string when written plain.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == '_') {
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return false;
    }
    !matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "null" | "y" | "n" | "yes" | "no" | "on" | "off" | "nan" | "inf"
    )
}

/// A one-line scalar: plain when safe, else a double-quoted (JSON) string.
pub fn scalar(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
    }
}

/// `key: value` for a text value at `indent`, as a literal block when it spans lines.
pub fn text_field(out: &mut String, indent: usize, key: &str, value: &str) {
    let pad = " ".repeat(indent);
    // Leading empty lines are content of a literal block; the first line with text sets the
    // indentation, so it must not start with a space or a tab.
    let first_text = value.trim_start_matches('\n');
    let block_ok = value.contains('\n')
        && !first_text.is_empty()
        && !first_text.starts_with('\t')
        && value
            .chars()
            .all(|c| c == '\n' || c == '\t' || !c.is_control())
        && !value.contains('\r')
        && !value.contains('\u{feff}');
    if !block_ok {
        let _ = writeln!(out, "{pad}{}: {}", scalar(key), scalar(value));
        return;
    }
    let trailing = value.len() - value.trim_end_matches('\n').len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    // A first line that starts with spaces needs the indentation indicator (2: the block is
    // indented two spaces past its key).
    let indicator = if first_text.starts_with(' ') { "2" } else { "" };
    let _ = writeln!(out, "{pad}{}: |{indicator}{chomp}", scalar(key));
    let body = value.strip_suffix('\n').unwrap_or(value);
    for line in body.split('\n') {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{pad}  {line}");
        }
    }
}

/// `[a, b, c]` with each item a [`scalar`].
pub fn flow_list(items: &[String]) -> String {
    let v: Vec<String> = items.iter().map(|s| scalar(s)).collect();
    format!("[{}]", v.join(", "))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn scalars_quote_what_yaml_would_misread() {
        assert_eq!(scalar("text"), "text");
        assert_eq!(scalar("public.teams"), "public.teams");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("now()"), "\"now()\"");
        assert_eq!(scalar("12"), "\"12\"");
        assert_eq!(scalar("a\tb"), "\"a\\tb\"");
    }

    #[test]
    fn blocks_keep_trailing_newlines() {
        let mut out = String::new();
        text_field(&mut out, 2, "body", "begin\n  x;\n\nend;\n\n");
        assert_eq!(out, "  body: |+\n    begin\n      x;\n\n    end;\n\n");
        let mut out = String::new();
        text_field(&mut out, 0, "body", "a\nb");
        assert_eq!(out, "body: |-\n  a\n  b\n");
        let mut out = String::new();
        text_field(&mut out, 0, "body", "\n\nbegin\nend;\n");
        assert_eq!(out, "body: |\n\n\n  begin\n  end;\n");
        let mut out = String::new();
        text_field(&mut out, 0, "body", " leading\nx");
        assert_eq!(out, "body: |2-\n   leading\n  x\n");
        let mut out = String::new();
        text_field(&mut out, 0, "body", "\tx\ny");
        assert_eq!(out, "body: \"\\tx\\ny\"\n");
    }

    /// What the writer writes, schemac's loader reads back byte for byte.
    #[test]
    fn bodies_read_back_exactly() {
        for body in [
            "\n  select 1\n",
            "begin\n  x;\n\nend;\n\n",
            " leading\nx",
            "\n\nbegin\r\nend;",
            "a  \n\tb\n",
            "line\n   \n  indented last",
        ] {
            let mut model = String::from(
                "version: 1\nfunctions:\n  f:\n    returns: integer\n    language: sql\n",
            );
            text_field(&mut model, 4, "body", body);
            let compiled = crate::compile_sources(&[("schema.yaml".to_string(), model.clone())]);
            let f = compiled.model.functions.values().next().unwrap();
            assert_eq!(f.body.value, body, "{model}");
        }
    }
}
