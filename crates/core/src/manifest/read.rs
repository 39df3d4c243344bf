//! Reads the YAML node tree into the raw manifest types, collecting every shape
//! problem (unknown or duplicate keys, wrong types, bad durations) with its position.

use super::node::{Node, Value};
use super::problem::Problem;
use super::raw::*;

/// Collects problems while reading.
pub(crate) struct Reader<'p> {
    pub(crate) problems: &'p mut Vec<Problem>,
    /// Paths of fields that were present but could not be read.
    pub(crate) broken: std::collections::BTreeSet<String>,
}

/// The fields of a mapping node, after unknown and duplicate keys were reported.
pub(crate) struct Fields<'a> {
    entries: Vec<(&'a str, &'a Node, &'a Node)>,
}

impl<'a> Fields<'a> {
    fn key_pos(&self, name: &str) -> Option<super::node::Pos> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == name)
            .map(|(_, k, _)| k.pos)
    }

    fn get(&self, name: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == name)
            .map(|(_, _, v)| *v)
    }
}

/// Keys of the manifest's top level.
const TOP_KEYS: &[&str] = &[
    "version",
    "project",
    "limits",
    "defaults",
    "environments",
    "functions",
];

/// Keys only a function may have (besides the settings).
const FUNCTION_ONLY_KEYS: &[&str] = &["name", "artifact", "depends_on", "paths", "environments"];

/// Keys `defaults`, environments and functions share.
const SETTINGS_KEYS: &[&str] = RawSettings::KEYS;

