//! `schemac lsp`: a Language Server over stdio on the same pipeline as the commands.
//!
//! Input: LSP messages from an editor (a [`lsp_server::Connection`]); the model at the path
//! `--schema` names (one YAML file or a folder of them), where the documents open in the editor
//! override the files on disk. Output: `textDocument/publishDiagnostics` with every load,
//! resolve and validation error and every lint finding (from [`crate::compile_sources`] and
//! [`crate::lint_compiled`], the functions `schemac lint` runs), and answers to definition,
//! references, hover, completion, code action and rename requests (see [`features`] and
//! [`actions`]).
//! Invariants: the pipeline runs at most once per burst of edits: a change schedules a run after
//! a short quiet period (the debounce, 30 ms unless `initializationOptions.debounceMs` says
//! otherwise), and a request that needs the model runs it first if a change is pending, so an
//! answer never describes older text than the editor has sent. Navigation uses an [`index`]
//! built from the compiled model only when asked, so typing pays for diagnostics alone. Every
//! file of the model gets a diagnostics notification after each run, empty when it has none, so
//! fixed problems disappear.
//!
//! Why `lsp-server` and `lsp-types` (the crates rust-analyzer is built on): they are
//! synchronous, so the server is one loop over a channel with no async runtime to pull in, and
//! the pipeline is synchronous and CPU-bound anyway; `tower-lsp` would add tokio for nothing.

pub mod actions;
pub mod features;
pub mod index;
pub mod keys;
pub mod text;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    CodeDescription, Diagnostic as LspDiagnostic, DiagnosticRelatedInformation, DiagnosticSeverity,
    Location, NumberOrString, PublishDiagnosticsParams, Uri,
};

use crate::Compiled;
use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::lint::Report;
use crate::source::{FileId, Span};
use text::LineIndex;

/// How long the model must be left alone before the pipeline runs again, unless the client
/// says otherwise.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(30);

/// How the server was started.
#[derive(Debug, Clone)]
pub struct Options {
    /// The model: a YAML file or a folder of YAML files (made absolute by the caller).
    pub schema: PathBuf,
    /// The output folder, for the migration-safety rules (as `schemac lint --out`).
    pub out: PathBuf,
    /// Where the documentation lives: a URL prefix under which `diagnostics.md` and
    /// `rules/<name>.md` are found (`--docs-url`); `None` links to the `docs/` folder of the
    /// project when it has one.
    pub docs_url: Option<String>,
}

/// One run of the pipeline over the model as the editor sees it.
pub struct Snapshot {
    /// The compiled model.
    pub compiled: Compiled,
    /// Lint findings (empty when the model has errors).
    pub report: Report,
    /// Problems reading the snapshot for the migration-safety rules.
    pub extra: Diagnostics,
    /// The path of each file, by [`FileId`].
    pub paths: Vec<PathBuf>,
    /// Line starts of each file, by [`FileId`].
    pub lines: Vec<LineIndex>,
    index: OnceLock<index::Index>,
}

impl Snapshot {
    /// The navigation index, built on first use.
    pub fn index(&self) -> &index::Index {
        self.index
            .get_or_init(|| index::Index::build(&self.compiled))
    }

    /// The file of the model at `path`.
    pub fn file_of(&self, path: &Path) -> Option<FileId> {
        let i = self.paths.iter().position(|p| p == path)?;
        Some(FileId(u32::try_from(i).ok()?))
    }

    /// The text of a file.
    pub fn text(&self, file: FileId) -> &str {
        self.compiled.sources.file(file).map_or("", |f| &f.text)
    }

    /// The LSP location of a span.
    pub fn location(&self, span: Span) -> Option<Location> {
        let path = self.paths.get(span.file.0 as usize)?;
        let lines = self.lines.get(span.file.0 as usize)?;
        let text = self.text(span.file);
        Some(Location::new(
            uri(path)?,
            lines.range(text, span.start as usize, span.end()),
        ))
    }

    /// The LSP range of a span (in its own file).
    pub fn range(&self, span: Span) -> Option<lsp_types::Range> {
        let lines = self.lines.get(span.file.0 as usize)?;
        Some(lines.range(self.text(span.file), span.start as usize, span.end()))
    }

