//! `statbot db copy`: every row of one statbot database into another, empty one — SQLite to
//! PostgreSQL when a business outgrows one machine (the contract), and PostgreSQL to SQLite or
//! PostgreSQL to PostgreSQL as well, since the code is the same. The source is read in one
//! transaction (one snapshot), so a copy is consistent even if a server writes meanwhile.
//!
//! The target is opened as a [`Store`], so the normal migrations give it its real schema first.
//! The copy refuses, in a sentence, when source and target are the same database, when the
//! source was not migrated to exactly this binary's version, when a source table or column has
//! no counterpart in the target, or when the target already holds rows (those the migrations
//! write themselves, see `super::migrate::seeded_tables`, do not count: the source's replace
//! them).
//!
//! The tables are read from the source's schema (`sqlite_master`, or `information_schema` on
//! PostgreSQL), not from a list kept here, and copied column by column by name. SQLite is
//! dynamically typed, so each value is converted to the target column's type (0/1 to booleans,
//! whole reals to integers, text to JSON, …). Rows go in multi-row `INSERT`s of at most 1000
//! rows, within the bind-parameter limits. Constraints are not switched off (that takes a
//! superuser on PostgreSQL): the tables are copied in the order their foreign keys ask, taken
//! from the target's schema. The whole copy is one transaction on the target, so a copy that
//! fails leaves the target as empty as it was, ready for another try. Then every identity or
//! serial sequence is set past the largest id copied (and past SQLite's `AUTOINCREMENT`
//! high-water mark), so new rows do not collide, and the rows are counted on both sides.

use super::{Backend, Store, StoreError, migrate, redact_url};
use futures::TryStreamExt;
use sqlx::{AnyConnection, Row, ValueRef};
use std::collections::{BTreeMap, BTreeSet};

/// Rows per `INSERT` at most.
const ROWS_PER_INSERT: usize = 1000;

/// Why a copy did not happen (or failed), as a sentence.
#[derive(Debug)]
pub struct CopyError(pub String);

impl std::fmt::Display for CopyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CopyError {}

impl From<sqlx::Error> for CopyError {
    fn from(e: sqlx::Error) -> Self {
        CopyError(format!("database error: {e}"))
    }
}

impl From<StoreError> for CopyError {
    fn from(e: StoreError) -> Self {
        CopyError(e.to_string())
    }
}

type Result<T, E = CopyError> = std::result::Result<T, E>;

/// What the copy reports as it goes.
pub enum Progress<'a> {
    /// The rows to copy in all.
    Total(u64),
    /// A table begins.
    Table(&'a str),
    /// More rows were written.
    Rows(u64),
}

/// One table's rows on each side after the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    pub table: String,
    pub source: i64,
    pub target: i64,
}

/// What was copied.
#[derive(Debug, Clone)]
pub struct CopyReport {
    /// Every copied table, by name.
    pub tables: Vec<TableCount>,
}

impl CopyReport {
    /// The tables whose counts differ.
    pub fn mismatches(&self) -> Vec<&TableCount> {
        self.tables.iter().filter(|t| t.source != t.target).collect()
    }

    pub fn rows(&self) -> i64 {
        self.tables.iter().map(|t| t.target).sum()
    }
}

/// A value as read from the source.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// What a target column takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Bool,
    Float,
    Text,
    Bytes,
    /// A SQLite column: any value, as it is.
    Any,
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    /// The PostgreSQL type (`udt_name`: int8, bool, json…) or SQLite's declared type.
    ty: String,
}

