//! Password hashing (argon2id) under a process-wide bound.
//!
//! Each argon2 hash takes 19 MiB for about a tenth of a second of one core.
//! Per-address limits do not bound the total: many addresses at once would
//! take memory without limit. So hashes run on a few dedicated threads (one
//! per core), a few more may wait their turn, and the rest are told to come
//! back. Dedicated threads also bound what stays allocated afterwards: the
//! allocator keeps each thread's freed 19 MiB for reuse, so hashing on any
//! of the runtime's blocking threads would leave that much behind on each.

use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::WebError;

/// Shortest password accepted at registration, counting no whitespace.
pub const MIN_PASSWORD: usize = 10;
/// Argon2 on a megabyte password is a denial of service; nobody types more.
pub const MAX_PASSWORD: usize = 1024;
/// Hashes allowed to wait per hashing thread, before callers are turned away.
const WAITING_PER_SLOT: usize = 4;

/// Why a password is refused at registration, if it is.
pub fn weakness(password: &str) -> Option<&'static str> {
    let typed = password.chars().filter(|c| !c.is_whitespace()).count();
    if typed < MIN_PASSWORD {
        Some("Passwords need at least 10 characters besides spaces.")
    } else if password.chars().count() > MAX_PASSWORD {
        Some("Passwords may have at most 1,024 characters.")
    } else {
        None
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// Runs argon2 on `slots` dedicated threads, with a bounded queue.
#[derive(Debug)]
pub struct HashGate {
    jobs: SyncSender<Job>,
}

impl Default for HashGate {
    fn default() -> Self {
        HashGate::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }
}

impl HashGate {
    /// A gate hashing on `slots` threads. Should none start, every hash is
    /// refused as unavailable rather than left waiting.
    pub fn new(slots: usize) -> HashGate {
        let slots = slots.max(1);
        let (jobs, queue) = mpsc::sync_channel::<Job>(slots * WAITING_PER_SLOT);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..slots {
            let queue = queue.clone();
            let started = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || work_through(&queue));
            if let Err(e) = started {
                tracing::error!("starting a password hashing thread failed: {e}");
            }
        }
        HashGate { jobs }
    }

    /// Runs `work` on a hashing thread when one is free; refuses at once
    /// when the queue is full.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, WebError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // The caller may have gone; the answer is then unwanted.
            let _ = reply.send(work());
        });
        match self.jobs.try_send(job) {
            Ok(()) => answer.await.map_err(|_| stopped()),
            Err(TrySendError::Full(_)) => Err(WebError::TooMany(
                "Too many sign-ins at once. Please try again in a moment.",
            )),
            Err(TrySendError::Disconnected(_)) => Err(stopped()),
        }
    }
}

fn stopped() -> WebError {
    WebError::Unavailable("password hashing stopped".into())
}

/// A hashing thread: runs queued jobs until the gate is dropped.
fn work_through(queue: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        let next = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
        match next {
            // A panicking hash must not take its thread with it.
            Ok(job) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
            Err(_) => return,
        }
    }
}

/// An argon2id hash of `password` with a fresh salt.
pub fn hash(password: &str) -> Result<String, WebError> {
    Argon2::default()
        .hash_password(password.as_bytes(), &new_salt()?)
        .map(|h| h.to_string())
        .map_err(|e| WebError::Unavailable(format!("hashing failed: {e}")))
}

/// Whether `password` matches `hash`; for a missing account, pass `None`:
/// a hash is still checked, so timing does not reveal which names exist.
pub fn verify(password: &str, hash: Option<&str>) -> bool {
    let matches = |hash: &str| {
        PasswordHash::new(hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    };
    match hash {
        Some(hash) => matches(hash),
        None => {
            matches(dummy_hash());
            false
        }
    }
}

fn new_salt() -> Result<SaltString, WebError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| WebError::Unavailable(format!("no randomness: {e}")))?;
    SaltString::encode_b64(&bytes).map_err(|e| WebError::Unavailable(format!("salt: {e}")))
}

/// An argon2id hash of nothing anyone knows, for unknown usernames.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash("no such user").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_the_slots_run_and_a_full_queue_is_refused_at_once() {
        let gate = Arc::new(HashGate::new(2));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let calls = (0..40).map(|_| {
            let (gate, running, most) = (gate.clone(), running.clone(), most.clone());
            tokio::spawn(async move {
                gate.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(300));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            })
        });
        let results: Vec<_> = futures_join(calls).await;
        let done = results.iter().filter(|r| r.is_ok()).count();
        assert!(most.load(Ordering::SeqCst) <= 2, "never more than the slots at once");
        assert!(
            (2 * WAITING_PER_SLOT..40).contains(&done),
            "the queue is served, not all: {done}"
        );
        assert!(
            results.iter().all(|r| matches!(r, Ok(()) | Err(WebError::TooMany(_)))),
            "the rest are told to come back"
        );
        assert!(gate.run(|| ()).await.is_ok(), "a drained gate admits again");
    }

    async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
        let mut out = Vec::new();
        for handle in handles.collect::<Vec<_>>() {
            out.push(handle.await.unwrap());
        }
        out
    }

    #[test]
    fn passwords_count_what_is_typed_besides_spaces() {
        assert!(weakness(&" ".repeat(12)).is_some());
        assert!(weakness("a b c d e f g h i").is_some(), "nine characters and spaces");
        assert!(weakness("correct horse battery").is_none());
        assert!(weakness(&"x".repeat(MAX_PASSWORD + 1)).is_some());
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse battery").unwrap();
        assert!(verify("correct horse battery", Some(&h)));
        assert!(!verify("wrong horse battery", Some(&h)));
        assert!(!verify("correct horse battery", None));
    }
}
