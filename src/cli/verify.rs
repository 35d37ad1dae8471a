//! `schemac verify`: apply the migrations to a scratch database (or read a live one) and compare
//! its catalog with the model.

use postgres::GenericClient;
use schemac::database::{self, Scratch, plpgsql_check};
use schemac::diagnostics::{Code, Diagnostic, Diagnostics};
use schemac::ir::Preset;
use schemac::migrations::MigrationDir;
use schemac::{Compiled, introspect, verify};

use super::{Cli, exit, print_diagnostics};

/// Arguments of `schemac verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A server to create the scratch database on (any database of it; it is not changed).
    /// Default: the `DATABASE_URL` environment variable (unless --against is given).
    #[arg(long, value_name = "URL", conflicts_with = "against")]
    pub database_url: Option<String>,
    /// A live database to compare with the model, read-only (drift in both directions).
    #[arg(long, value_name = "URL")]
    pub against: Option<String>,
    /// Also load synthetic rows and fail when a query a table declares (`queries:`) scans that
    /// table sequentially (scratch database only).
    #[arg(long, conflicts_with = "against")]
    pub explain: bool,
    /// How many synthetic rows --explain puts into each table.
    #[arg(long, value_name = "N", default_value_t = 10_000, requires = "explain")]
    pub rows: u32,
}

/// Run `schemac verify`.
pub fn run(cli: &Cli, args: &VerifyArgs) -> u8 {
    let compiled = match super::compiled_or_exit(cli) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut d = Diagnostics::default();
    let database_url = match &args.against {
        None => args
            .database_url
            .clone()
            .or_else(super::database_url_from_env),
        Some(_) => None,
    };
    let outcome = match (&database_url, &args.against) {
        (Some(url), None) => fresh(cli, args, &compiled, url, &mut d),
        (None, Some(url)) => against(&compiled, url, &mut d),
        _ => {
            eprintln!(
                "error: give --database-url URL or set DATABASE_URL (scratch database), or --against URL (live database)"
            );
            return exit::IO;
        }
    };
    print_diagnostics(cli, &d, &compiled.sources);
    match outcome {
        Outcome::Unavailable => exit::IO,
        Outcome::Done(summary) if !d.has_errors() => {
            outln!("{summary}");
            exit::OK
        }
        Outcome::Done(_) | Outcome::Failed => exit::ERRORS,
    }
}

enum Outcome {
    /// The server could not be used (E504).
    Unavailable,
    /// Migrations could not be read or applied.
    Failed,
    /// Compared; a one-line summary for the success case.
    Done(String),
}

fn unavailable(d: &mut Diagnostics, diag: Diagnostic) -> Outcome {
    d.push(diag);
    Outcome::Unavailable
}

fn query_failure(e: &postgres::Error, what: &str) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::error(
            Code::DatabaseUnavailable,
            format!("{what}: {}", database::error_text(e)),
        )
        .help("check that the user may read the system catalogs of this database"),
    )
}

/// The catalog of the schemas and roles the model is compared on, read with `search_path = ''`
/// (inside the caller's transaction).
pub(crate) fn read_catalog(
    client: &mut impl GenericClient,
    compiled: &Compiled,
) -> Result<introspect::Catalog, Box<Diagnostic>> {
    let model = &compiled.model;
    client
        .batch_execute("SET LOCAL search_path = ''")
        .map_err(|e| query_failure(&e, "cannot set the search path"))?;
    let schemas = verify::owned_schemas(model);
    let roles = verify::compared_roles(model, &compiled.external);
    let mut catalog = introspect::read(client, &schemas, &roles)
        .map_err(|e| query_failure(&e, "cannot read the catalog"))?;
    // The policies on the platform's tables the model attaches policies to (`storage.objects`).
    let platform: Vec<String> = model
        .external_policies
        .keys()
        .map(|q| q.schema.clone())
        .filter(|s| !schemas.contains(s))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !platform.is_empty() {
        let on_platform = introspect::policies(client, &platform)
            .map_err(|e| query_failure(&e, "cannot read the policies of the platform's tables"))?;
        catalog.policies.extend(on_platform.into_iter().filter(|p| {
            model
                .external_policies
                .contains_key(&schemac::ir::QName::new(&p.schema, &p.table))
        }));
    }
    // The triggers the model puts on the platform's tables (`auth.users`).
    let platform: Vec<String> = model
        .external_triggers
        .iter()
        .map(|t| t.table.schema.clone())
        .filter(|s| !schemas.contains(s))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !platform.is_empty() {
        let on_platform = introspect::triggers(client, &platform)
            .map_err(|e| query_failure(&e, "cannot read the triggers of the platform's tables"))?;
        catalog.triggers.extend(on_platform.into_iter().filter(|t| {
            model
                .external_triggers
                .iter()
                .any(|x| x.table.schema == t.schema && x.table.name == t.table)
        }));
        catalog.triggers.sort();
    }
    read_data_rows(client, compiled, &mut catalog)?;
    Ok(catalog)
}

