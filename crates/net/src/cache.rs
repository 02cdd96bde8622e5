//! One answer per question per run. Concurrent askers of the same question
//! wait for the first one's answer instead of sending their own.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use portcullis_dnscheck::{Answer, LookupError, RecordType};
use tokio::sync::OnceCell;

type Key = (String, RecordType);
type Slot = Arc<OnceCell<Result<Answer, LookupError>>>;

/// Answers (and failures: a dead server is not asked twice) by question.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    slots: Mutex<HashMap<Key, Slot>>,
}

impl Cache {
    /// The cached result for `key`, or the result of `ask` stored for next time.
    pub(crate) async fn get_or_ask<F, Fut>(&self, key: Key, ask: F) -> Result<Answer, LookupError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Answer, LookupError>>,
    {
        // The guard is dropped before any await.
        let slot: Option<Slot> = self.slots.lock().ok().map(|mut slots| slots.entry(key).or_default().clone());
        match slot {
            Some(slot) => slot.get_or_init(ask).await.clone(),
            // A poisoned map only means another task panicked mid-insert;
            // answering uncached is still correct.
            None => ask().await,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.lock().map(|s| s.len()).unwrap_or(0)
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
        assert_eq!(cache.len(), 1);
    }
}
