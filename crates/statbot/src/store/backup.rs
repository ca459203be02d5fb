//! Backups of a SQLite database and putting one back. A backup is `VACUUM INTO` a file beside
//! the target, renamed into place: SQLite writes it from one read transaction, so it is a
//! consistent copy even while `statbot serve` writes. A restore checks the file is an
//! undamaged statbot database no newer than this binary, then, on one connection holding an
//! exclusive lock on the database (refused while a running server has it open), replaces the
//! database's content with the backup's in one transaction and migrates it up. The database
//! file is never renamed or deleted: a server starting meanwhile waits for the lock instead of
//! opening a file about to be replaced, a crash leaves the old database whole, and its `-wal`
//! and `-shm` files stay SQLite's business. PostgreSQL has its own tools (`pg_dump`,
//! `pg_restore`): [`pg_dump_command`] says which line to run.

use super::{Backend, Handle, Result, Store, latest_migration, migrate};
use sqlx::{AnyConnection, Connection, Row};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::Mutex;

/// What a backup wrote.
#[derive(Debug)]
pub struct BackupReport {
    pub bytes: u64,
    pub tables: i64,
}

/// What a restore put back.
#[derive(Debug)]
pub struct RestoreReport {
    /// The backup's migration version, and the version it was migrated to.
    pub from_version: i64,
    pub to_version: i64,
    pub tables: i64,
}

/// Why a restore or backup did not happen, as a sentence for the operator.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Nothing was done: the file or the database is not fit for it.
    #[error("{0}")]
    Refused(String),
    /// It failed part way, and left the database (and any previous backup) as they were.
    #[error("{0}")]
    Failed(String),
}

/// The SQLite file a URL names (`sqlite://FILE?...`, `sqlite:FILE`), or `None` for another backend.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split_once('?').map(|(p, _)| p).unwrap_or(rest);
    Some(PathBuf::from(path))
}

/// The `pg_dump` line that backs up the database at `url`, the password left out (pg_dump
/// asks for it, or takes it from `PGPASSWORD` or `~/.pgpass`).
pub fn pg_dump_command(url: &str, file: &str) -> String {
    format!("pg_dump --format=custom --file={} '{}'", shell_word(file), url_without_password(url))
}

/// The `pg_restore` line that puts a `pg_dump --format=custom` file back into the database at `url`.
pub fn pg_restore_command(url: &str, file: &str) -> String {
    format!("pg_restore --clean --if-exists --dbname='{}' {}", url_without_password(url), shell_word(file))
}

