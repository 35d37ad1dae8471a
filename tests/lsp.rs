//! `schemac lsp` end to end: a scripted client spawns the binary and speaks JSON-RPC over its
//! stdin/stdout, as an editor does. It checks the diagnostics published for a model (every
//! load/validation error and lint finding, with UTF-16 ranges and links, snapshotted), that they
//! follow unsaved edits and folders of files, and the answers to definition (from
//! `references:`, `function:`, an enum type, a role and names inside SQL fragments), references,
//! hover, completion, code actions and rename (applied and compiled again). Once with a real
//! editor: Neovim headless (Debian's `neovim`, its built-in LSP client) collects the diagnostics
//! and a go-to-definition result; without `nvim` that test records a skip, and fails with
//! `SCHEMAC_REQUIRE_NEOVIM=1` (set by .ci/run).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod skip;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

/// The model the tests open (tests/fixtures/lsp/schema.yaml).
fn fixture() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lsp/schema.yaml"),
    )
    .unwrap()
}

/// An editor's side of the conversation.
struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    notifications: Vec<Value>,
    root: PathBuf,
}

impl Client {
    /// Start `schemac lsp --schema <schema>` in `root` and initialize it.
    fn start(root: &Path, schema: &str) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_schemac"))
            .args(["lsp", "--schema", schema])
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut c = Client {
            child,
            stdin,
            stdout,
            next_id: 1,
            notifications: Vec::new(),
            root: root.to_path_buf(),
        };
        let init = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": null,
                "capabilities": {},
                "initializationOptions": { "debounceMs": 0, "docsUrl": "https://docs.example/schemac" }
            }),
        );
        assert_eq!(init["capabilities"]["definitionProvider"], json!(true));
        c.notify("initialized", json!({}));
        c
    }

    fn uri(&self, file: &str) -> String {
        format!("file://{}", self.root.join(file).display())
    }

    fn send(&mut self, msg: &Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn read(&mut self) -> Value {
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "the server closed stdout"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse().unwrap();
            }
        }
        let mut body = vec![0u8; len];
        self.stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Send a request and wait for its response (`result`, or the `error` object).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let msg = self.read();
            if msg.get("id") == Some(&json!(id)) {
                return msg
                    .get("result")
                    .cloned()
                    .unwrap_or_else(|| msg["error"].clone());
            }
            self.notifications.push(msg);
        }
    }

    /// The next diagnostics published for `file` (waiting for them if need be).
    fn diagnostics(&mut self, file: &str) -> Vec<Value> {
        let uri = self.uri(file);
        loop {
            if let Some(i) = self.notifications.iter().position(|n| {
                n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
            }) {
                let n = self.notifications.remove(i);
                return n["params"]["diagnostics"].as_array().unwrap().clone();
            }
            let msg = self.read();
            self.notifications.push(msg);
        }
    }

    fn open(&mut self, file: &str, text: &str) {
        let uri = self.uri(file);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "yaml", "version": 1, "text": text } }),
        );
    }

    fn change(&mut self, file: &str, version: i64, text: &str) {
        let uri = self.uri(file);
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    /// `textDocument/<what>` at the `nth` (0-based) occurrence of `needle` in `text`, `offset`
    /// characters into it.
    #[allow(clippy::too_many_arguments)]
    fn at(
        &mut self,
        what: &str,
        file: &str,
        text: &str,
        needle: &str,
        nth: usize,
        offset: usize,
        extra: Value,
    ) -> Value {
        let pos = position(text, needle, nth, offset);
        let mut params = json!({ "textDocument": { "uri": self.uri(file) }, "position": pos });
        if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                p.insert(k.clone(), v.clone());
            }
        }
        self.request(&format!("textDocument/{what}"), params)
    }

    fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r, Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "schemac lsp exited with {status}");
    }
}

/// The LSP position (UTF-16) of the `nth` occurrence of `needle`, `offset` characters in.
fn position(text: &str, needle: &str, nth: usize, offset: usize) -> Value {
    let at = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {nth}th `{needle}`"))
        .0;
    let before = &text[..at];
    let line = before.matches('\n').count();
    let col: usize = before.rsplit('\n').next().unwrap().encode_utf16().count() + offset;
    json!({ "line": line, "character": col })
}

