//! Checks of a function's `artifact`: exactly one source, paths that exist inside the
//! manifest's folder, and runtime/handler rules for zip and image functions.

use std::path::{Component, Path, PathBuf};

use crate::manifest::Problem;
use crate::manifest::interpolate::Context;
use crate::manifest::raw::{RawArtifact, RawFunction, RawUpload, Sp};

use super::validate::Validator;
use super::{ArtifactSource, Upload};

/// A `zip:` over the limit: Lambda would refuse it, so say so now, with the way out.
fn too_large(s: &Sp<String>, size: u64, limit: u64) -> Problem {
    if limit > flotilla_cloud::limits::MAX_ZIP_BYTES {
        return Problem::new(
            s.pos,
            format!(
                "`{}` is {size} bytes, over Lambda's {limit}-byte (250 MB) package limit",
                s.value
            ),
            "zip too large",
        )
        .help(
            "make the package smaller (`exclude:`, layers) or deploy a container image (`image:`)",
        );
    }
    Problem::new(
        s.pos,
        format!(
            "`{}` is {size} bytes, over Lambda's {limit}-byte (50 MB) limit for direct upload",
            s.value
        ),
        "zip too large for direct upload",
    )
    .help("add `upload: { bucket: my-artifacts }` to the artifact (or to `defaults`): Flotilla then uploads the zip to S3 and Lambda reads it from there (up to 250 MB unzipped)")
}

/// S3's bucket naming rules (general purpose buckets), after interpolation.
fn check_bucket_name(name: &str) -> Result<(), &'static str> {
    let bytes = name.as_bytes();
    if !(3..=63).contains(&bytes.len()) {
        return Err("it must be 3–63 characters long");
    }
    if !bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-')
    {
        return Err("only lowercase letters, digits, `.` and `-` are allowed");
    }
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return Err("it must start and end with a letter or digit");
    }
    if name.contains("..") {
        return Err("it must not contain two adjacent periods");
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err("it must not look like an IP address");
    }
    if name.starts_with("xn--") || name.starts_with("sthree-") {
        return Err("the prefixes `xn--` and `sthree-` are reserved");
    }
    if name.ends_with("-s3alias") || name.ends_with("--ol-s3") || name.ends_with("--x-s3") {
        return Err("the suffixes `-s3alias`, `--ol-s3` and `--x-s3` are reserved");
    }
    Ok(())
}

