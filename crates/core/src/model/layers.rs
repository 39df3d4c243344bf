//! Settings layering: `defaults`, then the environment, then the function, then the
//! function's own settings for that environment (`functions.F.environments.ENV`).
//!
//! For every setting a later layer wins: a function's explicit value beats the
//! environment's default for all functions, and a function's per-environment value beats
//! both. `environment` and `tags` maps merge key by key in that order.

use crate::manifest::raw::{Entries, RawSettings, Sp};

/// The settings layers for one function.
pub(crate) struct Layers<'a> {
    pub defaults: Option<&'a RawSettings>,
    pub environment: Option<&'a RawSettings>,
    pub function: &'a RawSettings,
    pub function_environment: Option<&'a RawSettings>,
}

impl<'a> Layers<'a> {
    /// The winning value of one setting (function in environment > function >
    /// environment > defaults).
    pub fn pick<T>(&self, get: impl Fn(&'a RawSettings) -> Option<&'a T>) -> Option<&'a T> {
        self.function_environment
            .and_then(&get)
            .or_else(|| get(self.function))
            .or_else(|| self.environment.and_then(&get))
            .or_else(|| self.defaults.and_then(&get))
    }

    /// The winning account, region or `assume_role`: the same order as every setting
    /// (a function pinned to `us-east-1` for Lambda@Edge stays there).
    pub fn pick_placement(
        &self,
        get: impl Fn(&'a RawSettings) -> Option<&'a Sp<String>>,
    ) -> Option<&'a Sp<String>> {
        self.pick(get)
    }

    /// A map merged key by key: later layers replace earlier keys.
    pub fn merge<T>(
        &self,
        get: impl Fn(&'a RawSettings) -> Option<&'a Entries<T>>,
    ) -> Vec<(&'a Sp<String>, &'a T)> {
        let mut out: Vec<(&'a Sp<String>, &'a T)> = Vec::new();
        let layers = [
            self.defaults,
            self.environment,
            Some(self.function),
            self.function_environment,
        ];
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
