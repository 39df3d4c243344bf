//! Carries out one function's steps in order: one function per `Step` variant.
//!
//! Before the first mutation of an existing function, its live `RevisionId` is compared
//! with the one the plan observed (stale-plan check). Code and secrets are obtained
//! before anything changes, so a missing secret or artifact fails the function untouched.

use std::collections::BTreeMap;

use crate::artifact::ArtifactDigest;
use std::sync::Arc;

use crate::plan::{Action, FieldChange, Step};
use crate::retry::ErrorClass;
use flotilla_cloud::lambda::{
    AliasInput, ApiError, ConfigField, CreateFunctionInput, FunctionInfo, LambdaApi,
    PublishVersionInput, UpdateCodeInput, UpdateConfigInput,
};

use super::events::Event;
use super::failure::FailureCause;
use super::run::{
    Call, FnRun, Guard, Landed, Stop, config_mismatches, differing_fields, sent_fields,
};
use super::waiter::{Goal, Verdict, judge};

impl FnRun<'_> {
    /// Runs every step of the plan; `Ok` means converged. A function that turned out
    /// stale or contended but is already exactly as planned (another run deployed the
    /// same release) has converged too.
    pub(crate) async fn run_steps(&mut self) -> Result<(), Stop> {
        let result = match self.run_all_steps().await {
            Err(stop) if self.shifted.is_some() => Err(self.end_rollout(stop).await),
            other => other,
        };
        match result {
            Err(stop @ Stop::Stale { .. }) if self.plan.action != Action::Delete => {
                match self.already_desired().await {
                    Ok(true) => Ok(()),
                    Ok(false) | Err(_) => Err(stop),
                }
            }
            other => other,
        }
    }

    /// Whether the live function is exactly as this plan wants it: its code, its whole
    /// configuration, tags, reserved concurrency, and the alias (or latest version) on
    /// a version of that code.
    async fn already_desired(&mut self) -> Result<bool, Stop> {
        // Triggers and old versions are not part of this comparison: a plan that
        // changes them stays stale rather than being taken as converged.
        if self.plan.steps.iter().any(|s| {
            matches!(
                s,
                Step::CreateEventSourceMapping { .. }
                    | Step::UpdateEventSourceMapping { .. }
                    | Step::DeleteEventSourceMapping { .. }
                    | Step::DeleteVersions { .. }
            )
        }) {
            return Ok(false);
        }
        if self.read_function().await?.is_none() {
            return Ok(false);
        }
        let info = self.wait_for(Goal::Stable).await?;
        if !self.landed_in(&Landed::Code, &info) {
            return Ok(false);
        }
        let env = match &self.env {
            Some(env) => env.clone(),
            None => {
                super::context::resolve_environment(self.plan, self.ctx).map_err(Stop::Failed)?
            }
        };
        let d = &self.plan.desired;
        let desired = crate::plan::fill_defaults(
            d.config
                .clone()
                .map_environment(|k, _| env.get(k).cloned().unwrap_or_default()),
        );
        let live = crate::plan::fill_defaults(info.config.clone());
        let diff = crate::plan::diff_config(&desired, &live, &std::collections::BTreeSet::new());
        if !diff.configuration.is_empty()
            || diff.architecture.is_some()
            || diff.package_type_differs
        {
            return Ok(false);
        }
        let tags_ok = d.tags.iter().all(|(k, v)| info.tags.get(k) == Some(v))
            && info
                .tags
                .keys()
                .all(|k| !k.starts_with(crate::plan::MANAGED_TAG_PREFIX) || d.tags.contains_key(k));
        if !tags_ok || info.reserved_concurrency != d.reserved_concurrency {
            return Ok(false);
        }
        if !self.provisioned_as_desired().await? {
            return Ok(false);
        }
        if !d.publish {
            return Ok(true);
        }
        let versions = self.versions().await?;
        let version = match &d.alias {
            Some(alias) => match self.alias_now(alias).await? {
                Some(a) if a.routing.is_empty() && a.function_version != "$LATEST" => versions
                    .into_iter()
                    .find(|v| v.version == a.function_version),
                _ => None,
            },
            None => versions
                .into_iter()
                .filter(|v| v.version != "$LATEST")
                .max_by_key(|v| v.version.parse::<u64>().unwrap_or(0)),
        };
        let Some(version) = version else {
            return Ok(false);
        };
        if version.code_sha256 != info.code_sha256 {
            return Ok(false);
        }
        self.published = Some(version.version);
        self.report.published_version.clone_from(&self.published);
        Ok(true)
    }

    async fn run_all_steps(&mut self) -> Result<(), Stop> {
        let plan = self.plan;
        if plan.steps.is_empty() {
            return Ok(());
        }
        self.prepare().await?;
        if matches!(
            plan.action,
            Action::Update | Action::Delete | Action::Replace
        ) {
            self.check_not_stale().await?;
        }
        for step in &plan.steps {
            if self.ctx.cancel.is_cancelled() {
                return Err(Stop::Cancelled);
            }
            let name = step.name();
            self.report.interrupted_step = Some(name.to_owned());
            self.emit(Event::StepStarted {
                key: plan.key.clone(),
                step: name,
            });
            self.run_step(step).await?;
            if matches!(step, Step::CreateFunction { .. } | Step::UpdateCode { .. }) {
                // Uploaded: give the zip's memory back to the budget.
                self.code = None;
                self.code_permit = None;
            }
            self.report.interrupted_step = None;
            self.in_flight = None;
            self.report.steps_done.push(name.to_owned());
            self.emit(Event::StepDone {
                key: plan.key.clone(),
                step: name,
            });
        }
        Ok(())
    }

    /// Reads secrets and obtains code up front, only when a step needs them.
    async fn prepare(&mut self) -> Result<(), Stop> {
        let plan = self.plan;
        if plan.writes_environment() {
            let env = super::context::resolve_environment(plan, self.ctx).map_err(Stop::Failed)?;
            self.env = Some(env);
        }
        let needs_code = plan
            .steps
            .iter()
            .any(|s| matches!(s, Step::CreateFunction { .. } | Step::UpdateCode { .. }));
        if needs_code {
            self.code_permit = self.reserve_code_memory().await;
            let events = self.ctx.events.clone();
            let key = plan.key.clone();
            let progress = move |sent: u64, total: u64| {
                events.event(&Event::UploadProgress {
                    key: key.clone(),
                    sent,
                    total,
                });
            };
            let prepared = self.ctx.code.prepare(plan, &progress).await.map_err(|e| {
                Stop::Failed(FailureCause::Code {
                    function: plan.key.0.clone(),
                    message: e.to_string(),
                })
            })?;
            if let Some(report) = prepared.upload {
                self.report.upload = Some(report.clone());
                self.emit(Event::Uploaded {
                    key: plan.key.clone(),
                    report,
                });
            }
            self.code = Some(prepared.source);
        }
        Ok(())
    }

    /// Takes the zip's size (in MiB, at least 1, at most the whole budget) from the
    /// code-memory budget; S3 objects, uploads and images hold nothing.
    async fn reserve_code_memory(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let ArtifactDigest::Zip { size, .. } = &self.plan.artifact else {
            return None;
        };
        if self.plan.upload.is_some() {
            // Streamed from disk to S3 in parts; Lambda gets only the object's address.
            return None;
        }
        let budget = self.ctx.code_memory.clone();
        let mib = size.div_ceil(1024 * 1024).max(1);
        let permits = u32::try_from(mib).unwrap_or(u32::MAX);
        // A zip larger than the whole budget waits until it has the budget to itself.
        let total = u32::try_from(super::context::DEFAULT_CODE_MEMORY_MIB).unwrap_or(u32::MAX);
        budget.acquire_many_owned(permits.min(total)).await.ok()
    }

    /// Refuses the function when its live `RevisionId` moved since the plan.
    async fn check_not_stale(&mut self) -> Result<(), Stop> {
        let Some(first) = self.read_function().await? else {
            return Err(self.stale(None, "the function was deleted since the plan"));
        };
        let info = match judge(&first, Goal::Stable) {
            Verdict::Done => {
                self.fresh = Some(first.clone());
                first
            }
            // A function whose creation failed can still be deleted.
            Verdict::Fail(_) if matches!(self.plan.action, Action::Delete | Action::Replace) => {
                self.fresh = Some(first.clone());
                first
            }
            Verdict::Keep => self.wait_for(Goal::Stable).await?,
            Verdict::Fail(why) => return Err(Stop::Failed(why)),
        };
        if let (Some(planned), Some(live)) = (&self.plan.observed_revision_id, &info.revision_id)
            && planned != live
        {
            return Err(self.stale(
                Some(&info),
                "the function was changed by someone else since the plan",
            ));
        }
        self.own = Some(info);
        Ok(())
    }

    /// The one `match` over steps: a new variant fails to compile until handled here.
    async fn run_step(&mut self, step: &Step) -> Result<(), Stop> {
        match step {
            Step::CreateFunction { tags } => self.create_function(tags).await,
            Step::UpdateCode { .. } => self.update_code().await,
            Step::UpdateConfiguration { changes } => self.update_configuration(changes).await,
            Step::ReapplyConfiguration {
                reason: _,
                reason_code: _,
                changes: _,
            } => self.reapply_configuration().await,
            Step::PublishVersion => self.publish_version().await,
            Step::CreateAlias { alias } => self.create_alias(alias).await,
            Step::UpdateAlias {
                alias,
                from_version: _,
            } => self.update_alias(alias).await,
            Step::MoveAlias {
                alias,
                from_version: _,
                to_version,
                alias_revision_id,
            } => {
                self.move_alias_to(alias, to_version, alias_revision_id.as_deref())
                    .await
            }
            Step::SmokeInvoke { payload, expect } => {
                self.smoke_invoke(payload, expect.as_ref()).await
            }
            Step::ShiftTraffic {
                alias,
                from_version,
                percent,
                hold_secs,
                alarms,
                on_failure,
                alias_revision_id,
            } => {
                self.shift_traffic(
                    alias,
                    from_version,
                    *percent,
                    *hold_secs,
                    alarms,
                    *on_failure,
                    alias_revision_id.as_deref(),
                )
                .await
            }
            Step::TagResource { tags, old: _ } => self.tag_resource(tags).await,
            Step::UntagResource { keys } => self.untag_resource(keys).await,
            Step::PutConcurrency { old: _, reserved } => self.put_concurrency(*reserved).await,
            Step::DeleteConcurrency { old: _ } => self.delete_concurrency().await,
            Step::PutProvisionedConcurrency {
                alias,
                old: _,
                count,
            } => self.put_provisioned(alias, *count).await,
            Step::DeleteProvisionedConcurrency { alias, old: _ } => {
                self.delete_provisioned(alias).await
            }
            Step::RemovePermission { qualifier, sid, .. } => {
                self.remove_permission(qualifier.as_deref(), sid).await
            }
            Step::AddPermission {
                qualifier,
                permission,
                ..
            } => self.add_permission(qualifier.as_deref(), permission).await,
            Step::PutCodeSigningConfig { old: _, arn } => self.put_code_signing_config(arn).await,
            Step::DeleteCodeSigningConfig { old: _ } => self.delete_code_signing_config().await,
            Step::PutEventInvokeConfig { old: _, config } => {
                self.put_event_invoke_config(config).await
            }
            Step::DeleteEventInvokeConfig { old: _ } => self.delete_event_invoke_config().await,
            Step::PutRuntimeManagementConfig { old: _, config } => {
                self.put_runtime_management_config(config).await
            }
            Step::CreateFunctionUrlConfig { qualifier, config } => {
                self.create_function_url(qualifier.as_deref(), config).await
            }
            Step::UpdateFunctionUrlConfig {
                qualifier,
                old: _,
                config,
            } => self.update_function_url(qualifier.as_deref(), config).await,
            Step::DeleteFunctionUrlConfig { qualifier, old: _ } => {
                self.delete_function_url(qualifier.as_deref()).await
            }
            Step::PutRecursionConfig { old: _, recursion } => {
                self.put_recursion_config(*recursion).await
            }
            Step::DeleteFunction { owner_tags } => self.delete_function(owner_tags).await,
            Step::DeleteFailedFunction {
                reason: _,
                reason_code: _,
            } => self.delete_failed_function().await,
            Step::CreateEventSourceMapping {
                trigger,
                function,
                source,
                enabled,
                settings,
            } => {
                self.create_mapping(trigger, function, source, *enabled, settings)
                    .await
            }
            Step::UpdateEventSourceMapping {
                trigger,
                uuid,
                source: _,
                enabled,
                settings,
                changes: _,
            } => self.update_mapping(trigger, uuid, *enabled, settings).await,
            Step::DeleteEventSourceMapping {
                trigger: _,
                uuid,
                source,
            } => self.delete_mapping(uuid, source).await,
            Step::DeleteVersions { keep, versions } => self.delete_versions(*keep, versions).await,
        }
    }

    fn code_or_fail(&self) -> Result<flotilla_cloud::lambda::CodeSource, Stop> {
        self.code.clone().ok_or(Stop::Failed(FailureCause::NoCode))
    }

    async fn create_function(&mut self, tags: &BTreeMap<String, String>) -> Result<(), Stop> {
        let env = self.env.clone().unwrap_or_default();
        let input = CreateFunctionInput {
            name: self.plan.name.clone(),
            config: self
                .plan
                .desired
                .config
                .clone()
                .map_environment(|k, _| env.get(k).cloned().unwrap_or_default()),
            code: self.code_or_fail()?,
            publish: false,
            tags: tags.clone(),
            code_signing_config_arn: self.plan.desired.code_signing_config.clone(),
        };
        let api = self.api.clone();
        let result = self.mutate_create(input, api).await?;
        let sent_sha = self
            .expected_sha()
            .or_else(|| result.as_ref().map(|i| i.code_sha256.clone()));
        if let Some(info) = &result {
            self.note_read(info);
        }
        let info = self.wait_for(Goal::Updated).await?;
        if !self.code_is(&info, sent_sha.as_deref()) {
            return Err(self.stale(
                Some(&info),
                "contended: another writer replaced the code right after CreateFunction",
            ));
        }
        self.own = Some(info);
        Ok(())
    }

    /// CreateFunction has no `RevisionId`; a 409 means the function exists, so someone
    /// created it since the plan, unless our own earlier attempt's lost response had
    /// created it (checked by reading it back).
    async fn mutate_create(
        &mut self,
        input: CreateFunctionInput,
        api: Arc<dyn LambdaApi>,
    ) -> Result<Option<FunctionInfo>, Stop> {
        const OP: &str = "CreateFunction";
        let mut attempt = 0u32;
        let mut unknown = false;
        loop {
            attempt += 1;
            let call: Call<'static, FunctionInfo> = {
                let api = api.clone();
                let input = input.clone();
                Box::pin(async move { api.create_function(input).await })
            };
            let err = match self.attempt(call).await? {
                Ok(info) => return Ok(Some(info)),
                Err(e) => e,
            };
            if let ApiError::Conflict { .. } | ApiError::AlreadyExists { .. } = err {
                if unknown && self.created_by_us().await? {
                    self.mark_landed(OP);
                    return Ok(None);
                }
                let info = self.probe().await;
                return Err(self.stale(
                    info.as_ref(),
                    "the function was created by someone else since the plan",
                ));
            }
            let class = self.after_error(OP, &err, attempt).await?;
            if class == ErrorClass::Transient {
                unknown = true;
                if self.created_by_us().await? {
                    self.mark_landed(OP);
                    return Ok(None);
                }
            }
        }
    }

    /// After a lost CreateFunction response: does the function exist with our code?
    async fn created_by_us(&mut self) -> Result<bool, Stop> {
        if self.read_function().await?.is_none() {
            return Ok(false);
        }
        let info = self.wait_for(Goal::Stable).await?;
        Ok(self.landed_in(&Landed::Code, &info))
    }

    async fn update_code(&mut self) -> Result<(), Stop> {
        let input = UpdateCodeInput {
            name: self.plan.name.clone(),
            code: self.code_or_fail()?,
            revision_id: None,
            architecture: Some(self.plan.desired.config.architecture),
        };
        let api = self.api.clone();
        let response = self
            .mutate(
                "UpdateFunctionCode",
                Guard::Own,
                Some(&Landed::Code),
                move |rev| {
                    let api = api.clone();
                    let mut input = input.clone();
                    input.revision_id = rev;
                    Box::pin(async move { api.update_function_code(input).await })
                },
            )
            .await?;
        let sent_sha = self
            .expected_sha()
            .or_else(|| response.map(|i| i.code_sha256));
        self.settled("UpdateFunctionCode", Change::Code(sent_sha))
            .await
    }

    /// The whole desired configuration, after a failed update (every setting that
    /// `UpdateFunctionConfiguration` changes, the environment as a whole).
    async fn reapply_configuration(&mut self) -> Result<(), Stop> {
        let mut config = self
            .plan
            .desired
            .config
            .clone()
            .map_environment(|_, _| String::new());
        config.environment = self.env.clone().unwrap_or_default();
        let input = UpdateConfigInput::new(self.plan.name.clone(), config, ConfigField::ALL);
        self.send_configuration(input).await
    }

    async fn update_configuration(&mut self, changes: &[FieldChange]) -> Result<(), Stop> {
        let input = self.config_input(changes);
        self.send_configuration(input).await
    }

    async fn send_configuration(&mut self, input: UpdateConfigInput) -> Result<(), Stop> {
        let api = self.api.clone();
        let landed = Landed::Config(Box::new(input.clone()));
        let sent = input.clone();
        self.mutate(
            "UpdateFunctionConfiguration",
            Guard::Own,
            Some(&landed),
            move |rev| {
                let api = api.clone();
                let mut input = input.clone();
                input.revision_id = rev;
                Box::pin(async move { api.update_function_configuration(input).await })
            },
        )
        .await?;
        self.settled("UpdateFunctionConfiguration", Change::Config(&sent))
            .await
    }

    /// Waits until Flotilla's own update settled, then checks the whole function
    /// against what it expects: the state it last verified with exactly this change
    /// applied. Code or settings that changed without being sent mean another writer
    /// got in between (contended: never reported converged); sent values that are not
    /// live mean the update was not applied. Only a consistent result becomes the
    /// revision the next step carries.
    async fn settled(&mut self, op: &'static str, change: Change<'_>) -> Result<(), Stop> {
        let info = self.wait_for(Goal::Updated).await?;
        let base = self.own.clone();
        let mut others: Vec<&'static str> = Vec::new();
        let mut unapplied: Vec<String> = Vec::new();
        let code_changed =
            |b: &FunctionInfo| b.code_sha256 != info.code_sha256 || b.image_uri != info.image_uri;
        match change {
            Change::Code(sha) => {
                if !self.code_is(&info, sha.as_deref()) {
                    others.push("code");
                }
                let desired = self.plan.desired.config.architecture;
                if info.config.architecture != desired {
                    unapplied.push(format!(
                        "architecture ({} instead of {})",
                        info.config.architecture.as_api_str(),
                        desired.as_api_str()
                    ));
                }
                if let Some(b) = &base {
                    others.extend(
                        differing_fields(&b.config, &info.config)
                            .into_iter()
                            .filter(|f| *f != "architecture"),
                    );
                }
            }
            Change::Config(sent) => {
                unapplied = config_mismatches(sent, &info)
                    .iter()
                    .map(|f| (*f).to_owned())
                    .collect();
                if let Some(b) = &base {
                    let sent = sent_fields(sent);
                    if code_changed(b) {
                        others.push("code");
                    }
                    others.extend(
                        differing_fields(&b.config, &info.config)
                            .into_iter()
                            .filter(|f| !sent.contains(f)),
                    );
                }
            }
            Change::Nothing => {
                if let Some(b) = &base {
                    if code_changed(b) {
                        others.push("code");
                    }
                    others.extend(differing_fields(&b.config, &info.config));
                }
            }
        }
        if !others.is_empty() {
            return Err(self.stale(
                Some(&info),
                &format!(
                    "contended: another writer changed {} while {op} ran",
                    others.join(", ")
                ),
            ));
        }
        if !unapplied.is_empty() {
            return Err(not_applied(op, &unapplied));
        }
        self.own = Some(info);
        Ok(())
    }

    /// True when the live code is what Flotilla sent: the `CodeSha256` it sent (or the
    /// one Lambda answered with) and, for an image, the URI.
    pub(crate) fn code_is(&self, info: &FunctionInfo, sha: Option<&str>) -> bool {
        let sha_ok = sha.is_none_or(|s| s == info.code_sha256);
        match &self.plan.artifact {
            ArtifactDigest::Image { uri } => sha_ok && info.image_uri.as_deref() == Some(uri),
            _ => sha_ok,
        }
    }

    /// Only the changed fields, from the desired configuration (the whole environment
    /// map when any key changed: Lambda replaces it).
    fn config_input(&self, changes: &[FieldChange]) -> UpdateConfigInput {
        use crate::plan::Field;
        let mut config = self
            .plan
            .desired
            .config
            .clone()
            .map_environment(|_, _| String::new());
        config.environment = self.env.clone().unwrap_or_default();
        let mut fields = Vec::new();
        for c in changes {
            let field = match &c.field {
                Field::Setting(field) | Field::Member(field, _) => *field,
                Field::Environment(_) if self.env.is_some() => ConfigField::Environment,
                // Changed by UpdateFunctionCode, not here.
                Field::Environment(_) | Field::Code => continue,
            };
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
        UpdateConfigInput::new(self.plan.name.clone(), config, &fields)
    }

    async fn publish_version(&mut self) -> Result<(), Stop> {
        let sha = match self.expected_sha() {
            Some(sha) => sha,
            None => self.stable().await?.code_sha256,
        };
        let name = self.plan.name.clone();
        let api = self.api.clone();
        let sha_in = sha.clone();
        let version = self
            .mutate(
                "PublishVersion",
                Guard::Own,
                Some(&Landed::Publish(sha)),
                move |rev| {
                    let api = api.clone();
                    let input = PublishVersionInput {
                        name: name.clone(),
                        code_sha256: Some(sha_in.clone()),
                        revision_id: rev,
                        description: None,
                    };
                    Box::pin(async move { api.publish_version(input).await })
                },
            )
            .await?;
        if let Some(v) = version {
            self.published = Some(v.version);
        }
        self.report.published_version.clone_from(&self.published);
        self.settled("PublishVersion", Change::Nothing).await
    }

    /// The version an alias step points at: the one this run published.
    fn alias_target(&self, alias: &str) -> Result<String, Stop> {
        self.published.clone().ok_or_else(|| {
            Stop::Failed(FailureCause::NoPublishedVersion {
                alias: alias.to_owned(),
            })
        })
    }

    async fn create_alias(&mut self, alias: &str) -> Result<(), Stop> {
        let version = self.alias_target(alias)?;
        self.move_alias(alias, version, true).await
    }

    async fn update_alias(&mut self, alias: &str) -> Result<(), Stop> {
        let version = self.alias_target(alias)?;
        self.move_alias(alias, version, false).await
    }

    async fn move_alias(&mut self, alias: &str, version: String, create: bool) -> Result<(), Stop> {
        // The final move of a rollout carries the alias revision of its last shift.
        let revision_id = if self.shifted.is_some() {
            self.alias_revision.clone()
        } else {
            None
        };
        let input = AliasInput {
            function_name: self.plan.name.clone(),
            name: alias.to_owned(),
            function_version: version.clone(),
            revision_id,
            ..AliasInput::default()
        };
        let target = version.clone();
        let landed = Landed::Alias {
            name: alias.to_owned(),
            version,
        };
        let api = self.api.clone();
        let op = if create { "CreateAlias" } else { "UpdateAlias" };
        let result = self
            .mutate(op, Guard::None, Some(&landed), move |_rev| {
                let api = api.clone();
                let input = input.clone();
                Box::pin(async move {
                    if create {
                        api.create_alias(input).await
                    } else {
                        api.update_alias(input).await
                    }
                })
            })
            .await;
        match result {
            Ok(_) => {
                self.rollout_completed(alias, &target);
                if !create {
                    // Lambda allocates the alias's provisioned concurrency on the new
                    // version: the move is done when that allocation is.
                    self.await_provisioned_after_move(alias).await?;
                }
                Ok(())
            }
            // Another writer created the alias since the plan: contended, not failed.
            Err(Stop::Failed(cause)) if create => match self.alias_now(alias).await? {
                Some(live) => Err(self.stale(
                    None,
                    &format!(
                        "contended: alias `{alias}` already exists: someone else created it during apply (it points at version {})",
                        live.function_version
                    ),
                )),
                None => Err(Stop::Failed(cause)),
            },
            Err(other) => Err(other),
        }
    }

    /// Moves `alias` to an existing version, passing the alias's observed `RevisionId`:
    /// a 412 means someone else moved the alias since, and it is reported stale. Waits
    /// until the function is stable first, since Lambda refuses alias changes (409)
    /// while an update is in progress.
    async fn move_alias_to(
        &mut self,
        alias: &str,
        version: &str,
        alias_revision_id: Option<&str>,
    ) -> Result<(), Stop> {
        let input = AliasInput {
            function_name: self.plan.name.clone(),
            name: alias.to_owned(),
            function_version: version.to_owned(),
            revision_id: alias_revision_id.map(str::to_owned),
            ..AliasInput::default()
        };
        // A move also removes any weights (the end of an interrupted rollout).
        let landed = Landed::AliasRouting {
            name: alias.to_owned(),
            version: version.to_owned(),
            routing: BTreeMap::new(),
        };
        let api = self.api.clone();
        let moved = self
            .mutate(
                "UpdateAlias",
                Guard::Stable,
                Some(&landed),
                move |_function_rev| {
                    let api = api.clone();
                    let input = input.clone();
                    Box::pin(async move { api.update_alias(input).await })
                },
            )
            .await;
        match moved {
            Ok(_) => Ok(()),
            Err(Stop::Stale {
                live_revision_id,
                last_modified,
                message: _,
            }) => Err(Stop::Stale {
                live_revision_id,
                last_modified,
                message: format!(
                    "alias `{alias}` was moved by someone else since it was read (UpdateAlias got 412 PreconditionFailed); not moving it"
                ),
            }),
            Err(other) => Err(other),
        }
    }

    /// The function's ARN from the last read, else from a wait until stable.
    pub(crate) async fn arn(&mut self) -> Result<String, Stop> {
        if let Some(arn) = &self.arn {
            return Ok(arn.clone());
        }
        Ok(self.wait_for(Goal::Stable).await?.arn)
    }

    async fn tag_resource(&mut self, tags: &BTreeMap<String, String>) -> Result<(), Stop> {
        let arn = self.arn().await?;
        let api = self.api.clone();
        let tags_in = tags.clone();
        self.mutate(
            "TagResource",
            Guard::None,
            Some(&Landed::Tags(tags.clone())),
            move |_| {
                let api = api.clone();
                let arn = arn.clone();
                let tags = tags_in.clone();
                Box::pin(async move { api.tag_resource(&arn, tags).await })
            },
        )
        .await?;
        Ok(())
    }

    async fn untag_resource(&mut self, keys: &[String]) -> Result<(), Stop> {
        let arn = self.arn().await?;
        let api = self.api.clone();
        let keys_in = keys.to_vec();
        self.mutate(
            "UntagResource",
            Guard::None,
            Some(&Landed::Untagged(keys.to_vec())),
            move |_| {
                let api = api.clone();
                let arn = arn.clone();
                let keys = keys_in.clone();
                Box::pin(async move { api.untag_resource(&arn, keys).await })
            },
        )
        .await?;
        Ok(())
    }

    async fn put_concurrency(&mut self, reserved: u32) -> Result<(), Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        self.mutate(
            "PutFunctionConcurrency",
            Guard::None,
            Some(&Landed::Concurrency(Some(reserved))),
            move |_| {
                let api = api.clone();
                let name = name.clone();
                Box::pin(async move { api.put_function_concurrency(&name, reserved).await })
            },
        )
        .await?;
        Ok(())
    }

    async fn delete_concurrency(&mut self) -> Result<(), Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        self.mutate(
            "DeleteFunctionConcurrency",
            Guard::None,
            Some(&Landed::Concurrency(None)),
            move |_| {
                let api = api.clone();
                let name = name.clone();
                Box::pin(async move { api.delete_function_concurrency(&name).await })
            },
        )
        .await?;
        Ok(())
    }
}

/// What one of Flotilla's own updates changed, for the check after it settled.
enum Change<'a> {
    /// New code (with the `CodeSha256` sent or answered, when known) and architecture.
    Code(Option<String>),
    /// These configuration fields.
    Config(&'a UpdateConfigInput),
    /// Nothing on `$LATEST` (PublishVersion).
    Nothing,
}

/// An update Lambda reported successful but whose values the function does not show:
/// calling that converged would only make the next plan show the change again.
fn not_applied(op: &str, fields: &[String]) -> Stop {
    Stop::Failed(FailureCause::NotApplied {
        operation: op.to_owned(),
        fields: fields.to_vec(),
    })
}
