//! One `LambdaApi` per account and region, from the SDK or the in-process emulator.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::roles::AccountRoles;
use crate::apply::ClientProvider;
use crate::lambda::{LambdaApi, SdkFactory};
use crate::model::AssumeRole;
use crate::observe::Clients;
use crate::s3::{ObjectStore, SdkS3};
use crate::sim::Sim;

/// An account (`None`: the credentials' own) and a region.
type Target = (Option<String>, String);

/// Account → the role its clients assume and the factory that does it.
type Assumed = HashMap<Option<String>, (AssumeRole, Arc<SdkFactory>)>;

enum Backend {
    Sdk(Box<SdkFactory>),
    Sim(Sim),
}

/// Hands out (and caches) one client per account and region.
///
/// With the SDK every account uses the base credential chain unless
/// [`ClientSet::assume_roles`] named a role for it: then every client of that account
/// (one per region) shares one STS-assumed, cached and refreshed set of credentials.
/// The in-process emulator ignores roles.
pub struct ClientSet {
    backend: Backend,
    assumed: Mutex<Assumed>,
    cache: Mutex<HashMap<Target, Arc<dyn LambdaApi>>>,
}

impl ClientSet {
    /// Clients made by the AWS SDK from one loaded configuration.
    pub fn sdk(factory: SdkFactory) -> Self {
        Self::with(Backend::Sdk(Box::new(factory)))
    }

    /// Clients of the in-process emulator; `None` accounts use its default account.
    pub fn sim(sim: Sim) -> Self {
        Self::with(Backend::Sim(sim))
    }

    fn with(backend: Backend) -> Self {
        Self {
            backend,
            assumed: Mutex::new(HashMap::new()),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// From now on, clients of each account in `roles` assume its role (accounts
    /// without one use the base credentials). Call before the first client of those
    /// accounts is handed out; an account already set to the same role keeps its
    /// credentials. No-op for the emulator, which has no STS.
    pub async fn assume_roles(&self, roles: &AccountRoles) {
        let Backend::Sdk(base) = &self.backend else {
            return;
        };
        for (account, role, region) in roles.roles() {
            let key = account.map(str::to_owned);
            let current = self.lock_assumed().get(&key).map(|(r, _)| r.clone());
            if current.as_ref() == Some(role) {
                continue;
            }
            let factory = base
                .assuming(role, roles.environment.as_deref(), region)
                .await;
            self.lock_assumed()
                .insert(key.clone(), (role.clone(), Arc::new(factory)));
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
    /// own region), from the same configuration as the Lambda clients; with the
    /// emulator, its in-process S3.
    pub fn object_store(&self, region: &str) -> Arc<dyn ObjectStore> {
        match &self.backend {
            Backend::Sdk(factory) => Arc::new(SdkS3::new(
                factory.sdk_config(),
                region,
                factory.options().connect_timeout,
                factory.options().upload_timeout,
            )),
            Backend::Sim(sim) => Arc::new(sim.object_store()),
        }
    }

    fn get(&self, account: Option<&str>, region: &str) -> Arc<dyn LambdaApi> {
        let key = (account.map(str::to_owned), region.to_owned());
        let assumed = match &self.backend {
            Backend::Sdk(_) => self.lock_assumed().get(&key.0).map(|(_, f)| Arc::clone(f)),
            Backend::Sim(_) => None,
        };
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(cache.entry(key).or_insert_with(|| match &self.backend {
            Backend::Sdk(base) => Arc::new(assumed.as_deref().unwrap_or(base).client(region)),
            Backend::Sim(sim) => {
                let account = account.map_or_else(|| sim.config().default_account, str::to_owned);
                Arc::new(sim.client(&account, region))
            }
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
