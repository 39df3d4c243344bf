//! `rollout`: how the alias moves to a newly published version (all at once, a canary,
//! or linear steps), the alarms that stop it, the smoke invoke before any traffic moves,
//! and what a failure leaves behind. Layered key by key like every setting.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::manifest::Problem;
use crate::manifest::node::Pos;
use crate::manifest::raw::Sp;

use super::layers::Layers;
use super::validate::Validator;

/// Most alarms one rollout watches (one `DescribeAlarms` call takes 100 names).
pub const MAX_ALARMS: usize = 100;

/// How traffic moves to the new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The alias moves at once (what Flotilla does without `rollout`).
    AllAtOnce,
    /// `percent` of the traffic for `wait`, then all of it.
    Canary {
        /// Share of the traffic on the new version during the wait, 1–99.
        percent: u8,
        /// How long the canary runs, watched.
        wait: Duration,
    },
    /// `percent` more of the traffic every `every`, until all of it.
    Linear {
        /// Share added at each step, 1–99.
        percent: u8,
        /// Time between two steps, watched.
        every: Duration,
    },
}

impl Strategy {
    /// The weights the new version gets before the final move, each held for the
    /// returned interval (empty for all-at-once).
    pub fn shifts(&self) -> Vec<(u8, Duration)> {
        match *self {
            Strategy::AllAtOnce => Vec::new(),
            Strategy::Canary { percent, wait } => vec![(percent, wait)],
            Strategy::Linear { percent, every } => {
                let mut out = Vec::new();
                let mut p = percent;
                while p < 100 {
                    out.push((p, every));
                    p = p.saturating_add(percent);
                }
                out
            }
        }
    }
}

/// What a failed rollout leaves behind.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    /// All traffic back on the old version, no weights (the default).
    #[default]
    Rollback,
    /// The weights stay where they were when the rollout stopped, for a person to look.
    Hold,
}

/// An invoke of the new version before any traffic moves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Smoke {
    /// The event sent (JSON).
    pub payload: serde_json::Value,
    /// When given, the response must equal it (JSON); otherwise any response that is
    /// not a function error passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<serde_json::Value>,
}

/// The rollout of one function.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    /// How traffic moves.
    pub strategy: Strategy,
    /// CloudWatch alarms, by name, that stop the rollout when in `ALARM`.
    pub alarms: Vec<String>,
    /// The smoke invoke, if any.
    pub smoke: Option<Smoke>,
    /// What a failure leaves behind.
    pub on_failure: OnFailure,
}

impl Rollout {
    /// True when the alias moves in steps (canary or linear), not at once.
    pub fn is_gradual(&self) -> bool {
        self.strategy != Strategy::AllAtOnce
    }
}

const STRATEGIES: [&str; 3] = ["all-at-once", "canary", "linear"];

