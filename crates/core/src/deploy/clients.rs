//! One `LambdaApi` per account and region, from whatever [`Connector`] the caller gives
//! (the AWS SDK, or the in-process emulator).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use flotilla_cloud::alarms::Alarms;
use flotilla_cloud::lambda::{ApiError, LambdaApi};
use flotilla_cloud::s3::ObjectStore;
use flotilla_cloud::{CallerIdentityError, Connector};

use super::accounts::AccountError;
use super::roles::AccountRoles;
use crate::apply::ClientProvider;
use crate::artifact::Artifacts;
use crate::model::{AssumeRole, Model};
use crate::observe::Clients;

/// An account (`None`: the credentials' own) and a region.
type Target = (Option<String>, String);

/// Account → the role its clients assume and the connector that does it.
type Assumed = HashMap<Option<String>, (AssumeRole, Arc<dyn Connector>)>;

/// Fills a fresh backend with what the manifest implies before it is observed (the
/// local emulator's functions and layers). Called by the planner with the model and its
/// artifacts, once per plan.
pub trait Seed: Send + Sync {
    /// Creates what `model` needs in the backend.
    ///
    /// # Errors
    /// When the backend refuses a call.
    fn seed(&self, model: &Model, artifacts: &Artifacts) -> Result<(), ApiError>;
}

/// Hands out (and caches) one client per account and region.
///
/// Every account uses the base connector unless [`ClientSet::assume_roles`] named a role
/// for it: then every client of that account (one per region) shares one assumed,
/// cached and refreshed set of credentials. A connector without STS (the emulator)
/// ignores roles.
pub struct ClientSet {
    base: Arc<dyn Connector>,
    seed: Option<Arc<dyn Seed>>,
    assumed: Mutex<Assumed>,
    cache: Mutex<HashMap<Target, Arc<dyn LambdaApi>>>,
    /// The account each set of credentials acts in (key: the account whose role was
    /// assumed, `None` for the base credentials), asked once per set.
    callers: Mutex<HashMap<Option<String>, Option<String>>>,
}

impl ClientSet {
    /// Clients made by `connector`.
    pub fn new(connector: Arc<dyn Connector>) -> Self {
        Self {
            base: connector,
            seed: None,
            assumed: Mutex::new(HashMap::new()),
            cache: Mutex::new(HashMap::new()),
            callers: Mutex::new(HashMap::new()),
        }
    }

    /// The same, with a [`Seed`] run before each plan observes the fleet.
    #[must_use]
    pub fn with_seed(mut self, seed: Arc<dyn Seed>) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Runs the [`Seed`], if any.
    ///
    /// # Errors
    /// What the seed's backend refused.
    pub fn seed(&self, model: &Model, artifacts: &Artifacts) -> Result<(), ApiError> {
        self.seed
            .as_ref()
            .map_or(Ok(()), |seed| seed.seed(model, artifacts))
    }

    /// From now on, clients of each account in `roles` assume its role (accounts
    /// without one use the base credentials). Call before the first client of those
    /// accounts is handed out; an account already set to the same role keeps its
    /// credentials. No-op for a connector without STS.
    pub async fn assume_roles(&self, roles: &AccountRoles) {
        for (account, role, region) in roles.roles() {
            let key = account.map(str::to_owned);
            let current = self.lock_assumed().get(&key).map(|(r, _)| r.clone());
            if current.as_ref() == Some(role) {
                continue;
            }
            let Some(connector) = self
                .base
                .assuming(role, roles.environment.as_deref(), region)
                .await
            else {
                return;
            };
            self.lock_assumed()
                .insert(key.clone(), (role.clone(), connector));
            self.cache
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .retain(|(a, _), _| *a != key);
        }
    }