/// The declared rows (`data:`, `buckets:`) as the database has them: one lookup by key each
/// (`verify::data::queries`), on the tables the catalog holds (and `storage.buckets` on
/// Supabase). A lookup PostgreSQL refuses (a value that no longer casts to a changed column
/// type) is rolled back to its savepoint and reported as a different row.
fn read_data_rows(
    client: &mut impl GenericClient,
    compiled: &Compiled,
    catalog: &mut introspect::Catalog,
) -> Result<(), Box<Diagnostic>> {
    let model = &compiled.model;
    let queries = verify::data::queries(model);
    if queries.is_empty() {
        return Ok(());
    }
    let exists = |q: &schemac::ir::QName| {
        (q.schema == "storage"
            && q.name == "buckets"
            && model.preset == schemac::ir::Preset::Supabase)
            || catalog
                .tables
                .iter()
                .any(|t| t.schema == q.schema && t.name == q.name)
    };
    let mut answers = std::collections::BTreeMap::new();
    for q in queries.iter().filter(|q| exists(&q.table)) {
        client
            .batch_execute("SAVEPOINT schemac_verify_row")
            .map_err(|e| query_failure(&e, "cannot read the declared rows"))?;
        let answer = match client.query(q.sql.as_str(), &[]) {
            Ok(rows) => rows.first().map(|r| {
                (0..q.columns.len())
                    .map(|i| {
                        (
                            r.get::<_, Option<String>>(2 * i),
                            r.get::<_, Option<bool>>(2 * i + 1).unwrap_or(false),
                        )
                    })
                    .collect()
            }),
            Err(e) => {
                client
                    .batch_execute("ROLLBACK TO SAVEPOINT schemac_verify_row")
                    .map_err(|e| query_failure(&e, "cannot read the declared rows"))?;
                Some(
                    q.columns
                        .iter()
                        .map(|_| (Some(format!("an error ({e})")), false))
                        .collect(),
                )
            }
        };
        answers.insert(q.sql.clone(), answer);
    }
    catalog.data_rows = answers;
    Ok(())
}

/// The reference catalog: the model's first migration applied on its own to a scratch database
/// on the server of `url`, read back and dropped. It holds PostgreSQL's normalised form of every
/// expression the model writes (see [`verify::compare`]).
pub(crate) fn reference(
    compiled: &Compiled,
    url: &str,
) -> Result<introspect::Catalog, Box<Diagnostic>> {
    let sql = verify::reference_sql(&compiled.model).map_err(|e| {
        Box::new(
            Diagnostic::error(Code::Io, format!("cannot render the model's SQL: {e}"))
                .help("check the templates"),
        )
    })?;
    let (scratch, mut client) = Scratch::create(url, "verify")?;
    let result = (|| {
        if compiled.model.preset == Preset::Supabase {
            database::install_supabase_standin(&mut client, compiled.model.auto_exposes())?;
        }
        database::apply(
            &mut client,
            std::path::Path::new("(the model)"),
            &[("0001_reference.sql".to_string(), sql)],
        )?;
        let mut tx = client
            .transaction()
            .map_err(|e| query_failure(&e, "cannot start a transaction"))?;
        let catalog = read_catalog(&mut tx, compiled)?;
        let _ = tx.rollback();
        Ok(catalog)
    })();
    drop(client);
    drop(scratch);
    result
}

/// Read and compare; `check` runs plpgsql_check when it is installed.
fn compare(
    client: &mut impl GenericClient,
    compiled: &Compiled,
    reference: Option<&introspect::Catalog>,
    d: &mut Diagnostics,
) -> Result<String, Box<Diagnostic>> {
    let model = &compiled.model;
    let catalog = read_catalog(client, compiled)?;
    verify::compare(model, &compiled.external, &catalog, reference, d);
    let mut summary = format!(
        "{} tables, {} policies, {} functions, {} views, {} enums compared",
        model.tables.len(),
        model
            .tables
            .values()
            .map(|t| t.policies.len())
            .chain(model.external_policies.values().map(|p| p.len()))
            .sum::<usize>(),
        model.functions.len(),
        model.views.len(),
        model.enums.len()
    );
    let installed = plpgsql_check::installed(client)
        .map_err(|e| query_failure(&e, "cannot look for plpgsql_check"))?;
    if let Some(schema) = installed {
        let n = plpgsql_check::check(client, &schema, model, d)
            .map_err(|e| query_failure(&e, "plpgsql_check failed"))?;
        summary.push_str(&format!("; plpgsql_check: {n} functions checked"));
    } else {
        summary.push_str("; plpgsql_check not installed, function bodies not checked");
    }
    Ok(summary)
}

