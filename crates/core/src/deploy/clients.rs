//! One `LambdaApi` per account and region, from whatever [`Connector`] the caller gives
//! (the AWS SDK, or the in-process emulator).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use flotilla_cloud::Connector;
use flotilla_cloud::lambda::{ApiError, LambdaApi};
use flotilla_cloud::s3::ObjectStore;

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
}

impl ClientSet {
    /// Clients made by `connector`.
    pub fn new(connector: Arc<dyn Connector>) -> Self {
        Self {
            base: connector,
            seed: None,
            assumed: Mutex::new(HashMap::new()),
            cache: Mutex::new(HashMap::new()),
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
}
