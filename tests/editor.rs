//! The JSON Schema works in a real editor's language server: yaml-language-server (the server of
//! the VS Code YAML extension, pinned in `tests/editor/package-lock.json`, installed with `npm ci`
//! in `tests/editor/`) is driven over stdio with LSP JSON-RPC, as an editor would: `initialize`,
//! `didOpen` of a model whose modeline names the schema by a relative path (the layout `schemac
//! init` writes), then the diagnostics it publishes (an unknown key, a bad enum value) and key
//! completion in a table, a column and a policy.
//!
//! Nothing is downloaded at run time. When `node` or the npm install is missing the test is skipped
//! and the skip recorded (`tests/skip/mod.rs`), unless `SCHEMAC_REQUIRE_EDITOR=1` (set by
//! `.ci/run`), where it fails.

#![allow(
    clippy::disallowed_macros,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod skip;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// How long to wait for an answer before the test fails (a guard against a hung server, not a
/// performance assertion).
const PATIENCE: Duration = Duration::from_secs(60);

/// yaml-language-server's entry point, or `None` after recording why the test is skipped.
fn server() -> Option<PathBuf> {
    let bin =
        root().join("tests/editor/node_modules/yaml-language-server/bin/yaml-language-server");
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let why = if !node {
        "node is not installed (apt-get install nodejs npm)".to_string()
    } else if !bin.is_file() {
        format!(
            "{} is missing (run `npm ci` in tests/editor)",
            bin.display()
        )
    } else {
        return Some(bin);
    };
    skip::unless_required(
        "yaml_language_server_validates_and_completes_with_the_schema",
        &why,
        "SCHEMAC_REQUIRE_EDITOR",
    );
    None
}

/// A language server over stdio.
struct Lsp {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications seen while waiting for something else.
    seen: Vec<Value>,
}

impl Lsp {
    fn start(bin: &Path) -> Lsp {
        let mut child = Command::new("node")
            .arg(bin)
            .arg("--stdio")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start yaml-language-server");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length:") {
                        length = v.trim().parse::<usize>().ok();
                    }
                }
                let Some(length) = length else { return };
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let Ok(value) = serde_json::from_slice::<Value>(&body) else {
                    return;
                };
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        Lsp {
            child,
            stdin,
            messages: rx,
            next_id: 0,
            seen: Vec::new(),
        }
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// The next message, answering the server's own requests (configuration, registrations).
    fn next(&mut self, deadline: Instant) -> Value {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = match self.messages.recv_timeout(left) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => panic!(
                    "yaml-language-server did not answer in {PATIENCE:?}; seen: {:#?}",
                    self.seen
                ),
                Err(RecvTimeoutError::Disconnected) => panic!("yaml-language-server exited"),
            };
            if msg.get("method").is_some() && msg.get("id").is_some() {
                let result = if msg["method"] == "workspace/configuration" {
                    let items = msg["params"]["items"].as_array().map_or(0, Vec::len);
                    Value::Array(
                        (0..items)
                            .map(|_| json!({ "validate": true, "completion": true, "hover": true }))
                            .collect(),
                    )
                } else {
                    Value::Null
                };
                let id = msg["id"].clone();
                self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": result }));
                continue;
            }
            return msg;
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let deadline = Instant::now() + PATIENCE;
        loop {
            let msg = self.next(deadline);
            if msg["id"] == id {
                assert!(msg.get("error").is_none(), "{method} failed: {msg}");
                return msg["result"].clone();
            }
            self.seen.push(msg);
        }
    }

    /// The first non-empty diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let deadline = Instant::now() + PATIENCE;
        let found = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["diagnostics"]
                    .as_array()
                    .is_some_and(|d| !d.is_empty())
        };
        if let Some(m) = self.seen.iter().find(|m| found(m)) {
            return m["params"]["diagnostics"].as_array().unwrap().clone();
        }
        loop {
            let msg = self.next(deadline);
            if found(&msg) {
                return msg["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.seen.push(msg);
        }
    }

    fn completion(&mut self, uri: &str, line: usize, character: usize) -> Vec<String> {
        let result = self.request(
            "textDocument/completion",
            json!({
                "textDocument": { "uri": uri },
                "position": { "line": line, "character": character },
            }),
        );
        let items = result
            .get("items")
            .and_then(Value::as_array)
            .or_else(|| result.as_array())
            .cloned()
            .unwrap_or_default();
        let mut labels: Vec<String> = items
            .iter()
            .filter_map(|i| i["label"].as_str().map(str::to_string))
            .collect();
        labels.sort();
        labels
    }
}

impl Drop for Lsp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The model opened in the editor: line numbers matter (0-based in LSP).
const MODEL: &str = "\
# yaml-language-server: $schema=schemac.schema.json
version: 1
preset: supabase

