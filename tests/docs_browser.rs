//! The generated ER diagrams render in a real browser: every diagram of every fixture model, of
//! the root `schema.yaml` and of a 45-table model (the compact whole-schema diagram) is parsed and
//! rendered by the real Mermaid library (`tests/browser/node_modules/mermaid`, installed from the
//! npm registry with `npm ci` in `tests/browser/`) inside headless Chromium (Debian's `chromium`).
//! A diagram fails on a Mermaid parse or render error, or when the SVG does not hold one box per
//! entity. A PNG of the rendered root diagram is written to
//! `target/docs-browser/root-er.png` for a person to look at.
//!
//! Nothing is downloaded at run time: the page loads `mermaid.min.js` by file path. When Chromium
//! or the npm install is missing the test is skipped and the skip recorded (see
//! `tests/skip/mod.rs`; `scripts/with-postgres.sh` lists it after the run), unless
//! `SCHEMAC_REQUIRE_BROWSER=1` (set by `.ci/run`), where it fails.

#![allow(
    clippy::disallowed_macros,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use schemac::render::Renderer;
use schemac::render::mermaid;

mod skip;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SCHEMAC_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Chromium and Mermaid, or `None` after recording why the test is skipped (panics instead when
/// `SCHEMAC_REQUIRE_BROWSER` is set).
fn browser() -> Option<(PathBuf, PathBuf)> {
    let mermaid_js = root().join("tests/browser/node_modules/mermaid/dist/mermaid.min.js");
    let chromium = find_chromium();
    let missing = match (&chromium, mermaid_js.is_file()) {
        (None, _) => Some("chromium is not installed (apt-get install chromium)".to_string()),
        (_, false) => Some(format!(
            "{} is missing (run `npm ci` in tests/browser)",
            mermaid_js.display()
        )),
        _ => None,
    };
    if let Some(why) = missing {
        skip::unless_required(
            "diagrams_render_in_chromium",
            &why,
            "SCHEMAC_REQUIRE_BROWSER",
        );
        return None;
    }
    Some((chromium?, mermaid_js))
}

struct Case {
    name: String,
    text: String,
    entities: usize,
}

fn cases_for(name: &str, compiled: &schemac::Compiled) -> Vec<Case> {
    assert!(compiled.ok(), "{name} does not compile");
    let r = Renderer::new(None);
    mermaid::diagrams(&compiled.model)
        .into_iter()
        .map(|d| Case {
            name: format!(
                "{name}/{}",
                d.file_stem
                    .as_deref()
                    .map_or("er.mmd".to_string(), |s| format!("er/{s}.mmd"))
            ),
            text: r.er_diagram(&d.view).unwrap(),
            entities: d.view.entities.len(),
        })
        .collect()
}

/// A model with 45 tables in a chain, to exercise the compact whole-schema diagram.
pub fn large_model() -> String {
    let mut y = String::from("version: 1\ntables:\n");
    for i in 0..45 {
        y.push_str(&format!(
            "  t{i:02}:\n    group: g{}\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n",
            i / 10
        ));
        if i > 0 {
            y.push_str(&format!(
                "      parent_id: {{ type: bigint, nullable: true, references: t{:02}.id }}\n",
                i - 1
            ));
        }
    }
    y
}

fn all_cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    let mut cases = cases_for(
        "schema.yaml",
        &schemac::compile(&root().join("schema.yaml")),
    );
    for p in &paths {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        cases.extend(cases_for(&name, &schemac::compile(p)));
    }
    cases.extend(cases_for(
        "large",
        &schemac::compile_sources(&[("large.yaml".to_string(), large_model())]),
    ));
    cases
}

fn file_url(p: &Path) -> String {
    let abs = p.canonicalize().unwrap();
    let mut url = String::from("file://");
    for b in abs.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                url.push(b as char)
            }
            _ => url.push_str(&format!("%{b:02X}")),
        }
    }
    url
}

/// JSON that can sit inside a `<script>` element.
fn script_json(v: &serde_json::Value) -> String {
    v.to_string()
        .replace("</", "<\\/")
        .replace("<!--", "<\\!--")
}

const PAGE_SCRIPT: &str = r#"
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default' });
(async () => {
  const cases = JSON.parse(document.getElementById('cases').textContent);
  const results = [];
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    try {
      await mermaid.parse(c.text);
      const { svg } = await mermaid.render('diagram' + i, c.text);
      const holder = document.createElement('div');
      holder.innerHTML = svg;
      document.getElementById('out').appendChild(holder);
      const boxes = holder.querySelectorAll('g.node[id*="-entity-"]').length; const ids = Array.from(holder.querySelectorAll('g.node')).map(n => n.id + '/' + n.getAttribute('class')).join(' ');
      const error = /Syntax error/i.test(svg) ? 'the SVG shows a syntax error' : null;
      results.push({ name: c.name, ok: error === null, error, boxes, ids });
    } catch (e) {
      results.push({ name: c.name, ok: false, error: String((e && e.message) || e), boxes: 0 });
    }
  }
  document.getElementById('result').textContent = encodeURIComponent(JSON.stringify(results));
})();
"#;

