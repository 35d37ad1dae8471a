//! `schemac import`: a live database (read-only) or a folder of SQL migrations (applied to a
//! scratch database) → `schema.yaml`, a report of what the model cannot express, and with
//! `--check` the proof that the model rebuilds the same catalog.

use std::path::{Path, PathBuf};

use postgres::GenericClient;
use schemac::database::{self, Scratch};
use schemac::diagnostics::{Code, Diagnostic, Diagnostics};
use schemac::import::{self, Imported, SUPABASE_PLATFORM_SCHEMAS};
use schemac::source::SourceMap;
use schemac::{introspect, verify};

use super::{Cli, exit, print_diagnostics};

/// Arguments of `schemac import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The database to import (read in a READ ONLY transaction), or with --sql the server the
    /// scratch database is created on.
    /// Default: the `DATABASE_URL` environment variable.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// SQL files, or folders of `*.sql` files, applied in file-name order to a scratch database
    /// that is imported and then dropped.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub sql: Vec<PathBuf>,
    /// With --sql: `supabase` creates the platform stand-in (roles, auth schema) first.
    #[arg(long, value_name = "PRESET", value_parser = ["supabase", "postgres"])]
    pub preset: Option<String>,
    /// Import only this schema (repeatable); by default every schema that is not PostgreSQL's
    /// or the platform's.
    #[arg(long, value_name = "NAME")]
    pub only_schema: Vec<String>,
    /// Where to write the model: a file, or with --split a folder.
    #[arg(long, value_name = "PATH", default_value = "schema.yaml")]
    pub out_model: PathBuf,
    /// Write one file per schema into the --out-model folder.
    #[arg(long)]
    pub split: bool,
    /// Overwrite an existing model.
    #[arg(long)]
    pub force: bool,
    /// Where to write the report (what was imported, what was left out and why).
    #[arg(long, value_name = "PATH", default_value = "import-report.md")]
    pub report: PathBuf,
    /// Exit 0 even when objects were left out (they are still listed).
    #[arg(long)]
    pub allow_partial: bool,
    /// Build the imported model, apply it to a scratch database and compare its catalog with
    /// the source, object by object.
    #[arg(long)]
    pub check: bool,
    /// Where the project's migrations live: `numbered` (`<out>/migrations`) or `supabase`
    /// (`supabase/migrations`, written into the model as `migrations: { layout: supabase }`).
    #[arg(long, value_name = "LAYOUT", value_parser = ["numbered", "supabase"], default_value = "numbered")]
    pub layout: String,
    /// Record the imported state as already applied: write the snapshot and `schemac.sum` (over
    /// the migrations already in the folder, which stay untouched) into --out, so the next
    /// `build` writes only the change.
    #[arg(long)]
    pub baseline: bool,
}

/// Run `schemac import`.
pub fn run(cli: &Cli, args: &ImportArgs) -> u8 {
    let url = args
        .database_url
        .clone()
        .or_else(|| std::env::var("DATABASE_URL").ok());
    let Some(url) = url.as_deref() else {
        eprintln!("error: give --database-url URL (or set DATABASE_URL)");
        return exit::IO;
    };
    let mut d = Diagnostics::default();
    let code = if args.sql.is_empty() {
        match database::connect(url) {
            Ok(mut client) => import_from(cli, args, &mut client, url, &mut d),
            Err(diag) => {
                d.push(*diag);
                exit::IO
            }
        }
    } else {
        from_sql(cli, args, url, &mut d)
    };
    print_diagnostics(cli, &d, &SourceMap::default());
    code
}