tables:
  notes:
    colums: {}
    columns:
      id: { type: uuid, primary_key: true }
      owner:
        type: uuid
        on_delete: explode
        
    rls:
      policies:
        own:
          
";

fn position_of(text: &str, needle: &str) -> (usize, usize) {
    for (i, line) in text.lines().enumerate() {
        if let Some(c) = line.find(needle) {
            return (i, c);
        }
    }
    panic!("{needle:?} is not in the model");
}

#[test]
fn yaml_language_server_validates_and_completes_with_the_schema() {
    let Some(bin) = server() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap();
    std::fs::copy(
        root().join(schemac::model_schema::SCHEMA_PATH),
        dir.join("schemac.schema.json"),
    )
    .unwrap();
    let file = dir.join("schema.yaml");
    std::fs::write(&file, MODEL).unwrap();
    let uri = format!("file://{}", file.display());
    let dir_uri = format!("file://{}", dir.display());

    let mut lsp = Lsp::start(&bin);
    let init = lsp.request(
        "initialize",
        json!({
            "processId": std::process::id(),
            "rootUri": dir_uri,
            "workspaceFolders": [{ "uri": dir_uri, "name": "model" }],
            "capabilities": {
                "workspace": { "configuration": true },
                "textDocument": {
                    "completion": { "completionItem": { "snippetSupport": false } },
                    "hover": { "contentFormat": ["plaintext"] },
                    "publishDiagnostics": {},
                },
            },
        }),
    );
    assert!(
        init["capabilities"]["completionProvider"].is_object(),
        "{init}"
    );
    lsp.notify("initialized", json!({}));
    lsp.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "yaml": { "validate": true, "completion": true, "hover": true } } }),
    );
    lsp.notify(
        "textDocument/didOpen",
        json!({ "textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1, "text": MODEL,
        } }),
    );

    // Diagnostics: the misspelt `colums` and the bad `on_delete`, where they are.
    let diagnostics = lsp.diagnostics(&uri);
    let mut found: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}:{} {}",
                d["range"]["start"]["line"], d["range"]["start"]["character"], d["message"]
            )
        })
        .collect();
    found.sort();
    let colums = position_of(MODEL, "colums");
    let explode = position_of(MODEL, "explode");
    assert!(
        found
            .iter()
            .any(|d| d.starts_with(&format!("{}:{} ", colums.0, colums.1))
                && d.contains("colums")
                && d.contains("not allowed")),
        "no unknown-key diagnostic at `colums`: {found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|d| d.starts_with(&format!("{}:{} ", explode.0, explode.1))
                && d.contains("no_action")),
        "no enum diagnostic at `explode`: {found:#?}"
    );
    assert_eq!(found.len(), 2, "{found:#?}");

    // Completion of keys: in a column mapping (the blank line after `on_delete`) …
    let column = position_of(MODEL, "on_delete").0 + 1;
    let labels = lsp.completion(&uri, column, 8);
    for key in [
        "nullable",
        "default",
        "references",
        "description",
        "identity",
    ] {
        assert!(labels.iter().any(|l| l == key), "no `{key}` in {labels:?}");
    }
    assert!(
        !labels.iter().any(|l| l == "type" || l == "on_delete"),
        "keys already written are offered again: {labels:?}"
    );
    assert!(!labels.iter().any(|l| l == "rls"), "{labels:?}");
    // … in a policy (the blank line after `own:`) …
    let policy = position_of(MODEL, "own:").0 + 1;
    let labels = lsp.completion(&uri, policy, 10);
    for key in ["for", "to", "using", "with_check", "why"] {
        assert!(labels.iter().any(|l| l == key), "no `{key}` in {labels:?}");
    }
    // … and at the top level (the blank line after `preset:`).
    let top = position_of(MODEL, "preset:").0 + 1;
    let labels = lsp.completion(&uri, top, 0);
    for key in ["enums", "functions", "views", "migrations", "lint"] {
        assert!(labels.iter().any(|l| l == key), "no `{key}` in {labels:?}");
    }
    assert!(!labels.iter().any(|l| l == "tables"), "{labels:?}");

    // Hover on a key shows its description from the same table as docs/model-keys.md.
    let (line, character) = position_of(MODEL, "on_delete");
    let hover = lsp.request(
        "textDocument/hover",
        json!({
            "textDocument": { "uri": uri },
            "position": { "line": line, "character": character + 2 },
        }),
    );
    // The server escapes Markdown (`\_`); the text is the key's line of src/model_schema/keys.rs.
    let text = hover["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .replace('\\', "");
    assert!(
        text.contains("With `references`: no_action (default) | restrict"),
        "hover of `on_delete`: {hover}"
    );

    let _ = lsp.request("shutdown", Value::Null);
    lsp.notify("exit", Value::Null);
}
