//! Every `flotilla …` command the documentation shows passes only flags its subcommand
//! has. The commands are read from README.md and docs/*.md: the lines of ```sh, ```bash
//! and ```console blocks and the inline code spans, where a command starts with
//! `flotilla `, `cargo run -- ` or `cargo run --release -- ` (after any `VAR=value` assignments, and after
//! `&&`, `||`, `;`, `&` or `|` outside `[...]`). Each `--flag` and `-f` it passes must be
//! listed by `flotilla SUBCOMMAND --help`; placeholders (`<...>`, `…`, `SUBCOMMAND`) are
//! skipped. All failures are collected and reported at once.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The flags one `--help` lists, or why it could not be run.
type Help = Result<BTreeSet<String>, String>;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every docs/*.md, sorted.
fn doc_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .map(|e| e.expect("docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files.insert(0, root().join("README.md"));
    files
}

/// A command found in the documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DocCommand {
    /// 1-based line the command starts on.
    line: usize,
    /// The command as written (continuations joined).
    text: String,
    /// The subcommand, or `None` for `flotilla --version` and the like.
    sub: Option<String>,
    /// The flags it passes, in order (`--file`, `-f`).
    flags: Vec<String>,
}

/// The info string's language of a fence opening (` ```sh `), if the line opens or closes a
/// fence: (fence character, fence length, language).
fn fence(line: &str) -> Option<(char, usize, String)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let c = rest.chars().next()?;
    if c != '`' && c != '~' {
        return None;
    }
    let n = rest.chars().take_while(|&x| x == c).count();
    if n < 3 {
        return None;
    }
    let info = rest[n..].trim();
    let lang = info
        .split(|x: char| x.is_whitespace() || x == ',' || x == '{')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    Some((c, n, lang))
}

/// Every command in one Markdown text.
fn commands_in_markdown(markdown: &str) -> Vec<DocCommand> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut out = Vec::new();
    // Text outside fenced blocks, fence lines blanked so line numbers stay right and no
    // code span crosses a block.
    let mut prose: Vec<&str> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let Some((c, n, lang)) = fence(lines[i]) else {
            prose.push(lines[i]);
            i += 1;
            continue;
        };
        let start = i;
        let mut end = i + 1;
        while end < lines.len() {
            let closes = fence(lines[end])
                .is_some_and(|(c2, n2, info)| c2 == c && n2 >= n && info.is_empty());
            if closes {
                break;
            }
            end += 1;
        }
        let body = &lines[(start + 1).min(lines.len())..end.min(lines.len())];
        if matches!(lang.as_str(), "sh" | "bash" | "shell" | "console") {
            out.extend(commands_in_block(body, start + 2, lang == "console"));
        }
        let blanked = end.min(lines.len() - 1) + 1 - start;
        prose.extend(std::iter::repeat_n("", blanked));
        i = end + 1;
    }
    out.extend(commands_in_spans(&prose));
    out.sort_by_key(|c| c.line);
    out
}

/// Commands in the lines of a shell block whose first line is `first_line`.
fn commands_in_block(body: &[&str], first_line: usize, console: bool) -> Vec<DocCommand> {
    let prompts = console && body.iter().any(|l| l.trim_start().starts_with("$ "));
    // (line, joined text)
    let mut logical: Vec<(usize, String)> = Vec::new();
    let mut open = false; // the previous line ended with `\`
    for (k, raw) in body.iter().enumerate() {
        let line = raw.trim_end();
        let continues_synopsis = line.starts_with(char::is_whitespace)
            && line.trim_start().starts_with('[')
            && !logical.is_empty();
        let text = line.strip_suffix('\\').unwrap_or(line);
        if open || continues_synopsis {
            if let Some((_, prev)) = logical.last_mut() {
                prev.push(' ');
                prev.push_str(text.trim());
            }
        } else {
            let text = if prompts {
                match text.trim_start().strip_prefix("$ ") {
                    Some(cmd) => cmd,
                    None => {
                        open = false;
                        continue; // output, not a command
                    }
                }
            } else {
                text
            };
            logical.push((first_line + k, text.trim().to_owned()));
        }
        open = line.ends_with('\\');
    }
    logical
        .into_iter()
        .flat_map(|(line, text)| commands_in_line(&text, line))
        .collect()
}

/// Commands in the inline code spans of the prose lines (line 1 is `prose[0]`).
fn commands_in_spans(prose: &[&str]) -> Vec<DocCommand> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < prose.len() {
        // One paragraph (or table, list item run): lines up to a blank one.
        if prose[i].trim().is_empty() {
            i += 1;
            continue;
        }
        let start = i;
        while i < prose.len() && !prose[i].trim().is_empty() {
            i += 1;
        }
        let para = prose[start..i].join("\n");
        let line_of = |offset: usize| start + 1 + para[..offset].matches('\n').count();
        let bytes = para.as_bytes();
        let mut p = 0;
        while p < bytes.len() {
            if bytes[p] != b'`' {
                p += 1;
                continue;
            }
            let run = bytes[p..].iter().take_while(|&&b| b == b'`').count();
            let open_end = p + run;
            // The closing run: exactly `run` backticks.
            let mut q = open_end;
            let mut close = None;
            while q < bytes.len() {
                if bytes[q] == b'`' {
                    let r = bytes[q..].iter().take_while(|&&b| b == b'`').count();
                    if r == run {
                        close = Some(q);
                        break;
                    }
                    q += r;
                } else {
                    q += 1;
                }
            }
            let Some(close) = close else {
                p = open_end; // literal backticks
                continue;
            };
            let content = para[open_end..close].replace('\n', " ").replace("\\|", "|");
            out.extend(commands_in_line(content.trim(), line_of(p)));
            p = close + run;
        }
    }
    out
}

/// Separators between commands of one shell line (outside `[...]`).
const SEPARATORS: [&str; 5] = ["&&", "||", ";", "&", "|"];

/// The `flotilla` commands in one shell line.
fn commands_in_line(text: &str, line: usize) -> Vec<DocCommand> {
    let mut out = Vec::new();
    let mut segment: Vec<&str> = Vec::new();
    let mut depth: i32 = 0;
    let mut skip_next = false;
    let flush = |segment: &mut Vec<&str>, out: &mut Vec<DocCommand>| {
        if let Some(cmd) = command_of(segment, text, line) {
            out.push(cmd);
        }
        segment.clear();
    };
    for word in text.split_whitespace() {
        if skip_next {
            skip_next = false;
            continue;
        }
        if depth <= 0 {
            if word.starts_with('#') {
                break; // a comment
            }
            if SEPARATORS.contains(&word) {
                flush(&mut segment, &mut out);
                continue;
            }
            if let Some(head) = word.strip_suffix(';') {
                segment.push(head);
                flush(&mut segment, &mut out);
                continue;
            }
            // Redirections: `> file`, `2>file`, `< file`.
            let redirect = word.trim_start_matches(|c: char| c.is_ascii_digit());
            let placeholder = word.len() > 2 && word.starts_with('<') && word.ends_with('>');
            if !placeholder && (redirect.starts_with('>') || redirect.starts_with('<')) {
                skip_next = redirect.trim_start_matches(['>', '<', '&']).is_empty();
                continue;
            }
        }
        depth += word.matches('[').count() as i32 - word.matches(']').count() as i32;
        segment.push(word);
    }
    flush(&mut segment, &mut out);
    out
}

/// A `VAR=value` assignment before a command.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// Placeholders: `<FILE>`, `…`, `...`, `SUBCOMMAND`.
fn is_placeholder(word: &str) -> bool {
    word.starts_with('<')
        || word.starts_with('…')
        || word.starts_with("...")
        || (word.chars().any(|c| c.is_ascii_uppercase())
            && word
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c == '|'))
}

/// The flag a word passes, if it is one: `--file`, `--format=json` → `--format`, `-f`,
/// `[--env` → `--env`.
fn flag_of(word: &str) -> Option<String> {
    let word = word.trim_start_matches(['[', '(', '{', '"', '\'']);
    let word = word.split('=').next().unwrap_or(word);
    let word = word.trim_end_matches([']', ')', '}', '"', '\'', ',', '…', '.']);
    let name_ok = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if let Some(long) = word.strip_prefix("--") {
        return name_ok(long).then(|| word.to_owned());
    }
    let short = word.strip_prefix('-')?;
    (short.len() == 1 && short.chars().all(|c| c.is_ascii_alphabetic())).then(|| word.to_owned())
}

/// The command a segment of words runs, if it runs Flotilla.
fn command_of(words: &[&str], text: &str, line: usize) -> Option<DocCommand> {
    let mut words = words.iter().copied().skip_while(|w| is_assignment(w));
    let rest: Vec<&str> = match words.next()? {
        "flotilla" => words.collect(),
        w if w.ends_with("/flotilla") => words.collect(),
        "cargo" => {
            let all: Vec<&str> = words.collect();
            all.strip_prefix(&["run", "--release", "--"][..])
                .or_else(|| all.strip_prefix(&["run", "--"][..]))?
                .to_vec()
        }
        _ => return None,
    };
    // Flags before the subcommand belong to `flotilla` itself.
    let mut flags = Vec::new();
    let mut rest = rest.into_iter();
    let mut sub = None;
    for word in rest.by_ref() {
        if word.starts_with('-') {
            flags.extend(flag_of(word));
            continue;
        }
        sub = Some(word);
        break;
    }
    let sub = match sub {
        None if flags.is_empty() => return None, // `flotilla` alone
        None => None,
        Some(s) if is_placeholder(s) || s.starts_with('[') => return None,
        Some(s) => {
            if !s.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                return None; // not a subcommand name (e.g. `flotilla:manifest` prose)
            }
            flags.clear(); // checked against the subcommand instead
            for word in rest {
                if word == "--" {
                    break;
                }
                if is_placeholder(word.trim_start_matches(['[', '('])) {
                    continue;
                }
                flags.extend(flag_of(word));
            }
            Some(s.to_owned())
        }
    };
    Some(DocCommand {
        line,
        text: text.to_owned(),
        sub,
        flags,
    })
}

/// The flags a `--help` text lists (`-f, --file <FILE>` → `-f`, `--file`).
fn flags_in_help(help: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    for line in help.lines() {
        let line = line.trim_start();
        if !line.starts_with('-') {
            continue;
        }
        for word in line.split_whitespace() {
            if !word.starts_with('-') {
                break;
            }
            let name: String = word
                .trim_end_matches(',')
                .split(['<', '=', '['])
                .next()
                .unwrap_or("")
                .to_owned();
            if name.len() > 1 {
                flags.insert(name);
            }
        }
    }
    flags
}

/// `flotilla [SUB] --help`, or why it failed.
fn help(sub: Option<&str>) -> Help {
    let mut cmd = assert_cmd::Command::cargo_bin("flotilla").expect("the flotilla binary");
    cmd.args(sub).arg("--help");
    let out = cmd.output().expect("run flotilla --help");
    if !out.status.success() {
        return Err(format!(
            "`flotilla {} --help` failed: {}",
            sub.unwrap_or(""),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(flags_in_help(&String::from_utf8_lossy(&out.stdout)))
}

/// Checks the commands of one file; returns one line per problem.
fn check(
    file: &str,
    commands: &[DocCommand],
    help_of: &mut dyn FnMut(Option<&str>) -> Help,
) -> Vec<String> {
    let mut failures = Vec::new();
    for cmd in commands {
        let subject = cmd.sub.as_deref();
        match help_of(subject) {
            Err(why) => failures.push(format!("{file}:{}: `{}`: {why}", cmd.line, cmd.text)),
            Ok(known) => {
                for flag in &cmd.flags {
                    if !known.contains(flag) {
                        failures.push(format!(
                            "{file}:{}: `{}`: `flotilla {}` has no {flag}",
                            cmd.line,
                            cmd.text,
                            subject.unwrap_or("")
                        ));
                    }
                }
            }
        }
    }
    failures
}

/// `help` once per subcommand.
fn cached_help() -> impl FnMut(Option<&str>) -> Help {
    let mut cache: HashMap<Option<String>, Help> = HashMap::new();
    move |sub| {
        cache
            .entry(sub.map(str::to_owned))
            .or_insert_with(|| help(sub))
            .clone()
    }
}

#[test]
fn every_flag_the_docs_show_is_a_flag_of_its_subcommand() {
    let mut help_of = cached_help();
    let mut failures = Vec::new();
    let mut found = 0;
    let mut subs = BTreeSet::new();
    for path in doc_files() {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let name = path
            .strip_prefix(root())
            .unwrap_or(&path)
            .display()
            .to_string();
        let commands = commands_in_markdown(&text);
        found += commands.len();
        subs.extend(commands.iter().filter_map(|c| c.sub.clone()));
        failures.extend(check(&name, &commands, &mut help_of));
    }
    // The extraction itself works: the docs show these subcommands many times.
    for sub in ["validate", "plan", "apply", "rollback", "status", "sim"] {
        assert!(
            subs.contains(sub),
            "no `flotilla {sub}` command found in the docs: {subs:?}"
        );
    }
    assert!(found >= 30, "only {found} commands found in the docs");
    assert!(
        failures.is_empty(),
        "{} flag(s) the docs show do not exist:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_check_catches_a_flag_that_does_not_exist() {
    let doc = "Run `flotilla plan --env staging --no-such-flag` or\n\n```sh\nAWS_REGION=x flotilla \\\n  apply plan.json --shard A/R -z && flotilla nosuch --x\n```\n";
    let commands = commands_in_markdown(doc);
    let failures = check("doc.md", &commands, &mut cached_help());
    assert_eq!(failures.len(), 3, "{failures:#?}");
    assert!(failures[0].contains("doc.md:1:") && failures[0].contains("has no --no-such-flag"));
    assert!(failures[1].contains("doc.md:4:") && failures[1].contains("has no -z"));
    assert!(failures[2].contains("`flotilla nosuch --help` failed"));
}

#[test]
fn commands_are_read_as_a_shell_would_split_them() {
    let doc = concat!(
        "```sh\n",
        "flotilla plan [-f deploy.yaml] [--only NAME|GLOB]… [--local | --endpoint-url URL]\n",
        "              [-o plan.json] [--format text|markdown|json]\n",
        "flotilla plan -f d.yaml --prune -o plan.json && flotilla apply plan.json # a comment --x\n",
        "flotilla man | man -l -\n",
        "flotilla completions bash > ~/.bash --nope\n",
        "cargo run --release -- apply --local\n",
        "echo --not-flotilla\n",
        "```\n",
        "| `flotilla validate [--format text\\|json]` | `flotilla:manifest` tag | `flotilla plan … --prune` |\n",
        "```yaml\n",
        "- flotilla plan --ignored-in-yaml\n",
        "```\n",
        "`flotilla --version`, `flotilla <sub> --x`, `flotilla\nstatus --format json`\n",
    );
    let got: Vec<(usize, Option<String>, Vec<String>)> = commands_in_markdown(doc)
        .into_iter()
        .map(|c| (c.line, c.sub, c.flags))
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    let plan = Some("plan".to_owned());
    assert_eq!(
        got,
        vec![
            (
                2,
                plan.clone(),
                s(&[
                    "-f",
                    "--only",
                    "--local",
                    "--endpoint-url",
                    "-o",
                    "--format"
                ])
            ),
            (4, plan.clone(), s(&["-f", "--prune", "-o"])),
            (4, Some("apply".to_owned()), vec![]),
            (5, Some("man".to_owned()), vec![]),
            (6, Some("completions".to_owned()), s(&["--nope"])),
            (7, Some("apply".to_owned()), s(&["--local"])),
            (10, Some("validate".to_owned()), s(&["--format"])),
            (10, plan, s(&["--prune"])),
            (14, None, s(&["--version"])),
            (14, Some("status".to_owned()), s(&["--format"])),
        ]
    );
}

/// The YAML block that follows `marker` in docs/manifest.md.
fn manifest_example(marker: &str) -> String {
    let doc = std::fs::read_to_string(root().join("docs/manifest.md")).expect("docs/manifest.md");
    let (_, after) = doc
        .split_once(marker)
        .unwrap_or_else(|| panic!("docs/manifest.md has no {marker:?}"));
    let (_, block) = after.split_once("```yaml\n").expect("a YAML block follows");
    let (yaml, _) = block.split_once("```").expect("the block ends");
    yaml.to_owned()
}

#[test]
fn the_manifest_reference_example_of_the_other_settings_validates() {
    let yaml = manifest_example("The other settings, in one manifest (it validates as it stands):");
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("checkout")).expect("checkout folder");
    std::fs::write(
        dir.join("checkout/app.py"),
        "def handler(e, c):\n    pass\n",
    )
    .expect("code");
    std::fs::create_dir_all(dir.join("build")).expect("build folder");
    std::fs::write(
        dir.join("build/emails.zip"),
        crate::support::tiny_zip("emails"),
    )
    .expect("zip");
    std::fs::write(dir.join("deploy.yaml"), &yaml).expect("manifest");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .args(["validate", "-f", "deploy.yaml", "--env", "staging"])
        .current_dir(dir)
        .env("CI_DB_PASSWORD", "example")
        .env("NO_COLOR", "1")
        .output()
        .expect("run flotilla validate");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{yaml}\n{text}");
    assert!(
        text.contains("valid for environment `staging`, 3 functions"),
        "{text}"
    );
}