const SHOW_SCRIPT: &str = r#"
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default' });
(async () => {
  const text = JSON.parse(document.getElementById('cases').textContent);
  const { svg } = await mermaid.render('root', text);
  const out = document.getElementById('out');
  out.innerHTML = svg;
  // Fit the whole diagram into the window (the viewBox keeps its proportions).
  const el = out.querySelector('svg');
  el.removeAttribute('style');
  el.setAttribute('width', String(window.innerWidth - 32));
  el.setAttribute('height', String(window.innerHeight - 32));
  document.getElementById('result').textContent = 'done';
})();
"#;

fn page(mermaid_js: &Path, data: &serde_json::Value, script: &str) -> String {
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>schemac ER diagrams</title>\
         <style>body {{ margin: 16px; background: white; }} svg {{ max-width: 100%; height: auto; }} #result {{ display: none; }}</style>\
         </head><body><div id=\"out\"></div><pre id=\"result\"></pre>\
         <script type=\"application/json\" id=\"cases\">{}</script>\
         <script src=\"{}\"></script><script>{}</script></body></html>\n",
        script_json(data),
        file_url(mermaid_js),
        script
    )
}

fn chromium(bin: &Path, work: &Path, extra: &[&str], url: &str) -> std::process::Output {
    let profile = tempfile::tempdir_in(work).unwrap();
    Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--allow-file-access-from-files",
            "--virtual-time-budget=60000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn diagrams_render_in_chromium() {
    let Some((bin, mermaid_js)) = browser() else {
        return;
    };
    let work = root().join("target/docs-browser");
    std::fs::create_dir_all(&work).unwrap();
    let cases = all_cases();
    assert!(cases.len() >= 18, "too few diagrams: {}", cases.len());

    // 1. Parse and render every diagram.
    let data = serde_json::Value::Array(
        cases
            .iter()
            .map(|c| serde_json::json!({ "name": c.name, "text": c.text }))
            .collect(),
    );
    let html = work.join("render.html");
    std::fs::write(&html, page(&mermaid_js, &data, PAGE_SCRIPT)).unwrap();
    let out = chromium(&bin, &work, &["--dump-dom"], &file_url(&html));
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("<pre id=\"result\">").unwrap_or_else(|| {
        panic!(
            "chromium produced no page (exit {:?}):\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    }) + "<pre id=\"result\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let encoded = &dom[start..end];
    assert!(
        !encoded.is_empty(),
        "Mermaid did not finish (did mermaid.min.js load?); chromium said:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<serde_json::Value> = serde_json::from_str(&percent_decode(encoded)).unwrap();
    assert_eq!(results.len(), cases.len());
    let mut failures = Vec::new();
    for (c, r) in cases.iter().zip(&results) {
        if r["ok"] != true {
            failures.push(format!("{}: {}\n{}", c.name, r["error"], c.text));
        } else if r["boxes"].as_u64() != Some(c.entities as u64) {
            failures.push(format!(
                "{}: {} entity boxes in the SVG, {} entities in the diagram {}\n{}",
                c.name, r["boxes"], c.entities, r["ids"], c.text
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));

    // 2. A screenshot of the root diagram, for a person to look at.
    let root_case = &cases[0];
    assert_eq!(root_case.name, "schema.yaml/er.mmd");
    let show = work.join("root-er.html");
    std::fs::write(
        &show,
        page(
            &mermaid_js,
            &serde_json::Value::String(root_case.text.clone()),
            SHOW_SCRIPT,
        ),
    )
    .unwrap();
    let png = work.join("root-er.png");
    let _ = std::fs::remove_file(&png);
    let out = chromium(
        &bin,
        &work,
        &[
            "--window-size=1400,2000",
            "--hide-scrollbars",
            &format!("--screenshot={}", png.display()),
        ],
        &file_url(&show),
    );
    let bytes = std::fs::read(&png).unwrap_or_else(|e| {
        panic!(
            "no screenshot at {} ({e}); chromium said:\n{}",
            png.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "the screenshot is not a PNG of a diagram ({} bytes)",
        bytes.len()
    );
    eprintln!("screenshot of the root ER diagram: {}", png.display());
}
