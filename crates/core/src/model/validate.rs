//! Raw manifest → [`Model`]: merging layers, interpolating, and checking every Lambda
//! limit. Every problem is collected with the position of the node it is about.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::manifest::Problem;
use crate::manifest::interpolate::{Context, InterpolationError, interpolate};
use crate::manifest::node::Pos;
use crate::manifest::raw::{RawArchitecture, RawArtifact, RawManifest, RawSettings, Sp};
use flotilla_cloud::lambda::{Architecture, FunctionConfig};

use super::EnvSource;
use super::layers::Layers;
use super::{
    AccountId, AliasName, EphemeralStorageMb, Function, FunctionKey, FunctionName, Limits,
    MemoryMb, Region,
};

/// Inputs of validation other than the manifest itself.
pub(crate) struct Input<'a> {
    pub environment: Option<&'a str>,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub manifest_dir: &'a Path,
    /// Accept unset `from_env` variables (recording them) instead of failing.
    pub lenient_from_env: bool,
}

/// Shared state while validating one manifest for one environment.
pub(crate) struct Validator<'a> {
    pub input: Input<'a>,
    pub raw: &'a RawManifest,
    pub problems: &'a mut Vec<Problem>,
    pub vars: BTreeMap<String, String>,
    /// `from_env` variables that were unset (only with `lenient_from_env`).
    pub unset_from_env: BTreeSet<String>,
    /// What is allowed but probably not meant (a public permission), for `validate`.
    pub warnings: Vec<Problem>,
}

/// What validation produces when nothing is wrong.
pub(crate) struct Validated {
    pub limits: Limits,
    /// `project:`, when the manifest sets it.
    pub project: Option<String>,
    pub functions: Vec<Function>,
}

impl<'a> Validator<'a> {
    pub(crate) fn push(&mut self, p: Problem) {
        self.problems.push(p);
    }

    /// Records a warning: allowed, but probably not meant.
    pub(crate) fn warn(&mut self, p: Problem) {
        self.warnings.push(p);
    }

    /// Interpolates a positioned string, reporting failure at its node.
    pub(crate) fn text(&mut self, s: &Sp<String>, ctx: &Context<'_>, path: &str) -> Option<String> {
        match interpolate(&s.value, ctx) {
            Ok(v) => Some(v),
            Err(e) => {
                self.interp_problem(s.pos, &e, path);
                None
            }
        }
    }

    fn interp_problem(&mut self, pos: Pos, e: &InterpolationError, path: &str) {
        let label = match e {
            InterpolationError::EnvUnset(_) => "variable not set",
            _ => "cannot interpolate",
        };
        self.push(Problem::new(pos, format!("`{path}`: {e}"), label).help(e.help()));
    }

    pub(crate) fn bounded<T>(
        &mut self,
        v: Option<&Sp<u32>>,
        default: u32,
        new: impl Fn(u32) -> Result<T, super::OutOfRange>,
        path: &str,
        what: &str,
    ) -> Option<T> {
        let (value, pos) = v.map_or((default, None), |s| (s.value, Some(s.pos)));
        match new(value) {
            Ok(t) => Some(t),
            Err(e) => {
                let pos = pos.unwrap_or(Pos::START);
                self.push(
                    Problem::new(
                        pos,
                        format!(
                            "`{path}` is {value}: {what} must be {}–{} {}",
                            e.min, e.max, e.unit
                        ),
                        format!("outside {}–{} {}", e.min, e.max, e.unit),
                    )
                    .help(format!(
                        "Lambda accepts {what} from {} to {} {}",
                        e.min, e.max, e.unit
                    )),
                );
                None
            }
        }
    }

    /// Every name under `functions.F.environments` must be one of the manifest's
    /// environments: a typo would otherwise be an override that never applies.
    fn function_environment_names(
        &mut self,
        key: &Sp<String>,
        function: &crate::manifest::raw::RawFunction,
    ) {
        let known: Vec<&str> = self
            .raw
            .environments
            .iter()
            .flat_map(|e| &e.0)
            .map(|(name, _)| name.value.as_str())
            .collect();
        for (name, _) in function.environments.iter().flat_map(|e| &e.0) {
            if known.contains(&name.value.as_str()) {
                continue;
            }
            let help = match crate::manifest::suggest(&name.value, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? (environments: {})", known.join(", ")),
                None if known.is_empty() => {
                    "this manifest defines no `environments`; add it under `environments:` or put the settings on the function itself".to_owned()
                }
                None => format!("environments: {}", known.join(", ")),
            };
            self.push(
                Problem::new(
                    name.pos,
                    format!(
                        "`functions.{}.environments.{}` names no environment of this manifest",
                        key.value, name.value
                    ),
                    "unknown environment",
                )
                .help(help),
            );
        }
    }