/// Copies every table of `from` into the empty database `to`, migrating `to` first.
pub async fn copy(from: &str, to: &str, progress: &mut dyn FnMut(Progress<'_>)) -> Result<CopyReport> {
    sqlx::any::install_default_drivers();
    let source_backend = backend_of(from)?;
    backend_of(to)?;
    if same_database(from, to) {
        return Err(CopyError(format!("--from and --to are the same database ({}): nothing to copy", redact_url(to))));
    }
    let mut source_conn = open_source(from, source_backend).await?;
    // Everything is read from one snapshot of the source: rows a server writes meanwhile are
    // neither half copied nor counted, and the counts at the end compare like with like.
    let snapshot = match source_backend {
        Backend::Sqlite => "BEGIN",
        Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    };
    let mut source = sqlx::Connection::begin_with(&mut source_conn, snapshot).await?;
    let version = source_version(&mut source, from).await?;
    let latest = migrate::latest_version();
    if version < latest {
        return Err(CopyError(format!(
            "{} is at schema version {version} and this statbot at {latest}: upgrade it first by running this \
             statbot on it once (`statbot serve` with STATBOT_DATABASE_URL set to it, then stop it), then copy",
            redact_url(from)
        )));
    }
    if version > latest {
        return Err(CopyError(format!(
            "{} is at schema version {version}, newer than this statbot's {latest}: copy it with the newer statbot",
            redact_url(from)
        )));
    }
    let tables = list_tables(&mut source, source_backend).await?;
    let mut source_columns = BTreeMap::new();
    for table in &tables {
        source_columns.insert(table.clone(), columns(&mut source, source_backend, table).await?);
    }

    let target_store =
        Store::open_with(to, 2).await.map_err(|e| CopyError(format!("cannot open {}: {e}", redact_url(to))))?;
    let result = copy_into(&mut source, source_backend, &tables, &source_columns, &target_store, to, progress).await;
    target_store.close().await;
    let _ = source.rollback().await;
    let _ = sqlx::Connection::close(source_conn).await;
    result
}

async fn copy_into(
    source: &mut AnyConnection,
    source_backend: Backend,
    tables: &[String],
    source_columns: &BTreeMap<String, Vec<Column>>,
    target_store: &Store,
    to: &str,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<CopyReport> {
    let target_backend = target_store.backend();
    let mut target = target_store.conn().await?;
    let target_tables: BTreeSet<String> = list_tables(&mut target, target_backend).await?.into_iter().collect();
    let missing: Vec<&str> = tables.iter().filter(|t| !target_tables.contains(*t)).map(String::as_str).collect();
    if !missing.is_empty() {
        return Err(CopyError(format!(
            "the target has no table {} that the source has: is the source a statbot database of this version?",
            missing.join(", ")
        )));
    }
    // Each copied column with the target's type.
    let mut plans: BTreeMap<&str, Vec<(Column, Kind)>> = BTreeMap::new();
    for table in tables {
        let theirs = columns(&mut target, target_backend, table).await?;
        let mut plan = Vec::new();
        for column in &source_columns[table] {
            let Some(target_column) = theirs.iter().find(|c| c.name == column.name) else {
                return Err(CopyError(format!("the target's table {table} has no column {}", column.name)));
            };
            let kind = match target_backend {
                Backend::Postgres => pg_kind(&target_column.ty),
                Backend::Sqlite => Kind::Any,
            };
            plan.push((Column { name: column.name.clone(), ty: target_column.ty.clone() }, kind));
        }
        plans.insert(table, plan);
    }

    let seeded = migrate::seeded_tables(target_backend);
    let mut not_empty = Vec::new();
    for table in &target_tables {
        let n = count(&mut target, table).await?;
        if n > 0 && !seeded.contains(table) {
            not_empty.push(format!("{n} in {table}"));
        }
    }
    if !not_empty.is_empty() {
        return Err(CopyError(format!(
            "{} is not empty (rows: {}): db copy only fills an empty database",
            redact_url(to),
            not_empty.join(", ")
        )));
    }

    let order = copy_order(&mut target, target_backend, tables).await?;
    let mut total = 0;
    for table in &order {
        total += count(source, table).await?;
    }
    progress(Progress::Total(total as u64));
    let floors = match source_backend {
        Backend::Sqlite => sqlite_sequences(source).await?,
        Backend::Postgres => BTreeMap::new(),
    };

    let mut tx = target_store.begin(&mut target).await?;
    if target_backend == Backend::Sqlite {
        sqlx::raw_sql("PRAGMA defer_foreign_keys = ON").execute(&mut *tx).await?;
    }
    for table in order.iter().filter(|t| seeded.contains(t)) {
        sqlx::raw_sql(super::sql(format!("DELETE FROM {}", quote(table)))).execute(&mut *tx).await?;
    }
    for table in &order {
        progress(Progress::Table(table));
        let plan = &plans[table.as_str()];
        let source_types: Vec<&str> = source_columns[table].iter().map(|c| c.ty.as_str()).collect();
        let select = select_sql(table, plan, &source_types, source_backend);
        let per_insert = (max_params(target_backend) / plan.len().max(1)).clamp(1, ROWS_PER_INSERT);
        let mut rows = sqlx::query(super::sql(select)).fetch(&mut *source);
        let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per_insert);
        let mut done = 0usize;
        while let Some(row) = rows.try_next().await? {
            let mut values = Vec::with_capacity(plan.len());
            for (i, (column, _)) in plan.iter().enumerate() {
                values.push(read(&row, i).map_err(|e| {
                    CopyError(format!("cannot read {table}.{} in row {}: {e}", column.name, done + batch.len() + 1))
                })?);
            }
            batch.push(values);
            if batch.len() == per_insert {
                insert(&mut tx, target_backend, table, plan, &batch, done).await?;
                done += batch.len();
                progress(Progress::Rows(batch.len() as u64));
                batch.clear();
            }
        }
        if !batch.is_empty() {
            insert(&mut tx, target_backend, table, plan, &batch, done).await?;
            progress(Progress::Rows(batch.len() as u64));
        }
    }
    if target_backend == Backend::Postgres {
        for table in &order {
            reset_sequences(&mut tx, table, floors.get(table).copied().unwrap_or(0)).await?;
        }
    }
    tx.commit().await?;

    let mut counts = Vec::new();
    for table in &order {
        counts.push(TableCount {
            table: table.clone(),
            source: count(source, table).await?,
            target: count(&mut target, table).await?,
        });
    }
    counts.sort_by(|a, b| a.table.cmp(&b.table));
    Ok(CopyReport { tables: counts })
}

/// The backend a URL names.
fn backend_of(url: &str) -> Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(url)).into())
    }
}

