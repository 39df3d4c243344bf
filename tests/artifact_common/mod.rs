//! Helpers shared by the artifact tests: building file trees with chosen modes, times and
//! creation orders, and reading zips back with Python's `zipfile` as an independent check.
#![allow(dead_code, clippy::unwrap_used)] // each test crate uses a subset

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

/// A file to create: path relative to the root, contents, Unix mode.
pub type Spec<'a> = (&'a str, &'a [u8], u32);

/// Creates `files` under `root` in the given order, each with its mode and `mtime`.
pub fn write_tree(root: &Path, files: &[Spec<'_>], mtime: SystemTime) {
    for (rel, contents, mode) in files {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, contents).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(*mode)).unwrap();
        fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
    }
}

/// Seconds after the Unix epoch as a `SystemTime`.
pub fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

/// A Python interpreter: the project venv's (`FLOTILLA_VENV` or `./.venv`), else
/// `python3`. `None` (with a printed note) only outside CI; in CI a missing Python fails.
pub fn python() -> PathBuf {
    let venv = std::env::var_os("FLOTILLA_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"));
    let candidates = [venv.join("bin/python"), PathBuf::from("python3")];
    for candidate in candidates {
        let works = Command::new(&candidate)
            .arg("-c")
            .arg("pass")
            .output()
            .is_ok_and(|o| o.status.success());
        if works {
            return candidate;
        }
    }
    panic!("no Python interpreter found (set FLOTILLA_VENV or install python3)");
}

/// Runs a Python script with arguments and returns its stdout, failing on a non-zero exit.
pub fn run_python(python: &Path, script: &str, args: &[&Path]) -> String {
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Base64 SHA-256 of a file, computed by Python's hashlib (independent of the crate).
pub fn python_code_sha256(python: &Path, file: &Path) -> String {
    let script = "import base64, hashlib, sys\n\
                  print(base64.b64encode(hashlib.sha256(open(sys.argv[1], 'rb').read()).digest()).decode())";
    run_python(python, script, &[file]).trim().to_owned()
}

/// One entry as Python's `zipfile` sees it.
#[derive(Debug, PartialEq, Eq, serde::Deserialize)]
pub struct PyEntry {
    /// Entry name.
    pub name: String,
    /// `external_attr >> 16` (the Unix mode, type bits included).
    pub mode: u32,
    /// `date_time` tuple.
    pub date_time: Vec<u32>,
    /// Length of the central directory's extra field.
    pub extra_len: usize,
    /// `create_system` (3 = Unix).
    pub create_system: u32,
    /// `compress_type` (8 = deflate).
    pub compress_type: u32,
    /// Contents, decoded as UTF-8 (tests only use text).
    pub text: String,
}

/// Reads every entry of the zip at `file` with Python's `zipfile` (which also checks CRCs).
pub fn python_entries(python: &Path, file: &Path) -> Vec<PyEntry> {
    let script = r#"
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    print(json.dumps([
        dict(name=i.filename, mode=i.external_attr >> 16, date_time=list(i.date_time),
             extra_len=len(i.extra), create_system=i.create_system,
             compress_type=i.compress_type, text=z.read(i).decode())
        for i in z.infolist()
    ]))
"#;
    serde_json::from_str(&run_python(python, script, &[file])).unwrap()
}

/// Entry names of a zip in archive order, as the `zip` crate reads them.
pub fn names<R: std::io::Read + std::io::Seek>(zip: &zip::ZipArchive<R>) -> Vec<String> {
    zip.file_names().map(|n| n.unwrap().into_owned()).collect()
}