fn shell_word(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+".contains(c)) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// A URL with its password (if any) removed: `postgres://user@host/db`.
fn url_without_password(url: &str) -> String {
    match super::url_user_parts(url) {
        Some((scheme, user, rest)) => format!("{scheme}://{user}@{rest}"),
        None => url.to_owned(),
    }
}

/// Writes a consistent copy of the SQLite database at `db` to `file` (replacing it), through a
/// temporary file beside it. It opens a connection of its own and runs no migrations: a newer
/// binary backing up the database of an older running server leaves its schema alone.
pub async fn backup(db: &Path, file: &Path) -> Result<BackupReport, BackupError> {
    if !db.is_file() {
        return Err(BackupError::Refused(format!("the database {} does not exist", db.display())));
    }
    if is_database_file(db, file) {
        // Renamed over the database (or its log), the backup would pull it from under a
        // running server.
        return Err(BackupError::Refused(own_file(file)));
    }
    let partial = sibling(file, ".partial");
    let _ = std::fs::remove_file(&partial);
    let failed = |reason: String| {
        let _ = std::fs::remove_file(&partial);
        BackupError::Failed(format!("cannot back up {} to {}: {reason}", db.display(), file.display()))
    };
    let written = async {
        let mut conn = connect(&format!("sqlite://{}?mode=rw", db.display())).await?;
        sqlx::raw_sql("PRAGMA busy_timeout = 10000;").execute(&mut conn).await?;
        let target = partial.to_string_lossy().into_owned();
        let vacuum = sqlx::query("VACUUM INTO $1").bind(target).execute(&mut conn).await;
        let _ = conn.close().await;
        vacuum.map(|_| ())
    };
    written.await.map_err(|e| failed(reason(&e)))?;
    // VACUUM INTO does not flush what it wrote: without this a power cut after the rename
    // could leave a half-written FILE where the previous backup was.
    std::fs::File::open(&partial).and_then(|f| f.sync_all()).map_err(|e| failed(e.to_string()))?;
    let tables = count_tables(&partial).await.map_err(|e| failed(reason(&e)))?;
    std::fs::rename(&partial, file).map_err(|e| failed(e.to_string()))?;
    sync_folder(file);
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    Ok(BackupReport { bytes, tables })
}

/// The refusal of a backup written over the database.
pub fn own_file(file: &Path) -> String {
    format!("{} is the database itself (or one of its own files): name another file for the backup", file.display())
}

/// Flushes the folder of `file`, so that a rename into it survives a power cut. Best effort:
/// some systems cannot open a folder for this.
fn sync_folder(file: &Path) {
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
}

/// Whether `file` names the database `db` or one of its own files (`-wal`, `-shm`,
/// `-journal`), whether or not it exists yet, through whatever links or `..`.
pub fn is_database_file(db: &Path, file: &Path) -> bool {
    let (Some(db), Some(file)) = (resolved(db), resolved(file)) else {
        return false;
    };
    ["", "-wal", "-shm", "-journal"].iter().any(|suffix| sibling(&db, suffix) == file)
}

/// `path` made absolute with its links resolved, the file itself perhaps not made yet.
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(path) = path.canonicalize() {
        return Some(path);
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Some(dir.canonicalize().ok()?.join(path.file_name()?))
}

/// What SQLite said went wrong, without sqlx's wrapping (`error returned from database:
/// (code: 14) ...`): the end of a sentence for the operator.
fn reason(e: &sqlx::Error) -> String {
    match e.as_database_error() {
        Some(e) => e.message().to_owned(),
        None => e.to_string(),
    }
}

async fn connect(url: &str) -> Result<AnyConnection, sqlx::Error> {
    sqlx::any::install_default_drivers();
    <AnyConnection as Connection>::connect(url).await
}

/// `file` with `suffix` added to its name.
fn sibling(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    file.with_file_name(name)
}

async fn open_read_only(file: &Path) -> Result<AnyConnection, sqlx::Error> {
    connect(&format!("sqlite://{}?mode=ro", file.display())).await
}

async fn count_tables(file: &Path) -> Result<i64, sqlx::Error> {
    let mut conn = open_read_only(file).await?;
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
        .fetch_one(&mut conn)
        .await?
        .try_get(0)?;
    conn.close().await?;
    Ok(n)
}

/// Checks that `file` is an undamaged statbot SQLite database this binary can use: its
/// migration version.
async fn check_backup(file: &Path) -> Result<i64, BackupError> {
    let name = file.display();
    let mut header = [0u8; 16];
    let read = std::fs::File::open(file).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header));
    if let Err(e) = read {
        if e.kind() == std::io::ErrorKind::NotFound {
            return Err(BackupError::Refused(format!("{name} does not exist")));
        }
        return Err(BackupError::Refused(format!("{name} is not a SQLite database")));
    }
    if &header != b"SQLite format 3\0" {
        return Err(BackupError::Refused(format!("{name} is not a SQLite database")));
    }
    let mut conn = open_read_only(file)
        .await
        .map_err(|e| BackupError::Refused(format!("{name} cannot be opened: {}", reason(&e))))?;
    let inspected = inspect(&mut conn).await;
    let _ = conn.close().await;
    let damaged = |problem: &str| BackupError::Refused(format!("{name} is damaged ({problem}): choose another backup"));
    let version = match inspected.map_err(|e| damaged(&reason(&e)))? {
        Inspected::Damaged(problem) => return Err(damaged(&problem)),
        Inspected::NotStatbot => {
            return Err(BackupError::Refused(format!("{name} is a SQLite database but not one of statbot's")));
        }
        Inspected::Version(version) => version,
    };
    let latest = latest_migration();
    if version > latest {
        return Err(BackupError::Refused(format!(
            "{name} was written by a newer statbot (schema version {version}; this one knows up to {latest}): restore it with that version"
        )));
    }
    Ok(version)
}

/// What a look inside a backup found.
enum Inspected {
    /// The first problem `PRAGMA quick_check` found.
    Damaged(String),
    NotStatbot,
    /// Sound, with statbot's migrations up to this version.
    Version(i64),
}