/// The closest allowed word to `word`, if close enough to be a likely typo.
pub fn suggest<'s>(word: &str, allowed: impl IntoIterator<Item = &'s str>) -> Option<&'s str> {
    allowed
        .into_iter()
        .map(|a| (strsim::jaro_winkler(word, a), a))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|x, y| x.0.total_cmp(&y.0))
        .map(|(_, a)| a)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl Reader<'_> {
    pub(crate) fn push(&mut self, p: Problem) {
        self.problems.push(p);
    }

    pub(crate) fn wrong_type(&mut self, node: &Node, path: &str, expected: &str, help: &str) {
        self.push(
            Problem::new(
                node.pos,
                format!(
                    "{} must be {expected}, found {}",
                    if path.is_empty() {
                        "the manifest".to_owned()
                    } else {
                        format!("`{path}`")
                    },
                    node.value.kind()
                ),
                format!("expected {expected}"),
            )
            .help(help.to_owned()),
        );
    }

    /// A mapping with only `allowed` keys; `null` counts as empty.
    pub(crate) fn map<'a>(
        &mut self,
        node: &'a Node,
        path: &str,
        allowed: &[&str],
    ) -> Option<Fields<'a>> {
        let entries = match &node.value {
            Value::Null => return Some(Fields { entries: vec![] }),
            Value::Map(entries) => entries,
            _ => {
                let keys = allowed.join(", ");
                self.wrong_type(
                    node,
                    path,
                    "a mapping",
                    &format!("write `key: value` lines; allowed keys: {keys}"),
                );
                return None;
            }
        };
        let mut fields = Fields { entries: vec![] };
        for (key, value) in entries {
            let Some(name) = self.key(key, path) else {
                continue;
            };
            if let Some((_, first, _)) = fields.entries.iter().find(|(k, _, _)| *k == name) {
                let first = first.pos;
                self.push(
                    Problem::new(
                        key.pos,
                        format!("duplicate key `{}`", join(path, name)),
                        "repeated here",
                    )
                    .also(first, "first defined here")
                    .help("YAML keys must be unique in a mapping; remove or merge one of them"),
                );
                continue;
            }
            if !allowed.is_empty() && !allowed.contains(&name) {
                let mut problem = Problem::new(
                    key.pos,
                    format!("unknown key `{}`", join(path, name)),
                    "unknown key",
                );
                problem = match suggest(name, allowed.iter().copied()) {
                    Some(s) => problem.help(format!("did you mean `{s}`?")),
                    None => problem.help(format!("allowed keys here: {}", allowed.join(", "))),
                };
                self.push(problem);
                continue;
            }
            fields.entries.push((name, key, value));
        }
        Some(fields)
    }

    fn key<'a>(&mut self, key: &'a Node, path: &str) -> Option<&'a str> {
        match &key.value {
            Value::Str(s) => Some(s),
            _ => {
                self.push(
                    Problem::new(
                        key.pos,
                        format!(
                            "keys in `{}` must be text, found {}",
                            if path.is_empty() {
                                "the manifest"
                            } else {
                                path
                            },
                            key.value.kind()
                        ),
                        "not a text key",
                    )
                    .help("quote the key, e.g. `\"8080\": value`"),
                );
                None
            }
        }
    }

    /// A mapping with free keys (function names, variables, tags).
    pub(crate) fn entries<T>(
        &mut self,
        node: &Node,
        path: &str,
        mut read: impl FnMut(&mut Self, &Node, &str) -> Option<T>,
    ) -> Option<Entries<T>> {
        let fields = self.map(node, path, &[])?;
        let mut out = Vec::new();
        for (name, key, value) in fields.entries {
            let entry_path = join(path, name);
            match read(self, value, &entry_path) {
                Some(v) => out.push((Sp::new(name.to_owned(), key.pos), v)),
                None => {
                    self.broken.insert(entry_path);
                }
            }
        }
        Some(Entries(out))
    }

    /// Reads the whole manifest.
    pub(crate) fn manifest(&mut self, root: &Node) -> RawManifest {
        let mut raw = RawManifest::default();
        let Some(f) = self.map(root, "", TOP_KEYS) else {
            raw.unreadable = ["version", "functions"].map(str::to_owned).into();
            return raw;
        };
        for key in TOP_KEYS {
            if let Some(pos) = f.key_pos(key) {
                raw.key_positions.insert((*key).to_owned(), pos);
            }
        }
        raw.version = self.field(&f, "", "version", Self::u32);
        raw.project = self.field(&f, "", "project", Self::string);
        raw.limits = f.get("limits").and_then(|n| self.limits(n));
        raw.defaults = f.get("defaults").and_then(|n| {
            let fields = self.map(n, "defaults", SETTINGS_KEYS)?;
            Some(self.settings(&fields, "defaults"))
        });
        raw.environments = f
            .get("environments")
            .and_then(|n| self.entries(n, "environments", |r, n, p| r.environment(n, p)));
        raw.functions = f
            .get("functions")
            .and_then(|n| self.entries(n, "functions", |r, n, p| r.function(n, p)));
        raw.unreadable = std::mem::take(&mut self.broken);
        raw
    }

    fn limits(&mut self, node: &Node) -> Option<RawLimits> {
        let f = self.map(
            node,
            "limits",
            &["mutating_per_second", "get_function_per_second"],
        )?;
        Some(RawLimits {
            mutating_per_second: f
                .get("mutating_per_second")
                .and_then(|n| self.f64(n, "limits.mutating_per_second")),
            get_function_per_second: f
                .get("get_function_per_second")
                .and_then(|n| self.f64(n, "limits.get_function_per_second")),
        })
    }

    fn environment(&mut self, node: &Node, path: &str) -> Option<RawEnvironment> {
        let allowed: Vec<&str> = SETTINGS_KEYS.iter().copied().chain(["variables"]).collect();
        let f = self.map(node, path, &allowed)?;
        let variables = f.get("variables").and_then(|n| {
            self.entries(n, &join(path, "variables"), |r, n, p| {
                r.scalar(n, p).map(|s| Sp::new(s.value.0, s.pos))
            })
        });
        Some(RawEnvironment {
            variables,
            settings: self.settings(&f, path),
        })
    }

    fn function(&mut self, node: &Node, path: &str) -> Option<RawFunction> {
        let allowed: Vec<&str> = SETTINGS_KEYS
            .iter()
            .copied()
            .chain(FUNCTION_ONLY_KEYS.iter().copied())
            .collect();
        let f = self.map(node, path, &allowed)?;
        Some(RawFunction {
            name: self.field(&f, path, "name", Self::string),
            artifact: self.field(&f, path, "artifact", Self::artifact),
            depends_on: self.field(&f, path, "depends_on", Self::strings),
            paths: self.field(&f, path, "paths", Self::strings),
            environments: f.get("environments").and_then(|n| {
                self.entries(n, &join(path, "environments"), |r, n, p| {
                    let fields = r.map(n, p, SETTINGS_KEYS)?;
                    Some(r.settings(&fields, p))
                })
            }),
            settings: self.settings(&f, path),
        })
    }

    pub(crate) fn upload(&mut self, node: &Node, path: &str) -> Option<Sp<RawUpload>> {
        let f = self.map(node, path, &["bucket", "prefix"])?;
        let bucket = match f.get("bucket") {
            Some(n) => self.string(n, &join(path, "bucket")),
            None => {
                self.push(
                    Problem::new(
                        node.pos,
                        format!("`{path}` needs `bucket`"),
                        "missing `bucket`",
                    )
                    .help("e.g. `upload: { bucket: my-artifacts-${region}, prefix: lambda }`"),
                );
                None
            }
        };
        let prefix = f
            .get("prefix")
            .and_then(|n| self.string(n, &join(path, "prefix")));
        Some(Sp::new(
            RawUpload {
                bucket: bucket?,
                prefix,
            },
            node.pos,
        ))
    }

    /// Reads one field; a field that is present but unreadable is remembered, so
    /// validation does not also call it missing.
    pub(crate) fn field<T>(
        &mut self,
        f: &Fields<'_>,
        path: &str,
        key: &str,
        read: impl FnOnce(&mut Self, &Node, &str) -> Option<T>,
    ) -> Option<T> {
        let node = f.get(key)?;
        let p = join(path, key);
        let out = read(self, node, &p);
        if out.is_none() {
            self.broken.insert(p);
        }
        out
    }

    pub(crate) fn architecture(&mut self, node: &Node, path: &str) -> Option<Sp<RawArchitecture>> {
        let s = self.string(node, path)?;
        match s.value.as_str() {
            "x86_64" => Some(Sp::new(RawArchitecture::X86_64, s.pos)),
            "arm64" => Some(Sp::new(RawArchitecture::Arm64, s.pos)),
            other => {
                let mut p = Problem::new(
                    s.pos,
                    format!("`{path}` is `{other}`, not a Lambda architecture"),
                    "unknown architecture",
                );
                p = match suggest(other, ["x86_64", "arm64"]) {
                    Some(m) => p.help(format!("did you mean `{m}`? (allowed: x86_64, arm64)")),
                    None => p.help("allowed: x86_64, arm64"),
                };
                self.push(p);
                None
            }
        }
    }

    pub(crate) fn env_value(&mut self, node: &Node, path: &str) -> Option<Sp<RawEnvValue>> {
        if let Value::Map(_) = node.value {
            let f = self.map(node, path, &["value", "from_env", "sensitive"])?;
            let spec = RawEnvSpec {
                value: f
                    .get("value")
                    .and_then(|n| self.scalar(n, &join(path, "value"))),
                from_env: f
                    .get("from_env")
                    .and_then(|n| self.string(n, &join(path, "from_env"))),
                sensitive: f
                    .get("sensitive")
                    .and_then(|n| self.bool(n, &join(path, "sensitive"))),
            };
            let given =
                usize::from(f.get("value").is_some()) + usize::from(f.get("from_env").is_some());
            if given != 1 {
                self.push(
                    Problem::new(
                        node.pos,
                        format!("`{path}` needs exactly one of `value` and `from_env`"),
                        "one of `value`, `from_env`",
                    )
                    .help("write `{ value: text }` or `{ from_env: CI_VARIABLE }`"),
                );
                return None;
            }
            return Some(Sp::new(RawEnvValue::Spec(spec), node.pos));
        }
        self.scalar(node, path)
            .map(|s| Sp::new(RawEnvValue::Plain(s.value), s.pos))
    }

    fn artifact(&mut self, node: &Node, path: &str) -> Option<Sp<RawArtifact>> {
        const KINDS: [&str; 4] = ["zip", "dir", "s3", "image"];
        let f = self.map(
            node,
            path,
            &["zip", "dir", "exclude", "upload", "s3", "image"],
        )?;
        let kinds: Vec<&str> = KINDS.into_iter().filter(|k| f.get(k).is_some()).collect();
        if kinds.len() != 1 {
            let found = if kinds.is_empty() {
                "none".to_owned()
            } else {
                kinds.join(", ")
            };
            self.push(
                Problem::new(node.pos, format!("`{path}` needs exactly one of zip, dir, s3, image (found: {found})"), "exactly one source")
                    .help("e.g. `artifact: { zip: build/app.zip }`, `{ dir: src/ }`, `{ s3: { bucket: b, key: k } }` or `{ image: URI }`"),
            );
            return None;
        }
        if kinds[0] != "dir"
            && let Some(ex) = f.get("exclude")
        {
            self.push(
                Problem::new(
                    ex.pos,
                    format!("`{path}.exclude` only applies to `dir` artifacts"),
                    "not allowed here",
                )
                .help("remove `exclude`, or package a directory with `dir:`"),
            );
        }
        if !matches!(kinds[0], "dir" | "zip")
            && let Some(up) = f.get("upload")
        {
            self.push(
                Problem::new(
                    up.pos,
                    format!("`{path}.upload` only applies to `zip` and `dir` artifacts"),
                    "not allowed here",
                )
                .help("an `s3` artifact is already in S3 and an image is in ECR; remove `upload`"),
            );
        }
        let upload = f
            .get("upload")
            .and_then(|n| self.upload(n, &join(path, "upload")));
        let p = |k: &str| join(path, k);
        let artifact = match kinds[0] {
            "zip" => RawArtifact::Zip(RawZip {
                zip: self.string(f.get("zip")?, &p("zip"))?,
                upload,
            }),
            "dir" => RawArtifact::Dir(RawDir {
                dir: self.string(f.get("dir")?, &p("dir"))?,
                exclude: f
                    .get("exclude")
                    .and_then(|n| self.strings(n, &p("exclude"))),
                upload,
            }),
            "image" => RawArtifact::Image(RawImage {
                image: self.string(f.get("image")?, &p("image"))?,
            }),
            _ => {
                let s3 = f.get("s3")?;
                let sp = p("s3");
                let g = self.map(s3, &sp, &["bucket", "key", "version", "sha256"])?;
                let need = |r: &mut Self, k: &str| match g.get(k) {
                    Some(n) => r.string(n, &join(&sp, k)),
                    None => {
                        r.push(
                            Problem::new(
                                s3.pos,
                                format!("`{sp}` needs `{k}`"),
                                format!("missing `{k}`"),
                            )
                            .help("an S3 artifact needs `bucket` and `key`"),
                        );
                        None
                    }
                };
                let bucket = need(self, "bucket");
                let key = need(self, "key");
                let version = g
                    .get("version")
                    .and_then(|n| self.string(n, &join(&sp, "version")));
                let sha256 = g
                    .get("sha256")
                    .and_then(|n| self.string(n, &join(&sp, "sha256")));
                RawArtifact::S3(RawS3Artifact {
                    s3: RawS3 {
                        bucket: bucket?,
                        key: key?,
                        version,
                        sha256,
                    },
                })
            }
        };
        Some(Sp::new(artifact, node.pos))
    }

    pub(crate) fn retry(&mut self, node: &Node, path: &str) -> Option<RawRetry> {
        let f = self.map(node, path, &["max_attempts", "backoff"])?;
        let backoff = f.get("backoff").and_then(|n| {
            let bp = join(path, "backoff");
            let b = self.map(n, &bp, &["initial", "max", "multiplier"])?;
            Some(RawBackoff {
                initial: b
                    .get("initial")
                    .and_then(|n| self.duration(n, &join(&bp, "initial"))),
                max: b
                    .get("max")
                    .and_then(|n| self.duration(n, &join(&bp, "max"))),
                multiplier: b
                    .get("multiplier")
                    .and_then(|n| self.f64(n, &join(&bp, "multiplier"))),
            })
        });
        Some(RawRetry {
            max_attempts: f
                .get("max_attempts")
                .and_then(|n| self.u32(n, &join(path, "max_attempts"))),
            backoff,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn schema_keys(schema: &serde_json::Value, definition: Option<&str>) -> BTreeSet<String> {
        let node = match definition {
            Some(d) => &schema["definitions"][d],
            None => schema,
        };
        node["properties"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn set(keys: &[&[&str]]) -> BTreeSet<String> {
        keys.iter()
            .flat_map(|k| k.iter().map(|s| (*s).to_owned()))
            .collect()
    }

    /// The reader and the schema are written separately; this keeps their keys equal.
    #[test]
    fn reader_accepts_exactly_the_keys_the_schema_documents() {
        let schema: serde_json::Value =
            serde_json::from_str(&crate::manifest::schema_json()).unwrap_or_default();
        assert_eq!(schema_keys(&schema, None), set(&[TOP_KEYS]));
        assert_eq!(
            schema_keys(&schema, Some("RawSettings")),
            set(&[SETTINGS_KEYS])
        );
        assert_eq!(
            schema_keys(&schema, Some("RawFunction")),
            set(&[SETTINGS_KEYS, FUNCTION_ONLY_KEYS])
        );
        assert_eq!(
            schema_keys(&schema, Some("RawEnvironment")),
            set(&[SETTINGS_KEYS, &["variables"]])
        );
    }
}