/// The `.sql` files of `paths` (folders expanded), in file-name order within each folder.
fn sql_files(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|f| f.extension().is_some_and(|x| x == "sql"))
                // schemac's own down migrations undo their up file: never applied.
                .filter(|f| !f.to_string_lossy().ends_with(".down.sql"))
                .collect();
            v.sort();
            out.extend(v);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn from_sql(cli: &Cli, args: &ImportArgs, url: &str, d: &mut Diagnostics) -> u8 {
    let files = match sql_files(&args.sql) {
        Ok(f) => f,
        Err(e) => {
            d.push(
                Diagnostic::error(Code::Io, format!("cannot read the SQL files: {e}"))
                    .help("check the paths given to --sql"),
            );
            return exit::IO;
        }
    };
    let (scratch, mut client) = match Scratch::create(url, "import") {
        Ok(x) => x,
        Err(diag) => {
            d.push(*diag);
            return exit::IO;
        }
    };
    let code = (|| {
        if args.preset.as_deref() == Some("supabase")
            && let Err(diag) = database::install_supabase_standin(&mut client, false)
        {
            d.push(*diag);
            return exit::IO;
        }
        for f in &files {
            let text = match std::fs::read_to_string(f) {
                Ok(t) => t,
                Err(e) => {
                    d.push(
                        Diagnostic::error(Code::Io, format!("cannot read {}: {e}", f.display()))
                            .help("check the file"),
                    );
                    return exit::IO;
                }
            };
            // A Citus file goes statement by statement, as `schemac migrate` sends it.
            let result = if database::citus::is_citus_file(&text) {
                database::citus::statements(&text)
                    .iter()
                    .try_for_each(|stmt| client.batch_execute(stmt))
            } else {
                client.batch_execute(&text)
            };
            if let Err(e) = result {
                let _ = client.batch_execute("ROLLBACK");
                let mut msg = format!("failed to apply: {}", database::error_text(&e));
                if let Some(db) = e.as_db_error()
                    && let Some(postgres::error::ErrorPosition::Original(pos)) = db.position()
                {
                    let upto: String = text.chars().take(*pos as usize).collect();
                    let line = upto.matches('\n').count() + 1;
                    let start = upto.rfind(';').map_or(0, |i| i + 1);
                    let stmt: String = text
                        .chars()
                        .skip(upto.get(..start).map_or(0, |s| s.chars().count()))
                        .take_while(|c| *c != ';')
                        .collect();
                    msg.push_str(&format!(
                        " (line {line}, in the statement `{}`)",
                        stmt.split_whitespace().collect::<Vec<_>>().join(" ")
                    ));
                }
                d.push(
                    Diagnostic::error(Code::ImportSqlFailed, msg)
                        .in_path(f.display().to_string())
                        .help("fix the file (or pass --preset supabase when it assumes the platform); the scratch database was dropped"),
                );
                return exit::ERRORS;
            }
        }
        import_from(cli, args, &mut client, url, d)
    })();
    drop(client);
    drop(scratch);
    code
}

fn query_failure(e: &postgres::Error, what: &str) -> Diagnostic {
    Diagnostic::error(
        Code::DatabaseUnavailable,
        format!("{what}: {}", database::error_text(e)),
    )
    .help("check that the user may read the system catalogs of this database")
}

struct Read {
    catalog: introspect::Catalog,
    others: Vec<introspect::OtherInfo>,
    supabase: bool,
    platform: Vec<String>,
}

