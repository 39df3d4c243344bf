//! Where the fleet lives: AWS through the SDK, or a fresh in-process emulator.

use std::sync::Arc;

use flotilla_cloud::lambda::{ClientOptions, SdkFactory};
use flotilla_core::deploy::ClientSet;
use flotilla_sim::Sim;

use crate::local::{LocalSeed, local_sim};

/// Where the fleet lives.
#[derive(Debug, Clone)]
pub enum Target {
    /// AWS (or any endpoint through `AWS_ENDPOINT_URL_LAMBDA` / `endpoint_url`).
    Aws(ClientOptions),
    /// A fresh in-process emulator seeded from the manifest.
    Local,
}

/// Clients for `target`, plus the emulator when local (for reports and tests).
pub async fn connect(target: &Target) -> (Arc<ClientSet>, Option<Sim>) {
    match target {
        Target::Aws(options) => {
            let factory = SdkFactory::from_env(options).await;
            (Arc::new(ClientSet::new(Arc::new(factory))), None)
        }
        Target::Local => {
            let sim = local_sim();
            let clients = ClientSet::new(Arc::new(sim.clone()))
                .with_seed(Arc::new(LocalSeed::new(sim.clone())));
            (Arc::new(clients), Some(sim))
        }
    }
}
