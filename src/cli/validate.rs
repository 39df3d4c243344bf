//! `flotilla validate`: check a manifest and print the resolved fleet or every problem.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use flotilla_core::model::{ArtifactSource, ErrorKind, LoadOptions, ManifestError, Model, Source};

use super::Exit;

/// How to print problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human report with underlined snippets (stderr).
    Text,
    /// One JSON document on stdout.
    Json,
    /// GitHub Actions `::error` annotations on stdout.
    Github,
}

/// Arguments of `flotilla validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The manifest.
    #[arg(short = 'f', long = "file", default_value = "deploy.yaml")]
    file: PathBuf,
    /// Environment to resolve; without it, every environment the manifest defines.
    #[arg(long = "env")]
    env: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Validates and prints.
pub fn run(args: Args) -> Exit {
    match check(&args) {
        Ok(models) => {
            print_fleets(&models, args.format);
            Exit::Ok
        }
        Err(e) => {
            match args.format {
                Format::Text => eprint!("{}", e.render_text(std::io::stderr().is_terminal())),
                Format::Github => print!("{}", e.render_github()),
                Format::Json => {
                    let doc = serde_json::json!({ "valid": false, "diagnostics": e.records() });
                    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
                }
            }
            match e.kind {
                ErrorKind::Invalid => Exit::Failure,
                ErrorKind::Usage => Exit::UsageOrChanges,
            }
        }
    }
}

fn check(args: &Args) -> Result<Vec<Model>, ManifestError> {
    let source = Source::read(&args.file)?;
    let envs: Vec<Option<String>> = match (&args.env, source.environments()) {
        (Some(env), _) => vec![Some(env.clone())],
        (None, all) if all.is_empty() => vec![None],
        (None, all) => all.into_iter().map(Some).collect(),
    };
    let mut models = Vec::new();
    let mut errors = Vec::new();
    let mut unset = std::collections::BTreeSet::new();
    for env in envs {
        let mut opts = LoadOptions::for_environment(env.as_deref());
        opts.lenient_from_env = true;
        match source.check(&opts) {
            Ok(c) => {
                unset.extend(c.unset_from_env);
                for w in &c.warnings {
                    eprintln!("warning: {w}");
                }
                models.push(c.model);
            }
            Err(e) => errors.push(e),
        }
    }
    // Environments sharing an account and region must not share a function name.
    if errors.is_empty()
        && let Some(e) = source.collisions(&models)
    {
        errors.push(e);
    }
    if !unset.is_empty() && errors.is_empty() {
        let names: Vec<_> = unset.into_iter().collect();
        eprintln!(
            "note: `from_env` variables not set here: {} (plan and apply will need them)",
            names.join(", ")
        );
    }
    if errors.is_empty() {
        note_unpinned_images(&models);
    }
    match ManifestError::combine(errors) {
        Some(e) => Err(e),
        None => Ok(models),
    }
}

/// A hint, not an error: an image by tag is deployed once and then compared as text, so
/// pushing the same tag again changes nothing until the URI changes.
fn note_unpinned_images(models: &[Model]) {
    let unpinned: std::collections::BTreeSet<&str> = models
        .iter()
        .flat_map(|m| &m.functions)
        .filter(|f| {
            matches!(&f.artifact, ArtifactSource::Image { uri }
                if flotilla_cloud::image::image_digest(uri).is_none())
        })
        .map(|f| f.key.0.as_str())
        .collect();
    if !unpinned.is_empty() {
        let keys: Vec<_> = unpinned.into_iter().collect();
        eprintln!(
            "note: images by tag, not digest: {} (a tag pushed again is not seen as a change; pin `REPOSITORY@sha256:<digest>` to deploy exactly what you built)",
            keys.join(", ")
        );
    }
}

