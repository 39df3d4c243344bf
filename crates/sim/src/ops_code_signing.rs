//! Code signing configurations (`/2020-04-22/code-signing-configs`: Create, Get, List,
//! Update, Delete) and a function's use of one
//! (`/2020-06-30/functions/{FunctionName}/code-signing-config`: Put, Get, Delete).
//!
//! The emulator stores the allowed signing profiles and the policy but verifies no
//! signature: code is deployed whatever `UntrustedArtifactOnDeployment` says.

use std::collections::BTreeMap;

use rand::Rng;
use serde_json::{Value, json};

use flotilla_cloud::lambda::{ApiOp, PackageType, is_code_signing_config_arn};

use crate::Sim;
use crate::http::routes::{LambdaRequest, Reply, only_members};
use crate::state::{SimError, parse_function_ref};
use crate::world::{Call, World};

/// Most signing profile versions one configuration allows.
const MAX_PROFILES: usize = 20;

/// One code signing configuration.
#[derive(Debug, Clone)]
pub(crate) struct CodeSigningConfig {
    pub id: String,
    pub arn: String,
    pub description: String,
    pub profiles: Vec<String>,
    /// `Warn` (Lambda's default) or `Enforce`.
    pub untrusted: String,
    pub last_modified: String,
}

/// Every configuration, by account, region and ARN.
#[derive(Debug, Default)]
pub(crate) struct CodeSigningStore {
    configs: BTreeMap<(String, String), BTreeMap<String, CodeSigningConfig>>,
}

/// The members CreateCodeSigningConfig and UpdateCodeSigningConfig take.
#[derive(Debug, Clone, Default)]
pub(crate) struct CodeSigningInput {
    pub description: Option<String>,
    pub profiles: Option<Vec<String>>,
    pub untrusted: Option<String>,
}

fn not_found(arn: &str) -> SimError {
    SimError::not_found(format!(
        "The resource you requested does not exist. (Service: Lambda, Code signing configuration: {arn})"
    ))
}

fn csc_not_found(arn: &str) -> SimError {
    SimError::new(
        404,
        "CodeSigningConfigNotFoundException",
        format!(
            "The code signing configuration cannot be found. Check that the provided configuration is not deleted: {arn}."
        ),
    )
}

fn check_arn(arn: &str) -> Result<(), SimError> {
    if is_code_signing_config_arn(arn) {
        return Ok(());
    }
    Err(SimError::invalid(format!(
        "1 validation error detected: Value '{arn}' at 'codeSigningConfigArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}:\\d{{12}}:code-signing-config:csc-[a-z0-9]{{17}}"
    )))
}

fn check_input(input: &CodeSigningInput) -> Result<(), SimError> {
    if let Some(d) = &input.description
        && d.chars().count() > 256
    {
        return Err(SimError::invalid(
            "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 256",
        ));
    }
    if let Some(p) = &input.profiles {
        if p.is_empty() || p.len() > MAX_PROFILES {
            return Err(SimError::invalid(format!(
                "1 validation error detected: Value '[{}]' at 'allowedPublishers.signingProfileVersionArns' failed to satisfy constraint: Member must have length between 1 and 20",
                p.join(", ")
            )));
        }
        if let Some(bad) = p.iter().find(|a| !is_signing_profile_version_arn(a)) {
            return Err(SimError::invalid(format!(
                "Signing profile version ARN {bad} is not valid: expected arn:aws:signer:REGION:ACCOUNT:/signing-profiles/NAME/VERSION."
            )));
        }
    }
    if let Some(u) = &input.untrusted
        && u != "Warn"
        && u != "Enforce"
    {
        return Err(SimError::invalid(format!(
            "1 validation error detected: Value '{u}' at 'codeSigningPolicies.untrustedArtifactOnDeployment' failed to satisfy constraint: Member must satisfy enum value set: [Warn, Enforce]"
        )));
    }
    Ok(())
}

/// `arn:aws*:signer:REGION:ACCOUNT:/signing-profiles/NAME/VERSION`.
fn is_signing_profile_version_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ["arn", partition, "signer", region, account, resource] = parts.as_slice() else {
        return false;
    };
    let profile: Vec<&str> = resource.split('/').collect();
    partition.starts_with("aws")
        && !region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && matches!(profile.as_slice(), ["", "signing-profiles", name, version] if !name.is_empty() && !version.is_empty())
}

impl World {
    fn csc_region(&mut self, call: &Call<'_>) -> &mut BTreeMap<String, CodeSigningConfig> {
        self.code_signing
            .configs
            .entry((call.account.to_owned(), call.region.to_owned()))
            .or_default()
    }