    /// The byte offset of an LSP position in a file.
    pub fn offset(&self, file: FileId, pos: lsp_types::Position) -> usize {
        self.lines
            .get(file.0 as usize)
            .map_or(0, |l| l.offset(self.text(file), pos))
    }

    /// Every diagnostic of the run: compile diagnostics, then lint findings.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all: Vec<Diagnostic> = self
            .compiled
            .diagnostics
            .sorted()
            .into_iter()
            .cloned()
            .collect();
        all.extend(self.extra.sorted().into_iter().cloned());
        all.extend(self.report.findings.iter().filter_map(|f| f.diagnostic()));
        all
    }
}

/// The `Uri` of a path.
pub fn uri(path: &Path) -> Option<Uri> {
    text::path_to_uri(path).parse().ok()
}

/// The server's state between messages.
struct Server {
    options: Options,
    /// Open documents by path (the editor's text wins over the disk).
    open: BTreeMap<PathBuf, String>,
    /// The last run, if any.
    snapshot: Option<Snapshot>,
    /// When the next run is due (a change arrived and the model has not been run since).
    due: Option<Instant>,
    debounce: Duration,
    /// Files diagnostics were published for, so a file that left the model gets an empty list.
    published: BTreeSet<PathBuf>,
}

/// Serve one client on `connection` until it says `exit` (or the connection closes).
pub fn serve(connection: &Connection, options: Options) -> Result<(), String> {
    let capabilities = features::capabilities();
    let params = connection
        .initialize(serde_json::to_value(capabilities).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let init: lsp_types::InitializeParams =
        serde_json::from_value(params).map_err(|e| e.to_string())?;
    let mut debounce = DEFAULT_DEBOUNCE;
    let mut options = options;
    if let Some(o) = init.initialization_options.as_ref() {
        if let Some(ms) = o.get("debounceMs").and_then(serde_json::Value::as_u64) {
            debounce = Duration::from_millis(ms);
        }
        if let Some(url) = o.get("docsUrl").and_then(serde_json::Value::as_str) {
            options.docs_url = Some(url.to_string());
        }
    }
    let mut server = Server {
        options,
        open: BTreeMap::new(),
        snapshot: None,
        due: None,
        debounce,
        published: BTreeSet::new(),
    };
    server.refresh(connection);
    loop {
        let msg = match server.due {
            Some(due) => {
                match connection
                    .receiver
                    .recv_timeout(due.saturating_duration_since(Instant::now()))
                {
                    Ok(msg) => msg,
                    Err(crossbeam_timeout) if crossbeam_timeout.is_timeout() => {
                        server.refresh(connection);
                        continue;
                    }
                    Err(_) => return Ok(()),
                }
            }
            None => match connection.receiver.recv() {
                Ok(msg) => msg,
                Err(_) => return Ok(()),
            },
        };
        match msg {
            Message::Request(req) => {
                if connection
                    .handle_shutdown(&req)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(());
                }
                if server.due.is_some() {
                    server.refresh(connection);
                }
                let response = server.request(req);
                send(connection, Message::Response(response));
            }
            Message::Notification(n) => {
                if n.method == lsp_types::notification::Exit::METHOD {
                    return Ok(());
                }
                server.notification(n);
            }
            Message::Response(_) => {}
        }
    }
}

fn send(connection: &Connection, msg: Message) {
    // A closed connection ends the loop at the next receive.
    let _ = connection.sender.send(msg);
}

impl Server {
    fn schedule(&mut self) {
        self.due = Some(Instant::now() + self.debounce);
    }