/// The text at an LSP range of `text` (single-line ranges).
fn text_at<'t>(text: &'t str, range: &Value) -> &'t str {
    let line = text
        .lines()
        .nth(range["start"]["line"].as_u64().unwrap() as usize)
        .unwrap();
    let utf16 = |n: u64| {
        let mut units = 0;
        for (i, c) in line.char_indices() {
            if units >= n as usize {
                return i;
            }
            units += c.len_utf16();
        }
        line.len()
    };
    &line[utf16(range["start"]["character"].as_u64().unwrap())
        ..utf16(range["end"]["character"].as_u64().unwrap())]
}

/// The line (1-based) and text of a location's range.
fn place(text: &str, loc: &Value) -> String {
    let range = &loc["range"];
    format!(
        "{}:{}",
        range["start"]["line"].as_u64().unwrap() + 1,
        text_at(text, range)
    )
}

/// Diagnostics without the temporary folder, for snapshots.
fn stable(diags: &[Value], root: &Path) -> Value {
    let text = serde_json::to_string(diags)
        .unwrap()
        .replace(&format!("file://{}", root.display()), "file://ROOT");
    serde_json::from_str(&text).unwrap()
}

/// Apply LSP text edits (one file) to `text`.
fn apply(text: &str, edits: &[Value]) -> String {
    let mut lines: Vec<String> = text.split('\n').map(String::from).collect();
    let mut edits: Vec<&Value> = edits.iter().collect();
    // Back to front, so earlier positions stay valid.
    edits.sort_by_key(|e| {
        let s = &e["range"]["start"];
        std::cmp::Reverse((
            s["line"].as_u64().unwrap(),
            s["character"].as_u64().unwrap(),
        ))
    });
    for e in edits {
        let (s, en) = (&e["range"]["start"], &e["range"]["end"]);
        let (sl, el) = (
            s["line"].as_u64().unwrap() as usize,
            en["line"].as_u64().unwrap() as usize,
        );
        let joined = lines[sl..=el.min(lines.len() - 1)].join("\n");
        let first_len = lines[sl].len();
        let to_byte = |line: &str, ch: u64| {
            let mut units = 0;
            for (i, c) in line.char_indices() {
                if units >= ch as usize {
                    return i;
                }
                units += c.len_utf16();
            }
            line.len()
        };
        let start = to_byte(&lines[sl], s["character"].as_u64().unwrap());
        let end_line_start = joined.len() - lines[el.min(lines.len() - 1)].len();
        let end = end_line_start
            + to_byte(
                &lines[el.min(lines.len() - 1)],
                en["character"].as_u64().unwrap(),
            );
        let _ = first_len;
        let new = format!(
            "{}{}{}",
            &joined[..start],
            e["newText"].as_str().unwrap(),
            &joined[end..]
        );
        lines.splice(
            sl..=el.min(lines.len() - 1),
            new.split('\n').map(String::from).collect::<Vec<_>>(),
        );
    }
    lines.join("\n")
}

fn project() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let text = fixture();
    std::fs::write(dir.path().join("schema.yaml"), &text).unwrap();
    (dir, text)
}