    /// Whether the configuration `arn` exists where `call` is made.
    pub(crate) fn code_signing_config_exists(&mut self, call: &Call<'_>, arn: &str) -> bool {
        self.csc_region(call).contains_key(arn)
    }

    /// CreateCodeSigningConfig.
    pub(crate) fn create_code_signing_config(
        &mut self,
        call: &Call<'_>,
        input: CodeSigningInput,
    ) -> Result<CodeSigningConfig, SimError> {
        let Some(profiles) = input.profiles.clone() else {
            return Err(SimError::invalid("AllowedPublishers is required."));
        };
        check_input(&input)?;
        let n: u128 = self.env.rng.random();
        let id = format!("csc-{:017x}", n & ((1u128 << 68) - 1));
        let arn = format!(
            "arn:aws:lambda:{}:{}:code-signing-config:{id}",
            call.region, call.account
        );
        let config = CodeSigningConfig {
            id,
            arn: arn.clone(),
            description: input.description.unwrap_or_default(),
            profiles,
            untrusted: input.untrusted.unwrap_or_else(|| "Warn".to_owned()),
            last_modified: self.env.last_modified(call.now),
        };
        self.csc_region(call).insert(arn, config.clone());
        Ok(config)
    }

    /// GetCodeSigningConfig.
    pub(crate) fn get_code_signing_config(
        &mut self,
        call: &Call<'_>,
        arn: &str,
    ) -> Result<CodeSigningConfig, SimError> {
        check_arn(arn)?;
        self.csc_region(call)
            .get(arn)
            .cloned()
            .ok_or_else(|| not_found(arn))
    }

    /// ListCodeSigningConfigs: every configuration, in ARN order.
    pub(crate) fn list_code_signing_configs(&mut self, call: &Call<'_>) -> Vec<CodeSigningConfig> {
        self.csc_region(call).values().cloned().collect()
    }

    /// UpdateCodeSigningConfig: the members given replace the stored ones.
    pub(crate) fn update_code_signing_config(
        &mut self,
        call: &Call<'_>,
        arn: &str,
        input: CodeSigningInput,
    ) -> Result<CodeSigningConfig, SimError> {
        check_arn(arn)?;
        check_input(&input)?;
        let now = self.env.last_modified(call.now);
        let config = self
            .csc_region(call)
            .get_mut(arn)
            .ok_or_else(|| not_found(arn))?;
        if let Some(d) = input.description {
            config.description = d;
        }
        if let Some(p) = input.profiles {
            config.profiles = p;
        }
        if let Some(u) = input.untrusted {
            config.untrusted = u;
        }
        config.last_modified = now;
        Ok(config.clone())
    }

    /// DeleteCodeSigningConfig: 409 while a function uses it.
    pub(crate) fn delete_code_signing_config(
        &mut self,
        call: &Call<'_>,
        arn: &str,
    ) -> Result<(), SimError> {
        check_arn(arn)?;
        if !self.csc_region(call).contains_key(arn) {
            return Err(not_found(arn));
        }
        let users = self.functions_using(call, arn);
        if let Some(first) = users.first() {
            return Err(SimError::conflict(format!(
                "The code signing configuration {arn} cannot be deleted because it is used by {} function(s), e.g. {first}.",
                users.len()
            )));
        }
        self.csc_region(call).remove(arn);
        Ok(())
    }

