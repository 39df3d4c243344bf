//! Flotilla deploys a fleet of AWS Lambda functions from one declarative YAML manifest.
//!
//! Data flows one way: `manifest` (raw YAML with spans) → `model` (validated newtypes)
//! → `plan` (pure diff against `observe`d live state) → `apply` (scheduler that carries a
//! plan out through the `lambda::LambdaApi` seam). `sim` is a Lambda control-plane
//! emulator behind the same seam, for tests, benchmarks and local runs. `s3` uploads
//! large artifacts to S3 (through its own `ObjectStore` seam) before Lambda reads them.
#![deny(missing_docs)]

pub mod apply;
pub mod artifact;
pub mod bench;
pub mod deploy;
pub mod lambda;
pub mod manifest;
pub mod model;
pub mod observe;
pub mod pace;
pub mod plan;
pub mod prune;
pub mod render;
pub mod rollback;
pub mod s3;
pub mod select;
pub mod sim;
pub mod status;