fn with_upload(text: String, upload: Option<&flotilla_core::model::Upload>) -> String {
    match upload {
        Some(u) if u.prefix.is_empty() => format!("{text} via s3://{}/", u.bucket),
        Some(u) => format!("{text} via s3://{}/{}/", u.bucket, u.prefix),
        None => text,
    }
}

fn artifact_text(a: &ArtifactSource, base: &Path) -> String {
    let rel = |p: &Path| p.strip_prefix(base).unwrap_or(p).display().to_string();
    match a {
        ArtifactSource::Zip { path, upload } => {
            with_upload(format!("zip {}", rel(path)), upload.as_ref())
        }
        ArtifactSource::Dir { path, upload, .. } => {
            with_upload(format!("dir {}/", rel(path)), upload.as_ref())
        }
        ArtifactSource::S3 { bucket, key, .. } => format!("s3://{bucket}/{key}"),
        ArtifactSource::Image { uri } => format!("image {uri}"),
    }
}

fn print_fleets(models: &[Model], format: Format) {
    if format == Format::Json {
        let envs: Vec<_> = models
            .iter()
            .map(|m| {
                let functions: Vec<_> = m
                    .functions
                    .iter()
                    .map(|f| {
                        let mut json = serde_json::json!({
                            "key": f.key.0,
                            "name": f.name.as_str(),
                            "account": f.account.as_ref().map(|a| a.as_str()),
                            "region": f.region.as_str(),
                            "runtime": f.config.runtime,
                            "artifact": artifact_text(&f.artifact, &m.manifest_dir),
                        });
                        if let (Some(role), Some(obj)) = (&f.assume_role, json.as_object_mut()) {
                            obj.insert("assume_role".to_owned(), role.role_arn.as_str().into());
                        }
                        json
                    })
                    .collect();
                serde_json::json!({ "environment": m.environment, "functions": functions })
            })
            .collect();
        let doc = serde_json::json!({ "valid": true, "environments": envs, "diagnostics": [] });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return;
    }
    for m in models {
        let env = m
            .environment
            .as_deref()
            .map_or(String::new(), |e| format!(" for environment `{e}`"));
        let count = m.functions.len();
        println!(
            "{}: valid{env}, {count} function{}",
            m.manifest_path.display(),
            if count == 1 { "" } else { "s" }
        );
        print_roles(m);
        let rows: Vec<[String; 5]> = m
            .functions
            .iter()
            .map(|f| {
                [
                    f.name.to_string(),
                    f.account
                        .as_ref()
                        .map_or("(credentials)".to_owned(), ToString::to_string),
                    f.region.to_string(),
                    f.config
                        .runtime
                        .clone()
                        .unwrap_or_else(|| "(image)".to_owned()),
                    artifact_text(&f.artifact, &m.manifest_dir),
                ]
            })
            .collect();
        let mut widths = [0usize; 4];
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for [name, account, region, runtime, artifact] in rows {
            // Padded by hand: `format!`'s width argument is a u16 and a 65,536-character
            // value (which a manifest may hold) would panic there.
            println!(
                "  {}  {}  {}  {}  {artifact}",
                pad(&name, widths[0]),
                pad(&account, widths[1]),
                pad(&region, widths[2]),
                pad(&runtime, widths[3])
            );
        }
    }
}

/// `cell` left-aligned in `width` characters.
fn pad(cell: &str, width: usize) -> String {
    let mut out = cell.to_owned();
    out.extend(std::iter::repeat_n(
        ' ',
        width.saturating_sub(cell.chars().count()),
    ));
    out
}

/// One line per account reached through `assume_role` (nothing when none is).
fn print_roles(m: &Model) {
    let mut seen = std::collections::BTreeSet::new();
    for f in &m.functions {
        if let Some(role) = &f.assume_role
            && seen.insert(role.role_arn.as_str())
        {
            println!(
                "  assumes {} (session {}) in account {}",
                role.role_arn,
                role.session_name,
                role.role_arn.account()
            );
        }
    }
}