impl<'a> Validator<'a> {
    /// The function's `rollout`, each key from the layer that sets it; `Ok(None)`
    /// without one. `alias` is the validated alias (a rollout moves it).
    pub(crate) fn rollout(
        &mut self,
        layers: &Layers<'a>,
        path: &str,
        publish: bool,
        has_alias: bool,
    ) -> Result<Option<Rollout>, ()> {
        let any = layers.pick(|s| s.rollout.as_ref());
        let Some(any) = any else {
            return Ok(None);
        };
        let p = |k: &str| format!("{path}.rollout.{k}");
        let mut ok = true;
        let strategy_src = layers.pick(|s| s.rollout.as_ref()?.value.strategy.as_ref());
        let strategy_name = strategy_src.map_or("all-at-once", |s| s.value.as_str());
        let pct = |v: &mut Self, percent: Option<&Sp<u32>>, key: &str, pos: Pos| -> Option<u8> {
            let Some(percent) = percent else {
                v.push(
                    Problem::new(pos, format!("`{}` is missing", p(key)), "no percent").help(
                        format!("give the share of traffic, e.g. `{key}: {{ percent: 10 }}`"),
                    ),
                );
                return None;
            };
            match u8::try_from(percent.value) {
                Ok(n @ 1..=99) => Some(n),
                _ => {
                    v.push(
                        Problem::new(
                            percent.pos,
                            format!("`{}.percent` is {}: it must be 1–99", p(key), percent.value),
                            "outside 1–99",
                        )
                        .help("the share of traffic on the new version before the final move: 1 to 99 percent"),
                    );
                    None
                }
            }
        };
        let dur = |v: &mut Self,
                   d: Option<&Sp<crate::manifest::raw::RawDuration>>,
                   key: &str,
                   pos: Pos| {
            let Some(d) = d else {
                v.push(
                    Problem::new(pos, format!("`{}` is missing", p(key)), "no interval").help(
                        format!("give how long each step is watched, e.g. `{key}: 5m`"),
                    ),
                );
                return None;
            };
            if d.value.0 < Duration::from_secs(1) || d.value.0 > Duration::from_secs(24 * 3600) {
                v.push(
                    Problem::new(
                        d.pos,
                        format!("`{}` must be from 1s to 24h", p(key)),
                        "outside 1s–24h",
                    )
                    .help("e.g. `5m`; alarms are polled during it"),
                );
                return None;
            }
            Some(d.value.0)
        };
        let strategy = match strategy_name {
            "all-at-once" => Some(Strategy::AllAtOnce),
            "canary" => {
                let c = layers.pick(|s| s.rollout.as_ref()?.value.canary.as_ref());
                let pos = c.map_or(any.pos, |c| c.pos);
                let percent = pct(
                    self,
                    layers.pick(|s| {
                        s.rollout
                            .as_ref()?
                            .value
                            .canary
                            .as_ref()?
                            .value
                            .percent
                            .as_ref()
                    }),
                    "canary",
                    pos,
                );
                let wait = dur(
                    self,
                    layers.pick(|s| {
                        s.rollout
                            .as_ref()?
                            .value
                            .canary
                            .as_ref()?
                            .value
                            .wait
                            .as_ref()
                    }),
                    "canary.wait",
                    pos,
                );
                match (percent, wait) {
                    (Some(percent), Some(wait)) => Some(Strategy::Canary { percent, wait }),
                    _ => None,
                }
            }
            "linear" => {
                let l = layers.pick(|s| s.rollout.as_ref()?.value.linear.as_ref());
                let pos = l.map_or(any.pos, |l| l.pos);
                let percent = pct(
                    self,
                    layers.pick(|s| {
                        s.rollout
                            .as_ref()?
                            .value
                            .linear
                            .as_ref()?
                            .value
                            .percent
                            .as_ref()
                    }),
                    "linear",
                    pos,
                );
                let every = dur(
                    self,
                    layers.pick(|s| {
                        s.rollout
                            .as_ref()?
                            .value
                            .linear
                            .as_ref()?
                            .value
                            .every
                            .as_ref()
                    }),
                    "linear.every",
                    pos,
                );
                match (percent, every) {
                    (Some(percent), Some(every)) => Some(Strategy::Linear { percent, every }),
                    _ => None,
                }
            }
            other => {
                let pos = strategy_src.map_or(any.pos, |s| s.pos);
                let mut problem = Problem::new(
                    pos,
                    format!("`{}` is `{other}`", p("strategy")),
                    "unknown strategy",
                );
                problem = match crate::manifest::suggest(other, STRATEGIES) {
                    Some(s) => problem.help(format!(
                        "did you mean `{s}`? (one of all-at-once, canary, linear)"
                    )),
                    None => problem.help("one of all-at-once, canary, linear"),
                };
                self.push(problem);
                None
            }
        };
        ok &= strategy.is_some();
        let gradual = strategy.is_some_and(|s| s != Strategy::AllAtOnce);
        if gradual && (!publish || !has_alias) {
            self.push(
                Problem::new(
                    strategy_src.map_or(any.pos, |s| s.pos),
                    format!("`{path}.rollout` shifts an alias, but the function has no {}", if publish { "`alias`" } else { "`publish: true`" }),
                    "nothing to shift",
                )
                .help("a rollout moves the alias to the version each change publishes: set `publish: true` and `alias: live` (or `strategy: all-at-once`)"),
            );
            ok = false;
        }
        let mut alarms = Vec::new();
        if let Some(list) = layers.pick(|s| s.rollout.as_ref()?.value.alarms.as_ref()) {
            if list.value.len() > MAX_ALARMS {
                self.push(
                    Problem::new(
                        list.pos,
                        format!("`{}` names {} alarms", p("alarms"), list.value.len()),
                        "too many",
                    )
                    .help(format!(
                        "watch at most {MAX_ALARMS} alarms (a composite alarm can combine more)"
                    )),
                );
                ok = false;
            }
            for a in &list.value {
                if a.value.is_empty() || a.value.len() > 255 {
                    self.push(
                        Problem::new(
                            a.pos,
                            format!("alarm name in `{}` must be 1–255 characters", p("alarms")),
                            "bad alarm name",
                        )
                        .help("write the CloudWatch alarm's name, e.g. `api-errors`"),
                    );
                    ok = false;
                } else if !alarms.contains(&a.value) {
                    alarms.push(a.value.clone());
                }
            }
        }
        let smoke = layers
            .pick(|s| s.rollout.as_ref()?.value.smoke.as_ref())
            .map(|s| Smoke {
                payload: s
                    .value
                    .payload
                    .clone()
                    .map_or(serde_json::Value::Null, |p| p.value),
                expect: s.value.expect.clone().map(|e| e.value),
            });
        // Without `publish` and an alias nothing is planned for `smoke` and `alarms`:
        // they may come from `defaults` for functions that do not publish.
        let on_failure = match layers.pick(|s| s.rollout.as_ref()?.value.on_failure.as_ref()) {
            None => OnFailure::Rollback,
            Some(s) if s.value == "rollback" => OnFailure::Rollback,
            Some(s) if s.value == "hold" => OnFailure::Hold,
            Some(s) => {
                self.push(
                    Problem::new(s.pos, format!("`{}` is `{}`", p("on_failure"), s.value), "unknown value")
                        .help("`rollback` (all traffic back on the old version) or `hold` (weights left where they were)"),
                );
                ok = false;
                OnFailure::Rollback
            }
        };
        if !ok {
            return Err(());
        }
        Ok(strategy.map(|strategy| Rollout {
            strategy,
            alarms,
            smoke,
            on_failure,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_steps_stop_below_one_hundred() {
        let s = Strategy::Linear {
            percent: 30,
            every: Duration::from_secs(60),
        };
        let pcts: Vec<u8> = s.shifts().into_iter().map(|(p, _)| p).collect();
        assert_eq!(pcts, [30, 60, 90]);
        let c = Strategy::Canary {
            percent: 10,
            wait: Duration::from_secs(300),
        };
        assert_eq!(c.shifts(), [(10, Duration::from_secs(300))]);
        assert!(Strategy::AllAtOnce.shifts().is_empty());
    }
}