/// The file of a `sqlite:` URL (any other URL is refused before this is asked).
fn sqlite_path(url: &str) -> std::path::PathBuf {
    super::backup::sqlite_path(url).unwrap_or_default()
}

/// Whether two URLs name one database: the same file, or the same server, port and database
/// whoever logs in.
fn same_database(a: &str, b: &str) -> bool {
    match (backend_of(a), backend_of(b)) {
        (Ok(Backend::Sqlite), Ok(Backend::Sqlite)) => {
            let (a, b) = (sqlite_path(a), sqlite_path(b));
            a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
        }
        (Ok(Backend::Postgres), Ok(Backend::Postgres)) => pg_place(a) == pg_place(b),
        _ => false,
    }
}

/// `host:port/database` of a PostgreSQL URL.
fn pg_place(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split_once('?').map_or(rest, |(rest, _)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, rest)| rest);
    let (host, db) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_ascii_lowercase();
    let host = if host.contains(':') { host } else { format!("{host}:5432") };
    format!("{host}/{db}")
}

/// The source, opened as it is: read-only on SQLite, and never migrated.
async fn open_source(url: &str, backend: Backend) -> Result<AnyConnection> {
    let url = match backend {
        Backend::Sqlite => {
            let path = sqlite_path(url);
            if !path.is_file() {
                return Err(CopyError(format!("there is no SQLite database at {}", path.display())));
            }
            format!("sqlite://{}?mode=ro", path.display())
        }
        Backend::Postgres => url.to_owned(),
    };
    <AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .map_err(|e| CopyError(format!("cannot open {}: {e}", redact_url(&url))))
}

/// The source's schema version.
async fn source_version(source: &mut AnyConnection, url: &str) -> Result<i64> {
    match sqlx::query("SELECT MAX(version) FROM schema_migrations").fetch_one(&mut *source).await {
        Ok(row) => Ok(row.try_get::<Option<i64>, _>(0)?.unwrap_or(0)),
        Err(_) => {
            Err(CopyError(format!("{} is not a statbot database (it has no schema_migrations)", redact_url(url))))
        }
    }
}

