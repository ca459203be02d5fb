//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes), run off the async
//! threads because it is deliberately slow, and bounded: at most as many hashes at once as there
//! are cores, a short queue behind them, and beyond that a refusal ([`AuthError::Busy`]) rather
//! than unbounded memory and a server too busy to answer anything else.

use super::AuthError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Semaphore, SemaphorePermit};

/// Requests that may wait for a hashing slot, per core.
const QUEUE_PER_CORE: usize = 4;
/// What a refused request is told to wait before trying again.
const BUSY_RETRY_AFTER_SECS: i64 = 1;

/// The process's hashing slots.
struct Gate {
    slots: Semaphore,
    /// Requests holding or waiting for a slot.
    admitted: AtomicUsize,
    /// How many may hold or wait for one.
    capacity: usize,
}

static GATE: LazyLock<Gate> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
    Gate { slots: Semaphore::new(cores), admitted: AtomicUsize::new(0), capacity: cores * (1 + QUEUE_PER_CORE) }
});

/// The right to run one hash now; taken before anything else a login does, so that a refused
/// login has not counted as an attempt.
pub struct HashSlot {
    _permit: SemaphorePermit<'static>,
    _admission: Admission,
}

/// A place among the admitted requests, given back when dropped.
struct Admission;

impl Drop for Admission {
    fn drop(&mut self) {
        GATE.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

impl HashSlot {
    /// Waits for a slot in the short queue, or is refused at once when the queue is full.
    pub async fn take() -> Result<HashSlot, AuthError> {
        if GATE.admitted.fetch_add(1, Ordering::AcqRel) >= GATE.capacity {
            GATE.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(AuthError::Busy { retry_after_secs: BUSY_RETRY_AFTER_SECS });
        }
        let admission = Admission;
        let permit = GATE.slots.acquire().await.map_err(|e| AuthError::Hashing(e.to_string()))?;
        Ok(HashSlot { _permit: permit, _admission: admission })
    }

    pub async fn hash(self, password: String) -> Result<String, AuthError> {
        tokio::task::spawn_blocking(move || {
            let _slot = self;
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| AuthError::Hashing(e.to_string()))
        })
        .await
        .map_err(|e| AuthError::Hashing(e.to_string()))?
    }

    /// `Ok(false)` for a wrong password; an unreadable stored hash is an error.
    pub async fn verify(self, password: String, hash: String) -> Result<bool, AuthError> {
        tokio::task::spawn_blocking(move || {
            let _slot = self;
            let parsed = PasswordHash::new(&hash).map_err(|e| AuthError::Hashing(e.to_string()))?;
            Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await
        .map_err(|e| AuthError::Hashing(e.to_string()))?
    }
}

pub async fn hash_password(password: String) -> Result<String, AuthError> {
    HashSlot::take().await?.hash(password).await
}

/// `Ok(false)` for a wrong password; an unreadable stored hash is an error.
pub async fn verify_password(password: String, hash: String) -> Result<bool, AuthError> {
    HashSlot::take().await?.verify(password, hash).await
}