#[test]
fn diagnostics_are_published_with_exact_ranges_and_follow_edits() {
    let (dir, text) = project();
    let mut c = Client::start(dir.path(), "schema.yaml");
    // On start, from the disk: every lint finding of the model.
    let diags = c.diagnostics("schema.yaml");
    insta::assert_json_snapshot!("diagnostics", stable(&diags, dir.path()));
    let unwrapped = diags.iter().find(|d| d["code"] == "SC410").unwrap();
    assert_eq!(text_at(&text, &unwrapped["range"]), "auth.uid");
    assert_eq!(
        unwrapped["codeDescription"]["href"],
        "https://docs.example/schemac/rules/auth-call-not-wrapped.md"
    );
    // An unsaved edit: a typo in a policy's column, after a multi-byte character on the line
    // (the range counts UTF-16 units).
    let edited = text.replace(
        "using: \"auth.uid() = owner_id\"",
        "using: \"'é😀' <> '' and auth.uid() = ownr_id\"",
    );
    c.open("schema.yaml", &edited);
    let diags = c.diagnostics("schema.yaml");
    let e302 = diags
        .iter()
        .find(|d| d["code"] == "E302")
        .expect("an unknown-column error");
    assert_eq!(text_at(&edited, &e302["range"]), "ownr_id");
    assert_eq!(e302["severity"], 1);
    assert_eq!(
        e302["codeDescription"]["href"],
        "https://docs.example/schemac/diagnostics.md#e302"
    );
    // Broken YAML: one diagnostic, no lint findings; fixing it brings the findings back.
    c.change(
        "schema.yaml",
        2,
        &text.replace("tables:\n", "tables:\n  - [\n"),
    );
    let diags = c.diagnostics("schema.yaml");
    assert!(
        diags
            .iter()
            .all(|d| d["code"].as_str().unwrap().starts_with('E')),
        "{diags:?}"
    );
    assert!(!diags.is_empty());
    c.change("schema.yaml", 3, &text);
    let diags = c.diagnostics("schema.yaml");
    assert!(diags.iter().any(|d| d["code"] == "SC410"));
    c.shutdown();
}

#[test]
fn a_folder_of_files_is_one_model() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("model");
    std::fs::create_dir(&models).unwrap();
    let text = fixture();
    let (head, tables) = text.split_once("tables:\n").unwrap();
    std::fs::write(models.join("a.yaml"), head).unwrap();
    std::fs::write(models.join("b.yaml"), format!("tables:\n{tables}")).unwrap();
    let mut c = Client::start(dir.path(), "model");
    let a = c.diagnostics("model/a.yaml");
    let b = c.diagnostics("model/b.yaml");
    assert!(a.iter().any(|d| d["code"] == "SC502"), "{a:?}");
    assert!(b.iter().any(|d| d["code"] == "SC410"), "{b:?}");
    // Definition across files: `function: touch` in b.yaml → its key in a.yaml.
    let b_text = format!("tables:\n{tables}");
    let def = c.at(
        "definition",
        "model/b.yaml",
        &b_text,
        "function: touch",
        0,
        12,
        json!({}),
    );
    assert_eq!(def["uri"], c.uri("model/a.yaml"));
    assert_eq!(place(head, &def), "6:touch");
    // A new file opened in the folder joins the model.
    c.open("model/c.yaml", "tables:\n  extra:\n    columns:\n      id: { type: uuid, primary_key: true, references: nope.id }\n");
    let d = c.diagnostics("model/c.yaml");
    assert!(
        d.iter()
            .any(|d| d["code"] == "E201" || d["code"].as_str().unwrap().starts_with('E')),
        "{d:?}"
    );
    c.shutdown();
}