    /// Validates the whole manifest for the chosen environment.
    pub(crate) fn run(&mut self) -> Option<Validated> {
        let raw = self.raw;
        match &raw.version {
            Some(v) if v.value == 1 => {}
            Some(v) => self.push(
                Problem::new(
                    v.pos,
                    format!(
                        "manifest `version` is {}, but this Flotilla reads version 1",
                        v.value
                    ),
                    "unsupported version",
                )
                .help("write `version: 1`"),
            ),
            None if raw.unreadable.contains("version") => {}
            None => self.push(
                Problem::new(
                    Pos::START,
                    "manifest has no `version`",
                    "missing `version: 1`",
                )
                .help("start the manifest with `version: 1`"),
            ),
        }
        let limits = self.limits();
        let project = self.project();
        let env_settings = self.environment_settings();
        let functions = match &raw.functions {
            Some(f) if !f.0.is_empty() => f,
            _ => {
                if !raw.unreadable.iter().any(|p| p.starts_with("functions")) {
                    self.push(
                        Problem::new(
                            raw.key_positions
                                .get("functions")
                                .copied()
                                .unwrap_or(Pos::START),
                            "manifest has no functions",
                            "no functions here",
                        )
                        .help("add a `functions:` mapping with at least one function"),
                    );
                }
                return None;
            }
        };
        let mut out = Vec::new();
        let mut deps = Vec::new();
        for (key, function) in &functions.0 {
            self.function_environment_names(key, function);
            let function_environment = self.input.environment.and_then(|env| {
                function
                    .environments
                    .iter()
                    .flat_map(|e| &e.0)
                    .find(|(name, _)| name.value == env)
                    .map(|(_, settings)| settings)
            });
            let layers = Layers {
                defaults: raw.defaults.as_ref(),
                environment: env_settings,
                function: &function.settings,
                function_environment,
            };
            deps.push((
                key.value.clone(),
                function.depends_on.clone().unwrap_or_default(),
            ));
            if let Some(f) = self.function(key, function, &layers) {
                out.push(f);
            }
        }
        super::graph::check(&deps, self.problems);
        self.one_role_per_account(&out);
        let out: Vec<Function> = out.into_iter().map(|(f, _)| f).collect();
        self.duplicate_names(&out, functions);
        Some(Validated {
            limits,
            project,
            functions: out,
        })
    }

    /// `project:` must fit a tag value: it becomes `flotilla:manifest` on every function.
    fn project(&mut self) -> Option<String> {
        let p = self.raw.project.as_ref()?;
        let ok = !p.value.is_empty()
            && p.value.chars().count() <= super::MAX_TAG_VALUE
            && p.value.chars().all(super::is_tag_value_char);
        if !ok {
            self.push(
                Problem::new(
                    p.pos,
                    format!("`project` is `{}`, which a tag value cannot hold", p.value),
                    "invalid project",
                )
                .help("use 1–256 ASCII letters, digits, spaces and `_ . : / = + - @`, e.g. `payments/deploy.yaml`"),
            );
            return None;
        }
        Some(p.value.clone())
    }

    fn limits(&mut self) -> Limits {
        let mut limits = Limits::default();
        if let Some(l) = &self.raw.limits {
            for (value, slot, path) in [
                (
                    &l.mutating_per_second,
                    &mut limits.mutating_per_second,
                    "limits.mutating_per_second",
                ),
                (
                    &l.get_function_per_second,
                    &mut limits.get_function_per_second,
                    "limits.get_function_per_second",
                ),
            ] {
                if let Some(v) = value {
                    if Limits::is_valid_rate(v.value) {
                        *slot = v.value;
                    } else {
                        self.problems.push(
                            Problem::new(
                                v.pos,
                                format!(
                                    "`{path}` must be a number of calls per second, at least {}",
                                    Limits::MIN_PER_SECOND
                                ),
                                format!("not a rate of at least {}/s", Limits::MIN_PER_SECOND),
                            )
                            .help(
                                "e.g. `15` (Lambda's quota) or lower to leave room for other tools",
                            ),
                        );
                    }
                }
            }
        }
        limits
    }