    fn notification(&mut self, n: Notification) {
        use lsp_types::notification as N;
        match n.method.as_str() {
            N::DidOpenTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                    && let Some(path) = text::uri_to_path(p.text_document.uri.as_str())
                {
                    self.open.insert(path, p.text_document.text);
                    self.schedule();
                }
            }
            N::DidChangeTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                    && let Some(path) = text::uri_to_path(p.text_document.uri.as_str())
                {
                    // Full synchronisation: the last change holds the whole text.
                    if let Some(change) = p.content_changes.into_iter().last() {
                        self.open.insert(path, change.text);
                        self.schedule();
                    }
                }
            }
            N::DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                    && let Some(path) = text::uri_to_path(p.text_document.uri.as_str())
                {
                    self.open.remove(&path);
                    self.schedule();
                }
            }
            N::DidSaveTextDocument::METHOD | N::DidChangeWatchedFiles::METHOD => self.schedule(),
            _ => {}
        }
    }

    fn request(&mut self, req: Request) -> Response {
        use lsp_types::request as R;
        let id = req.id.clone();
        let Some(snap) = self.snapshot.as_ref() else {
            return Response::new_ok(id, serde_json::Value::Null);
        };
        let result = match req.method.as_str() {
            R::GotoDefinition::METHOD => {
                params(req).and_then(|p| json(features::definition(snap, &p)))
            }
            R::References::METHOD => params(req).and_then(|p| json(features::references(snap, &p))),
            R::HoverRequest::METHOD => {
                params(req).and_then(|p| json(features::hover(snap, &p, &self.options)))
            }
            R::Completion::METHOD => params(req).and_then(|p| json(features::completion(snap, &p))),
            R::PrepareRenameRequest::METHOD => {
                params(req).and_then(|p| json(features::prepare_rename(snap, &p)))
            }
            R::Rename::METHOD => params(req)
                .and_then(|p| features::rename(snap, &p))
                .and_then(json),
            R::CodeActionRequest::METHOD => {
                params(req).and_then(|p| json(actions::code_actions(snap, &p)))
            }
            _ => {
                return Response::new_err(
                    id,
                    lsp_server::ErrorCode::MethodNotFound as i32,
                    format!("schemac lsp does not handle `{}`", req.method),
                );
            }
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err(message) => {
                Response::new_err(id, lsp_server::ErrorCode::RequestFailed as i32, message)
            }
        }
    }

    /// The model's files: those of `--schema` on disk and the open documents in its folder.
    fn files(&self) -> (Vec<(PathBuf, String)>, Diagnostics) {
        let mut d = Diagnostics::default();
        let root = &self.options.schema;
        let mut paths: BTreeSet<PathBuf> = if root.is_dir() {
            crate::load::yaml_files(root, &mut d).into_iter().collect()
        } else {
            [root.clone()].into_iter().collect()
        };
        if root.is_dir() {
            for p in self.open.keys() {
                if p.parent() == Some(root.as_path())
                    && p.extension().is_some_and(|e| e == "yaml" || e == "yml")
                {
                    paths.insert(p.clone());
                }
            }
        }
        let mut files = Vec::new();
        for p in paths {
            if let Some(text) = self.open.get(&p) {
                files.push((p, text.clone()));
            } else if let Ok(text) = std::fs::read_to_string(&p) {
                files.push((p, text));
            }
        }
        (files, d)
    }

    /// Run the pipeline and publish every file's diagnostics.
    fn refresh(&mut self, connection: &Connection) {
        self.due = None;
        let snap = self.run();
        let mut by_file: BTreeMap<PathBuf, Vec<LspDiagnostic>> =
            snap.paths.iter().map(|p| (p.clone(), Vec::new())).collect();
        // One documentation link per code (the fallback looks for the file on disk).
        let mut links: BTreeMap<&'static str, Option<Uri>> = BTreeMap::new();
        for d in snap.diagnostics() {
            let href = links
                .entry(d.code)
                .or_insert_with(|| docs_href(d.code, d.name, &self.options))
                .clone();
            let (path, diag) = to_lsp(&snap, &d, href, &self.options);
            by_file.entry(path).or_default().push(diag);
        }
        for gone in &self.published {
            by_file.entry(gone.clone()).or_default();
        }
        self.published = by_file.keys().cloned().collect();
        for (path, diagnostics) in by_file {
            let Some(uri) = uri(&path) else { continue };
            let params = PublishDiagnosticsParams::new(uri, diagnostics, None);
            send(
                connection,
                Message::Notification(Notification::new(
                    lsp_types::notification::PublishDiagnostics::METHOD.to_string(),
                    params,
                )),
            );
        }
        self.snapshot = Some(snap);
    }

    /// One run of the pipeline: the same calls as `schemac lint`.
    fn run(&self) -> Snapshot {
        let (files, read) = self.files();
        let named: Vec<(String, String)> = files
            .iter()
            .map(|(p, t)| (p.display().to_string(), t.clone()))
            .collect();
        let mut compiled = if named.is_empty() {
            // As `schemac lint` on a missing file: its diagnostic, at the model's path.
            crate::compile(&self.options.schema)
        } else {
            crate::compile_sources(&named)
        };
        compiled.diagnostics.extend(read);
        let (report, extra) = if compiled.ok() {
            crate::lint_compiled(&compiled, &self.options.out, &[])
        } else {
            (Report::default(), Diagnostics::default())
        };
        let paths: Vec<PathBuf> = files.into_iter().map(|(p, _)| p).collect();
        let lines = compiled
            .sources
            .files()
            .iter()
            .map(|f| LineIndex::new(&f.text))
            .collect();
        Snapshot {
            compiled,
            report,
            extra,
            paths,
            lines,
            index: OnceLock::new(),
        }
    }
}

