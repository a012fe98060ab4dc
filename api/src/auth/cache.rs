//! What authentication reads on every request, cached per process: a
//! session's user, a user's memberships, an API key's row. Revocation stays
//! instant across replicas: every change that matters is announced by a
//! trigger on the `talenti_auth` channel (migration `…_auth_notify.sql`) and
//! each process drops the entries it names as the notification arrives (a
//! millisecond or so after the commit), and at once in the process that made
//! the change ([`AuthCache::forget_session`] and friends).
//!
//! Nothing is served from the cache unless this process is listening: while
//! its `LISTEN` connection is down every request reads Postgres, and the
//! cache is emptied when it comes back (notifications may have been missed
//! meanwhile). A read that raced a notification is not cached: each entry is
//! inserted only if no notification arrived since its read began.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Weak,
    },
    time::Duration,
};

use moka::sync::Cache;
use sqlx::{postgres::PgListener, PgPool};
use uuid::Uuid;

use super::{Role, UserRow};

pub const CHANNEL: &str = "talenti_auth";

/// A safety net only: entries are dropped by notification.
const TTL: Duration = Duration::from_secs(300);
/// How long a key's last use stands before it is written again.
const LAST_USE_EVERY: Duration = Duration::from_secs(60);

/// An API key's row, as authentication reads it.
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub scopes: Vec<String>,
    pub key_hash: Vec<u8>,
    pub revoked: bool,
}

/// (organisation, role) pairs of one user.
pub type Memberships = Arc<[(Uuid, Role)]>;

/// The snapshot a read starts from; [`AuthCache`] inserts its result only
/// if it is still current.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(Option<u64>);

pub struct AuthCache {
    /// By refresh-token family (the access token's `sid`).
    sessions: Cache<Uuid, UserRow>,
    /// (user, organisation named by the request or None): the memberships
    /// the request's lookup found (at most two without an organisation).
    memberships: Cache<(Uuid, Option<Uuid>), Memberships>,
    /// By the key's visible prefix.
    keys: Cache<String, KeyRow>,
    /// Keys whose last use this process wrote within the minute.
    key_used: Cache<Uuid, ()>,
    /// Bumped by every notification and every reconnect.
    generation: AtomicU64,
    listening: AtomicBool,
}

impl AuthCache {
    /// A cache that serves nothing until [`Self::listen`] has subscribed.
    pub fn new() -> Arc<Self> {
        let build = |n: u64| Cache::builder().max_capacity(n).time_to_live(TTL);
        Arc::new(Self {
            sessions: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(TTL)
                .support_invalidation_closures()
                .build(),
            memberships: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(TTL)
                .support_invalidation_closures()
                .build(),
            keys: build(10_000).build(),
            key_used: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(LAST_USE_EVERY)
                .build(),
            generation: AtomicU64::new(0),
            listening: AtomicBool::new(false),
        })
    }

    /// Starts listening on [`CHANNEL`] with `pool`'s settings, for as long as
    /// the cache lives, reconnecting whenever the connection drops.
    pub fn listen(self: &Arc<Self>, pool: PgPool) {
        tokio::spawn(listen(Arc::downgrade(self), pool));
    }

    /// Where a read begins: remember it, read Postgres, then hand it back
    /// with the result.
    pub fn ticket(&self) -> Ticket {
        Ticket(
            self.listening
                .load(Ordering::Acquire)
                .then(|| self.generation.load(Ordering::Acquire)),
        )
    }

    fn current(&self, ticket: Ticket) -> bool {
        ticket.0.is_some_and(|g| {
            self.listening.load(Ordering::Acquire) && self.generation.load(Ordering::Acquire) == g
        })
    }

    fn serving(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    /// The user of session `sid`, if cached for user `sub`.
    pub fn session(&self, sub: Uuid, sid: Uuid) -> Option<UserRow> {
        if !self.serving() {
            return None;
        }
        counted("session", self.sessions.get(&sid).filter(|u| u.id == sub))
    }

    pub fn put_session(&self, ticket: Ticket, sid: Uuid, user: &UserRow) {
        if self.current(ticket) {
            self.sessions.insert(sid, user.clone());
        }
    }

    pub fn memberships(&self, user: Uuid, org: Option<Uuid>) -> Option<Memberships> {
        if !self.serving() {
            return None;
        }
        counted("memberships", self.memberships.get(&(user, org)))
    }

    pub fn put_memberships(
        &self,
        ticket: Ticket,
        user: Uuid,
        org: Option<Uuid>,
        found: &[(Uuid, Role)],
    ) {
        if self.current(ticket) {
            self.memberships.insert((user, org), Arc::from(found));
        }
    }

    pub fn key(&self, prefix: &str) -> Option<KeyRow> {
        if !self.serving() {
            return None;
        }
        counted("api_key", self.keys.get(prefix))
    }

    pub fn put_key(&self, ticket: Ticket, prefix: &str, row: &KeyRow) {
        if self.current(ticket) {
            self.keys.insert(prefix.to_owned(), row.clone());
        }
    }

    /// Whether the key's last use is due to be written (at most once a
    /// minute per key and process); marks it written.
    pub fn key_use_due(&self, id: Uuid) -> bool {
        let due = !self.key_used.contains_key(&id);
        if due {
            self.key_used.insert(id, ());
        }
        due
    }

    /// Drops a session at once in this process (the notification does it in
    /// every other).
    pub fn forget_session(&self, sid: Uuid) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.sessions.invalidate(&sid);
    }

