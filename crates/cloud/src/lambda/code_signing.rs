//! The function's code signing configuration (`PutFunctionCodeSigningConfig`): the
//! ARN shape Lambda accepts, checked alike by the engine and the emulator.

/// Longest `CodeSigningConfigArn` botocore accepts.
pub const MAX_CODE_SIGNING_CONFIG_ARN: usize = 200;

/// Whether `arn` matches botocore's `CodeSigningConfigArn` pattern:
/// `arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:code-signing-config:csc-[a-z0-9]{17}`.
pub fn is_code_signing_config_arn(arn: &str) -> bool {
    if arn.len() > MAX_CODE_SIGNING_CONFIG_ARN {
        return false;
    }
    let parts: Vec<&str> = arn.split(':').collect();
    let [
        "arn",
        partition,
        "lambda",
        region,
        account,
        "code-signing-config",
        id,
    ] = parts.as_slice()
    else {
        return false;
    };
    let partition_ok = partition.is_empty()
        || partition
            .strip_prefix("aws")
            .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-'));
    let id_ok = id.strip_prefix("csc-").is_some_and(|hex| {
        hex.len() == 17
            && hex
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    partition_ok
        && is_region(region)
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && id_ok
}

/// The region of a code signing configuration ARN, if it is one.
pub fn code_signing_config_region(arn: &str) -> Option<&str> {
    is_code_signing_config_arn(arn).then(|| arn.split(':').nth(3))?
}

/// The account of a code signing configuration ARN, if it is one.
pub fn code_signing_config_account(arn: &str) -> Option<&str> {
    is_code_signing_config_arn(arn).then(|| arn.split(':').nth(4))?
}

/// `(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}`.
fn is_region(region: &str) -> bool {
    let region = region.strip_prefix("eusc-").unwrap_or(region);
    let Some((head, rest)) = region.split_at_checked(2) else {
        return false;
    };
    if !head.bytes().all(|b| b.is_ascii_lowercase()) {
        return false;
    }
    // The optional `-gov`, `-iso` or `-iso` and a letter, then `-NAME-DIGIT`.
    let mut candidates = vec![rest];
    candidates.extend(rest.strip_prefix("-gov"));
    if let Some(r) = rest.strip_prefix("-iso") {
        candidates.push(r);
        if r.bytes().next().is_some_and(|b| b.is_ascii_lowercase()) {
            candidates.push(&r[1..]);
        }
    }
    candidates.into_iter().any(|r| {
        r.strip_prefix('-')
            .and_then(|r| r.rsplit_once('-'))
            .is_some_and(|(name, digit)| {
                !name.is_empty()
                    && name.bytes().all(|b| b.is_ascii_lowercase())
                    && digit.len() == 1
                    && digit.bytes().all(|b| b.is_ascii_digit())
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_follow_botocores_pattern() {
        for ok in [
            "arn:aws:lambda:eu-north-1:123456789012:code-signing-config:csc-0123456789abcdef0",
            "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:code-signing-config:csc-0123456789abcdef0",
            "arn:aws-iso-b:lambda:us-isob-east-1:123456789012:code-signing-config:csc-0123456789abcdef0",
            "arn:aws:lambda:eusc-de-east-1:123456789012:code-signing-config:csc-0123456789abcdef0",
        ] {
            assert!(is_code_signing_config_arn(ok), "{ok}");
        }
        for no in [
            "",
            "csc-0123456789abcdef0",
            "arn:aws:lambda:eu-north-1:123456789012:code-signing-config:csc-0123456789abcdef",
            "arn:aws:lambda:eu-north-1:123456789012:code-signing-config:csc-0123456789ABCDEF0",
            "arn:aws:lambda:eu-north-1:1234:code-signing-config:csc-0123456789abcdef0",
            "arn:aws:kms:eu-north-1:123456789012:code-signing-config:csc-0123456789abcdef0",
            "arn:aws:lambda:eu-north:123456789012:code-signing-config:csc-0123456789abcdef0",
            "arn:aws:lambda:eu-north-1:123456789012:function:csc-0123456789abcdef0",
        ] {
            assert!(!is_code_signing_config_arn(no), "{no}");
        }
        let arn =
            "arn:aws:lambda:eu-north-1:123456789012:code-signing-config:csc-0123456789abcdef0";
        assert_eq!(code_signing_config_region(arn), Some("eu-north-1"));
        assert_eq!(code_signing_config_account(arn), Some("123456789012"));
    }
}
