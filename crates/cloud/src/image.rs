//! Container image URIs: the digest a URI pins (`repo@sha256:<64 hex>`), the repository
//! without tag or digest, and short digests for display.
//!
//! Lambda resolves a tag to a digest when the code is set and keeps that digest: a tag
//! pushed again later is not picked up until the next UpdateFunctionCode. It reports
//! the URI as given (`Code.ImageUri`), the digest-pinned one (`Code.ResolvedImageUri`)
//! and, for images, the digest's hex as `CodeSha256`.

/// Length of a SHA-256 digest in hex.
const DIGEST_HEX: usize = 64;
/// Hex digits shown of a digest in text and Markdown plans.
pub const SHORT_DIGEST: usize = 12;

/// The hex digest a URI pins (`…@sha256:<64 lowercase hex>`), if it pins one well-formed.
pub fn image_digest(uri: &str) -> Option<&str> {
    let (_, digest) = uri.rsplit_once('@')?;
    let hex = digest.strip_prefix("sha256:")?;
    is_digest_hex(hex).then_some(hex)
}

/// The digest part of a URI that pins one but malformed, with why; `None` when the URI
/// pins a well-formed digest or none at all.
pub fn malformed_digest(uri: &str) -> Option<String> {
    let (_, digest) = uri.rsplit_once('@')?;
    let Some(hex) = digest.strip_prefix("sha256:") else {
        return Some(format!(
            "`@{digest}` is not a digest: Lambda takes `@sha256:` followed by 64 lowercase hex digits"
        ));
    };
    (!is_digest_hex(hex)).then(|| {
        format!(
            "`@sha256:{hex}` is not a SHA-256 digest: it needs exactly 64 lowercase hex digits (it has {} characters)",
            hex.len()
        )
    })
}

/// True for exactly 64 lowercase hex digits.
pub fn is_digest_hex(hex: &str) -> bool {
    hex.len() == DIGEST_HEX && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The repository of a URI, without `@digest` or `:tag` (a registry port such as
/// `localhost:5000/app` is kept).
pub fn image_repository(uri: &str) -> &str {
    let without_digest = uri.split_once('@').map_or(uri, |(repo, _)| repo);
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    match without_digest[last_slash..].rfind(':') {
        Some(colon) => &without_digest[..last_slash + colon],
        None => without_digest,
    }
}

/// Every `sha256:<64 hex>` in `text` cut to its first [`SHORT_DIGEST`] digits and `…`.
pub fn short_digests(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("sha256:") {
        let after = &rest[i + "sha256:".len()..];
        let hex_len = after
            .bytes()
            .take_while(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            .count();
        out.push_str(&rest[..i + "sha256:".len()]);
        if hex_len == DIGEST_HEX {
            out.push_str(&after[..SHORT_DIGEST]);
            out.push('…');
        } else {
            out.push_str(&after[..hex_len]);
        }
        rest = &after[hex_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn digests_are_read_only_when_well_formed() {
        assert_eq!(image_digest(&format!("r/app@sha256:{D}")), Some(D));
        assert_eq!(image_digest("r/app:latest"), None);
        assert_eq!(image_digest(&format!("r/app@sha256:{}", &D[1..])), None);
        assert_eq!(malformed_digest(&format!("r/app@sha256:{D}")), None);
        assert_eq!(malformed_digest("r/app:1"), None);
        assert!(malformed_digest(&format!("r/app@sha256:{}", D.to_uppercase())).is_some());
        assert!(malformed_digest("r/app@md5:abc").is_some());
        assert!(malformed_digest("r/app@sha256:abc").is_some_and(|m| m.contains("3 characters")));
    }

    #[test]
    fn repositories_drop_tag_and_digest_but_keep_ports() {
        assert_eq!(image_repository("1.dkr.ecr/app:v1"), "1.dkr.ecr/app");
        assert_eq!(
            image_repository(&format!("1.dkr.ecr/app@sha256:{D}")),
            "1.dkr.ecr/app"
        );
        assert_eq!(image_repository("localhost:5000/app"), "localhost:5000/app");
        assert_eq!(
            image_repository("localhost:5000/app:v2"),
            "localhost:5000/app"
        );
    }

    #[test]
    fn digests_are_shortened_for_display() {
        assert_eq!(
            short_digests(&format!("\"r@sha256:{D}\" (sha256:abc)")),
            "\"r@sha256:0123456789ab…\" (sha256:abc)"
        );
    }
}
