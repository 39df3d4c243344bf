//! Why an artifact could not be read, packaged or hashed, and what the user can do about it.
//!
//! Every variant names the path it is about. [`ArtifactError`] is `Clone` (I/O errors are
//! shared behind an `Arc`) because one packaged directory may serve several functions,
//! and each of them reports the failure under its own key.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use miette::Diagnostic;

use crate::model::FunctionKey;

/// One artifact that could not be read, packaged or hashed.
#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
pub enum ArtifactError {
    /// A `.flotillaignore` that cannot be read or has a line gitignore syntax refuses.
    #[error("`{path}`: {reason}")]
    #[diagnostic(
        code(flotilla::artifact::bad_ignore_file),
        help(
            "`.flotillaignore` uses gitignore syntax: one pattern per line, `#` for comments, `!` to include again, a trailing `/` for folders"
        )
    )]
    BadIgnoreFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The path does not exist.
    #[error("`{path}` does not exist")]
    #[diagnostic(
        code(flotilla::artifact::not_found),
        help(
            "artifact paths are relative to the manifest's folder; check the spelling, or build the artifact before planning"
        )
    )]
    NotFound {
        /// The missing path.
        path: PathBuf,
    },
    /// `dir:` names something that is not a directory.
    #[error("`{path}` is not a directory")]
    #[diagnostic(
        code(flotilla::artifact::not_a_directory),
        help("`dir:` packages a folder; use `zip:` for a ready .zip file")
    )]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// `zip:` names something that is not a regular file.
    #[error("`{path}` is not a file")]
    #[diagnostic(
        code(flotilla::artifact::not_a_file),
        help("`zip:` takes a .zip file; use `dir:` to package a folder")
    )]
    NotAFile {
        /// The path given.
        path: PathBuf,
    },
    /// `zip:` names a file that is not a readable zip archive.
    #[error("`{path}` is not a valid zip archive: {reason}")]
    #[diagnostic(
        code(flotilla::artifact::not_a_zip),
        help(
            "Lambda only accepts .zip archives for direct upload; rebuild the file, or use `dir:` to let Flotilla package the folder"
        )
    )]
    NotAZip {
        /// The file.
        path: PathBuf,
        /// What the zip reader said.
        reason: String,
    },
    /// Reading a file or folder failed.
    #[error("cannot read `{path}`: {source}")]
    #[diagnostic(
        code(flotilla::artifact::io),
        help("check that the path exists and that Flotilla may read it")
    )]
    Io {
        /// The path being read.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: Arc<io::Error>,
    },
    /// The zip is over Lambda's limit for direct upload.
    #[error("{}", zip_too_large(path, *size, *limit))]
    #[diagnostic(
        code(flotilla::artifact::zip_too_large),
        help(
            "add `upload: {{ bucket: ... }}` to the artifact (or to `defaults`) so Flotilla uploads it to S3 and deploys it from there, point at an object you uploaded with `artifact: {{ s3: {{ bucket: ..., key: ... }} }}`, or make the package smaller (`exclude:`, layers)"
        )
    )]
    ZipTooLarge {
        /// The zip file, or the folder being packaged.
        path: PathBuf,
        /// Size of the zip; `None` when packaging stopped as soon as the limit was crossed.
        size: Option<u64>,
        /// The limit in bytes.
        limit: u64,
    },
    /// A zip uploaded through S3 is over Lambda's 250 MB package limit.
    #[error(
        "the zip from `{path}` is {}, over Lambda's {limit}-byte (250 MB) package limit",
        size.map_or_else(|| format!("more than {limit} bytes"), |s| format!("{s} bytes"))
    )]
    #[diagnostic(
        code(flotilla::artifact::package_too_large),
        help(
            "leave files out with `exclude:`, move dependencies into a layer, or deploy a container image (`image:`)"
        )
    )]
    PackageTooLarge {
        /// The zip file, or the folder being packaged.
        path: PathBuf,
        /// Size of the zip; `None` when packaging stopped as soon as the limit was crossed.
        size: Option<u64>,
        /// The limit in bytes.
        limit: u64,
    },
    /// The folder holds more than Lambda accepts unzipped.
    #[error(
        "`{path}` holds {size} bytes of files, over Lambda's {limit}-byte (250 MB) unzipped limit"
    )]
    #[diagnostic(
        code(flotilla::artifact::unzipped_too_large),
        help(
            "leave files out with `exclude:`, move dependencies into a layer, or deploy a container image (`image:`)"
        )
    )]
    UnzippedTooLarge {
        /// The folder.
        path: PathBuf,
        /// Total size of the files that would be packaged.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// A symbolic link resolves to something outside the packaged folder.
    #[error("symlink `{link}` points outside the packaged folder, to `{target}`")]
    #[diagnostic(
        code(flotilla::artifact::symlink_outside),
        help(
            "Flotilla never follows links out of the folder it packages: copy the target into the folder, or leave the link out with `exclude:`"
        )
    )]
    SymlinkOutside {
        /// The link.
        link: PathBuf,
        /// Where it resolves to.
        target: PathBuf,
    },
    /// A symbolic link is dangling or part of a loop of links.
    #[error("symlink `{link}` cannot be resolved: {source}")]
    #[diagnostic(
        code(flotilla::artifact::symlink_broken),
        help(
            "the link is dangling or loops; create its target, remove it, or leave it out with `exclude:`"
        )
    )]
    SymlinkBroken {
        /// The link.
        link: PathBuf,
        /// Why it could not be resolved.
        #[source]
        source: Arc<io::Error>,
    },
    /// A symbolic link to a directory that contains the link, which would package forever.
    #[error("symlink `{link}` points to `{target}`, a folder that contains the link itself")]
    #[diagnostic(
        code(flotilla::artifact::symlink_loop),
        help("remove the link or leave it out with `exclude:`")
    )]
    SymlinkLoop {
        /// The link.
        link: PathBuf,
        /// The folder it points to.
        target: PathBuf,
    },
    /// A socket, FIFO or device inside the folder.
    #[error("`{path}` is neither a file, a folder nor a symlink")]
    #[diagnostic(
        code(flotilla::artifact::special_file),
        help("sockets, FIFOs and devices cannot be packaged; leave it out with `exclude:`")
    )]
    SpecialFile {
        /// The path.
        path: PathBuf,
    },
    /// A file name that is not UTF-8.
    #[error("`{path}` has a name that is not valid UTF-8")]
    #[diagnostic(
        code(flotilla::artifact::non_utf8_name),
        help(
            "rename the file: zip entry names are written as UTF-8 so the package is the same on every machine"
        )
    )]
    NonUtf8Name {
        /// The path, lossily printed.
        path: PathBuf,
    },
    /// An `exclude` pattern that is not a valid glob.
    #[error("exclude pattern `{pattern}` is not a valid glob: {reason}")]
    #[diagnostic(
        code(flotilla::artifact::bad_exclude),
        help(
            "patterns are globs relative to the folder, matched against `/`-separated paths: `tests`, `**/*.pyc`, `docs/**`"
        )
    )]
    BadExclude {
        /// The pattern as written.
        pattern: String,
        /// What the glob parser said.
        reason: String,
    },
    /// Nothing left to package.
    #[error("`{path}` has no files to package")]
    #[diagnostic(
        code(flotilla::artifact::empty_package),
        help("Lambda rejects an empty zip; check the folder and its `exclude:` patterns")
    )]
    EmptyPackage {
        /// The folder.
        path: PathBuf,
    },
    /// The zip writer failed for a reason other than I/O (should not happen).
    #[error("cannot write the zip for `{path}`: {reason}")]
    #[diagnostic(
        code(flotilla::artifact::zip_write),
        help("this is a bug in Flotilla's packaging; please report it with the folder's layout")
    )]
    ZipWrite {
        /// The folder being packaged.
        path: PathBuf,
        /// What the zip writer said.
        reason: String,
    },
}