    /// The chosen environment's settings and variables (the caller checked it exists).
    fn environment_settings(&mut self) -> Option<&'a RawSettings> {
        let name = self.input.environment?;
        let envs = self.raw.environments.as_ref()?;
        let (_, env) = envs.0.iter().find(|(k, _)| k.value == name)?;
        if let Some(vars) = &env.variables {
            let empty = BTreeMap::new();
            let ctx = Context {
                stage: Some(name),
                account: None,
                region: None,
                vars: &empty,
                env: self.input.env,
            };
            for (k, v) in &vars.0 {
                if let Some(value) = self.text(
                    v,
                    &ctx,
                    &format!("environments.{name}.variables.{}", k.value),
                ) {
                    self.vars.insert(k.value.clone(), value);
                }
            }
        }
        Some(&env.settings)
    }

    fn placement(
        &mut self,
        layers: &Layers<'a>,
        key: &Sp<String>,
        path: &str,
    ) -> (Option<AccountId>, Option<Region>) {
        let ctx = Context {
            stage: self.input.environment,
            account: None,
            region: None,
            vars: &self.vars.clone(),
            env: self.input.env,
        };
        let account = layers.pick_placement(|s| s.account.as_ref()).and_then(|a| {
            let v = self.text(a, &ctx, &format!("{path}.account"))?;
            AccountId::new(v)
                .map_err(|e| {
                    self.push(Problem::new(a.pos, e, "not an account id").help(
                        "an AWS account id is 12 digits, written in quotes: \"123456789012\"",
                    ))
                })
                .ok()
        });
        let region_src = layers.pick_placement(|s| s.region.as_ref());
        let region = match region_src {
            Some(r) => self
                .text(r, &ctx, &format!("{path}.region"))
                .map(|v| (v, r.pos)),
            None => {
                let from_env = (self.input.env)("AWS_REGION")
                    .or_else(|| (self.input.env)("AWS_DEFAULT_REGION"));
                if from_env.is_none() {
                    self.push(
                        Problem::new(key.pos, format!("function `{}` has no region", key.value), "no region")
                            .help("set `region:` in `defaults`, on the environment or on the function (or export AWS_REGION)"),
                    );
                }
                from_env.map(|v| (v, key.pos))
            }
        };
        let region = region.and_then(|(v, pos)| {
            Region::new(v)
                .map_err(|e| {
                    self.push(
                        Problem::new(pos, e, "not a region")
                            .help("write a region code such as `eu-north-1` or `us-east-1`"),
                    )
                })
                .ok()
        });
        (account, region)
    }

    fn function(
        &mut self,
        key: &Sp<String>,
        f: &'a crate::manifest::raw::RawFunction,
        layers: &Layers<'a>,
    ) -> Option<(Function, Option<&'a Sp<String>>)> {
        let path = format!("functions.{}", key.value);
        let p = |k: &str| format!("{path}.{k}");
        let unreadable = |k: &str| self.raw.unreadable.contains(&p(k));
        let (account, region) = self.placement(layers, key, &path);
        let vars = self.vars.clone();
        let role_ctx = Context {
            stage: self.input.environment,
            account: account.as_ref().map(AccountId::as_str),
            region: region.as_ref().map(Region::as_str),
            vars: &vars,
            env: self.input.env,
        };
        let assume_role = self.assume_role(layers, &role_ctx, account.as_ref(), &path);
        // Without an `account`, the assumed role's account is where the function lives.
        let account = account.or_else(|| match &assume_role {
            Ok(Some((r, _))) => AccountId::new(r.role_arn.account()).ok(),
            _ => None,
        });
        let account_str = account.as_ref().map(|a| a.as_str().to_owned());
        let region_str = region.as_ref().map(|r| r.as_str().to_owned());
        let ctx = Context {
            stage: self.input.environment,
            account: account_str.as_deref(),
            region: region_str.as_deref(),
            vars: &vars,
            env: self.input.env,
        };

        let name_src = f.name.clone().unwrap_or_else(|| key.clone());
        let name = self.text(&name_src, &ctx, &p("name")).and_then(|n| {
            FunctionName::new(n).map_err(|e| {
                self.push(Problem::new(name_src.pos, e, "invalid function name").help("after interpolation a Lambda function name is 1–64 letters, digits, `-` or `_`"));
            }).ok()
        });

        let role = match layers.pick(|s| s.role.as_ref()) {
            Some(r) => self.text(r, &ctx, &p("role")).and_then(|v| {
                if v.starts_with("arn:") {
                    Some(v)
                } else {
                    self.push(
                        Problem::new(
                            r.pos,
                            format!("`{}` is `{v}`, not an IAM role ARN", p("role")),
                            "not an ARN",
                        )
                        .help(
                            "write the role's ARN, e.g. arn:aws:iam::${account}:role/my-function",
                        ),
                    );
                    None
                }
            }),
            None => {
                if !unreadable("role") {
                    self.push(
                        Problem::new(
                            key.pos,
                            format!("function `{}` has no `role`", key.value),
                            "no role",
                        )
                        .help("set `role:` (an IAM role ARN) on the function or in `defaults`"),
                    );
                }
                None
            }
        };
        // `defaults` and environments may set a runtime and handler for the zip
        // functions; an image function ignores those and may not set its own.
        let is_image = matches!(
            f.artifact.as_ref().map(|a| &a.value),
            Some(RawArtifact::Image(_))
        );
        let (runtime_src, handler_src) = if is_image {
            (f.settings.runtime.as_ref(), f.settings.handler.as_ref())
        } else {
            (
                layers.pick(|s| s.runtime.as_ref()),
                layers.pick(|s| s.handler.as_ref()),
            )
        };
        let runtime = runtime_src
            .filter(|_| !is_image)
            .and_then(|r| self.text(r, &ctx, &p("runtime")));
        let handler = handler_src
            .filter(|_| !is_image)
            .and_then(|h| self.text(h, &ctx, &p("handler")));
        // Present but empty is as missing: Lambda requires both for a zip function.
        for (value, src, field, example) in [
            (&runtime, runtime_src, "runtime", "python3.12"),
            (&handler, handler_src, "handler", "app.handler"),
        ] {
            if let (Some(v), Some(src)) = (value, src)
                && v.trim().is_empty()
            {
                self.push(
                    Problem::new(src.pos, format!("`{}` is empty", p(field)), "empty")
                        .help(format!("a zip function needs a {field}, e.g. `{example}`")),
                );
            }
        }
        let description = match layers.pick(|s| s.description.as_ref()) {
            Some(d) => self.text(d, &ctx, &p("description")).unwrap_or_default(),
            None => String::new(),
        };
        if description.chars().count() > 256
            && let Some(d) = layers.pick(|s| s.description.as_ref())
        {
            self.push(
                Problem::new(
                    d.pos,
                    format!("`{}` is longer than 256 characters", p("description")),
                    "too long",
                )
                .help("shorten the description to at most 256 characters"),
            );
        }
        let architecture = match layers.pick(|s| s.architecture.as_ref()).map(|a| a.value) {
            Some(RawArchitecture::Arm64) => Architecture::Arm64,
            Some(RawArchitecture::X86_64) | None => Architecture::X86_64,
        };
        let memory = self.bounded(
            layers.pick(|s| s.memory.as_ref()),
            MemoryMb::MIN,
            MemoryMb::new,
            &p("memory"),
            "memory",
        );
        let ephemeral_storage = self.bounded(
            layers.pick(|s| s.ephemeral_storage.as_ref()),
            EphemeralStorageMb::MIN,
            EphemeralStorageMb::new,
            &p("ephemeral_storage"),
            "ephemeral storage",
        );
        let timeout = self.timeout(layers, &p("timeout"));
        let (environment, sensitive_keys, environment_sources) =
            self.environment(layers, &ctx, key, &p("environment"));
        let layer_arns = self.layer_list(layers, &ctx, &p("layers"), is_image);
        let options = self.function_options(layers, &ctx, &path, is_image, runtime.as_deref());
        let structured = self.structured_options(
            layers,
            &ctx,
            &path,
            is_image,
            name.as_ref().map(FunctionName::as_str),
        );
        let mut tags = BTreeMap::new();
        for (k, v) in layers.merge(|s| s.tags.as_ref()) {
            let tag_path = format!("{}.{}", p("tags"), k.value);
            if k.value.is_empty() || k.value.chars().count() > 128 || k.value.starts_with("aws:") {
                self.push(
                    Problem::new(
                        k.pos,
                        format!("tag key `{tag_path}` is not allowed"),
                        "invalid tag key",
                    )
                    .help("tag keys are 1–128 characters and must not start with `aws:`"),
                );
                continue;
            }
            if k.value.starts_with(super::RESERVED_TAG_PREFIX) {
                self.push(
                    Problem::new(
                        k.pos,
                        format!("tag key `{tag_path}` uses the reserved prefix `flotilla:`"),
                        "reserved tag key",
                    )
                    .help("Flotilla sets `flotilla:manifest` and `flotilla:env` itself (see `project:`); rename the tag"),
                );
                continue;
            }
            if let Some(value) = self.text(&Sp::new(v.value.0.clone(), v.pos), &ctx, &tag_path) {
                if value.chars().count() > 256 {
                    self.push(
                        Problem::new(
                            v.pos,
                            format!("tag `{tag_path}` is longer than 256 characters"),
                            "tag value too long",
                        )
                        .help("shorten the value to at most 256 characters"),
                    );
                    continue;
                }
                tags.insert(k.value.clone(), value);
            }
        }
        let reserved_concurrency = layers
            .pick(|s| s.reserved_concurrency.as_ref())
            .map(|r| r.value);
        let publish = layers.pick(|s| s.publish.as_ref()).is_some_and(|b| b.value);
        let alias = layers.pick(|s| s.alias.as_ref()).and_then(|a| {
            let v = self.text(a, &ctx, &p("alias"))?;
            if !publish {
                self.push(Problem::new(a.pos, format!("`{}` needs `publish: true`", p("alias")), "alias without publish").help("an alias points at a published version; add `publish: true` or remove the alias"));
            }
            AliasName::new(v).map_err(|e| self.push(Problem::new(a.pos, e, "invalid alias").help("an alias is 1–128 letters, digits, `-` or `_`, and not all digits"))).ok()
        });
        let upload_setting = layers.pick(|s| s.upload.as_ref());
        let artifact = self.artifact(
            f,
            &ctx,
            key,
            &path,
            runtime_src,
            handler_src,
            upload_setting,
        );
        let retry = self.retry(layers, &path);
        let wait = self.wait(layers, &path);
        let rollout = self.rollout(layers, &path, publish, alias.is_some());
        let around = self.around(layers, &path, &ctx, publish);
        let provisioned_concurrency = self.provisioned_concurrency(
            layers,
            &path,
            publish,
            layers.pick(|s| s.alias.as_ref()).is_some(),
            reserved_concurrency,
        );
        let permissions = self.permissions(layers, &ctx, &path);
        let around_async = self.around_async(layers, &ctx, &path, is_image);
        let code_signing = self.code_signing(layers, &ctx, &path, is_image);
        let url = self.function_url(layers, &ctx, &path);
        let url = match (&permissions, url) {
            (Some(p), Some(u)) => self.url_sids_clash(layers, &path, p, &u).map(|()| u),
            (_, u) => u,
        };
        let depends_on = f
            .depends_on
            .iter()
            .flatten()
            .map(|d| FunctionKey(d.value.clone()))
            .collect();
        let paths = self.paths(f, &path);

        let (assume_role, role_src) = match assume_role.ok()? {
            Some((r, src)) => (Some(r), Some(src)),
            None => (None, None),
        };
        let artifact = artifact?;
        let options = options?;
        let structured = structured?;
        let function = Function {
            key: FunctionKey(key.value.clone()),
            name: name?,
            account,
            assume_role,
            region: region?,
            config: FunctionConfig {
                role: role?,
                runtime,
                handler,
                description,
                memory_mb: memory?.get(),
                timeout_s: timeout?.get(),
                ephemeral_storage_mb: ephemeral_storage?.get(),
                architecture,
                environment: environment?,
                layers: layer_arns?,
                package_type: super::types::package_type(&artifact),
                tracing: options.tracing,
                kms_key: options.kms_key,
                dead_letter: options.dead_letter,
                snap_start: options.snap_start,
                vpc: structured.vpc,
                logging: structured.logging,
                file_systems: structured.file_systems,
                image_config: structured.image_config,
            },
            left_alone: options.left_alone,
            sensitive_keys,
            environment_sources,
            tags,
            reserved_concurrency,
            provisioned_concurrency,
            publish,
            alias,
            artifact,
            retry: retry?,
            wait: wait?,
            rollout: rollout.ok()?,
            around: around.ok()?,
            permissions: permissions?,
            around_async: around_async?,
            code_signing: code_signing?,
            url: url?,
            depends_on,
            paths: paths?,
        };
        Some((function, role_src))
    }

    /// Problems found so far name `unreadable` paths; used to avoid double reports.
    pub(crate) fn unreadable(&self, path: &str) -> bool {
        self.raw.unreadable.contains(path)
    }
}

/// Keys the `environment` and `sensitive` bookkeeping returns.
pub(crate) type EnvOut = (
    Option<BTreeMap<String, String>>,
    BTreeSet<String>,
    BTreeMap<String, EnvSource>,
);