#[test]
fn definition_references_and_hover() {
    let (dir, text) = project();
    let mut c = Client::start(dir.path(), "schema.yaml");
    let _ = c.diagnostics("schema.yaml");
    let def = |c: &mut Client, needle: &str, nth: usize, offset: usize| {
        let r = c.at(
            "definition",
            "schema.yaml",
            &text,
            needle,
            nth,
            offset,
            json!({}),
        );
        if r.is_null() {
            return format!("null for {needle}");
        }
        place(&text, &r)
    };
    // `references: profiles.id`: the table part and the column part.
    assert_eq!(def(&mut c, "references: profiles.id", 0, 14), "12:profiles");
    assert_eq!(def(&mut c, "references: profiles.id", 0, 22), "15:id");
    // `function: touch`, an enum type, a role.
    assert_eq!(def(&mut c, "function: touch", 0, 11), "6:touch");
    assert_eq!(
        def(&mut c, "type: project_status", 0, 8),
        "4:project_status"
    );
    // Inside SQL fragments: a policy's `using`, a check, a view query (through aliases).
    assert_eq!(def(&mut c, "= owner_id", 0, 3), "31:owner_id");
    assert_eq!(def(&mut c, "char_length(name)", 0, 13), "33:name");
    assert_eq!(def(&mut c, "from projects p", 0, 6), "27:projects");
    assert_eq!(def(&mut c, "pr.id", 0, 3), "15:id");
    assert_eq!(def(&mut c, "p.owner_id", 0, 3), "31:owner_id");
    // The role has no declaration in a Supabase model (the preset provides it): no answer.
    let r = c.at(
        "definition",
        "schema.yaml",
        &text,
        "to: [authenticated]",
        0,
        6,
        json!({}),
    );
    assert_eq!(r, Value::Null);

    // References of `projects.owner_id`: its key, the policy, the view (twice: join and FK).
    let refs = c.at(
        "references",
        "schema.yaml",
        &text,
        "owner_id:",
        0,
        1,
        json!({ "context": { "includeDeclaration": true } }),
    );
    let places: Vec<String> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| place(&text, l))
        .collect();
    assert_eq!(places, ["31:owner_id", "44:owner_id", "49:owner_id"]);
    // References of `profiles`: the FK and the view's FROM item.
    let refs = c.at(
        "references",
        "schema.yaml",
        &text,
        "profiles:",
        0,
        1,
        json!({ "context": { "includeDeclaration": false } }),
    );
    let places: Vec<String> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| place(&text, l))
        .collect();
    assert_eq!(places, ["31:profiles", "49:profiles"]);

    // Hover: a column (type, nullability, default, description, FK), a policy (command, roles,
    // coverage), a lint code.
    let hover = |c: &mut Client, needle: &str, offset: usize| {
        let h = c.at("hover", "schema.yaml", &text, needle, 0, offset, json!({}));
        h["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    insta::assert_snapshot!("hover_column", hover(&mut c, "owner_id:", 1));
    insta::assert_snapshot!("hover_policy", hover(&mut c, "owner_all:", 1));
    insta::assert_snapshot!("hover_finding", hover(&mut c, "auth.uid() = owner_id", 2));
    c.shutdown();
}

#[test]
fn completion_offers_names_where_they_belong() {
    let (dir, text) = project();
    let mut c = Client::start(dir.path(), "schema.yaml");
    let _ = c.diagnostics("schema.yaml");
    let labels = |r: &Value| -> Vec<String> {
        r.as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    // After `references: profiles.`: the columns of `profiles`.
    let r = c.at(
        "completion",
        "schema.yaml",
        &text,
        "references: profiles.id",
        0,
        21,
        json!({}),
    );
    assert_eq!(labels(&r), ["id", "name"]);
    // After `references: `: the relations.
    let r = c.at(
        "completion",
        "schema.yaml",
        &text,
        "references: profiles.id",
        0,
        12,
        json!({}),
    );
    assert!(
        labels(&r).contains(&"projects".to_string())
            && labels(&r).contains(&"auth.users".to_string())
    );
    // `function:`, `to:` and `type:`.
    let r = c.at(
        "completion",
        "schema.yaml",
        &text,
        "function: touch",
        0,
        10,
        json!({}),
    );
    assert_eq!(labels(&r), ["touch"]);
    let r = c.at(
        "completion",
        "schema.yaml",
        &text,
        "to: [authenticated]",
        0,
        5,
        json!({}),
    );
    assert!(
        labels(&r).contains(&"anon".to_string())
            && labels(&r).contains(&"service_role".to_string())
    );
    let r = c.at(
        "completion",
        "schema.yaml",
        &text,
        "type: project_status",
        0,
        6,
        json!({}),
    );
    assert!(labels(&r).contains(&"project_status".to_string()));
    // Inside a policy's `using`: the table's columns, relations and functions.
    let r = c.at(
        "completion",
        "schema.yaml",
        &text,
        "= owner_id",
        0,
        2,
        json!({}),
    );
    let l = labels(&r);
    for want in ["owner_id", "status", "profiles", "auth.uid"] {
        assert!(l.contains(&want.to_string()), "{want} missing from {l:?}");
    }
    // Keys (from the JSON Schema's key tables): in a flow mapping, in a block mapping; and the
    // values of a closed set.
    let r = c.at(
        "completion",
        "schema.yaml",
        &text,
        "primary_key: true, default",
        0,
        3,
        json!({}),
    );
    let l = labels(&r);
    for want in ["primary_key", "references", "on_delete", "nullable"] {
        assert!(l.contains(&want.to_string()), "{want} missing from {l:?}");
    }
    let r = c.at(
        "completion",
        "schema.yaml",
        &text,
        "enabled: true",
        1,
        0,
        json!({}),
    );
    assert!(labels(&r).contains(&"force".to_string()), "{r}");
    let r = c.at(
        "completion",
        "schema.yaml",
        &text,
        "for: all",
        0,
        5,
        json!({}),
    );
    assert_eq!(labels(&r), ["all", "select", "insert", "update", "delete"]);
    // Hover on a key: its documentation.
    let h = c.at(
        "hover",
        "schema.yaml",
        &text,
        "on_delete: cascade, description",
        0,
        2,
        json!({}),
    );
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("on_delete"),
        "{h}"
    );
    // After `pr.` in the view: the columns of `pr`'s table are offered when it is a table name.
    let r = c.at(
        "completion",
        "schema.yaml",
        &text,
        "from projects p",
        0,
        5,
        json!({}),
    );
    assert!(labels(&r).contains(&"projects".to_string()));
    c.shutdown();
}

#[test]
fn code_actions_fix_findings_and_the_result_compiles() {
    let (dir, text) = project();
    let mut c = Client::start(dir.path(), "schema.yaml");
    let diags = c.diagnostics("schema.yaml");
    let mut shown = Vec::new();
    for code in ["SC410", "SC409", "SC301"] {
        let d = diags.iter().find(|d| d["code"] == code).unwrap();
        let actions = c.request(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": c.uri("schema.yaml") },
                "range": d["range"],
                "context": { "diagnostics": [d] }
            }),
        );
        let action = actions
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["diagnostics"][0]["code"] == code)
            .unwrap_or_else(|| panic!("no action for {code}: {actions}"));
        let edits = action["edit"]["changes"][c.uri("schema.yaml")]
            .as_array()
            .unwrap()
            .clone();
        shown.push(json!({ "title": action["title"], "edits": edits }));
        // Each fix alone, against the text the server knows.
        let one = apply(&text, &edits);
        c.change("schema.yaml", 10, &one);
        let after = c.diagnostics("schema.yaml");
        assert!(
            !after.iter().any(|d| d["code"] == code),
            "{code} still reported after its fix:\n{one}"
        );
        assert!(
            !after
                .iter()
                .any(|d| d["code"].as_str().unwrap().starts_with('E')),
            "{after:?}"
        );
        c.change("schema.yaml", 11, &text);
        let _ = c.diagnostics("schema.yaml");
    }
    insta::assert_json_snapshot!("code_actions", shown);
    c.shutdown();
}

