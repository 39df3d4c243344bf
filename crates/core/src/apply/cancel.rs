//! Cancellation: a cheap, clonable token with two levels.
//!
//! A *soft* cancel (first Ctrl-C) stops the engine from starting new steps or retries,
//! while calls in flight and the waits that follow them finish, so no function is left
//! mid-update without the report saying so. A *hard* cancel (second Ctrl-C) also
//! abandons waits and backoffs.

use tokio::sync::watch;

/// How far cancellation has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CancelLevel {
    /// Running normally.
    None,
    /// Start nothing new; let in-flight calls and waits finish.
    Soft,
    /// Also abandon waits and backoffs.
    Hard,
}

/// A cancellation token shared by the caller and the engine. Clones share state.
#[derive(Debug, Clone)]
pub struct CancelToken {
    tx: std::sync::Arc<watch::Sender<CancelLevel>>,
    rx: watch::Receiver<CancelLevel>,
}

impl Default for CancelToken {
    fn default() -> Self {
        Self::new()
    }
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        let (tx, rx) = watch::channel(CancelLevel::None);
        Self {
            tx: std::sync::Arc::new(tx),
            rx,
        }
    }

    /// Raises the level to at least `level` (levels never go down).
    pub fn raise(&self, level: CancelLevel) {
        self.tx.send_if_modified(|cur| {
            if level > *cur {
                *cur = level;
                true
            } else {
                false
            }
        });
    }

    /// Soft cancel: start no new step.
    pub fn cancel(&self) {
        self.raise(CancelLevel::Soft);
    }

    /// Hard cancel: abandon waits too.
    pub fn hard_cancel(&self) {
        self.raise(CancelLevel::Hard);
    }

    /// Escalates one level: the first call cancels softly, the second hard (for Ctrl-C).
    pub fn escalate(&self) {
        let next = match self.level() {
            CancelLevel::None => CancelLevel::Soft,
            CancelLevel::Soft | CancelLevel::Hard => CancelLevel::Hard,
        };
        self.raise(next);
    }

    /// The current level.
    pub fn level(&self) -> CancelLevel {
        *self.rx.borrow()
    }

    /// True after a soft or hard cancel.
    pub fn is_cancelled(&self) -> bool {
        self.level() >= CancelLevel::Soft
    }

    /// True after a hard cancel.
    pub fn is_hard(&self) -> bool {
        self.level() >= CancelLevel::Hard
    }

    /// Resolves once the level reaches `level`.
    pub async fn reached(&self, level: CancelLevel) {
        let mut rx = self.rx.clone();
        // The sender lives in `self`, so `wait_for` only fails if it is dropped, which
        // cannot happen while we borrow `self`; treat that as "never".
        if rx.wait_for(|cur| *cur >= level).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn escalates_soft_then_hard_and_never_goes_down() {
        let t = CancelToken::new();
        let seen = t.clone();
        assert_eq!(seen.level(), CancelLevel::None);
        t.escalate();
        assert!(seen.is_cancelled() && !seen.is_hard());
        t.escalate();
        assert!(seen.is_hard());
        t.cancel();
        assert!(seen.is_hard());
        seen.reached(CancelLevel::Hard).await;
    }
}
