//! Which environment values look like secrets. `flotilla import` never writes such a
//! value into the manifest: it becomes `from_env`, and the command names the variable.
//! Erring towards "sensitive" costs one variable to set; the other way leaks a secret
//! into a repository.

/// Parts of a variable name that mark its value as a secret.
const SECRET_NAME_PARTS: &[&str] = &[
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "TOKEN",
    "APIKEY",
    "API_KEY",
    "ACCESS_KEY",
    "PRIVATE",
    "CREDENTIAL",
    "AUTH",
    "DSN",
    "CONNECTION_STRING",
    "SIGNING",
    "SALT",
    "WEBHOOK",
    "COOKIE",
    "SESSION_KEY",
    "ENCRYPTION_KEY",
    "CLIENT_KEY",
];

/// True when `key` or `value` looks like it holds a secret.
pub fn looks_sensitive(key: &str, value: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    let by_name = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| SECRET_NAME_PARTS.contains(&word))
        || SECRET_NAME_PARTS
            .iter()
            .filter(|p| p.contains('_') || p.len() >= 6)
            .any(|p| upper.contains(p));
    by_name || value_looks_secret(value)
}

fn value_looks_secret(value: &str) -> bool {
    let v = value.trim();
    // user:password@ in a URL (database and broker URLs).
    let userinfo = v.find("://").is_some_and(|at| {
        let rest = &v[at + 3..];
        let host_end = rest.find('/').unwrap_or(rest.len());
        rest[..host_end].contains('@') && rest[..host_end].contains(':')
    });
    let aws_key = (v.starts_with("AKIA") || v.starts_with("ASIA")) && v.len() == 20;
    let jwt = v.starts_with("eyJ") && v.matches('.').count() == 2;
    let pem = v.contains("-----BEGIN");
    let vendor = [
        "sk_live_",
        "sk_test_",
        "xoxb-",
        "xoxp-",
        "ghp_",
        "github_pat_",
        "glpat-",
    ]
    .iter()
    .any(|p| v.starts_with(p));
    userinfo || aws_key || jwt || pem || vendor || high_entropy(v)
}

/// A long token of letters, digits and a few symbols mixing cases and digits, with no
/// spaces, no path or URL shape: how generated keys look, and how configuration rarely
/// does.
fn high_entropy(v: &str) -> bool {
    if v.len() < 24 || v.contains(['/', ' ', '.', ':', ',']) {
        return false;
    }
    if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+=_-".contains(c))
    {
        return false;
    }
    let lower = v.chars().any(|c| c.is_ascii_lowercase());
    let upper = v.chars().any(|c| c.is_ascii_uppercase());
    let digit = v.chars().any(|c| c.is_ascii_digit());
    let distinct: std::collections::BTreeSet<char> = v.chars().collect();
    lower && upper && digit && distinct.len() >= 12
}

#[cfg(test)]
mod tests {
    use super::looks_sensitive;

    #[test]
    fn names_and_shapes_of_secrets_are_caught() {
        for (k, v) in [
            ("DB_PASSWORD", "hunter2"),
            ("STRIPE_API_KEY", "x"),
            ("GITHUB_TOKEN", "x"),
            ("AUTH_HEADER", "x"),
            ("SENTRY_DSN", "https://abc@o1.ingest.sentry.io/1"),
            ("DATABASE_URL", "postgres://app:s3cret@db.internal:5432/app"),
            ("KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
            ("SESSION", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"),
            ("OPAQUE", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRg"),
            ("SLACK", "xoxb-123-456-abc"),
        ] {
            assert!(looks_sensitive(k, v), "{k}={v}");
        }
    }

    #[test]
    fn ordinary_configuration_is_not() {
        for (k, v) in [
            ("LOG_LEVEL", "info"),
            ("TABLE_NAME", "orders-prod"),
            ("PUBLIC_URL", "https://example.com/contact"),
            (
                "QUEUE_URL",
                "https://sqs.eu-north-1.amazonaws.com/111111111111/jobs",
            ),
            ("FEATURE_FLAGS", "a,b,c"),
            ("BUCKET", "my-company-uploads-eu-north-1"),
            ("REGION_NAME", "eu-north-1"),
            ("BYPASS_CACHE", "true"),
        ] {
            assert!(!looks_sensitive(k, v), "{k}={v}");
        }
    }
}