/// On a Citus model SC410 is not reported for a distributed table's policy (Citus refuses the
/// `(select …)` wrapper there, E322), so no code action offers to wrap the call; the same
/// policy on a local table of the model gets the finding and the action.
#[test]
fn no_wrap_action_for_a_citus_distributed_table() {
    let dir = tempfile::tempdir().unwrap();
    let table = |name: &str, dist: &str| {
        format!(
            "  {name}:\n{dist}    columns:\n      org_id: {{ type: uuid, primary_key: true }}\n      user_id: uuid\n    rls:\n      policies:\n        own: {{ for: select, to: [authenticated], using: \"user_id = auth.uid()\" }}\n"
        )
    };
    let text = format!(
        "version: 1\npreset: supabase\ntarget: citus\ntables:\n{}{}",
        table("shared_notes", "    distribution: { column: org_id }\n"),
        table("local_notes", "")
    );
    std::fs::write(dir.path().join("schema.yaml"), &text).unwrap();
    let mut c = Client::start(dir.path(), "schema.yaml");
    let diags = c.diagnostics("schema.yaml");
    let sc410: Vec<&Value> = diags.iter().filter(|d| d["code"] == "SC410").collect();
    assert_eq!(sc410.len(), 1, "{diags:?}");
    assert!(
        !diags
            .iter()
            .any(|d| d["code"].as_str().unwrap().starts_with('E')),
        "{diags:?}"
    );
    let local = position(&text, "auth.uid()", 1, 0);
    assert_eq!(sc410[0]["range"]["start"]["line"], local["line"]);
    let mut wraps = |line: &Value| {
        let actions = c.request(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": c.uri("schema.yaml") },
                "range": { "start": { "line": line, "character": 0 },
                           "end": { "line": line, "character": 200 } },
                "context": { "diagnostics": [] }
            }),
        );
        actions
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["title"].as_str().unwrap_or("").starts_with("Wrap"))
            .count()
    };
    let distributed = position(&text, "auth.uid()", 0, 0);
    assert_eq!(wraps(&distributed["line"]), 0);
    assert_eq!(wraps(&local["line"]), 1);
    c.shutdown();
}

