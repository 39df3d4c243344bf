//! Which files a zip or folder function's code change adds, removes and changes: the
//! new package's files (path and SHA-256) against the live package's, downloaded from
//! GetFunction's `Code.Location`.
//!
//! Only functions whose code differs are compared, a few at a time, and only packages
//! up to Lambda's direct-upload size are downloaded. Nothing here fails the plan: a
//! package that cannot be read gives [`PackageFiles::Unavailable`] with the reason.

use futures::StreamExt;

use crate::artifact::{MAX_ZIP_BYTES, diff_files, load_package, zip_files};
use crate::model::{ArtifactSource, Model};
use crate::observe::{Clients, LiveState};
use crate::plan::{Field, FunctionPlan, PackageFiles, Plan, Step};
use flotilla_cloud::lambda::{FunctionInfo, PackageType};

/// Packages compared at once.
const PARALLEL_DOWNLOADS: usize = 4;

/// The largest live package downloaded to list its files.
const MAX_LISTED_BYTES: u64 = MAX_ZIP_BYTES;

/// Sets the file list of every code change in `plan` whose function is a zip or
/// folder and whose live package the endpoint serves.
pub async fn attach_file_lists(
    model: &Model,
    live: &LiveState,
    clients: &dyn Clients,
    plan: &mut Plan,
) {
    let jobs: Vec<(usize, ArtifactSource, FunctionInfo)> = plan
        .functions
        .iter()
        .enumerate()
        .filter(|(_, fp)| changes_code(fp))
        .filter_map(|(i, fp)| {
            let function = model.functions.iter().find(|f| f.key == fp.key)?;
            let source = match &function.artifact {
                s @ (ArtifactSource::Zip { .. } | ArtifactSource::Dir { .. }) => s.clone(),
                _ => return None,
            };
            let info = live.functions.get(&fp.key)?.info.clone()?;
            (info.config.package_type == PackageType::Zip && info.code_location.is_some())
                .then_some((i, source, info))
        })
        .collect();
    let lists = futures::stream::iter(jobs.into_iter().map(|(i, source, info)| {
        let fp = &plan.functions[i];
        let api = clients.client(fp.account.as_deref(), &fp.region);
        async move { (i, compare(api.as_ref(), source, &info).await) }
    }))
    .buffer_unordered(PARALLEL_DOWNLOADS)
    .collect::<Vec<_>>()
    .await;
    for (i, list) in lists {
        for step in &mut plan.functions[i].steps {
            if let Step::UpdateCode { files, .. } = step {
                *files = Some(list.clone());
            }
        }
    }
}

fn changes_code(fp: &FunctionPlan) -> bool {
    fp.steps.iter().any(|s| match s {
        Step::UpdateCode { changes, .. } => changes.iter().any(|c| c.field == Field::Code),
        _ => false,
    })
}

async fn compare(
    api: &dyn flotilla_cloud::lambda::LambdaApi,
    source: ArtifactSource,
    info: &FunctionInfo,
) -> PackageFiles {
    let unavailable = |reason: String| PackageFiles::Unavailable { reason };
    if info.code_size > MAX_LISTED_BYTES {
        return unavailable(format!(
            "the live package is {} bytes; a plan downloads at most {MAX_LISTED_BYTES} bytes to list files",
            info.code_size
        ));
    }
    let Some(location) = info.code_location.as_deref() else {
        return unavailable("GetFunction gave no Code.Location".to_owned());
    };
    let limit = usize::try_from(MAX_LISTED_BYTES).unwrap_or(usize::MAX);
    let live = match api.download_package(location, limit).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return unavailable(format!(
                "cannot download the live package: {}",
                e.without_url()
            ));
        }
    };
    let listed = tokio::task::spawn_blocking(move || {
        let old = zip_files(&live).map_err(|e| format!("the live package: {e}"))?;
        let package = load_package(&source)
            .map_err(|e| format!("the new package: {e}"))?
            .ok_or_else(|| "the new package is not a zip".to_owned())?;
        let new = zip_files(&package.bytes).map_err(|e| format!("the new package: {e}"))?;
        Ok::<_, String>(diff_files(&old, &new))
    })
    .await;
    match listed {
        Ok(Ok((added, removed, changed))) => PackageFiles::Diff {
            added,
            removed,
            changed,
        },
        Ok(Err(reason)) => unavailable(reason),
        Err(e) => unavailable(format!("listing the files failed: {e}")),
    }
}