    fn functions_using(&self, call: &Call<'_>, arn: &str) -> Vec<String> {
        self.regions
            .get(call.account, call.region)
            .map(|fs| {
                fs.values()
                    .filter(|f| f.code_signing_config.as_deref() == Some(arn))
                    .map(|f| f.arn.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// PutFunctionCodeSigningConfig on the unqualified function.
    pub(crate) fn put_function_code_signing_config(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        arn: &str,
    ) -> Result<(String, String), SimError> {
        let name = unqualified(reference)?;
        check_arn(arn)?;
        if !self.code_signing_config_exists(call, arn) {
            return Err(csc_not_found(arn));
        }
        let (record, _) = self.function_mut(call, &name)?;
        if record.config.package_type == PackageType::Image {
            return Err(SimError::invalid(
                "Code signing is not supported for container image functions.",
            ));
        }
        record.code_signing_config = Some(arn.to_owned());
        Ok((arn.to_owned(), name))
    }

    /// GetFunctionCodeSigningConfig: an empty ARN when the function has none.
    pub(crate) fn get_function_code_signing_config(
        &mut self,
        call: &Call<'_>,
        reference: &str,
    ) -> Result<(String, String), SimError> {
        let name = unqualified(reference)?;
        let (record, _) = self.function_mut(call, &name)?;
        Ok((record.code_signing_config.clone().unwrap_or_default(), name))
    }

    /// DeleteFunctionCodeSigningConfig (no configuration: nothing to do).
    pub(crate) fn delete_function_code_signing_config(
        &mut self,
        call: &Call<'_>,
        reference: &str,
    ) -> Result<(), SimError> {
        let name = unqualified(reference)?;
        let (record, _) = self.function_mut(call, &name)?;
        record.code_signing_config = None;
        Ok(())
    }

    /// CreateFunction's `CodeSigningConfigArn`: well formed, and the configuration exists.
    pub(crate) fn check_create_code_signing(
        &mut self,
        call: &Call<'_>,
        arn: Option<&str>,
        package_type: PackageType,
    ) -> Result<(), SimError> {
        let Some(arn) = arn else {
            return Ok(());
        };
        check_arn(arn)?;
        if package_type == PackageType::Image {
            return Err(SimError::invalid(
                "Code signing is not supported for container image functions.",
            ));
        }
        if !self.code_signing_config_exists(call, arn) {
            return Err(csc_not_found(arn));
        }
        Ok(())
    }
}

/// The function a reference names; a qualifier is refused (Lambda's own answer).
fn unqualified(reference: &str) -> Result<String, SimError> {
    let (name, q) = parse_function_ref(reference);
    match q.as_deref() {
        None => Ok(name),
        Some(_) => Err(SimError::invalid(
            "Code signing configuration is set on the unqualified function; remove the qualifier.",
        )),
    }
}

/// `CodeSigningConfig` on Lambda's wire.
fn config_json(c: &CodeSigningConfig) -> Value {
    json!({
        "CodeSigningConfigId": c.id,
        "CodeSigningConfigArn": c.arn,
        "Description": c.description,
        "AllowedPublishers": { "SigningProfileVersionArns": c.profiles },
        "CodeSigningPolicies": { "UntrustedArtifactOnDeployment": c.untrusted },
        "LastModified": c.last_modified,
    })
}

/// Whether `segments` name one of this file's paths.
pub(crate) fn handles(segments: &[&str]) -> bool {
    matches!(
        segments,
        ["2020-04-22", "code-signing-configs"]
            | ["2020-04-22", "code-signing-configs", _]
            | ["2020-06-30", "functions", _, "code-signing-config"]
    )
}

/// The members of a Create or UpdateCodeSigningConfig body.
fn input(body: &Value, operation: &str) -> Result<CodeSigningInput, SimError> {
    only_members(
        body,
        operation,
        &["Description", "AllowedPublishers", "CodeSigningPolicies"],
    )?;
    let text = |v: Option<&Value>, what: &str| -> Result<Option<String>, SimError> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(SimError::invalid(format!("{what} must be a string"))),
        }
    };
    let profiles = match body.get("AllowedPublishers") {
        None | Some(Value::Null) => None,
        Some(p @ Value::Object(m)) => {
            only_members(p, operation, &["SigningProfileVersionArns"])?;
            match m.get("SigningProfileVersionArns") {
                Some(Value::Array(items)) => Some(
                    items
                        .iter()
                        .map(|i| {
                            i.as_str().map(str::to_owned).ok_or_else(|| {
                                SimError::invalid("SigningProfileVersionArns must be strings")
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                _ => {
                    return Err(SimError::invalid(
                        "AllowedPublishers.SigningProfileVersionArns is required.",
                    ));
                }
            }
        }
        Some(_) => return Err(SimError::invalid("AllowedPublishers must be an object")),
    };
    let untrusted = match body.get("CodeSigningPolicies") {
        None | Some(Value::Null) => None,
        Some(p @ Value::Object(m)) => {
            only_members(p, operation, &["UntrustedArtifactOnDeployment"])?;
            text(
                m.get("UntrustedArtifactOnDeployment"),
                "UntrustedArtifactOnDeployment",
            )?
        }
        Some(_) => return Err(SimError::invalid("CodeSigningPolicies must be an object")),
    };
    Ok(CodeSigningInput {
        description: text(body.get("Description"), "Description")?,
        profiles,
        untrusted,
    })
}

fn unknown(method: &str, what: &str) -> SimError {
    SimError::new(
        404,
        "UnknownOperationException",
        format!("Unknown operation: {method} {what}"),
    )
}

/// Routes the requests [`handles`] accepts.
pub(crate) async fn handle(sim: &Sim, req: &LambdaRequest<'_>) -> Reply {
    let (acct, region) = (req.account.as_str(), req.region.as_str());
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    match (req.method, segs.as_slice()) {
        ("POST", ["2020-04-22", "code-signing-configs"]) => {
            let input = input(&req.body, "CreateCodeSigningConfig")?;
            let config = sim
                .dispatch(
                    acct,
                    region,
                    ApiOp::CreateCodeSigningConfig,
                    None,
                    |w, c| w.create_code_signing_config(c, input),
                )
                .await?;
            Ok((
                201,
                Some(json!({ "CodeSigningConfig": config_json(&config) })),
            ))
        }
        ("GET", ["2020-04-22", "code-signing-configs"]) => {
            let max = match req.query_value("MaxItems") {
                None => 50,
                Some(m) => match m.parse::<usize>() {
                    Ok(n) if (1..=10_000).contains(&n) => n,
                    _ => {
                        return Err(SimError::invalid(format!(
                            "1 validation error detected: Value '{m}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000"
                        )));
                    }
                },
            };
            let marker = req.query_value("Marker").map(str::to_owned);
            let all = sim
                .dispatch(acct, region, ApiOp::ListCodeSigningConfigs, None, |w, c| {
                    Ok(w.list_code_signing_configs(c))
                })
                .await?;
            // The marker is the last ARN of the previous page.
            let start = match &marker {
                None => 0,
                Some(m) => match all.iter().position(|c| &c.arn == m) {
                    Some(i) => i + 1,
                    None => return Err(SimError::invalid(format!("Invalid Marker: {m}"))),
                },
            };
            let page: Vec<&CodeSigningConfig> = all.iter().skip(start).take(max).collect();
            let mut body = json!({
                "CodeSigningConfigs": page.iter().map(|c| config_json(c)).collect::<Vec<_>>(),
            });
            if start + page.len() < all.len()
                && let Some(last) = page.last()
            {
                body["NextMarker"] = json!(last.arn);
            }
            Ok((200, Some(body)))
        }
        (method, ["2020-04-22", "code-signing-configs", arn]) => {
            let arn = (*arn).to_owned();
            match method {
                "GET" => {
                    let config = sim
                        .dispatch(acct, region, ApiOp::GetCodeSigningConfig, None, |w, c| {
                            w.get_code_signing_config(c, &arn)
                        })
                        .await?;
                    Ok((
                        200,
                        Some(json!({ "CodeSigningConfig": config_json(&config) })),
                    ))
                }
                "PUT" => {
                    let input = input(&req.body, "UpdateCodeSigningConfig")?;
                    let config = sim
                        .dispatch(
                            acct,
                            region,
                            ApiOp::UpdateCodeSigningConfig,
                            None,
                            |w, c| w.update_code_signing_config(c, &arn, input),
                        )
                        .await?;
                    Ok((
                        200,
                        Some(json!({ "CodeSigningConfig": config_json(&config) })),
                    ))
                }
                "DELETE" => {
                    sim.dispatch(
                        acct,
                        region,
                        ApiOp::DeleteCodeSigningConfig,
                        None,
                        |w, c| w.delete_code_signing_config(c, &arn),
                    )
                    .await?;
                    Ok((204, None))
                }
                other => Err(unknown(other, "code-signing-configs")),
            }
        }
        (method, ["2020-06-30", "functions", reference, "code-signing-config"]) => {
            let reference = (*reference).to_owned();
            let short = parse_function_ref(&reference).0;
            match method {
                "PUT" => {
                    only_members(
                        &req.body,
                        "PutFunctionCodeSigningConfig",
                        &["CodeSigningConfigArn"],
                    )?;
                    let arn = match req.body.get("CodeSigningConfigArn") {
                        Some(Value::String(s)) => s.clone(),
                        _ => return Err(SimError::invalid("CodeSigningConfigArn is required.")),
                    };
                    let (arn, name) = sim
                        .dispatch(
                            acct,
                            region,
                            ApiOp::PutFunctionCodeSigningConfig,
                            Some(&short),
                            |w, c| w.put_function_code_signing_config(c, &reference, &arn),
                        )
                        .await?;
                    Ok((
                        200,
                        Some(json!({ "CodeSigningConfigArn": arn, "FunctionName": name })),
                    ))
                }
                "GET" => {
                    let (arn, name) = sim
                        .dispatch(
                            acct,
                            region,
                            ApiOp::GetFunctionCodeSigningConfig,
                            Some(&short),
                            |w, c| w.get_function_code_signing_config(c, &reference),
                        )
                        .await?;
                    Ok((
                        200,
                        Some(json!({ "CodeSigningConfigArn": arn, "FunctionName": name })),
                    ))
                }
                "DELETE" => {
                    sim.dispatch(
                        acct,
                        region,
                        ApiOp::DeleteFunctionCodeSigningConfig,
                        Some(&short),
                        |w, c| w.delete_function_code_signing_config(c, &reference),
                    )
                    .await?;
                    Ok((204, None))
                }
                other => Err(unknown(other, "code-signing-config")),
            }
        }
        (method, _) => Err(unknown(method, "code-signing-configs")),
    }
}