#[test]
fn rename_changes_every_occurrence_and_records_renamed_from() {
    let (dir, text) = project();
    let mut c = Client::start(dir.path(), "schema.yaml");
    let _ = c.diagnostics("schema.yaml");
    let uri = c.uri("schema.yaml");
    // A column: its key, the policy, the view; `renamed_from:` added to the flow mapping.
    let prep = c.at(
        "prepareRename",
        "schema.yaml",
        &text,
        "owner_id:",
        0,
        1,
        json!({}),
    );
    assert_eq!(text_at(&text, &prep), "owner_id");
    let edit = c.at(
        "rename",
        "schema.yaml",
        &text,
        "owner_id:",
        0,
        1,
        json!({ "newName": "user_id" }),
    );
    let renamed = apply(&text, edit["changes"][&uri].as_array().unwrap());
    c.change("schema.yaml", 2, &renamed);
    let _ = c.diagnostics("schema.yaml");
    // A table: `profiles` in the FK and the view, `renamed_from:` in the block mapping.
    let edit = c.at(
        "rename",
        "schema.yaml",
        &renamed,
        "profiles.id",
        0,
        2,
        json!({ "newName": "people" }),
    );
    let renamed = apply(&renamed, edit["changes"][&uri].as_array().unwrap());
    insta::assert_snapshot!("rename", renamed);
    c.change("schema.yaml", 3, &renamed);
    let after = c.diagnostics("schema.yaml");
    assert!(
        !after
            .iter()
            .any(|d| d["code"].as_str().unwrap().starts_with('E')),
        "{after:?}"
    );
    // Not a table or column, or not an identifier: an error answer, no edit.
    c.change("schema.yaml", 4, &text);
    let _ = c.diagnostics("schema.yaml");
    let bad = c.at(
        "rename",
        "schema.yaml",
        &text,
        "owner_all:",
        0,
        1,
        json!({ "newName": "x" }),
    );
    assert!(
        bad["message"]
            .as_str()
            .unwrap()
            .contains("only tables and columns"),
        "{bad}"
    );
    let bad = c.at(
        "rename",
        "schema.yaml",
        &text,
        "owner_id:",
        0,
        1,
        json!({ "newName": "Bad Name" }),
    );
    assert!(
        bad["message"]
            .as_str()
            .unwrap()
            .contains("not a plain identifier"),
        "{bad}"
    );
    c.shutdown();
}

#[test]
fn neovim_headless_gets_diagnostics_and_a_definition() {
    let have = Command::new("nvim")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        skip::unless_required(
            "neovim_headless_gets_diagnostics_and_a_definition",
            "`nvim` is not installed (Debian: apt-get install neovim)",
            "SCHEMAC_REQUIRE_NEOVIM",
        );
        return;
    }
    let (dir, _) = project();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lsp/neovim.lua");
    let out = dir.path().join("nvim.json");
    let status = Command::new("nvim")
        .args(["--headless", "--clean", "-u", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .arg("schema.yaml")
        .current_dir(dir.path())
        .env("SCHEMAC_BIN", env!("CARGO_BIN_EXE_schemac"))
        .env("NVIM_OUT", &out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "nvim exited with {status}");
    let got: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        got["waited"],
        json!(true),
        "no diagnostics reached Neovim: {got}"
    );
    let text = serde_json::to_string_pretty(&got["diagnostics"]).unwrap();
    insta::assert_snapshot!("neovim_diagnostics", text);
    // `profiles` in `references: profiles.id` → the `profiles:` key (line 12, columns 3-10).
    let def = &got["definition"];
    assert_eq!(
        def["uri"],
        json!(format!(
            "file://{}",
            dir.path().join("schema.yaml").display()
        ))
    );
    assert_eq!(def["range"]["start"], json!({ "line": 11, "character": 2 }));
    assert_eq!(def["range"]["end"], json!({ "line": 11, "character": 10 }));
}
