//! A short-lived, in-process cache for the two reads on the status API's hot path: bearer
//! token → principal, and (platform, name, version, env) → install status.
//!
//! Correctness with several `serve` processes on one PostgreSQL database rests on two rules:
//!
//! * **Bounded staleness.** An entry is used for at most `ttl` after the read that filled it
//!   started, so a change committed by *another* process (a revoked token, a quarantine) is
//!   seen here within `ttl` (default 1 s, [`crate::StoreConfig::cache_ttl_ms`]; 0 disables
//!   the cache).
//! * **Local writes invalidate at once.** Every write transaction of this process bumps a
//!   generation counter after it commits ([`crate::store::WriteTx::commit`]). An entry records
//!   the generation read *before* its database read started and is used only while the
//!   generation is unchanged, so a read that raced a local commit can never be served from
//!   the cache after that commit returned.
//!
//! Only positive authentications are cached (a guessed token costs a database round trip,
//! as before, and cannot fill memory). The maps are bounded: when full they are emptied,
//! which costs a refill of hot entries but never grows memory with hostile input.

use crate::auth::Authenticated;
use crate::workflow::InstallStatus;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Most entries per map; a status key is at most a few hundred bytes, a principal a few KB.
const MAX_ENTRIES: usize = 8192;
const MAX_STATUS_KEY_BYTES: usize = 512;

struct Entry<T> {
    value: T,
    generation: u64,
    filled_at: Instant,
}

pub(crate) struct ReadCache {
    ttl: Duration,
    generation: AtomicU64,
    tokens: Mutex<HashMap<[u8; 32], Entry<Authenticated>>>,
    status: Mutex<HashMap<String, Entry<InstallStatus>>>,
}

/// Taken before the database read whose answer will be cached.
#[derive(Clone, Copy)]
pub(crate) struct Ticket {
    generation: u64,
    started: Instant,
}

impl ReadCache {
    pub(crate) fn new(ttl: Duration) -> ReadCache {
        ReadCache {
            ttl,
            generation: AtomicU64::new(0),
            tokens: Mutex::new(HashMap::new()),
            status: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// Called after every local commit: every entry filled before it is dead.
    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn ticket(&self) -> Ticket {
        Ticket {
            generation: self.generation.load(Ordering::Acquire),
            started: Instant::now(),
        }
    }

    fn fresh<T>(&self, e: &Entry<T>) -> bool {
        e.generation == self.generation.load(Ordering::Acquire) && e.filled_at.elapsed() < self.ttl
    }

    pub(crate) fn token(&self, key: &[u8; 32]) -> Option<Authenticated> {
        if !self.enabled() {
            return None;
        }
        let map = self.tokens.lock().ok()?;
        map.get(key)
            .filter(|e| self.fresh(e))
            .map(|e| e.value.clone())
    }

    pub(crate) fn put_token(&self, key: [u8; 32], ticket: Ticket, value: Authenticated) {
        if self.enabled()
            && let Ok(mut map) = self.tokens.lock()
        {
            insert(&mut map, key, ticket, value);
        }
    }

    pub(crate) fn status(&self, key: &str) -> Option<InstallStatus> {
        if !self.enabled() {
            return None;
        }
        let map = self.status.lock().ok()?;
        map.get(key).filter(|e| self.fresh(e)).map(|e| e.value)
    }

    pub(crate) fn put_status(&self, key: String, ticket: Ticket, value: InstallStatus) {
        // Real names are short; a caller-made 60 KB path is answered but not remembered.
        if self.enabled()
            && key.len() <= MAX_STATUS_KEY_BYTES
            && let Ok(mut map) = self.status.lock()
        {
            insert(&mut map, key, ticket, value);
        }
    }
}

fn insert<K: std::hash::Hash + Eq, T>(
    map: &mut HashMap<K, Entry<T>>,
    key: K,
    ticket: Ticket,
    value: T,
) {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(
        key,
        Entry {
            value,
            generation: ticket.generation,
            // The age counts from the start of the read, not its end: the answer may
            // already have been that old when it arrived.
            filled_at: ticket.started,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_write_kills_entries_filled_before_it() {
        let c = ReadCache::new(Duration::from_secs(60));
        let t = c.ticket();
        c.put_status("a".into(), t, InstallStatus::Allowed);
        assert_eq!(c.status("a"), Some(InstallStatus::Allowed));
        c.invalidate();
        assert_eq!(c.status("a"), None);
        // A read that started before the commit but finished after it is not cached usefully.
        let raced = c.ticket();
        c.invalidate();
        c.put_status("a".into(), raced, InstallStatus::Allowed);
        assert_eq!(c.status("a"), None);
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let c = ReadCache::new(Duration::from_millis(30));
        c.put_status("a".into(), c.ticket(), InstallStatus::Quarantined);
        assert_eq!(c.status("a"), Some(InstallStatus::Quarantined));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(c.status("a"), None);
    }

    #[test]
    fn zero_ttl_disables_and_size_is_bounded() {
        let off = ReadCache::new(Duration::ZERO);
        off.put_status("a".into(), off.ticket(), InstallStatus::Allowed);
        assert_eq!(off.status("a"), None);
        let c = ReadCache::new(Duration::from_secs(60));
        for i in 0..(MAX_ENTRIES + 10) {
            c.put_status(format!("k{i}"), c.ticket(), InstallStatus::Allowed);
        }
        assert!(c.status.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
