//! The check that the credentials act in the account each function names, before
//! anything is read or changed (as Terraform's `allowed_account_ids`): without it,
//! credentials of another account deploy the whole fleet there. Data enters as the
//! `(account, region)` pairs of a model or plan and leaves as `Ok` or the first mismatch.

/// Why the target account could not be confirmed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum AccountError {
    /// The credentials (or the assumed role) act in another account than the manifest's.
    #[error("the manifest deploys to account {expected}{}, but {} act in account {actual}; nothing was read or changed", environment.as_ref().map(|e| format!(" (environment `{e}`)")).unwrap_or_default(), role.as_ref().map_or_else(|| "the credentials".to_owned(), |r| format!("the credentials of role {r}")))]
    #[diagnostic(
        code(flotilla::accounts::mismatch),
        help(
            "use credentials of account {expected} (AWS_PROFILE or --profile), set `assume_role` to a role in account {expected}, or correct `account:` in the manifest if {actual} is right"
        )
    )]
    Mismatch {
        /// The manifest's account.
        expected: String,
        /// The account GetCallerIdentity names.
        actual: String,
        /// The environment, if any.
        environment: Option<String>,
        /// The role assumed for the account, if any.
        role: Option<String>,
    },
    /// GetCallerIdentity failed, so the account cannot be confirmed.
    #[error("cannot confirm that the credentials act in account {expected}: {message}")]
    #[diagnostic(
        code(flotilla::accounts::unknown),
        help(
            "check the credentials (AWS_PROFILE, --profile, AWS_ACCESS_KEY_ID) and that STS is reachable (AWS_ENDPOINT_URL_STS for an emulator)"
        )
    )]
    Unknown {
        /// The manifest's account.
        expected: String,
        /// What STS or the way to it said.
        message: String,
    },
}