async fn inspect(conn: &mut AnyConnection) -> Result<Inspected, sqlx::Error> {
    // Every page read once: a backup cut short or hit by a disk error is refused here, before
    // it replaces anything, rather than found by the server after.
    let problem: String = sqlx::query("PRAGMA quick_check(1)").fetch_one(&mut *conn).await?.try_get(0)?;
    if problem != "ok" {
        return Ok(Inspected::Damaged(problem));
    }
    let has_migrations: i64 =
        sqlx::query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
    if has_migrations == 0 {
        return Ok(Inspected::NotStatbot);
    }
    let version = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    Ok(Inspected::Version(version))
}

/// Puts the content of the backup `file` in place of the SQLite database at `url` (which no
/// process may have open), then migrates it up to this binary's version.
pub async fn restore(url: &str, file: &Path) -> Result<RestoreReport, BackupError> {
    let Some(db) = sqlite_path(url) else {
        return Err(BackupError::Refused(format!(
            "restore is for SQLite databases; on PostgreSQL use pg_restore: {}",
            pg_restore_command(url, &file.to_string_lossy())
        )));
    };
    if is_database_file(&db, file) {
        return Err(BackupError::Refused(format!(
            "{} is the database itself: name the backup to put in its place",
            file.display()
        )));
    }
    let from_version = check_backup(file).await?;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(BackupError::Refused(format!("the database's folder {} does not exist", dir.display())));
    }
    // A restore that fails where there was no database leaves an empty file, which a server
    // takes as no database at all.
    let tables = restore_into(&db, file).await?;
    Ok(RestoreReport { from_version, to_version: latest_migration(), tables })
}

