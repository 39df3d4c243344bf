//! Versions and aliases: PublishVersion, ListVersionsByFunction, and the alias calls.

use std::collections::BTreeMap;

use super::state::{FunctionRecord, SimError, VersionRecord, parse_function_ref};
use super::world::{Call, Env, World};
use flotilla_cloud::lambda::{
    AliasInfo, AliasInput, FunctionInfo, PublishVersionInput, VersionInfo,
};

/// Copies `$LATEST` into the next numbered version and returns it.
pub(crate) fn freeze_version(
    record: &mut FunctionRecord,
    env: &mut Env,
    call: &Call<'_>,
    description: Option<String>,
) -> FunctionInfo {
    let number = record.next_version;
    record.next_version += 1;
    let mut info = record.latest_info(false);
    // A version is immutable and usable once published: it never shows the pending
    // change of `$LATEST` it was taken from.
    info.state = Some(flotilla_cloud::lambda::FunctionStateKind::Active);
    info.state_reason = None;
    info.state_reason_code = None;
    info.last_update_status = Some(flotilla_cloud::lambda::LastUpdateStatus::Successful);
    info.last_update_status_reason = None;
    info.last_update_status_reason_code = None;
    info.version = number.to_string();
    info.arn = format!("{}:{number}", record.arn);
    info.revision_id = Some(env.revision());
    info.last_modified = env.last_modified(call.now);
    if let Some(d) = description {
        info.config.description = d;
    }
    record
        .versions
        .insert(number, VersionRecord { info: info.clone() });
    info
}

/// The shape ListVersionsByFunction and PublishVersion report to the engine.
pub(crate) fn version_info(info: &FunctionInfo) -> VersionInfo {
    VersionInfo {
        version: info.version.clone(),
        code_sha256: info.code_sha256.clone(),
        description: info.config.description.clone(),
        revision_id: info.revision_id.clone(),
        last_modified: info.last_modified.clone(),
    }
}

/// Lambda's rules for a weighted alias: at most one additional version, a weight from
/// 0.0 to 1.0, both versions published (the alias not on `$LATEST`), different from
/// each other, with the same execution role and dead-letter configuration.
fn check_weights(
    routing: &BTreeMap<String, f64>,
    primary: &str,
    record: &FunctionRecord,
) -> Result<(), SimError> {
    if routing.len() > 1 {
        return Err(SimError::invalid(
            "Number of items in AdditionalVersionWeights cannot be greater than 1.",
        ));
    }
    let Some((version, weight)) = routing.iter().next() else {
        return Ok(());
    };
    if !weight.is_finite() || !(0.0..=1.0).contains(weight) {
        return Err(SimError::invalid(format!(
            "Invalid weight {weight} for version {version} in AdditionalVersionWeights: it must be between 0.0 and 1.0."
        )));
    }
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SimError::invalid(format!(
            "Invalid version {version} in AdditionalVersionWeights: it must be a published version number (not $LATEST)."
        )));
    }
    if primary == "$LATEST" {
        return Err(SimError::invalid(
            "$LATEST is not supported for an alias pointing to more than 1 version.",
        ));
    }
    if version == primary {
        return Err(SimError::invalid(format!(
            "Invalid AdditionalVersionWeights: version {version} is the alias's FunctionVersion; the additional version must be another one."
        )));
    }
    let find = |v: &str| {
        v.parse::<u64>()
            .ok()
            .and_then(|n| record.versions.get(&n))
            .ok_or_else(|| SimError::not_found(format!("Function not found: {}:{v}", record.arn)))
    };
    let extra = find(version)?;
    let main = find(primary)?;
    if extra.info.config.role != main.info.config.role {
        return Err(SimError::invalid(format!(
            "Versions {primary} and {version} have different execution roles; an alias can route between versions with the same role only."
        )));
    }
    if extra.info.config.dead_letter != main.info.config.dead_letter {
        return Err(SimError::invalid(format!(
            "Versions {primary} and {version} have different dead-letter configurations; an alias can route between versions with the same DeadLetterConfig only."
        )));
    }
    Ok(())
}

fn check_version_exists(record: &FunctionRecord, version: &str) -> Result<(), SimError> {
    if version == "$LATEST"
        || version
            .parse::<u64>()
            .ok()
            .is_some_and(|n| record.versions.contains_key(&n))
    {
        Ok(())
    } else {
        Err(SimError::not_found(format!(
            "Function not found: {}:{version}",
            record.arn
        )))
    }
}