    /// Confirms, through STS `GetCallerIdentity` (once per set of credentials), that the
    /// clients of every account in `roles` act in that account: the assumed role's for an
    /// account with `assume_role`, the base credentials' otherwise. Call after
    /// [`assume_roles`](Self::assume_roles). Functions without an `account` are not
    /// checked; a backend that serves any account (the emulator) has nothing to check.
    ///
    /// # Errors
    /// The first account whose credentials act elsewhere, or whose identity STS could
    /// not tell.
    pub async fn check_accounts(&self, roles: &AccountRoles) -> Result<(), AccountError> {
        for (account, (_, region)) in &roles.accounts {
            let Some(expected) = account else { continue };
            let assumed = self
                .lock_assumed()
                .get(account)
                .map(|(role, c)| (role.clone(), Arc::clone(c)));
            let key = assumed.as_ref().map(|_| expected.clone());
            let known = self.lock_callers().get(&key).cloned();
            let actual = match known {
                Some(actual) => actual,
                None => {
                    let connector = assumed.as_ref().map_or(&self.base, |(_, c)| c);
                    match connector.caller_account(region).await {
                        Ok(actual) => {
                            self.lock_callers().insert(key, actual.clone());
                            actual
                        }
                        // A role that cannot be assumed is reported by the first Lambda
                        // call, once per function, naming role and environment (and a
                        // passing STS outage is retried there); its ARN names the
                        // account, which validation and the plan check already matched.
                        Err(_) if assumed.is_some() => continue,
                        // No credentials or no connection: the first Lambda call fails
                        // the same way, with its diagnosis of the credential chain or
                        // endpoint, before anything changes.
                        Err(CallerIdentityError::Unreachable(_)) => continue,
                        Err(CallerIdentityError::Refused(message)) => {
                            return Err(AccountError::Unknown {
                                expected: expected.clone(),
                                message,
                            });
                        }
                    }
                }
            };
            if let Some(actual) = actual
                && &actual != expected
            {
                return Err(AccountError::Mismatch {
                    expected: expected.clone(),
                    actual,
                    environment: roles.environment.clone(),
                    role: assumed.map(|(role, _)| role.role_arn.to_string()),
                });
            }
        }
        Ok(())
    }

    fn lock_callers(&self) -> std::sync::MutexGuard<'_, HashMap<Option<String>, Option<String>>> {
        self.callers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The role clients of `account` assume, if any.
    pub fn role_of(&self, account: Option<&str>) -> Option<AssumeRole> {
        self.lock_assumed()
            .get(&account.map(str::to_owned))
            .map(|(r, _)| r.clone())
    }

    fn lock_assumed(&self) -> std::sync::MutexGuard<'_, Assumed> {
        self.assumed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An S3 client for `region` (Lambda reads code only from a bucket in the function's
    /// own region), from the same credentials as the Lambda clients.
    pub fn object_store(&self, region: &str) -> Arc<dyn ObjectStore> {
        self.base.object_store(region)
    }

    fn get(&self, account: Option<&str>, region: &str) -> Arc<dyn LambdaApi> {
        let key = (account.map(str::to_owned), region.to_owned());
        let assumed = self.lock_assumed().get(&key.0).map(|(_, c)| Arc::clone(c));
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(cache.entry(key).or_insert_with(|| {
            assumed
                .as_ref()
                .unwrap_or(&self.base)
                .lambda(account, region)
        }))
    }
}

impl Clients for ClientSet {
    fn client(&self, account: Option<&str>, region: &str) -> Arc<dyn LambdaApi> {
        self.get(account, region)
    }
}

impl ClientProvider for ClientSet {
    fn client(&self, account: Option<&str>, region: &str) -> Result<Arc<dyn LambdaApi>, String> {
        Ok(self.get(account, region))
    }

    fn alarms(&self, account: Option<&str>, region: &str) -> Result<Arc<dyn Alarms>, String> {
        let assumed = self
            .lock_assumed()
            .get(&account.map(str::to_owned))
            .map(|(_, c)| Arc::clone(c));
        Ok(assumed
            .as_ref()
            .unwrap_or(&self.base)
            .alarms(account, region))
    }
}
