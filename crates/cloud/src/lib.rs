//! Flotilla's cloud seam: everything the engine asks of AWS goes through the traits here.
//!
//! - [`lambda::LambdaApi`]: the Lambda control-plane calls, one value per account and
//!   region, with crate-owned types and a classified [`lambda::ApiError`].
//! - [`s3::ObjectStore`]: the few S3 calls an artifact upload needs.
//! - [`alarms::Alarms`]: CloudWatch `DescribeAlarms`, for rollouts that watch alarms.
//! - [`Connector`]: makes those clients for one set of credentials (and for a role
//!   assumed from them).
//! - [`limits`], [`image`], [`iam`]: Lambda's and IAM's own rules, shared by the engine's
//!   validation and the emulator.
//!
//! With the `sdk` feature the AWS SDK implements the traits (`SdkFactory`, `SdkLambda`,
//! `SdkS3`); this is the only crate that imports `aws_sdk_*`. The emulator implements
//! the same traits in process.
#![deny(missing_docs)]

pub mod alarms;
mod connector;
pub mod iam;
pub mod image;
pub mod lambda;
pub mod limits;
pub mod s3;

pub use connector::{CallerIdentityError, Connector};
