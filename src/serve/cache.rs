//! Results worked out for a page (a set of rendered documents, a decision),
//! kept until the project changes, with the last good one kept after that:
//! when the files have errors, the page shows the last good result marked
//! stale next to the errors instead of nothing.

use super::Snapshot;
use super::pages::Problem;
use crate::project::Project;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Results kept at most; the least recently shown go first (a browser
/// stepping through dates would otherwise keep every date's forms).
const MAX_ENTRIES: usize = 32;

pub(crate) struct Cache<K, V> {
    entries: Mutex<HashMap<K, Arc<tokio::sync::Mutex<Entry<V>>>>>,
}

struct Entry<V> {
    /// The load the latest attempt was made for (0: none yet).
    tried: u64,
    good: Option<Arc<V>>,
    /// Why the latest attempt failed.
    error: Option<Arc<Problem>>,
    used: Instant,
}

/// What a page shows for one key.
pub(crate) struct Shown<V> {
    /// The latest good result, if any ever was.
    pub value: Option<Arc<V>>,
    /// `value` does not reflect the files as they are: the latest attempt
    /// failed, or the project's rules do not load.
    pub stale: bool,
    pub error: Option<Arc<Problem>>,
}

impl<K: Hash + Eq + Clone, V: Send + Sync + 'static> Cache<K, V> {
    pub fn new() -> Self {
        Cache {
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The result for `key` under the project of `snap`, worked out by
    /// `make` (on a blocking thread) once per load; concurrent requests for
    /// one key wait for one another instead of working it out twice.
    pub async fn get<F>(&self, key: K, snap: &Snapshot, make: F) -> Shown<V>
    where
        F: FnOnce(Arc<Project>) -> Result<V, Problem> + Send + 'static,
    {
        let slot = {
            let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            if map.len() >= MAX_ENTRIES && !map.contains_key(&key) {
                let oldest = map
                    .iter()
                    .filter_map(|(k, e)| e.try_lock().ok().map(|e| (e.used, k.clone())))
                    .min_by_key(|(used, _)| *used)
                    .map(|(_, k)| k);
                if let Some(k) = oldest {
                    map.remove(&k);
                }
            }
            map.entry(key)
                .or_insert_with(|| {
                    Arc::new(tokio::sync::Mutex::new(Entry {
                        tried: 0,
                        good: None,
                        error: None,
                        used: Instant::now(),
                    }))
                })
                .clone()
        };
        let mut e = slot.lock().await;
        e.used = Instant::now();
        if e.tried != snap.generation {
            e.tried = snap.generation;
            match &snap.good {
                None => {
                    e.error = Some(Arc::new(Problem::message(
                        "the project's rules do not load: see the errors",
                    )))
                }
                Some(project) => {
                    let project = project.clone();
                    let made = tokio::task::spawn_blocking(move || make(project))
                        .await
                        .unwrap_or_else(|panic| {
                            Err(Problem::message(format!(
                                "internal error (a bug in qujat or Typst; please report it): {panic}"
                            )))
                        });
                    match made {
                        Ok(v) => {
                            e.good = Some(Arc::new(v));
                            e.error = None;
                        }
                        Err(p) => e.error = Some(Arc::new(p)),
                    }
                }
            }
        }
        Shown {
            value: e.good.clone(),
            stale: e.error.is_some() || snap.stale(),
            error: e.error.clone(),
        }
    }

    /// The keys whose latest attempt failed, with why (entries being worked
    /// out right now are skipped).
    pub fn failures(&self) -> Vec<(K, Arc<Problem>)> {
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.iter()
            .filter_map(|(k, e)| {
                let e = e.try_lock().ok()?;
                Some((k.clone(), e.error.clone()?))
            })
            .collect()
    }
}