/// The tables of a database but the migrations' own, by name.
async fn list_tables(conn: &mut AnyConnection, backend: Backend) -> Result<Vec<String>> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             AND name <> 'schema_migrations' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name"
        }
    };
    Ok(sqlx::query(sql).fetch_all(conn).await?.iter().map(|r| r.try_get::<String, _>(0)).collect::<Result<_, _>>()?)
}

/// A table's columns in order, with their types.
async fn columns(conn: &mut AnyConnection, backend: Backend, table: &str) -> Result<Vec<Column>> {
    let sql = match backend {
        Backend::Sqlite => "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
        Backend::Postgres => {
            "SELECT column_name::text, udt_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
    };
    let rows = sqlx::query(sql).bind(table).fetch_all(conn).await?;
    Ok(rows
        .iter()
        .map(|r| Ok(Column { name: r.try_get(0)?, ty: r.try_get::<Option<String>, _>(1)?.unwrap_or_default() }))
        .collect::<Result<_, sqlx::Error>>()?)
}

/// What a PostgreSQL column of type `udt` takes.
fn pg_kind(udt: &str) -> Kind {
    match udt {
        "int2" | "int4" | "int8" => Kind::Int,
        "bool" => Kind::Bool,
        "float4" | "float8" => Kind::Float,
        "bytea" => Kind::Bytes,
        _ => Kind::Text,
    }
}

/// The tables in an order where every table comes after those its foreign keys point to.
async fn copy_order(conn: &mut AnyConnection, backend: Backend, tables: &[String]) -> Result<Vec<String>> {
    let sql = match backend {
        Backend::Sqlite => "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)",
        Backend::Postgres => {
            "SELECT DISTINCT r.relname::text FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
             JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname = $1"
        }
    };
    let mut needs: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for table in tables {
        let rows = sqlx::query(sql).bind(table).fetch_all(&mut *conn).await?;
        let refs = rows
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<BTreeSet<_>, _>>()?
            .into_iter()
            .filter(|r| r != table && tables.contains(r))
            .collect();
        needs.insert(table, refs);
    }
    let mut order: Vec<String> = Vec::new();
    while order.len() < tables.len() {
        let ready: Vec<String> = needs
            .iter()
            .filter(|(table, refs)| !order.iter().any(|o| o == *table) && refs.iter().all(|r| order.contains(r)))
            .map(|(table, _)| (*table).to_owned())
            .collect();
        if ready.is_empty() {
            let stuck: Vec<&str> = needs.keys().copied().filter(|t| !order.iter().any(|o| o == t)).collect();
            return Err(CopyError(format!(
                "the foreign keys of {} refer to each other: no order copies them",
                stuck.join(", ")
            )));
        }
        order.extend(ready);
    }
    Ok(order)
}

/// SQLite's `AUTOINCREMENT` high-water marks (ids handed out before, perhaps since deleted).
async fn sqlite_sequences(conn: &mut AnyConnection) -> Result<BTreeMap<String, i64>> {
    let exists = sqlx::query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")
        .fetch_optional(&mut *conn)
        .await?
        .is_some();
    if !exists {
        return Ok(BTreeMap::new());
    }
    let rows = sqlx::query("SELECT name, seq FROM sqlite_sequence").fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect::<Result<_, sqlx::Error>>()?)
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

async fn count(conn: &mut AnyConnection, table: &str) -> Result<i64> {
    let row = sqlx::query(super::sql(format!("SELECT COUNT(*) FROM {}", quote(table)))).fetch_one(conn).await?;
    Ok(row.try_get(0)?)
}

fn max_params(backend: Backend) -> usize {
    match backend {
        Backend::Postgres => 65_535,
        Backend::Sqlite => 32_766,
    }
}

/// The source's `SELECT`: PostgreSQL types the `Any` driver does not read (JSON…) as text.
fn select_sql(table: &str, plan: &[(Column, Kind)], source_types: &[&str], backend: Backend) -> String {
    let columns: Vec<String> = plan
        .iter()
        .zip(source_types)
        .map(|((column, _), ty)| match (backend, *ty) {
            (
                Backend::Postgres,
                "int2" | "int4" | "int8" | "bool" | "float4" | "float8" | "text" | "varchar" | "bytea",
            )
            | (Backend::Sqlite, _) => quote(&column.name),
            (Backend::Postgres, _) => format!("{}::text", quote(&column.name)),
        })
        .collect();
    format!("SELECT {} FROM {}", columns.join(", "), quote(table))
}

/// The value in column `i`, as stored (SQLite: whatever the row holds, whatever the column
/// declares).
fn read(row: &sqlx::any::AnyRow, i: usize) -> Result<Value, sqlx::Error> {
    use sqlx::any::AnyTypeInfoKind as K;
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let kind = raw.type_info().kind();
    Ok(match kind {
        K::Null => Value::Null,
        K::Bool => Value::Bool(row.try_get_unchecked(i)?),
        K::SmallInt | K::Integer | K::BigInt => Value::Int(row.try_get_unchecked(i)?),
        K::Real | K::Double => Value::Real(row.try_get_unchecked(i)?),
        K::Text => Value::Text(row.try_get_unchecked(i)?),
        K::Blob => Value::Blob(row.try_get_unchecked(i)?),
    })
}

/// Writes a batch of rows with one `INSERT`. `before` rows of the table went before (for
/// messages).
async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    plan: &[(Column, Kind)],
    rows: &[Vec<Value>],
    before: usize,
) -> Result<()> {
    let names: Vec<String> = plan.iter().map(|(c, _)| quote(&c.name)).collect();
    let mut values = String::new();
    let mut n = 0;
    for (r, _) in rows.iter().enumerate() {
        values.push_str(if r == 0 { "(" } else { ", (" });
        for (c, (column, _)) in plan.iter().enumerate() {
            n += 1;
            if c > 0 {
                values.push_str(", ");
            }
            match backend {
                // The column's own type: JSON from text, int4 from int8 and so on.
                Backend::Postgres => values.push_str(&format!("CAST(${n} AS {})", quote(&column.ty))),
                Backend::Sqlite => values.push_str(&format!("${n}")),
            }
        }
        values.push(')');
    }
    let sql = format!("INSERT INTO {} ({}) VALUES {values}", quote(table), names.join(", "));
    let mut query = sqlx::query(super::sql(sql));
    for (r, row) in rows.iter().enumerate() {
        for ((column, kind), value) in plan.iter().zip(row) {
            query = bind(query, *kind, value).map_err(|e| {
                CopyError(format!(
                    "{table}.{} in row {}: cannot store {e} as {}",
                    column.name,
                    before + r + 1,
                    column.ty
                ))
            })?;
        }
    }
    query.execute(conn).await.map_err(|e| CopyError(format!("cannot write table {table}: {e}")))?;
    Ok(())
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds `value` converted to what the column takes; `Err` describes the value that does not
/// fit.
fn bind<'q>(query: AnyQuery<'q>, kind: Kind, value: &Value) -> Result<AnyQuery<'q>, String> {
    let unfit = || match value {
        Value::Text(s) => format!("the text {s:?}"),
        Value::Blob(b) => format!("a blob of {} bytes", b.len()),
        other => format!("{other:?}"),
    };
    Ok(match (kind, value) {
        (Kind::Any, Value::Null) => query.bind(None::<String>),
        (Kind::Any, Value::Bool(b)) => query.bind(i64::from(*b)),
        (Kind::Any, Value::Int(i)) => query.bind(*i),
        (Kind::Any, Value::Real(f)) => query.bind(*f),
        (Kind::Any, Value::Text(s)) => query.bind(s.clone()),
        (Kind::Any, Value::Blob(b)) => query.bind(b.clone()),

        (Kind::Int, Value::Null) => query.bind(None::<i64>),
        (Kind::Int, Value::Int(i)) => query.bind(*i),
        (Kind::Int, Value::Bool(b)) => query.bind(i64::from(*b)),
        (Kind::Int, Value::Real(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => query.bind(*f as i64),
        (Kind::Int, Value::Text(s)) => query.bind(s.trim().parse::<i64>().map_err(|_| unfit())?),

        (Kind::Bool, Value::Null) => query.bind(None::<bool>),
        (Kind::Bool, Value::Bool(b)) => query.bind(*b),
        (Kind::Bool, Value::Int(i)) => query.bind(*i != 0),
        (Kind::Bool, Value::Real(f)) => query.bind(*f != 0.0),
        (Kind::Bool, Value::Text(s)) => query.bind(match s.trim().to_ascii_lowercase().as_str() {
            "1" | "t" | "true" => true,
            "0" | "f" | "false" => false,
            _ => return Err(unfit()),
        }),

        (Kind::Float, Value::Null) => query.bind(None::<f64>),
        (Kind::Float, Value::Real(f)) => query.bind(*f),
        (Kind::Float, Value::Int(i)) => query.bind(*i as f64),
        (Kind::Float, Value::Text(s)) => query.bind(s.trim().parse::<f64>().map_err(|_| unfit())?),

        (Kind::Text, Value::Null) => query.bind(None::<String>),
        (Kind::Text, Value::Text(s)) => query.bind(s.clone()),
        (Kind::Text, Value::Int(i)) => query.bind(i.to_string()),
        (Kind::Text, Value::Real(f)) => query.bind(f.to_string()),
        (Kind::Text, Value::Bool(b)) => query.bind(b.to_string()),
        (Kind::Text, Value::Blob(b)) => query.bind(String::from_utf8(b.clone()).map_err(|_| unfit())?),

        (Kind::Bytes, Value::Null) => query.bind(None::<Vec<u8>>),
        (Kind::Bytes, Value::Blob(b)) => query.bind(b.clone()),
        (Kind::Bytes, Value::Text(s)) => query.bind(s.clone().into_bytes()),

        _ => return Err(unfit()),
    })
}

/// Sets every identity or serial sequence of `table` past its largest id (and past `floor`, a
/// SQLite `AUTOINCREMENT` mark).
async fn reset_sequences(conn: &mut AnyConnection, table: &str, floor: i64) -> Result<()> {
    let rows = sqlx::query(
        "SELECT column_name::text, pg_get_serial_sequence(quote_ident(table_name), column_name)::text \
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let column: String = row.try_get(0)?;
        let Some(sequence) = row.try_get::<Option<String>, _>(1)? else { continue };
        let sql = format!(
            "SELECT setval(CAST($1 AS regclass), GREATEST(COALESCE((SELECT MAX({}) FROM {}), 0), $2) + 1, false)",
            quote(&column),
            quote(table)
        );
        sqlx::query(super::sql(sql)).bind(sequence).bind(floor).execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_database_is_recognised_whoever_logs_in() {
        assert!(same_database("postgres://a:x@DB:5432/statbot", "postgresql://b@db/statbot?sslmode=require"));
        assert!(!same_database("postgres://db/statbot", "postgres://db/other"));
        assert!(!same_database("postgres://db:5433/statbot", "postgres://db/statbot"));
        assert!(same_database("sqlite://statbot.db", "sqlite:statbot.db?mode=rwc"));
        assert!(!same_database("sqlite://statbot.db", "postgres://db/statbot"));
    }

    #[test]
    fn values_convert_to_the_target_column_s_type() {
        let ok = |kind, value: Value| bind(sqlx::query("SELECT 1"), kind, &value).is_ok();
        assert!(ok(Kind::Bool, Value::Int(1)));
        assert!(ok(Kind::Int, Value::Real(3.0)));
        assert!(!ok(Kind::Int, Value::Real(3.5)));
        assert!(!ok(Kind::Int, Value::Text("three".into())));
        assert!(ok(Kind::Text, Value::Text("é 🎉".into())));
        assert!(ok(Kind::Bytes, Value::Blob(vec![0, 255])));
        assert!(!ok(Kind::Bool, Value::Blob(vec![1])));
    }

    #[test]
    fn the_rows_the_migrations_write_are_found_in_their_sql() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            assert_eq!(migrate::seeded_tables(backend), ["funnel_rollup"]);
        }
    }

    #[test]
    fn postgres_places_ignore_credentials_and_options() {
        assert_eq!(pg_place("postgres://u:p@Host/db?x=1"), "host:5432/db");
    }
}