fn fresh(
    cli: &Cli,
    args: &VerifyArgs,
    compiled: &Compiled,
    url: &str,
    d: &mut Diagnostics,
) -> Outcome {
    let dir = match MigrationDir::read_layout(&cli.out, compiled.model.migrations.layout) {
        Ok(dir) => dir,
        Err(e) => {
            d.push(e.diagnostic());
            return Outcome::Failed;
        }
    };
    dir.verify(d);
    if d.has_errors() {
        return Outcome::Failed;
    }
    let migrations = database::up_migrations(&dir.files);
    if migrations.is_empty() {
        d.push(
            Diagnostic::error(Code::MigrationFailed, "there are no migrations to apply")
                .in_path(dir.migrations_dir().display().to_string())
                .help("run `schemac build` first"),
        );
        return Outcome::Failed;
    }
    let reference = match reference(compiled, url) {
        Ok(r) => r,
        Err(diag) if diag.code == Code::DatabaseUnavailable.as_str() => {
            return unavailable(d, *diag);
        }
        Err(diag) => {
            d.push(*diag);
            return Outcome::Failed;
        }
    };
    let (scratch, mut client) = match Scratch::create(url, "verify") {
        Ok(x) => x,
        Err(diag) => return unavailable(d, *diag),
    };
    let result = (|| -> Result<String, Outcome> {
        if compiled.model.preset == Preset::Supabase {
            database::install_supabase_standin(&mut client, compiled.model.auto_exposes())
                .map_err(|diag| unavailable(d, *diag))?;
        }
        database::apply(&mut client, &dir.migrations_dir(), &migrations).map_err(|diag| {
            d.push(*diag);
            Outcome::Failed
        })?;
        // plpgsql_check is created after the migrations; its objects are never compared.
        if plpgsql_check::available(&mut client).unwrap_or(false) {
            let _ = client.batch_execute("CREATE EXTENSION IF NOT EXISTS plpgsql_check");
        }
        let mut tx = client
            .transaction()
            .map_err(|e| unavailable(d, *query_failure(&e, "cannot start a transaction")))?;
        let mut summary = compare(&mut tx, compiled, Some(&reference), d)
            .map_err(|diag| unavailable(d, *diag))?;
        let _ = tx.rollback();
        if args.explain {
            let e = database::explain::check(
                &mut client,
                &compiled.model,
                &compiled.external,
                args.rows,
                d,
            )
            .map_err(|diag| {
                d.push(*diag);
                Outcome::Failed
            })?;
            summary.push_str(&format!(
                "; --explain: {} quer{} checked with {} synthetic rows per table",
                e.checked,
                if e.checked == 1 { "y" } else { "ies" },
                args.rows
            ));
            if e.routed + e.fanned_out > 0 {
                summary.push_str(&format!(
                    " (Citus: {} routed to one shard, {} on several shards{})",
                    e.routed,
                    e.fanned_out,
                    if e.fanned_out_declared > 0 {
                        format!(
                            ", {} of them declared `fans_out: true`",
                            e.fanned_out_declared
                        )
                    } else {
                        String::new()
                    }
                ));
            }
        }
        Ok(format!(
            "verify: {} migration{} applied to a scratch database; {summary}; no differences",
            migrations.len(),
            if migrations.len() == 1 { "" } else { "s" }
        ))
    })();
    drop(client);
    drop(scratch);
    match result {
        Ok(s) => Outcome::Done(s),
        Err(o) => o,
    }
}

fn against(compiled: &Compiled, url: &str, d: &mut Diagnostics) -> Outcome {
    // The reference goes to a scratch database on the same server; the live one is only read.
    let (reference, note) = match reference(compiled, url) {
        Ok(r) => (Some(r), String::new()),
        Err(diag) if diag.code == Code::DatabaseUnavailable.as_str() => (
            None,
            format!(
                "; expressions compared by their words, not exactly ({})",
                diag.message
            ),
        ),
        Err(diag) => {
            d.push(*diag);
            return Outcome::Failed;
        }
    };
    let mut client = match database::connect(url) {
        Ok(c) => c,
        Err(diag) => return unavailable(d, *diag),
    };
    let mut tx = match client.build_transaction().read_only(true).start() {
        Ok(tx) => tx,
        Err(e) => {
            return unavailable(
                d,
                *query_failure(&e, "cannot start a read-only transaction"),
            );
        }
    };
    let result = compare(&mut tx, compiled, reference.as_ref(), d);
    let _ = tx.rollback();
    match result {
        Ok(summary) => Outcome::Done(format!(
            "verify: the database matches the model (read-only); {summary}{note}; no differences"
        )),
        Err(diag) => unavailable(d, *diag),
    }
}
