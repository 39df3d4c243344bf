//! `flotilla rollback`: move each selected function's alias back to an earlier
//! published version.
//!
//! Data enters as the selected [`Model`] and leaves as a [`Rollback`]: one
//! [`RollbackEntry`] per selected function saying what will happen to it (move, skip,
//! refuse), and a [`Plan`] of `MoveAlias` steps that the apply engine carries out with
//! its usual waits, retries, pacing and cancellation ([`run`]). Reading is `read`
//! (GetFunction, GetAlias, ListVersionsByFunction, paced like `observe`); deciding is
//! the pure [`decide`].

mod decide;
mod run;

pub use decide::{RollbackDecision, decide};
pub use run::{rollback, succeeded};

use crate::model::{Function, FunctionKey, Model};
use crate::observe::{Clients, ObserveError, Reader};
use crate::pace::Pacer;
use crate::plan::Plan;
use flotilla_cloud::lambda::{ApiOp, VersionInfo};

/// What rollback will do to one selected function.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackEntry {
    /// Key in the manifest.
    pub key: FunctionKey,
    /// Lambda function name.
    pub name: String,
    /// Account, when the manifest names one.
    pub account: Option<String>,
    /// Region.
    pub region: String,
    /// The manifest's alias, if any.
    pub alias: Option<String>,
    /// Move, skip or refuse, and why.
    pub decision: RollbackDecision,
}

impl RollbackEntry {
    /// One line for the preview: `api: alias live 7 → 6`, or why nothing moves.
    pub fn describe(&self) -> String {
        let alias = self.alias.as_deref().unwrap_or("");
        match &self.decision {
            RollbackDecision::Move {
                from_version,
                to_version,
                ..
            } => format!("{}: alias {alias} {from_version} → {to_version}", self.key),
            RollbackDecision::Skip { reason } => format!("{}: skipped ({reason})", self.key),
            RollbackDecision::Refuse { reason } => format!("{}: refused ({reason})", self.key),
        }
    }
}

/// Everything rollback decided, before anything moves.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollback {
    /// One entry per selected function, in manifest order.
    pub entries: Vec<RollbackEntry>,
    /// The moves as a plan the apply engine runs: one `MoveAlias` step per function.
    pub plan: Plan,
}

impl Rollback {
    /// How many aliases will move.
    pub fn moves(&self) -> usize {
        self.plan.functions.len()
    }

    /// The preview: one line per selected function.
    pub fn preview(&self) -> String {
        self.entries.iter().map(|e| e.describe() + "\n").collect()
    }
}

/// Functions read at once.
const PARALLEL_READS: usize = 64;

/// Reads every selected function's alias and versions and decides what moves.
/// `to`: an explicit target version for every function (the CLI allows it with one).
///
/// # Errors
/// A read that still failed after its retries.
pub async fn read(
    model: &Model,
    clients: &dyn Clients,
    pacer: &Pacer,
    to: Option<u64>,
) -> Result<Rollback, ObserveError> {
    use futures::StreamExt;
    // In parallel like `observe`; the pacer, not this number, keeps reads under quota.
    let reads = model.functions.iter().map(|f| async move {
        let (entry, code_sha256) = read_one(f, clients, pacer, to).await?;
        Ok::<_, ObserveError>((f, entry, code_sha256))
    });
    let mut stream = futures::stream::iter(reads).buffered(PARALLEL_READS);
    let mut entries = Vec::with_capacity(model.functions.len());
    let mut functions = Vec::new();
    while let Some(read) = stream.next().await {
        let (f, entry, code_sha256) = read?;
        if let RollbackDecision::Move { .. } = entry.decision {
            functions.push(run::function_plan(f, &entry, code_sha256));
        }
        entries.push(entry);
    }
    let plan = run::plan_of(model, functions);
    Ok(Rollback { entries, plan })
}

async fn read_one(
    f: &Function,
    clients: &dyn Clients,
    pacer: &Pacer,
    to: Option<u64>,
) -> Result<(RollbackEntry, String), ObserveError> {
    let account = f.account.as_ref().map(|a| a.as_str());
    let region = f.region.as_str();
    let mut entry = RollbackEntry {
        key: f.key.clone(),
        name: f.name.as_str().to_owned(),
        account: account.map(str::to_owned),
        region: region.to_owned(),
        alias: f.alias.as_ref().map(|a| a.as_str().to_owned()),
        decision: RollbackDecision::Skip {
            reason: "no alias in the manifest".to_owned(),
        },
    };
    let Some(alias_name) = f.alias.as_ref().map(|a| a.as_str()) else {
        return Ok((entry, String::new()));
    };
    let api = clients.client(account, region);
    let name = f.name.as_str();
    let reader = Reader {
        f,
        pacer,
        account,
        region,
    };
    let Some(info) = reader
        .call(ApiOp::GetFunction, || api.get_function(name))
        .await?
    else {
        entry.decision = RollbackDecision::Skip {
            reason: "not deployed".to_owned(),
        };
        return Ok((entry, String::new()));
    };
    let alias = reader
        .call(ApiOp::GetAlias, || api.get_alias(name, alias_name))
        .await?;
    let versions: Vec<VersionInfo> = match alias {
        Some(_) => reader
            .call(ApiOp::ListVersionsByFunction, || api.list_versions(name))
            .await?
            .unwrap_or_default(),
        None => Vec::new(),
    };
    entry.decision = decide(alias_name, alias.as_ref(), &versions, to);
    Ok((entry, info.code_sha256))
}
