//! Settings layering: `defaults`, then the function, then the environment.
//!
//! For every setting the environment wins over the function, which wins over
//! `defaults`; `environment` and `tags` maps merge key by key in that order. `account`
//! and `region` are the exception: a function's own value wins over the environment's,
//! because a function pinned to a region (say `us-east-1` for Lambda@Edge) must stay there.
//! `assume_role` and `external_id` belong to the account and layer the same way.

use crate::manifest::raw::{Entries, RawSettings, Sp};

/// The settings layers for one function, lowest precedence first.
pub(crate) struct Layers<'a> {
    pub defaults: Option<&'a RawSettings>,
    pub function: &'a RawSettings,
    pub environment: Option<&'a RawSettings>,
}

impl<'a> Layers<'a> {
    /// The winning value of one setting (environment > function > defaults).
    pub fn pick<T>(&self, get: impl Fn(&'a RawSettings) -> Option<&'a T>) -> Option<&'a T> {
        self.environment
            .and_then(&get)
            .or_else(|| get(self.function))
            .or_else(|| self.defaults.and_then(&get))
    }

    /// The winning account, region or `assume_role` (function > environment > defaults).
    pub fn pick_placement(
        &self,
        get: impl Fn(&'a RawSettings) -> Option<&'a Sp<String>>,
    ) -> Option<&'a Sp<String>> {
        get(self.function)
            .or_else(|| self.environment.and_then(&get))
            .or_else(|| self.defaults.and_then(&get))
    }

    /// A map merged key by key: later layers replace earlier keys.
    pub fn merge<T>(
        &self,
        get: impl Fn(&'a RawSettings) -> Option<&'a Entries<T>>,
    ) -> Vec<(&'a Sp<String>, &'a T)> {
        let mut out: Vec<(&'a Sp<String>, &'a T)> = Vec::new();
        let layers = [self.defaults, Some(self.function), self.environment];
        for entries in layers.into_iter().flatten().filter_map(&get) {
            for (key, value) in &entries.0 {
                match out.iter_mut().find(|(k, _)| k.value == key.value) {
                    Some(slot) => *slot = (key, value),
                    None => out.push((key, value)),
                }
            }
        }
        out
    }
}
