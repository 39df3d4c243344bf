//! `flotilla init`: a starter `deploy.yaml` for a folder of functions, one function per
//! subfolder, its runtime and handler guessed from the files in it (as `sam init` and
//! `lambroll init` leave a file to edit, not a finished deployment).

use std::path::{Path, PathBuf};

use super::Exit;
use super::error::CliError;

/// Arguments of `flotilla init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder whose subfolders are the functions.
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// Where to write the manifest (`-` for stdout); artifact paths are relative to it.
    #[arg(short = 'o', long = "output", default_value = "deploy.yaml")]
    output: PathBuf,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    force: bool,
    /// Region for `defaults` (default: `AWS_REGION`, else us-east-1).
    #[arg(long)]
    region: Option<String>,
    /// Execution role ARN for `defaults` (default: a placeholder to replace).
    #[arg(long, value_name = "ARN")]
    role: Option<String>,
}

/// What a folder's files say about the function in it.
#[derive(Debug, PartialEq, Eq)]
struct Guess {
    runtime: &'static str,
    handler: String,
    why: &'static str,
    /// The handler file sits in `src/`: package that folder, not the function's.
    in_src: bool,
}

fn has(dir: &Path, name: &str) -> bool {
    dir.join(name).exists()
}

/// The first file in `dir` (or `dir/src`) with one of `names`, as its stem.
fn first_stem(dir: &Path, names: &[&str]) -> Option<(String, bool)> {
    for sub in ["", "src"] {
        for name in names {
            if dir.join(sub).join(name).is_file() {
                let stem = Path::new(name).file_stem()?.to_string_lossy().into_owned();
                return Some((stem, !sub.is_empty()));
            }
        }
    }
    None
}

/// The runtime and handler for the function in `dir`, or `None` when nothing says.
fn guess(dir: &Path) -> Option<Guess> {
    if let Some((stem, in_src)) = first_stem(
        dir,
        &[
            "lambda_function.py",
            "app.py",
            "handler.py",
            "main.py",
            "index.py",
        ],
    ) {
        let function = if stem == "lambda_function" {
            "lambda_handler"
        } else {
            "handler"
        };
        return Some(Guess {
            runtime: "python3.12",
            handler: format!("{stem}.{function}"),
            why: "Python sources",
            in_src,
        });
    }
    if has(dir, "requirements.txt") || has(dir, "pyproject.toml") {
        return Some(Guess {
            runtime: "python3.12",
            handler: "app.handler".to_owned(),
            why: "requirements.txt or pyproject.toml",
            in_src: false,
        });
    }
    if let Some((stem, in_src)) = first_stem(
        dir,
        &[
            "index.mjs",
            "index.js",
            "handler.mjs",
            "handler.js",
            "app.mjs",
            "app.js",
        ],
    ) {
        return Some(Guess {
            runtime: "nodejs22.x",
            handler: format!("{stem}.handler"),
            why: "JavaScript sources",
            in_src,
        });
    }
    if has(dir, "package.json") {
        return Some(Guess {
            runtime: "nodejs22.x",
            handler: "index.handler".to_owned(),
            why: "package.json",
            in_src: false,
        });
    }
    if has(dir, "Cargo.toml") || has(dir, "go.mod") || has(dir, "bootstrap") {
        return Some(Guess {
            runtime: "provided.al2023",
            handler: "bootstrap".to_owned(),
            why: "a native `bootstrap` (Rust or Go: build it into this folder)",
            in_src: false,
        });
    }
    if has(dir, "pom.xml") || has(dir, "build.gradle") || has(dir, "build.gradle.kts") {
        return Some(Guess {
            runtime: "java21",
            handler: "example.Handler::handleRequest".to_owned(),
            why: "a Java build (edit the handler)",
            in_src: false,
        });
    }
    None
}

/// A function key from a folder name: letters, digits, `-`, `_`, at most 64.
fn key_of(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect()
}

/// `path` relative to `base`, with `/` separators (both made absolute first).
fn relative(path: &Path, base: &Path) -> String {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
    let (path, base) = (abs(path), abs(base));
    let common = path
        .components()
        .zip(base.components())
        .take_while(|(a, b)| a == b)
        .count();
    let ups = base.components().count() - common;
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_owned(), ups).collect();
    parts.extend(
        path.components()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

/// Writes the starter manifest.
pub fn run(args: Args) -> Exit {
    let to_stdout = args.output == Path::new("-");
    if !to_stdout && args.output.exists() && !args.force {
        return CliError::OutputExists { path: args.output }.report();
    }
    let entries = match std::fs::read_dir(&args.dir) {
        Ok(e) => e,
        Err(source) => {
            return CliError::ReadDir {
                path: args.dir,
                source,
            }
            .report();
        }
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            !name.starts_with('.') && !["target", "node_modules", "schema"].contains(&&*name)
        })
        .collect();
    dirs.sort();
    let base = if to_stdout {
        PathBuf::from(".")
    } else {
        args.output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_owned)
    };
    let region = args
        .region
        .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()))
        .unwrap_or_else(|| "us-east-1".to_owned());
    let role_line = match &args.role {
        Some(r) => format!("  role: {r}\n"),
        None => "  role: arn:aws:iam::123456789012:role/lambda-execution # replace: your functions' execution role\n".to_owned(),
    };

    let mut functions = String::new();
    let mut skipped = Vec::new();
    let mut count = 0;
    for dir in &dirs {
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        let Some(g) = guess(dir) else {
            skipped.push(name.into_owned());
            continue;
        };
        count += 1;
        let code = if g.in_src {
            dir.join("src")
        } else {
            dir.clone()
        };
        functions.push_str(&format!(
            "  {}:\n    runtime: {} # from {}\n    handler: {}\n    artifact: {{ dir: {} }}\n",
            key_of(&name),
            g.runtime,
            g.why,
            g.handler,
            serde_json::to_string(&relative(&code, &base)).unwrap_or_default(),
        ));
    }
    if count == 0 {
        return CliError::NoFunctionFolders { path: args.dir }.report();
    }
    let text = format!(
        "# yaml-language-server: $schema={schema}\n\
         #\n\
         # Written by `flotilla init`: one function per folder. Check it with `flotilla validate`,\n\
         # see what a deploy would do with `flotilla plan` (or `flotilla plan --local`, no AWS\n\
         # account needed). Reference: `flotilla schema`, docs/manifest.md.\n\
         version: 1\n\
         defaults:\n\
         \x20 region: {region}\n\
         {role_line}\
         \x20 memory: 128\n\
         \x20 timeout: 10s\n\
         functions:\n\
         {functions}",
        schema = flotilla_core::manifest::schema_url(),
    );
    if to_stdout {
        print!("{text}");
    } else if let Err(source) = std::fs::write(&args.output, &text) {
        return CliError::WriteFile {
            path: args.output,
            source,
        }
        .report();
    } else {
        eprintln!("Wrote {} with {count} function(s).", args.output.display());
    }
    if !skipped.is_empty() {
        eprintln!(
            "Skipped folder(s) with no recognisable function (add them by hand): {}",
            skipped.join(", ")
        );
    }
    Exit::Ok
}

#[cfg(test)]
mod tests {
    use super::relative;
    use std::path::Path;

    #[test]
    fn relative_paths_climb_and_descend() {
        assert_eq!(relative(Path::new("/a/b/c"), Path::new("/a")), "b/c");
        assert_eq!(relative(Path::new("/a/x"), Path::new("/a/b")), "../x");
        assert_eq!(relative(Path::new("/a"), Path::new("/a")), ".");
    }
}
