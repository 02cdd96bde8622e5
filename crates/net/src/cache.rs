//! One answer per question for a minute. Concurrent askers of the same
//! question wait for the first one's answer instead of sending their own;
//! a long-running server asks again once an answer is a minute old, and the
//! table is pruned so it cannot grow without bound.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portcullis_dnscheck::{Answer, LookupError, RecordType};
use tokio::sync::OnceCell;

type Key = (String, RecordType);
type Slot = Arc<OnceCell<Result<Answer, LookupError>>>;

/// How long an answer (or failure: a dead server is not asked twice in a
/// row) is reused.
const TTL: Duration = Duration::from_secs(60);
/// Above this many questions, stale ones are dropped on the next insert.
const PRUNE_ABOVE: usize = 50_000;

/// Answers by question, each with when it was asked.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    slots: Mutex<HashMap<Key, (Instant, Slot)>>,
    asked: std::sync::atomic::AtomicUsize,
}

impl Cache {
    /// The cached result for `key`, or the result of `ask` stored for next time.
    pub(crate) async fn get_or_ask<F, Fut>(&self, key: Key, ask: F) -> Result<Answer, LookupError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Answer, LookupError>>,
    {
        // The guard is dropped before any await.
        let slot: Option<Slot> = self.slots.lock().ok().map(|mut slots| {
            let now = Instant::now();
            if slots.len() > PRUNE_ABOVE {
                slots.retain(|_, (at, _)| now.duration_since(*at) < TTL);
            }
            let entry = slots.entry(key).or_insert_with(|| (now, Slot::default()));
            if now.duration_since(entry.0) >= TTL {
                *entry = (now, Slot::default());
            }
            Arc::clone(&entry.1)
        });
        match slot {
            Some(slot) => slot
                .get_or_init(|| {
                    self.asked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    ask()
                })
                .await
                .clone(),
            // A poisoned map only means another task panicked mid-insert;
            // answering uncached is still correct.
            None => ask().await,
        }
    }

    /// How many questions went to the network.
    pub(crate) fn asked(&self) -> usize {
        self.asked.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_question_is_asked_once_however_many_ask_it() {
        let cache = Cache::default();
        let asked = AtomicUsize::new(0);
        let ask = || async {
            asked.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Err(LookupError::Timeout)
        };
        let key = ("example.test".to_owned(), RecordType::Txt);
        let (a, b) = tokio::join!(cache.get_or_ask(key.clone(), ask), cache.get_or_ask(key.clone(), ask));
        assert_eq!((a, b), (Err(LookupError::Timeout), Err(LookupError::Timeout)));
        assert_eq!(asked.load(Ordering::SeqCst), 1);
        assert_eq!(cache.asked(), 1);
    }
}