fn read(client: &mut impl GenericClient, args: &ImportArgs) -> Result<Read, postgres::Error> {
    client.batch_execute("SET LOCAL search_path = ''")?;
    let all = introspect::all_schemas(client)?;
    let has_auth_users = client
        .query_one(
            "select exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace \
             where n.nspname = 'auth' and c.relname = 'users')",
            &[],
        )?
        .try_get::<_, bool>(0)?;
    let supabase =
        args.preset.as_deref() == Some("supabase") || (args.preset.is_none() && has_auth_users);
    let platform: Vec<String> = if supabase {
        all.iter()
            .filter(|s| SUPABASE_PLATFORM_SCHEMAS.contains(&s.as_str()))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    // Citus keeps its own objects in schemas of its own; they are the extension's, never the
    // model's (`target: citus` creates the extension).
    let citus = client
        .query_one(
            "select exists (select 1 from pg_extension where extname = 'citus')",
            &[],
        )?
        .try_get::<_, bool>(0)?;
    let schemas: Vec<String> = if args.only_schema.is_empty() {
        all.iter()
            .filter(|s| !platform.contains(s))
            .filter(|s| !(citus && import::CITUS_SCHEMAS.contains(&s.as_str())))
            .cloned()
            .collect()
    } else {
        args.only_schema.clone()
    };
    // Privileges of every role that is not PostgreSQL's own or a superuser (owners hold theirs).
    let roles: Vec<String> = client
        .query(
            "select rolname::text from pg_roles where rolname !~ '^pg_' and not rolsuper \
             union select 'PUBLIC' order by 1",
            &[],
        )?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let mut catalog = introspect::read(client, &schemas, &roles)?;
    if supabase {
        // Triggers users put on the platform's tables (auth.users) belong to the project.
        let auth = introspect::read(client, &["auth".to_string()], &[])?;
        let ours: Vec<_> = auth
            .triggers
            .into_iter()
            .filter(|t| {
                t.definition
                    .rsplit("EXECUTE FUNCTION ")
                    .next()
                    .and_then(|f| f.split('.').next())
                    .is_some_and(|s| schemas.iter().any(|x| x == s))
            })
            .collect();
        catalog.triggers.extend(ours);
        catalog.triggers.sort();
    }
    if supabase {
        // Storage buckets are the model's `buckets:` (rows of storage.buckets).
        let has = client.query_one("select to_regclass('storage.buckets') is not null", &[])?;
        if has.try_get::<_, bool>(0)? {
            for r in client.query(introspect::BUCKETS_SQL, &[])? {
                catalog.buckets.push(introspect::BucketRow {
                    id: r.try_get(0)?,
                    public: r.try_get(1)?,
                    file_size_limit: r.try_get(2)?,
                    allowed_mime_types: r.try_get(3)?,
                });
            }
        }
    }
    let mut others = introspect::others(client, &schemas)?;
    if supabase {
        // Policies the project put on the platform's tables: on those the preset declares
        // (storage.objects, …) they are the model's top-level `policies:`; on any other the
        // model cannot declare them.
        let preset = schemac::preset::external(schemac::ir::Preset::Supabase);
        let platform_catalog = introspect::read(client, &platform, &[])?;
        for p in platform_catalog.policies {
            if preset
                .tables
                .contains_key(&schemac::ir::QName::new(&p.schema, &p.table))
            {
                catalog.policies.push(p);
                continue;
            }
            others.push(introspect::OtherInfo {
                definition: format!(
                    "CREATE POLICY {} ON {}.{} AS {} FOR {} TO {}{}{}",
                    schemac::sql::ident::quote_ident(&p.name),
                    p.schema,
                    p.table,
                    if p.permissive {
                        "PERMISSIVE"
                    } else {
                        "RESTRICTIVE"
                    },
                    p.command,
                    p.roles.join(", "),
                    p.using
                        .as_deref()
                        .map(|u| format!(" USING ({u})"))
                        .unwrap_or_default(),
                    p.with_check
                        .as_deref()
                        .map(|u| format!(" WITH CHECK ({u})"))
                        .unwrap_or_default(),
                ),
                schema: p.schema,
                kind: "policy on a platform table".to_string(),
                name: format!("{}.{}", p.table, p.name),
            });
        }
        others.sort();
        catalog.policies.sort();
    }
    Ok(Read {
        catalog,
        others,
        supabase,
        platform,
    })
}

fn import_from(
    cli: &Cli,
    args: &ImportArgs,
    client: &mut postgres::Client,
    url: &str,
    d: &mut Diagnostics,
) -> u8 {
    let mut tx = match client.build_transaction().read_only(true).start() {
        Ok(tx) => tx,
        Err(e) => {
            d.push(query_failure(&e, "cannot start a read-only transaction"));
            return exit::IO;
        }
    };
    let r = match read(&mut tx, args) {
        Ok(r) => r,
        Err(e) => {
            d.push(query_failure(&e, "cannot read the catalog"));
            return exit::IO;
        }
    };
    let _ = tx.rollback();
    let mut imported = import::import(
        &r.catalog,
        &r.others,
        &import::Options {
            supabase: r.supabase,
            split: args.split,
            supabase_layout: args.layout == "supabase",
        },
    );
    imported.platform = r.platform.clone();
    // Write the model (all files or none).
    let out = &args.out_model;
    let files: Vec<(PathBuf, String)> = if args.split {
        imported
            .files
            .iter()
            .map(|(n, t)| (out.join(n), t.clone()))
            .collect()
    } else {
        imported
            .files
            .iter()
            .map(|(_, t)| (out.clone(), t.clone()))
            .collect()
    };
    if !args.force
        && let Some((p, _)) = files.iter().find(|(p, _)| p.exists())
    {
        d.push(
            Diagnostic::error(
                Code::ImportOutputExists,
                format!("{} exists; nothing was written", p.display()),
            )
            .in_path(p.display().to_string())
            .help("pass --force to overwrite it, or choose another --out-model"),
        );
        return exit::ERRORS;
    }
    let findings = lint_findings(&imported);
    let report = report_text(&imported, &r, &findings);
    let mut all = files.clone();
    all.push((args.report.clone(), report));
    // One commit (the journal in the folder that holds the model file or folder): a failure
    // half-way leaves none of the files.
    let journal_dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(
            || std::path::PathBuf::from("."),
            std::path::Path::to_path_buf,
        );
    if let Err(e) = std::fs::create_dir_all(&journal_dir) {
        let e = schemac::migrations::MigrationsError::Write {
            path: journal_dir.display().to_string(),
            source: e,
        };
        d.push(e.diagnostic());
        return exit::IO;
    }
    if let Err(e) = schemac::commit::commit(&journal_dir, &all, &[]) {
        d.push(e.diagnostic());
        return exit::IO;
    }
    summary(&imported, &r, out, &args.report);
    if !findings.is_empty() {
        let n: usize = findings.iter().map(|f| f.2).sum();
        let list: Vec<String> = findings
            .iter()
            .map(|(code, name, k)| format!("{code} {name} ×{k}"))
            .collect();
        eprintln!(
            "import: lint reports {n} warning{} about the imported model, true of the source ({}); run `schemac lint --schema {}`",
            if n == 1 { "" } else { "s" },
            list.join(", "),
            out.display()
        );
    }
    let mut code = exit::OK;
    if !imported.ledger.is_empty() && !args.allow_partial {
        d.push(
            Diagnostic::error(
                Code::ImportIncomplete,
                format!(
                    "{} object{} the model cannot express {} left out (listed above and in {})",
                    imported.ledger.len(),
                    if imported.ledger.len() == 1 { "" } else { "s" },
                    if imported.ledger.len() == 1 { "was" } else { "were" },
                    args.report.display()
                ),
            )
            .in_path(args.report.display().to_string())
            .help("keep them in hand-written SQL, or pass --allow-partial to accept the partial model"),
        );
        code = exit::ERRORS;
    }
    if args.baseline {
        let b = baseline(cli, args, out, d);
        if b != exit::OK {
            return b;
        }
    }
    if args.check {
        let checked = check(cli, out, &r, client, url, d);
        if checked != exit::OK {
            return checked;
        }
    }
    code
}

fn summary(imported: &Imported, r: &Read, out: &Path, report: &Path) {
    let counts: Vec<String> = imported
        .counts
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    eprintln!(
        "import: wrote {} ({}); report in {}",
        out.display(),
        if counts.is_empty() {
            "empty".to_string()
        } else {
            counts.join(", ")
        },
        report.display()
    );
    if !r.platform.is_empty() {
        eprintln!(
            "import: left out on purpose, owned by the Supabase platform: schemas {}",
            r.platform.join(", ")
        );
    }
    if !imported.ledger.is_empty() {
        let mut by_kind: std::collections::BTreeMap<&str, usize> = Default::default();
        for e in &imported.ledger {
            *by_kind.entry(e.kind.as_str()).or_default() += 1;
        }
        let kinds: Vec<String> = by_kind.iter().map(|(k, n)| format!("{n} {k}")).collect();
        eprintln!(
            "import: {} object{} the model cannot express ({}):",
            imported.ledger.len(),
            if imported.ledger.len() == 1 { "" } else { "s" },
            kinds.join(", ")
        );
        for e in &imported.ledger {
            eprintln!("  {} {}: {}", e.kind, e.name, e.reason);
        }
    }
}

/// The lint findings (warnings and errors) of the imported model, by rule: code, name, count.
/// They describe the source (a policy without `why:`, a foreign key without an index, …).
fn lint_findings(imported: &Imported) -> Vec<(&'static str, &'static str, usize)> {
    let compiled = schemac::compile_sources(&imported.files);
    if !compiled.ok() {
        return Vec::new();
    }
    let report = schemac::lint::run_with(
        &compiled.model,
        &compiled.external,
        &compiled.sources,
        &compiled.fragments,
    );
    let mut by_rule: std::collections::BTreeMap<(&'static str, &'static str), usize> =
        Default::default();
    for f in &report.findings {
        if f.level >= schemac::lint::Level::Warn {
            *by_rule.entry((f.rule.code, f.rule.name)).or_default() += 1;
        }
    }
    by_rule.into_iter().map(|((c, n), k)| (c, n, k)).collect()
}

fn report_text(
    imported: &Imported,
    r: &Read,
    findings: &[(&'static str, &'static str, usize)],
) -> String {
    let mut s = String::from("# schemac import report\n\n## Imported\n\n");
    for (k, n) in &imported.counts {
        s.push_str(&format!("- {n} {k}\n"));
    }
    s.push_str("\n## Left out on purpose (platform-owned)\n\n");
    if r.platform.is_empty() {
        s.push_str("Nothing.\n");
    } else {
        s.push_str(&format!(
            "The Supabase platform owns these schemas and everything in them (the preset declares what a model may use from them): {}. Extensions' own objects are never read.\n",
            r.platform.join(", ")
        ));
    }
    s.push_str("\n## Lint warnings about the imported model (true of the source)\n\n");
    if findings.is_empty() {
        s.push_str("None.\n");
    }
    for (code, name, k) in findings {
        s.push_str(&format!("- {code} `{name}`: {k}\n"));
    }
    s.push_str(&format!(
        "\n## Not expressible in the model ({})\n\n",
        imported.ledger.len()
    ));
    if imported.ledger.is_empty() {
        s.push_str("Nothing.\n");
    }
    for e in &imported.ledger {
        s.push_str(&format!(
            "### {} `{}`\n\nWhy: {}.\n\n```sql\n{}\n```\n\n",
            e.kind, e.name, e.reason, e.definition
        ));
    }
    s
}

/// Compile the written model, failing with E516 (and its errors printed) when it does not.
fn compile_written(cli: &Cli, model: &Path, d: &mut Diagnostics) -> Option<schemac::Compiled> {
    let compiled = schemac::compile_without_lint_facts(model);
    if compiled.ok() {
        return Some(compiled);
    }
    print_diagnostics(cli, &compiled.diagnostics, &compiled.sources);
    d.push(
        Diagnostic::error(
            Code::ImportModelInvalid,
            "the imported model does not compile (a bug in import: please report it)",
        )
        .in_path(model.display().to_string())
        .help("see the errors above; edit the model by hand meanwhile"),
    );
    None
}

/// `--baseline`: the snapshot of the imported model and `schemac.sum` over the migrations
/// already on disk (never touched), so `build` continues from the imported state.
fn baseline(cli: &Cli, args: &ImportArgs, model: &Path, d: &mut Diagnostics) -> u8 {
    use schemac::migrations::{self, MigrationDir, SNAPSHOT_FILE, SUM_FILE};
    let Some(compiled) = compile_written(cli, model, d) else {
        return exit::ERRORS;
    };
    let dir = match MigrationDir::read_layout(&cli.out, compiled.model.migrations.layout) {
        Ok(dir) => dir,
        Err(e) => {
            d.push(
                Diagnostic::error(Code::Io, format!("cannot read the migrations: {e}"))
                    .help("check --out"),
            );
            return exit::IO;
        }
    };
    let snapshot_path = dir.root.join(SNAPSHOT_FILE);
    if dir.snapshot.is_some() && !args.force {
        d.push(
            Diagnostic::error(
                Code::ImportOutputExists,
                format!("{} exists: the project already has a baseline; nothing was written", snapshot_path.display()),
            )
            .in_path(snapshot_path.display().to_string())
            .help("pass --force to replace it (only when the database really is in the imported state)"),
        );
        return exit::ERRORS;
    }
    let snapshot = schemac::snapshot_text(&compiled.model);
    let sum = migrations::sum_entries(
        dir.files.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
        &snapshot,
    );
    let files = [
        (snapshot_path, snapshot),
        (dir.migrations_dir().join(SUM_FILE), sum),
    ];
    // One commit in the output folder, where the next `build` finishes an interrupted one.
    if let Err(e) = schemac::commit::commit(&cli.out, &files, &[]) {
        d.push(e.diagnostic());
        return exit::IO;
    }
    eprintln!(
        "import: baseline written ({} and {}, over {} existing migration file{}); the next `schemac build` writes only changes",
        files[0].0.display(),
        files[1].0.display(),
        dir.files.len(),
        if dir.files.len() == 1 { "" } else { "s" }
    );
    exit::OK
}

/// Build the written model, apply it to a scratch database and compare that catalog with the
/// source's: verify's comparison with the imported model.
fn check(
    cli: &Cli,
    model: &Path,
    _r: &Read,
    client: &mut postgres::Client,
    url: &str,
    d: &mut Diagnostics,
) -> u8 {
    let Some(compiled) = compile_written(cli, model, d) else {
        return exit::ERRORS;
    };
    let reference = match super::verify::reference(&compiled, url) {
        Ok(r) => r,
        Err(diag) => {
            d.push(*diag);
            return exit::IO;
        }
    };
    let mut tx = match client.build_transaction().read_only(true).start() {
        Ok(tx) => tx,
        Err(e) => {
            d.push(query_failure(&e, "cannot start a read-only transaction"));
            return exit::IO;
        }
    };
    let catalog = match super::verify::read_catalog(&mut tx, &compiled) {
        Ok(c) => c,
        Err(diag) => {
            d.push(*diag);
            return exit::IO;
        }
    };
    let _ = tx.rollback();
    let mut found = Diagnostics::default();
    verify::compare(
        &compiled.model,
        &compiled.external,
        &catalog,
        Some(&reference),
        &mut found,
    );
    if found.has_errors() {
        print_diagnostics(cli, &found, &compiled.sources);
        eprintln!("import --check: the imported model builds a different catalog (above)");
        exit::ERRORS
    } else {
        outln!("import --check: identical");
        exit::OK
    }
}
