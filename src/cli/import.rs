//! `flotilla import`: write a manifest for functions that already exist, so a fleet
//! deployed some other way is adopted with one command and an empty first plan.

use std::path::{Path, PathBuf};

use flotilla::connect::Target;
use flotilla_cloud::lambda::ClientOptions;
use flotilla_core::import::{Filter, WriteOptions, read_fleet, write_manifest};
use flotilla_core::model::Limits;
use flotilla_core::pace::Pacer;

use super::Exit;
use super::error::CliError;
use super::target::report_error;

/// Arguments of `flotilla import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Names of the functions to import (default: every function the filters select).
    #[arg(value_name = "NAME")]
    names: Vec<String>,
    /// Import the functions whose name starts with PREFIX.
    #[arg(long, value_name = "PREFIX")]
    prefix: Option<String>,
    /// Import only functions carrying this tag (`KEY=VALUE`, or `KEY` for any value);
    /// repeat to require several.
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    tags: Vec<String>,
    /// Region to read; repeat for several (default: `AWS_REGION`, then `AWS_DEFAULT_REGION`).
    #[arg(long = "region", value_name = "REGION")]
    regions: Vec<String>,
    /// Where to write the manifest (`-` for stdout).
    #[arg(short = 'o', long = "output", default_value = "deploy.yaml")]
    output: PathBuf,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    force: bool,
    /// Bucket for zip functions' code: written as `s3` artifacts pinned by the live
    /// `sha256`, so nothing is read from it until the code changes (Lambda does not
    /// record where a zip came from).
    #[arg(long, value_name = "BUCKET")]
    code_bucket: Option<String>,
    /// Key prefix for those objects (`{prefix}{function}.zip`).
    #[arg(
        long,
        value_name = "PREFIX",
        default_value = "",
        requires = "code_bucket"
    )]
    code_prefix: String,
    /// Download each zip function's package into DIR (inside the manifest's folder) as
    /// `<function>.zip` and reference it as a `zip:` artifact: the exact bytes Lambda
    /// holds, checked against `CodeSha256`, so the first plan is empty.
    #[arg(long, value_name = "DIR", conflicts_with = "code_bucket")]
    download_code: Option<PathBuf>,
    /// Lambda endpoint (default: `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL`, AWS).
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// AWS profile (default: `AWS_PROFILE`).
    #[arg(long)]
    profile: Option<String>,
}

/// Reads the fleet, writes the manifest and says what to do next.
pub fn run(args: Args) -> Exit {
    let mut regions = args.regions.clone();
    if regions.is_empty() {
        regions.extend(
            ["AWS_REGION", "AWS_DEFAULT_REGION"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|r| !r.is_empty())),
        );
    }
    if regions.is_empty() {
        return CliError::NoRegion.report();
    }
    let mut tags = Vec::new();
    for t in &args.tags {
        let (k, v) = t.split_once('=').unwrap_or((t.as_str(), ""));
        tags.push((k.to_owned(), v.to_owned()));
    }
    let filter = Filter {
        names: args.names.clone(),
        prefix: args.prefix.clone(),
        tags,
    };
    let to_stdout = args.output == Path::new("-");
    if !to_stdout && args.output.exists() && !args.force {
        return CliError::OutputExists {
            path: args.output.clone(),
        }
        .report();
    }
    let target = Target::Aws(ClientOptions {
        endpoint_url: args.endpoint_url.clone(),
        profile: args.profile.clone(),
        ..ClientOptions::default()
    });
    let found = super::runtime().block_on(async {
        let (clients, _) = flotilla::connect::connect(&target).await;
        let pacer = Pacer::new(Limits::default());
        read_fleet(&*clients, &pacer, &regions, &filter).await
    });
    let found = match found {
        Ok(f) => f,
        Err(e) => return report_error(e),
    };
    let mut downloaded = std::collections::BTreeMap::new();
    if let Some(dir) = &args.download_code {
        // Artifact paths are relative to the manifest's folder (the current one for stdout).
        let base = match args.output.parent() {
            Some(p) if !to_stdout && !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        match super::runtime().block_on(super::import_code::download_all(&found, dir, &base)) {
            Ok(d) => downloaded = d,
            Err(e) => return report_error(e),
        }
    }
    let opts = WriteOptions {
        downloaded,
        code_bucket: args.code_bucket.clone(),
        code_prefix: args.code_prefix.clone(),
        schema_url: flotilla_core::manifest::schema_url(),
    };
    let imported = match write_manifest(&found, &opts) {
        Ok(i) => i,
        Err(e) => return report_error(e),
    };
    if to_stdout {
        print!("{}", imported.yaml);
    } else if let Err(e) = std::fs::write(&args.output, &imported.yaml) {
        return CliError::WriteFile {
            path: args.output.clone(),
            source: e,
        }
        .report();
    }
    let file = if to_stdout {
        "deploy.yaml".to_owned()
    } else {
        args.output.display().to_string()
    };
    eprintln!(
        "Imported {} function(s) into {}.",
        imported.functions.len(),
        if to_stdout { "stdout" } else { file.as_str() }
    );
    if !imported.secrets.is_empty() {
        eprintln!(
            "\n{} environment value(s) looked sensitive and were not written; the manifest reads them from these variables (set each to the value the function has now):",
            imported.secrets.len()
        );
        for s in &imported.secrets {
            eprintln!("  {}  ({}: {})", s.variable, s.function, s.key);
        }
    }
    if !imported.unowned.is_empty() {
        eprintln!(
            "\n{} function(s) carry no Flotilla ownership tags; the first apply adds flotilla:manifest and flotilla:env to adopt them (the plan shows that tag change): {}",
            imported.unowned.len(),
            imported.unowned.join(", ")
        );
    }
    let env = imported
        .environment
        .as_ref()
        .map(|e| format!(" --env {e}"))
        .unwrap_or_default();
    eprintln!(
        "\nNext: flotilla validate -f {file}{env} && flotilla plan -f {file}{env} --detailed-exitcode"
    );
    Exit::Ok
}