/// Parse a request's parameters.
fn params<P: serde::de::DeserializeOwned>(req: Request) -> Result<P, String> {
    serde_json::from_value(req.params).map_err(|e| e.to_string())
}

/// A result as JSON.
fn json<T: serde::Serialize>(value: T) -> Result<serde_json::Value, String> {
    serde_json::to_value(value).map_err(|e| e.to_string())
}

/// Where a code's documentation is: `docs/diagnostics.md#e102` or `docs/rules/<name>.md`
/// under the configured URL, else in the project's `docs/` folder when it has the file.
pub fn docs_href(d_code: &str, d_name: &str, options: &Options) -> Option<Uri> {
    let rel = if d_code.starts_with('E') {
        format!("diagnostics.md#{}", d_code.to_ascii_lowercase())
    } else {
        format!("rules/{d_name}.md")
    };
    if let Some(base) = &options.docs_url {
        return format!("{}/{rel}", base.trim_end_matches('/')).parse().ok();
    }
    let root = if options.schema.is_dir() {
        options.schema.clone()
    } else {
        options.schema.parent().map(Path::to_path_buf)?
    };
    let docs = root.join("docs");
    let file = rel.split('#').next().unwrap_or(&rel);
    if !docs.join(file).is_file() {
        return None;
    }
    let anchor = rel
        .split_once('#')
        .map(|(_, a)| format!("#{a}"))
        .unwrap_or_default();
    format!("{}{anchor}", text::path_to_uri(&docs.join(file)))
        .parse()
        .ok()
}

/// A pipeline diagnostic as an LSP diagnostic, with the file it belongs to.
fn to_lsp(
    snap: &Snapshot,
    d: &Diagnostic,
    href: Option<Uri>,
    options: &Options,
) -> (PathBuf, LspDiagnostic) {
    let severity = match d.severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    };
    let (path, range) = match &d.primary {
        Some(l) => (
            snap.paths.get(l.span.file.0 as usize).cloned(),
            snap.range(l.span),
        ),
        None => (d.path.as_ref().map(PathBuf::from), None),
    };
    let path = path
        .or_else(|| snap.paths.first().cloned())
        .unwrap_or_else(|| options.schema.clone());
    let mut message = d.message.clone();
    if let Some(l) = &d.primary
        && !l.text.is_empty()
    {
        message.push_str(&format!(" ({})", l.text));
    }
    if !d.help.is_empty() {
        message.push_str(&format!("\nhelp: {}", d.help));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: snap.location(l.span)?,
                message: l.text.clone(),
            })
        })
        .collect();
    let diag = LspDiagnostic {
        range: range.unwrap_or_default(),
        severity: Some(severity),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some("schemac".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: Some(serde_json::json!({ "name": d.name })),
    };
    (path, diag)
}
