//! `flotilla import`: adopt an existing fleet. [`read`] lists and reads the live
//! functions (by names, a name prefix or tags; per region; paced and retried like every
//! other reader), [`write`] turns what it read into a manifest's text whose first plan
//! against the same fleet is empty: shared values lifted into `defaults`, each function's
//! own settings, code referenced by digest (an image by its digest, a zip as an S3
//! object pinned by `sha256`, or a downloaded file), sensitive-looking environment values
//! replaced by `from_env` variables, and the ownership tags kept.
//!
//! Data enters as [`Found`] functions (from [`read::read_fleet`] or a test) and leaves as
//! an [`Imported`] value; nothing here writes files.

pub mod read;
pub mod sensitive;
pub mod write;

use flotilla_cloud::lambda::FunctionInfo;

pub use read::{Filter, ImportReadError, read_fleet};
pub use write::{ImportError, Imported, SecretVar, WriteOptions, write_manifest};

/// One live function, as read: its region, the account its ARN names and `$LATEST`
/// (tags and reserved concurrency included).
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The region it was read in.
    pub region: String,
    /// The account from its ARN (empty when the endpoint gave no ARN).
    pub account: String,
    /// `$LATEST` as GetFunction returned it.
    pub info: FunctionInfo,
}

impl Found {
    /// `info` read in `region`; the account is taken from the ARN.
    pub fn new(region: impl Into<String>, info: FunctionInfo) -> Self {
        // arn:aws:lambda:REGION:ACCOUNT:function:NAME
        let account = info.arn.split(':').nth(4).unwrap_or_default().to_owned();
        Self {
            region: region.into(),
            account,
            info,
        }
    }
}
