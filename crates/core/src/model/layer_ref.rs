//! Entries of `layers:`: a layer version ARN, or a layer looked up by name at plan time
//! (`${layer:NAME}` for its latest version, `${layer:NAME:VERSION}` for one version).
//!
//! The [`Model`](super::Model) keeps a by-name entry in its canonical text form
//! ([`LayerRef::to_entry`]); `deploy` resolves it to an ARN before planning, so plans
//! only ever hold ARNs.

use std::fmt;

/// One entry of a function's `layers`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LayerRef {
    /// A layer version ARN, used as written.
    Arn(String),
    /// A layer of the function's account and region, by name.
    Named {
        /// The layer's name (`[A-Za-z0-9_-]`, 1–140 characters).
        name: String,
        /// A pinned version; `None` means the latest (highest) version.
        version: Option<u64>,
    },
}

/// Longest layer name Lambda accepts.
const MAX_LAYER_NAME: usize = 140;

impl LayerRef {
    /// Reads a model entry: the canonical `${layer:…}` form is a by-name reference,
    /// anything else an ARN.
    pub fn from_entry(entry: &str) -> LayerRef {
        match parse_named(entry) {
            Some(Ok(r)) => r,
            _ => LayerRef::Arn(entry.to_owned()),
        }
    }

    /// The text the model stores for this entry.
    pub fn to_entry(&self) -> String {
        self.to_string()
    }

    /// True for an entry Flotilla must look up before planning.
    pub fn is_named(&self) -> bool {
        matches!(self, LayerRef::Named { .. })
    }
}

impl fmt::Display for LayerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayerRef::Arn(arn) => f.write_str(arn),
            LayerRef::Named {
                name,
                version: None,
            } => write!(f, "${{layer:{name}}}"),
            LayerRef::Named {
                name,
                version: Some(v),
            } => write!(f, "${{layer:{name}:{v}}}"),
        }
    }
}

/// `Some(Ok)` for a well-formed `${layer:NAME}` / `${layer:NAME:VERSION}` (the whole
/// entry, surrounding spaces allowed), `Some(Err(why))` for a malformed one, `None`
/// when the entry is not a layer reference at all.
pub(crate) fn parse_named(entry: &str) -> Option<Result<LayerRef, String>> {
    let inner = entry
        .trim()
        .strip_prefix("${layer:")?
        .strip_suffix('}')
        .filter(|inner| !inner.contains(['{', '}', '$']))?;
    let (name, version) = match inner.split_once(':') {
        Some((name, v)) => (name, Some(v)),
        None => (inner, None),
    };
    let name_ok = (1..=MAX_LAYER_NAME).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !name_ok {
        return Some(Err(format!(
            "layer name `{name}` must be 1–{MAX_LAYER_NAME} letters, digits, `-` and `_`"
        )));
    }
    let version = match version {
        None => None,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if n >= 1 && v.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => {
                return Some(Err(format!(
                    "layer version `{v}` must be a whole number from 1"
                )));
            }
        },
    };
    Some(Ok(LayerRef::Named {
        name: name.to_owned(),
        version,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip() {
        for entry in ["${layer:common}", "${layer:common-py_3:12}"] {
            let r = LayerRef::from_entry(entry);
            assert!(r.is_named(), "{entry}");
            assert_eq!(r.to_entry(), entry);
        }
        let arn = "arn:aws:lambda:eu-north-1:111111111111:layer:x:3";
        assert_eq!(LayerRef::from_entry(arn), LayerRef::Arn(arn.to_owned()));
        assert_eq!(
            LayerRef::from_entry(" ${layer:x:2} "),
            LayerRef::Named {
                name: "x".into(),
                version: Some(2)
            }
        );
    }

    #[test]
    fn malformed_references_say_why() {
        assert!(parse_named("${layer:}").is_some_and(|r| r.is_err()));
        assert!(parse_named("${layer:a b}").is_some_and(|r| r.is_err()));
        assert!(parse_named("${layer:x:0}").is_some_and(|r| r.is_err()));
        assert!(parse_named("${layer:x:+3}").is_some_and(|r| r.is_err()));
        assert!(parse_named("${layer:x:latest}").is_some_and(|r| r.is_err()));
        assert_eq!(parse_named("arn:aws:lambda:r:1:layer:x:1"), None);
        assert_eq!(
            parse_named("${layer:${stage}}"),
            None,
            "left to interpolation"
        );
    }
}
