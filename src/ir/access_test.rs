//! Access tests: fixture rows, steps run as a role with an identity, and what each step expects.
//!
//! Input: built by `load::tests` from `tests:` under a table, and by `testing::derive` from the
//! policies. Output: read by `testing` (the runner and the pgTAP writer). Invariants: names and
//! SQL are as written (spans kept); values are text or NULL (PostgreSQL casts them on insert);
//! access tests never reach the snapshot (they change no migration).

use crate::ir::{QName, Sp};
use crate::source::Span;

/// One column value of a fixture or expected row: text, or NULL.
pub type Value = Option<String>;

/// A row: (column, value) in the order written.
pub type Row = Vec<(String, Value)>;

/// Rows to insert into one table before the steps run (as the connecting user, the owner).
#[derive(Debug, Clone, PartialEq)]
pub struct FixtureRows {
    /// The table as written (`projects`, `auth.users`).
    pub table: Sp<String>,
    /// The rows.
    pub rows: Vec<Row>,
}

/// Who a step runs as.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TestIdentity {
    /// `SET LOCAL ROLE` to this role (`None`: stay the connecting user).
    pub role: Option<Sp<String>>,
    /// The user id: the JWT `sub` claim on Supabase, `app.current_user_id` on plain PostgreSQL.
    pub user: Option<Sp<String>>,
    /// More JWT claims (Supabase), as text.
    pub claims: Vec<(String, String)>,
    /// Settings made with `set_config(name, value, true)`.
    pub settings: Vec<(String, String)>,
    /// Where it was written.
    pub span: Span,
}

/// What a step must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// Runs without an error.
    Allowed,
    /// Fails with SQLSTATE 42501 (insufficient privilege), or affects / returns zero rows.
    Denied,
    /// Returns (or affects) exactly this many rows.
    RowCount(u64),
    /// Returns exactly these rows, in any order (only the columns named are compared, as text).
    Rows(Vec<Row>),
}

/// One statement of a test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestStep {
    /// The SQL.
    pub sql: Sp<String>,
    /// Who runs it (`None`: the test's identity).
    pub identity: Option<TestIdentity>,
    /// What it must do.
    pub expect: Expectation,
    /// Where the step was written.
    pub origin: Span,
}

/// Where a test comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKind {
    /// Written under `tests:` in the model.
    Declared,
    /// Derived from an owner-style policy.
    Derived,
}

/// An access test.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessTest {
    /// Name (the key under `tests:`, or `derived_…`).
    pub name: String,
    /// The table it is declared on (or derived from).
    pub table: QName,
    /// Declared or derived.
    pub kind: TestKind,
    /// What it checks.
    pub description: Option<String>,
    /// Rows inserted first, in order.
    pub fixtures: Vec<FixtureRows>,
    /// SQL run as the owner after the fixtures.
    pub setup: Vec<Sp<String>>,
    /// The identity of steps that name none.
    pub identity: Option<TestIdentity>,
    /// The steps, in order.
    pub steps: Vec<TestStep>,
    /// Where it was declared (the policy it was derived from).
    pub origin: Span,
}

/// A query a table's indexes exist for (`queries:` under a table): `schemac verify --explain`
/// fails when its plan scans the table sequentially.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryCheck {
    /// The table whose scan is checked.
    pub table: QName,
    /// The query.
    pub sql: Sp<String>,
    /// Why it matters (docs).
    pub why: Option<String>,
    /// On Citus, the query is meant to run on every shard (`fans_out: true`): `verify
    /// --explain` then reports it without the fan-out warning (E517).
    pub fans_out: bool,
}

/// The derived tests a table opts out of (`tests: { derived_owner_isolation: { skip: reason } }`,
/// or `derived: { skip: reason }` for all of them).
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedOptOut {
    /// The table.
    pub table: QName,
    /// The derived test (`derived_owner_isolation`, `derived_service_role_bypass`); `None` for
    /// every derived test of the table.
    pub test: Option<String>,
    /// Why, for the report.
    pub reason: Sp<String>,
}

/// The names of the tests `schemac test` derives.
pub const DERIVED_TESTS: &[&str] = &["derived_owner_isolation", "derived_service_role_bypass"];