    /// Drops everything cached about a user's sessions and memberships.
    pub fn forget_user(&self, user: Uuid) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        let _ = self
            .sessions
            .invalidate_entries_if(move |_, u| u.id == user);
        let _ = self
            .memberships
            .invalidate_entries_if(move |(u, _), _| *u == user);
    }

    pub fn forget_key(&self, prefix: &str) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.keys.invalidate(prefix);
    }

    fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.sessions.invalidate_all();
        self.memberships.invalidate_all();
        self.keys.invalidate_all();
    }

    /// Applies one notification's payload.
    fn apply(&self, payload: &str) {
        let (tag, id) = payload.split_once(':').unwrap_or(("", ""));
        match (tag, Uuid::parse_str(id)) {
            ("s", Ok(sid)) => self.forget_session(sid),
            ("u", Ok(user)) | ("m", Ok(user)) => self.forget_user(user),
            ("k", _) => self.forget_key(id),
            _ => {
                tracing::warn!(payload, "unknown auth notification; dropping the cache");
                self.forget_all();
            }
        }
    }
}

/// Counts a lookup in `talenti_auth_cache_lookups_total`.
fn counted<T>(what: &'static str, found: Option<T>) -> Option<T> {
    let result = if found.is_some() { "hit" } else { "miss" };
    metrics::counter!("talenti_auth_cache_lookups_total", "what" => what, "result" => result)
        .increment(1);
    found
}

async fn listen(cache: Weak<AuthCache>, pool: PgPool) {
    let mut delay = Duration::from_millis(200);
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::debug!(error = %e, "auth cache: cannot connect to LISTEN");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
                if cache.strong_count() == 0 {
                    return;
                }
                continue;
            }
        };
        if listener.listen(CHANNEL).await.is_err() {
            tokio::time::sleep(delay).await;
            continue;
        }
        delay = Duration::from_millis(200);
        {
            let Some(c) = cache.upgrade() else { return };
            // Whatever was cached may have changed unannounced meanwhile.
            c.forget_all();
            c.listening.store(true, Ordering::Release);
        }
        loop {
            tokio::select! {
                n = listener.recv() => match n {
                    Ok(n) => {
                        let Some(c) = cache.upgrade() else { return };
                        c.apply(n.payload());
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "auth cache: LISTEN connection lost; reading Postgres until it is back");
                        break;
                    }
                },
                _ = tokio::time::sleep(Duration::from_secs(1)) => {
                    if cache.strong_count() == 0 {
                        return;
                    }
                }
            }
        }
        let Some(c) = cache.upgrade() else { return };
        c.listening.store(false, Ordering::Release);
        c.forget_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: Uuid) -> UserRow {
        UserRow {
            id,
            email: "a@example.com".into(),
            kind: super::super::UserKind::Staff,
            admin_granted: false,
            viewer_granted: false,
            email_verified: true,
        }
    }

    fn serving() -> Arc<AuthCache> {
        let c = AuthCache::new();
        c.listening.store(true, Ordering::Release);
        c
    }

    #[test]
    fn nothing_is_cached_or_served_while_not_listening() {
        let c = AuthCache::new();
        let (u, sid) = (Uuid::new_v4(), Uuid::new_v4());
        c.put_session(c.ticket(), sid, &user(u));
        c.listening.store(true, Ordering::Release);
        assert!(c.session(u, sid).is_none());
        c.put_session(c.ticket(), sid, &user(u));
        assert!(c.session(u, sid).is_some());
        c.listening.store(false, Ordering::Release);
        assert!(c.session(u, sid).is_none());
    }

    #[test]
    fn a_read_that_raced_a_notification_is_not_cached() {
        let c = serving();
        let (u, sid) = (Uuid::new_v4(), Uuid::new_v4());
        let ticket = c.ticket();
        c.apply(&format!("s:{}", Uuid::new_v4()));
        c.put_session(ticket, sid, &user(u));
        assert!(c.session(u, sid).is_none());
    }

    #[test]
    fn notifications_drop_what_they_name() {
        let c = serving();
        let (u, sid, other) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        c.put_session(c.ticket(), sid, &user(u));
        c.put_session(c.ticket(), other, &user(Uuid::new_v4()));
        c.put_memberships(c.ticket(), u, None, &[(Uuid::new_v4(), Role::Admin)]);
        // A session of another user is not this one's.
        assert!(c.session(Uuid::new_v4(), sid).is_none());
        c.apply(&format!("m:{u}"));
        assert!(c.memberships(u, None).is_none());
        assert!(c.session(u, sid).is_none());
        c.put_session(c.ticket(), sid, &user(u));
        c.apply(&format!("s:{sid}"));
        assert!(c.session(u, sid).is_none());
        assert!(c.sessions.get(&other).is_some());
        let key = KeyRow {
            id: Uuid::new_v4(),
            organisation_id: Uuid::new_v4(),
            scopes: vec![],
            key_hash: vec![],
            revoked: false,
        };
        c.put_key(c.ticket(), "abc", &key);
        assert!(c.key("abc").is_some());
        c.apply("k:abc");
        assert!(c.key("abc").is_none());
    }
}
