//! One `LambdaApi` per account and region, from the SDK or the in-process emulator.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::apply::ClientProvider;
use crate::lambda::{LambdaApi, SdkFactory};
use crate::observe::Clients;
use crate::s3::{ObjectStore, SdkS3};
use crate::sim::Sim;

/// An account (`None`: the credentials' own) and a region.
type Target = (Option<String>, String);

enum Backend {
    Sdk(Box<SdkFactory>),
    Sim(Sim),
}

/// Hands out (and caches) one client per account and region.
///
/// With the SDK every account uses the one credential chain: the manifest's `account`
/// groups functions and names ARNs, it does not switch credentials.
pub struct ClientSet {
    backend: Backend,
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
            cache: Mutex::new(HashMap::new()),
        }
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
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(cache.entry(key).or_insert_with(|| match &self.backend {
            Backend::Sdk(factory) => Arc::new(factory.client(region)),
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