/// `base.join(rel)` with `.` and `..` resolved lexically (no file system access).
fn normalize(base: &Path, rel: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in base.join(rel).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The files an interpreted runtime's handler can live in, by the runtime's family:
/// Lambda reads `FILE.FUNCTION` with FILE the path without its extension (Python also
/// takes dotted module paths and packages).
fn handler_candidates(runtime: &str, handler: &str) -> Option<Vec<String>> {
    let (module, function) = handler.rsplit_once('.')?;
    if module.is_empty() || function.is_empty() {
        return None;
    }
    let family = runtime.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.' || c == 'x');
    match family {
        "python" => {
            let file = module.replace('.', "/");
            Some(vec![format!("{file}.py"), format!("{file}/__init__.py")])
        }
        "nodejs" => Some(["js", "mjs", "cjs"].map(|e| format!("{module}.{e}")).into()),
        "ruby" => Some(vec![format!("{module}.rb")]),
        // Compiled runtimes name a class or a binary, not a file in the package.
        _ => None,
    }
}

/// The file names in a zip's central directory (`None` when it cannot be read, which
/// packaging reports with its own error).
fn zip_entries(path: &Path) -> Option<Vec<String>> {
    let file = std::fs::File::open(path).ok()?;
    let archive = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    archive
        .file_names()
        .map(|name| name.ok().map(std::borrow::Cow::into_owned))
        .collect()
}

/// The handler's candidate files that exist under `dir` (only those are looked up, so a
/// large folder is not walked).
fn dir_entries(dir: &Path, handler: &Sp<String>) -> Vec<String> {
    ["python3.12", "nodejs20.x", "ruby3.3"]
        .iter()
        .filter_map(|r| handler_candidates(r, &handler.value))
        .flatten()
        .filter(|c| dir.join(c).is_file())
        .collect()
}

impl<'a> Validator<'a> {
    /// For an interpreted runtime, the file the handler names must be in the package:
    /// otherwise every invoke fails with `Runtime.ImportModuleError`, long after the
    /// deploy reported success.
    fn handler_file(
        &mut self,
        runtime: &Sp<String>,
        handler: &Sp<String>,
        artifact: &str,
        files: Option<&[String]>,
    ) {
        let Some(files) = files else { return };
        if runtime.value.contains("${") || handler.value.contains("${") {
            return;
        }
        let Some(candidates) = handler_candidates(&runtime.value, &handler.value) else {
            return;
        };
        if candidates.iter().any(|c| files.iter().any(|f| f == c)) {
            return;
        }
        self.push(
            Problem::new(
                handler.pos,
                format!(
                    "handler `{}` needs `{}` in `{artifact}`, which has no such file",
                    handler.value, candidates[0]
                ),
                "no such file in the package",
            )
            .help(format!(
                "for {} the handler is FILE.FUNCTION, FILE being the path inside the package without its extension; fix `handler:` or add `{}`",
                runtime.value, candidates[0]
            )),
        );
    }

    /// Resolves a `zip:` or `dir:` path, checking it stays inside the manifest's folder
    /// (also through symlinks) and is a file or directory as expected.
    fn local_path(
        &mut self,
        s: &Sp<String>,
        ctx: &Context<'_>,
        path: &str,
        want_dir: bool,
    ) -> Option<PathBuf> {
        let rel = self.text(s, ctx, path)?;
        let base = self.input.manifest_dir;
        let outside = || {
            Problem::new(
                s.pos,
                format!("`{path}` points outside the manifest's folder: `{rel}`"),
                "leaves the manifest's folder",
            )
            .help(
                "artifact paths are relative to the folder of the manifest and must stay inside it",
            )
        };
        if Path::new(&rel).is_absolute() || !normalize(base, Path::new(&rel)).starts_with(base) {
            self.push(outside());
            return None;
        }
        let full = normalize(base, Path::new(&rel));
        let kind = if want_dir { "directory" } else { "file" };
        match std::fs::metadata(&full) {
            Ok(m) if m.is_dir() == want_dir => {}
            Ok(_) => {
                self.push(
                    Problem::new(
                        s.pos,
                        format!("`{path}` is not a {kind}: `{rel}`"),
                        format!("not a {kind}"),
                    )
                    .help(if want_dir {
                        "use `zip:` for a .zip file"
                    } else {
                        "use `dir:` for a directory"
                    }),
                );
                return None;
            }
            Err(_) => {
                self.push(
                    Problem::new(s.pos, format!("`{path}` does not exist: `{rel}`"), format!("no such {kind}"))
                        .help("build the artifact first, or fix the path (relative to the manifest's folder)"),
                );
                return None;
            }
        }
        match (full.canonicalize(), base.canonicalize()) {
            (Ok(real), Ok(real_base)) if real.starts_with(&real_base) => Some(full),
            _ => {
                self.push(outside());
                None
            }
        }
    }

    /// Interpolates and checks an `upload` destination. `path` names it in messages.
    fn upload(&mut self, u: &Sp<RawUpload>, ctx: &Context<'_>, path: &str) -> Option<Upload> {
        let bucket_path = format!("{path}.bucket");
        let bucket = self.text(&u.value.bucket, ctx, &bucket_path);
        let prefix = match &u.value.prefix {
            Some(p) => Some(self.text(p, ctx, &format!("{path}.prefix"))?),
            None => None,
        };
        let bucket = bucket?;
        if let Err(why) = check_bucket_name(&bucket) {
            self.push(
                Problem::new(
                    u.value.bucket.pos,
                    format!("`{bucket_path}`: `{bucket}` is not a valid S3 bucket name: {why}"),
                    "invalid bucket name",
                )
                .help("S3 bucket names are 3–63 lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit"),
            );
            return None;
        }
        Some(Upload::new(bucket, prefix.as_deref().unwrap_or("")))
    }

    /// The artifact's own `upload`, else the merged setting. `Some(None)`: no upload;
    /// `None`: an invalid one (already reported).
    fn upload_of(
        &mut self,
        own: Option<&Sp<RawUpload>>,
        setting: Option<&Sp<RawUpload>>,
        ctx: &Context<'_>,
        path: &str,
    ) -> Option<Option<Upload>> {
        match (own, setting) {
            (Some(u), _) => self
                .upload(u, ctx, &format!("{path}.artifact.upload"))
                .map(Some),
            (None, Some(u)) => self.upload(u, ctx, &format!("{path}.upload")).map(Some),
            (None, None) => Some(None),
        }
    }

    #[allow(clippy::too_many_arguments)] // one call site; the settings layers are separate inputs
    pub(crate) fn artifact(
        &mut self,
        f: &'a RawFunction,
        ctx: &Context<'_>,
        key: &Sp<String>,
        path: &str,
        runtime: Option<&Sp<String>>,
        handler: Option<&Sp<String>>,
        upload_setting: Option<&Sp<RawUpload>>,
    ) -> Option<ArtifactSource> {
        let p = |k: &str| format!("{path}.artifact.{k}");
        let Some(artifact) = &f.artifact else {
            if !self.unreadable(&format!("{path}.artifact")) {
                self.push(
                    Problem::new(key.pos, format!("function `{}` has no `artifact`", key.value), "no artifact")
                        .help("add one of `artifact: { zip: path }`, `{ dir: path }`, `{ s3: { bucket, key } }`, `{ image: uri }`"),
                );
            }
            return None;
        };
        let is_image = matches!(artifact.value, RawArtifact::Image(_));
        if is_image {
            for (what, s) in [("runtime", runtime), ("handler", handler)] {
                if let Some(s) = s {
                    self.push(
                        Problem::new(s.pos, format!("function `{}` is a container image, so it must not have a `{what}`", key.value), format!("{what} with an image"))
                            .help("an image brings its own runtime and entry point (set CMD in the image); remove this line"),
                    );
                }
            }
        } else {
            for (what, s) in [("runtime", runtime), ("handler", handler)] {
                if s.is_none() && !self.unreadable(&format!("{path}.{what}")) {
                    self.push(
                        Problem::new(
                            artifact.pos,
                            format!(
                                "function `{}` is a zip function, so it needs a `{what}`",
                                key.value
                            ),
                            format!("no {what}"),
                        )
                        .help(format!("set `{what}:` on the function or in `defaults`")),
                    );
                }
            }
        }
        match &artifact.value {
            RawArtifact::Zip(z) => {
                let upload = self.upload_of(z.upload.as_ref(), upload_setting, ctx, path);
                let path = self.local_path(&z.zip, ctx, &p("zip"), false)?;
                let limit = flotilla_cloud::limits::zip_limit(matches!(upload, Some(Some(_))));
                if let Ok(meta) = std::fs::metadata(&path)
                    && meta.len() > limit
                {
                    self.push(too_large(&z.zip, meta.len(), limit));
                    return None;
                }
                if let (Some(runtime), Some(handler)) = (runtime, handler) {
                    let files = zip_entries(&path);
                    self.handler_file(runtime, handler, &z.zip.value, files.as_deref());
                }
                Some(ArtifactSource::Zip {
                    path,
                    upload: upload?,
                })
            }
            RawArtifact::Dir(d) => {
                let upload = self.upload_of(d.upload.as_ref(), upload_setting, ctx, path);
                let dir = self.local_path(&d.dir, ctx, &p("dir"), true);
                let mut exclude = Vec::new();
                for g in d.exclude.iter().flatten() {
                    match globset::Glob::new(&g.value) {
                        Ok(_) => exclude.push(g.value.clone()),
                        Err(e) => self.push(
                            Problem::new(
                                g.pos,
                                format!("`{}` has an invalid glob: {}", p("exclude"), e.kind()),
                                "invalid glob",
                            )
                            .help("use globs such as `**/*.pyc` or `tests/**`"),
                        ),
                    }
                }
                let dir = dir?;
                if let (Some(runtime), Some(handler)) = (runtime, handler) {
                    let files = dir_entries(&dir, handler);
                    self.handler_file(runtime, handler, &d.dir.value, Some(&files));
                }
                Some(ArtifactSource::Dir {
                    path: dir,
                    exclude,
                    upload: upload?,
                })
            }
            RawArtifact::S3(s) => {
                let s3 = &s.s3;
                let bucket = self.text(&s3.bucket, ctx, &p("s3.bucket"));
                let key = self.text(&s3.key, ctx, &p("s3.key"));
                let version = s3
                    .version
                    .as_ref()
                    .map(|v| self.text(v, ctx, &p("s3.version")));
                let sha256 = s3
                    .sha256
                    .as_ref()
                    .map(|v| self.text(v, ctx, &p("s3.sha256")));
                Some(ArtifactSource::S3 {
                    bucket: bucket?,
                    key: key?,
                    version: version.map_or(Some(None), |v| v.map(Some))?,
                    sha256: sha256.map_or(Some(None), |v| v.map(Some))?,
                })
            }
            RawArtifact::Image(i) => {
                let uri = self.text(&i.image, ctx, &p("image"))?;
                if let Some(why) = flotilla_cloud::image::malformed_digest(&uri) {
                    self.push(
                        Problem::new(i.image.pos, format!("`{}`: {why}", p("image")), "malformed digest")
                            .help("pin the image as `REPOSITORY@sha256:<64 hex digits>` (as `docker buildx imagetools inspect` or `aws ecr describe-images` print it), or use a tag such as `REPOSITORY:v1`"),
                    );
                    return None;
                }
                Some(ArtifactSource::Image { uri })
            }
        }
    }
}
