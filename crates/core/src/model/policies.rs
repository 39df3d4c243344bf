//! Per-function policies and fleet-wide rules: timeout, retry, wait, paths, and
//! resolved names that collide.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::manifest::Problem;
use crate::manifest::node::Pos;
use crate::manifest::raw::{Entries, RawFunction, RawSettings, Sp};

use super::layers::Layers;
use super::validate::Validator;
use super::{AccountId, Function, FunctionKey, RetryPolicy, TimeoutSecs, WaitPolicy};

impl<'a> Validator<'a> {
    pub(crate) fn timeout(&mut self, layers: &Layers<'a>, path: &str) -> Option<TimeoutSecs> {
        let Some(t) = layers.pick(|s| s.timeout.as_ref()) else {
            return TimeoutSecs::new(flotilla_cloud::lambda::DEFAULT_TIMEOUT_S).ok();
        };
        let d = t.value.0;
        if d.subsec_nanos() != 0 {
            self.push(
                Problem::new(
                    t.pos,
                    format!("`{path}` must be whole seconds"),
                    "not whole seconds",
                )
                .help("Lambda timeouts are whole seconds from 1 to 900, e.g. `30s` or `15m`"),
            );
            return None;
        }
        let Ok(secs) = u32::try_from(d.as_secs()) else {
            // Said with the value as written, not a clamped one.
            let (min, max) = (TimeoutSecs::MIN, TimeoutSecs::MAX);
            self.push(
                Problem::new(
                    t.pos,
                    format!("`{path}` is {}: timeout must be {min}–{max} s", d.as_secs()),
                    format!("outside {min}–{max} s"),
                )
                .help(format!("Lambda accepts timeout from {min} to {max} s")),
            );
            return None;
        };
        self.bounded(
            Some(&Sp::new(secs, t.pos)),
            0,
            TimeoutSecs::new,
            path,
            "timeout",
        )
    }

    pub(crate) fn duplicate_names(&mut self, functions: &[Function], raw: &Entries<RawFunction>) {
        let mut seen: BTreeMap<(Option<&str>, &str, &str), &FunctionKey> = BTreeMap::new();
        let pos_of = |key: &FunctionKey| {
            raw.0
                .iter()
                .find(|(k, _)| k.value == key.0)
                .map_or(Pos::START, |(k, f)| {
                    f.name.as_ref().map_or(k.pos, |n| n.pos)
                })
        };
        for f in functions {
            let slot = (
                f.account.as_ref().map(AccountId::as_str),
                f.region.as_str(),
                f.name.as_str(),
            );
            if let Some(first) = seen.get(&slot) {
                let account = f
                    .account
                    .as_ref()
                    .map_or("the credentials' account", AccountId::as_str);
                self.push(
                    Problem::new(
                        pos_of(&f.key),
                        format!(
                            "functions `{first}` and `{}` both resolve to `{}` in {account}, {}",
                            f.key, f.name, f.region
                        ),
                        "same resolved name",
                    )
                    .also(pos_of(first), "first resolved here")
                    .help("give one of them a different `name`, account or region"),
                );
            } else {
                seen.insert(slot, &f.key);
            }
        }
    }

    pub(crate) fn retry(&mut self, layers: &Layers<'a>, path: &str) -> Option<RetryPolicy> {
        let mut policy = RetryPolicy::default();
        let mut ok = true;
        if let Some(m) = layers.pick(|s| s.retry.as_ref()?.max_attempts.as_ref()) {
            if m.value == 0 {
                self.push(
                    Problem::new(
                        m.pos,
                        format!("`{path}.retry.max_attempts` must be at least 1"),
                        "less than 1",
                    )
                    .help("1 means no retries; the default is 8"),
                );
                ok = false;
            }
            policy.max_attempts = m.value;
        }
        let backoff = |s: &'a RawSettings| s.retry.as_ref()?.backoff.as_ref();
        let initial = layers.pick(|s| backoff(s)?.initial.as_ref());
        let max = layers.pick(|s| backoff(s)?.max.as_ref());
        if let Some(i) = initial {
            policy.initial = i.value.0;
        }
        if let Some(m) = max {
            policy.max = m.value.0;
        }
        if let Some(m) = layers.pick(|s| backoff(s)?.multiplier.as_ref()) {
            if !(m.value.is_finite() && m.value >= 1.0) {
                self.push(
                    Problem::new(
                        m.pos,
                        format!("`{path}.retry.backoff.multiplier` must be at least 1"),
                        "less than 1",
                    )
                    .help("each backoff is the previous one times this factor; the default is 2"),
                );
                ok = false;
            }
            policy.multiplier = m.value;
        }
        if policy.initial > policy.max {
            let pos = initial.or(max).map_or(Pos::START, |s| s.pos);
            self.push(
                Problem::new(
                    pos,
                    format!("`{path}.retry.backoff.initial` is longer than `max`"),
                    "initial > max",
                )
                .help("make `initial` at most `max`"),
            );
            ok = false;
        }
        ok.then_some(policy)
    }

    pub(crate) fn wait(&mut self, layers: &Layers<'a>, path: &str) -> Option<WaitPolicy> {
        let Some(t) = layers.pick(|s| s.wait.as_ref()?.timeout.as_ref()) else {
            return Some(WaitPolicy::default());
        };
        if t.value.0 == Duration::ZERO {
            self.push(
                Problem::new(
                    t.pos,
                    format!("`{path}.wait.timeout` must be longer than zero"),
                    "zero",
                )
                .help("e.g. `10m` (the default)"),
            );
            return None;
        }
        Some(WaitPolicy { timeout: t.value.0 })
    }

    pub(crate) fn paths(&mut self, f: &RawFunction, path: &str) -> Option<Vec<String>> {
        let mut out = Vec::new();
        let mut ok = true;
        for g in f.paths.iter().flatten() {
            if let Err(e) = globset::Glob::new(&g.value) {
                self.push(
                    Problem::new(
                        g.pos,
                        format!("`{path}.paths` has an invalid glob: {}", e.kind()),
                        "invalid glob",
                    )
                    .help("use globs such as `services/api/**`"),
                );
                ok = false;
            }
            out.push(g.value.clone());
        }
        ok.then_some(out)
    }
}