/// The restore proper, on one connection to `db` that holds an exclusive lock on it from
/// before it reads it until the backup's content is committed and migrated: a server that
/// starts meanwhile waits for the lock (and gives up when its busy timeout is spent) rather
/// than open a database being replaced. The database is never moved or deleted, so its
/// `-wal` and `-shm` files stay SQLite's business. Returns the tables restored.
async fn restore_into(db: &Path, file: &Path) -> Result<i64, BackupError> {
    let failed = |e: &sqlx::Error| {
        if has_code(e, &[SQLITE_CORRUPT, SQLITE_NOTADB]) {
            // The backup passed quick_check, so the damage is the database's own: with the
            // database file never replaced, the way out is a new one.
            return BackupError::Refused(format!(
                "{db} is itself damaged ({}), so the backup cannot be put into it: move it aside with its -wal \
                 and -shm files (mv {db} {db}.damaged), then restore again",
                reason(e),
                db = db.display()
            ));
        }
        BackupError::Failed(format!(
            "cannot restore {} into {}: {}; the database was left as it was",
            file.display(),
            db.display(),
            reason(e)
        ))
    };
    let mut conn = connect(&format!("sqlite://{}?mode=rwc", db.display())).await.map_err(|e| failed(&e))?;
    // Exclusive locking mode, set before the first read, keeps the lock the transaction takes
    // until the connection closes; every open connection holds a shared lock, so the lock is
    // refused at once (no busy wait) while a server has the database open.
    let locked = sqlx::raw_sql(
        "PRAGMA busy_timeout = 0; PRAGMA main.locking_mode = EXCLUSIVE; PRAGMA foreign_keys = OFF; \
         BEGIN EXCLUSIVE; SELECT COUNT(*) FROM sqlite_master; COMMIT;",
    )
    .execute(&mut conn)
    .await;
    if let Err(e) = locked {
        let _ = conn.close().await;
        return Err(if has_code(&e, &[SQLITE_BUSY, SQLITE_LOCKED]) {
            BackupError::Refused(format!(
                "{} is in use (is statbot serve running?): stop every statbot using it, then restore",
                db.display()
            ))
        } else {
            failed(&e)
        });
    }
    if let Err(e) = replace_content(&mut conn, file).await {
        let _ = conn.close().await;
        return Err(failed(&e));
    }
    // Migrated on the same, still locked, connection, with foreign keys enforced as `serve`
    // has them.
    let foreign_keys = sqlx::raw_sql("PRAGMA foreign_keys = ON").execute(&mut conn).await;
    let store = Store {
        handle: Handle::Shared(Arc::new(Mutex::new(conn))),
        backend: Backend::Sqlite,
        sqlite_url: None,
        contact_ids: Arc::default(),
    };
    let migrated = match foreign_keys {
        Ok(_) => match migrate::run(&store).await {
            Ok(()) => count_restored(&store).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(reason(&e)),
    };
    if let Handle::Shared(conn) = store.handle
        && let Ok(conn) = Arc::try_unwrap(conn)
    {
        let _ = conn.into_inner().close().await;
    }
    migrated.map_err(|e| {
        BackupError::Failed(format!(
            "{} now holds the backup {}, but migrating it up failed ({e}): statbot serve will try again when it starts",
            db.display(),
            file.display()
        ))
    })
}

async fn count_restored(store: &Store) -> Result<i64> {
    let mut conn = store.conn().await?;
    Ok(sqlx::query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?)
}

/// Replaces every table, index, view and trigger of the database `conn` has open with those of
/// the backup `file`, rows and `AUTOINCREMENT` marks included, in one transaction: until it
/// commits, the database is the old one, whole, and a crash before then leaves it so. The
/// backup is read through SQLite (its own `-wal` included, if it came with one) and never
/// written to. Its schema's SQL is run as it is: a backup is trusted as much as the database
/// it becomes.
async fn replace_content(conn: &mut AnyConnection, file: &Path) -> Result<(), sqlx::Error> {
    sqlx::query("ATTACH DATABASE $1 AS backup").bind(read_only_uri(file)).execute(&mut *conn).await?;
    let copied = copy_schema_and_rows(conn).await;
    let detached = sqlx::raw_sql("DETACH DATABASE backup").execute(&mut *conn).await;
    copied?;
    detached.map(|_| ())
}

async fn copy_schema_and_rows(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    let names = |rows: Vec<sqlx::any::AnyRow>| -> Result<Vec<(String, String, String)>, sqlx::Error> {
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
    };
    let mut tx = conn.begin().await?;
    // Views and triggers first; a table takes its indexes with it.
    let old = names(
        sqlx::query(
            "SELECT type, name, '' FROM main.sqlite_master WHERE type IN ('table', 'view', 'trigger') \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type = 'table'",
        )
        .fetch_all(&mut *tx)
        .await?,
    )?;
    for (kind, name, _) in &old {
        sqlx::raw_sql(super::sql(format!("DROP {kind} IF EXISTS main.{}", quote(name)))).execute(&mut *tx).await?;
    }
    let new = names(
        sqlx::query(
            "SELECT type, name, sql FROM backup.sqlite_master WHERE sql IS NOT NULL \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
        )
        .fetch_all(&mut *tx)
        .await?,
    )?;
    let (tables, others): (Vec<_>, Vec<_>) = new.iter().partition(|(kind, ..)| kind == "table");
    for (_, _, create) in &tables {
        sqlx::raw_sql(super::sql(create.clone())).execute(&mut *tx).await?;
    }
    for (_, name, _) in &tables {
        let name = quote(name);
        sqlx::raw_sql(super::sql(format!("INSERT INTO main.{name} SELECT * FROM backup.{name}")))
            .execute(&mut *tx)
            .await?;
    }
    // Indexes, views and triggers after the rows: a trigger made before would fire on them.
    for (_, _, create) in &others {
        sqlx::raw_sql(super::sql(create.clone())).execute(&mut *tx).await?;
    }
    // The AUTOINCREMENT marks, which can be past the largest id kept.
    let has_sequence = sqlx::query("SELECT 1 FROM backup.sqlite_master WHERE name = 'sqlite_sequence'")
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
    if has_sequence {
        sqlx::raw_sql(
            "DELETE FROM main.sqlite_sequence; \
             INSERT INTO main.sqlite_sequence (name, seq) SELECT name, seq FROM backup.sqlite_sequence;",
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// A `file:` URI that opens `file` read-only (the path made absolute, and the characters URIs
/// give a meaning escaped).
fn read_only_uri(file: &Path) -> String {
    let path = file.canonicalize().unwrap_or_else(|_| file.to_owned());
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?mode=ro");
    uri
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

const SQLITE_CORRUPT: i32 = 11;
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_NOTADB: i32 = 26;

/// Whether SQLite answered with one of these primary result `codes` (`SQLITE_BUSY` covers
/// `SQLITE_BUSY_RECOVERY` and the other extended codes).
fn has_code(e: &sqlx::Error, codes: &[i32]) -> bool {
    let code = e.as_database_error().and_then(|e| e.code()).and_then(|code| code.parse::<i32>().ok());
    code.is_some_and(|code| codes.contains(&(code & 0xff)))
}