impl ArtifactError {
    /// The error for a zip over `limit`: the direct-upload limit (50 MB), which `upload`
    /// lifts, or the 250 MB package limit, which nothing does.
    pub(crate) fn too_large(path: PathBuf, size: Option<u64>, limit: u64) -> Self {
        if limit > super::MAX_ZIP_BYTES {
            ArtifactError::PackageTooLarge { path, size, limit }
        } else {
            ArtifactError::ZipTooLarge { path, size, limit }
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        let path = path.into();
        if source.kind() == io::ErrorKind::NotFound {
            ArtifactError::NotFound { path }
        } else {
            ArtifactError::Io {
                path,
                source: Arc::new(source),
            }
        }
    }
}

fn zip_too_large(path: &std::path::Path, size: Option<u64>, limit: u64) -> String {
    let size = match size {
        Some(size) => format!("{size} bytes"),
        None => format!("more than {limit} bytes"),
    };
    format!(
        "the zip from `{}` is {size}, over Lambda's limit for direct upload ({limit} bytes, 50 MB)",
        path.display()
    )
}

/// One function's artifact failure, under the function's manifest key.
#[derive(Debug, Clone, thiserror::Error)]
#[error("function `{key}`: {error}")]
pub struct FunctionArtifactError {
    /// The function's key in `functions:`.
    pub key: FunctionKey,
    /// What went wrong.
    pub error: ArtifactError,
}

// Hand-written so the code and help of the underlying error show through the wrapper.
impl Diagnostic for FunctionArtifactError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.error.code()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.error.help()
    }
}

/// Every artifact failure of a fleet, in manifest order.
#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
#[error("{}", summary(errors.len()))]
#[diagnostic(code(flotilla::artifact::failed))]
pub struct ArtifactErrors {
    /// One entry per failing function.
    #[related]
    pub errors: Vec<FunctionArtifactError>,
}

fn summary(count: usize) -> String {
    match count {
        1 => "the artifact of 1 function could not be prepared".to_owned(),
        n => format!("the artifacts of {n} functions could not be prepared"),
    }
}