impl World {
    /// PublishVersion. Like Lambda, publishing unchanged code and configuration returns
    /// the latest version instead of a new one.
    pub(crate) fn publish_version(
        &mut self,
        call: &Call<'_>,
        input: PublishVersionInput,
    ) -> Result<FunctionInfo, SimError> {
        let (record, env) = self.begin_change(call, &input.name)?;
        record.check_revision(input.revision_id.as_deref())?;
        if let Some(sha) = &input.code_sha256
            && *sha != record.code_sha256
        {
            return Err(SimError::precondition(format!(
                "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
                record.code_sha256
            )));
        }
        if let Some(last) = record.versions.values().next_back() {
            let mut latest = record.config.clone();
            latest.description = last.info.config.description.clone();
            if last.info.code_sha256 == record.code_sha256
                && last.info.config == latest
                && input.description.is_none()
            {
                return Ok(last.info.clone());
            }
        }
        let info = freeze_version(record, env, call, input.description);
        record.revision_id = env.revision();
        Ok(info)
    }

    /// ListVersionsByFunction: `$LATEST` first, then the numbered versions in order.
    pub(crate) fn list_versions(
        &mut self,
        call: &Call<'_>,
        reference: &str,
    ) -> Result<Vec<FunctionInfo>, SimError> {
        let (name, _) = parse_function_ref(reference);
        let (record, _) = self.function_mut(call, &name)?;
        let mut all = vec![record.latest_info(false)];
        all.extend(record.versions.values().map(|v| v.info.clone()));
        Ok(all)
    }

    /// GetAlias.
    pub(crate) fn get_alias(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        alias: &str,
    ) -> Result<AliasInfo, SimError> {
        let (name, _) = parse_function_ref(reference);
        let (record, _) = self.function_mut(call, &name)?;
        record
            .aliases
            .get(alias)
            .cloned()
            .ok_or_else(|| SimError::not_found(format!("Alias not found: {}:{alias}", record.arn)))
    }

    /// CreateAlias.
    pub(crate) fn create_alias(
        &mut self,
        call: &Call<'_>,
        input: AliasInput,
    ) -> Result<AliasInfo, SimError> {
        let (record, env) = self.begin_change(call, &input.function_name)?;
        if input.name.is_empty()
            || input.name.bytes().all(|b| b.is_ascii_digit())
            || input.name.len() > 128
        {
            return Err(SimError::invalid(format!(
                "Alias name '{}' is not valid: it must not be all digits.",
                input.name
            )));
        }
        if record.aliases.contains_key(&input.name) {
            return Err(SimError::conflict(format!(
                "Alias already exists: {}:{}",
                record.arn, input.name
            )));
        }
        check_version_exists(record, &input.function_version)?;
        check_weights(&input.routing, &input.function_version, record)?;
        let alias = AliasInfo {
            arn: format!("{}:{}", record.arn, input.name),
            name: input.name.clone(),
            function_version: input.function_version,
            description: input.description.unwrap_or_default(),
            routing: input.routing,
            revision_id: Some(env.revision()),
        };
        record.aliases.insert(input.name, alias.clone());
        Ok(alias)
    }

    /// UpdateAlias: only the fields given change; the alias's own `RevisionId` guards it.
    pub(crate) fn update_alias(
        &mut self,
        call: &Call<'_>,
        input: AliasInput,
        routing_given: bool,
    ) -> Result<AliasInfo, SimError> {
        let (record, env) = self.begin_change(call, &input.function_name)?;
        let arn = record.arn.clone();
        let current =
            record.aliases.get(&input.name).cloned().ok_or_else(|| {
                SimError::not_found(format!("Alias not found: {arn}:{}", input.name))
            })?;
        if let Some(rev) = &input.revision_id
            && Some(rev) != current.revision_id.as_ref()
        {
            return Err(SimError::precondition(
                "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
            ));
        }
        let before = (current.function_version.clone(), current.routing.clone());
        let mut updated = current;
        if !input.function_version.is_empty() {
            check_version_exists(record, &input.function_version)?;
            updated.function_version = input.function_version;
        }
        if let Some(d) = input.description {
            updated.description = d;
        }
        if routing_given {
            updated.routing = input.routing;
        }
        // The routing that results (given or kept) must fit the version that results.
        check_weights(&updated.routing, &updated.function_version, record)?;
        updated.revision_id = Some(env.revision());
        if before != (updated.function_version.clone(), updated.routing.clone()) {
            super::ops_provisioned::alias_moved(record, env, call.now, &input.name);
        }
        record.aliases.insert(input.name, updated.clone());
        Ok(updated)
    }

    /// ListAliases (optionally only those pointing at one version).
    pub(crate) fn list_aliases(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        version: Option<&str>,
    ) -> Result<Vec<AliasInfo>, SimError> {
        let (name, _) = parse_function_ref(reference);
        let (record, _) = self.function_mut(call, &name)?;
        Ok(record
            .aliases
            .values()
            .filter(|a| version.is_none_or(|v| a.function_version == v))
            .cloned()
            .collect())
    }
}
