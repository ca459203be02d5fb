//! Backups of a SQLite database and putting one back. A backup is `VACUUM INTO` a file beside
//! the target, renamed into place: SQLite writes it from one read transaction, so it is a
//! consistent copy even while `statbot serve` writes. A restore checks the file is a statbot
//! database no newer than this binary, refuses while another connection (a running server)
//! has the database open, copies the file beside the database and renames it into place
//! (removing the old write-ahead log), then migrates it up. PostgreSQL has its own tools
//! (`pg_dump`, `pg_restore`): [`pg_dump_command`] says which line to run.

use super::{Result, Store, latest_migration};
use sqlx::{AnyConnection, Connection, Row};
use std::path::{Path, PathBuf};

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

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        BackupError::Failed(reason(&e))
    }
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
pub fn url_without_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}://{user}@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
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

/// Checks that `file` is a statbot SQLite database this binary can use: its migration version.
pub async fn check_backup(file: &Path) -> Result<i64, BackupError> {
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
    let mut conn = open_read_only(file).await?;
    let has_migrations: i64 =
        sqlx::query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
            .fetch_one(&mut conn)
            .await?
            .try_get(0)?;
    if has_migrations == 0 {
        conn.close().await?;
        return Err(BackupError::Refused(format!("{name} is a SQLite database but not one of statbot's")));
    }
    let version: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        .fetch_one(&mut conn)
        .await?
        .try_get(0)?;
    conn.close().await?;
    let latest = latest_migration();
    if version > latest {
        return Err(BackupError::Refused(format!(
            "{name} was written by a newer statbot (schema version {version}; this one knows up to {latest}): restore it with that version"
        )));
    }
    Ok(version)
}

/// Whether another connection has the SQLite database at `db` open (a running `statbot
/// serve`, say): in WAL mode every open connection holds a shared lock on the file, so an
/// exclusive lock, asked for without waiting, is refused.
pub async fn in_use(db: &Path) -> Result<bool, BackupError> {
    if !db.exists() {
        return Ok(false);
    }
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=rw", db.display());
    let mut conn = <sqlx::AnyConnection as Connection>::connect(&url).await?;
    let taken = sqlx::raw_sql(
        "PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; \
         SELECT COUNT(*) FROM sqlite_master; COMMIT;",
    )
    .execute(&mut conn)
    .await;
    let _ = conn.close().await;
    match taken {
        Ok(_) => Ok(false),
        Err(sqlx::Error::Database(e)) if e.message().contains("locked") || e.message().contains("busy") => Ok(true),
        Err(e) => Err(e.into()),
    }
}

/// Puts the backup `file` in place of the SQLite database at `url` (which no process may have
/// open), then migrates it up to this binary's version.
pub async fn restore(url: &str, file: &Path) -> Result<RestoreReport, BackupError> {
    let Some(db) = sqlite_path(url) else {
        return Err(BackupError::Refused(format!(
            "restore is for SQLite databases; on PostgreSQL use pg_restore: {}",
            pg_restore_command(url, &file.to_string_lossy())
        )));
    };
    let from_version = check_backup(file).await?;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(BackupError::Refused(format!("the database's folder {} does not exist", dir.display())));
    }
    let temp = sibling(&db, ".restoring");
    let copy = (|| -> std::io::Result<()> {
        std::fs::copy(file, &temp)?;
        std::fs::File::open(&temp)?.sync_all()
    })();
    if let Err(e) = copy {
        let _ = std::fs::remove_file(&temp);
        return Err(BackupError::Failed(format!("cannot copy {} beside the database: {e}", file.display())));
    }
    if in_use(&db).await? {
        let _ = std::fs::remove_file(&temp);
        return Err(BackupError::Refused(format!(
            "{} is in use (is statbot serve running?): stop every statbot using it, then restore",
            db.display()
        )));
    }
    for suffix in ["-wal", "-shm", "-journal"] {
        let stale = sibling(&db, suffix);
        if let Err(e) = std::fs::remove_file(&stale)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            let _ = std::fs::remove_file(&temp);
            return Err(BackupError::Failed(format!("cannot remove {}: {e}", stale.display())));
        }
    }
    std::fs::rename(&temp, &db).map_err(|e| BackupError::Failed(format!("cannot replace {}: {e}", db.display())))?;
    let store = Store::open_with(url, 2).await.map_err(|e| BackupError::Failed(e.to_string()))?;
    store.close().await;
    drop(store);
    let tables = count_tables(&db).await?;
    Ok(RestoreReport { from_version, to_version: latest_migration(), tables })
}
