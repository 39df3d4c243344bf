#!/usr/bin/env bash
# Installs a released flotilla binary for this runner: picks the archive for the OS and
# architecture, downloads it and its .sha256 from the GitHub release, refuses it when the
# checksum does not match, unpacks the binary into the install directory and puts that
# directory on PATH. The Action (action.yml) runs it twice: `resolve` (which version and
# archive, for the cache key) and `install` (a no-op when the cache restored the binary).
#
# Environment (all optional):
#   FLOTILLA_VERSION      0.1.0, v0.1.0 or latest (default: latest)
#   FLOTILLA_REPO         owner/name of the releases (default: flotilla-rs/flotilla)
#   FLOTILLA_RELEASE_URL  base of the download URLs (default: https://github.com/$FLOTILLA_REPO/releases);
#                         files are read from $FLOTILLA_RELEASE_URL/download/v$VERSION/,
#                         so a file:// URL to a folder laid out the same way works offline
#   FLOTILLA_TARGET       the archive's target triple (default: from RUNNER_OS/RUNNER_ARCH or uname)
#   FLOTILLA_INSTALL_DIR  where the binary goes (default: $RUNNER_TOOL_CACHE/flotilla/$VERSION/$TARGET)
#   GITHUB_OUTPUT, GITHUB_PATH  set by GitHub Actions; outputs and the PATH entry go there
set -euo pipefail

die() {
  echo "flotilla install: $*" >&2
  exit 1
}

output() {
  echo "$1=$2"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "$1=$2" >>"$GITHUB_OUTPUT"
  fi
}

repo=${FLOTILLA_REPO:-flotilla-rs/flotilla}
release_url=${FLOTILLA_RELEASE_URL:-https://github.com/$repo/releases}

# The release's version without its leading v; `latest` asks GitHub where
# /releases/latest redirects to.
resolve_version() {
  local version=${FLOTILLA_VERSION:-latest}
  if [ "$version" = latest ]; then
    local effective
    effective=$(curl --proto '=https,file' -fsSL -o /dev/null -w '%{url_effective}' "$release_url/latest") ||
      die "could not find the latest release at $release_url/latest"
    version=${effective##*/}
    [ "$version" != latest ] || die "$release_url/latest did not redirect to a release tag"
  fi
  echo "${version#v}"
}

# Static musl builds on Linux run on any distribution, Alpine included.
resolve_target() {
  if [ -n "${FLOTILLA_TARGET:-}" ]; then
    echo "$FLOTILLA_TARGET"
    return
  fi
  local os=${RUNNER_OS:-$(uname -s)} arch=${RUNNER_ARCH:-$(uname -m)}
  case "$arch" in
    X64 | x86_64 | amd64) arch=x86_64 ;;
    ARM64 | arm64 | aarch64) arch=aarch64 ;;
    *) die "no release archive for architecture $arch" ;;
  esac
  case "$os" in
    Linux) echo "$arch-unknown-linux-musl" ;;
    macOS | Darwin) echo "$arch-apple-darwin" ;;
    Windows | MINGW* | MSYS* | CYGWIN*)
      [ "$arch" = x86_64 ] || die "no release archive for Windows on $arch"
      echo "x86_64-pc-windows-msvc"
      ;;
    *) die "no release archive for $os" ;;
  esac
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

version=$(resolve_version)
target=$(resolve_target)
case "$target" in
  *windows*) archive="flotilla-$target.zip" exe=flotilla.exe ;;
  *) archive="flotilla-$target.tar.xz" exe=flotilla ;;
esac
dir=${FLOTILLA_INSTALL_DIR:-${RUNNER_TOOL_CACHE:-$HOME/.cache}/flotilla/$version/$target}

case "${1:-install}" in
  resolve)
    output version "$version"
    output target "$target"
    output dir "$dir"
    exit 0
    ;;
  install) ;;
  *) die "usage: install.sh [resolve|install]" ;;
esac

if [ -x "$dir/$exe" ]; then
  echo "flotilla $version ($target) is already in $dir"
else
  url="$release_url/download/v$version"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "Downloading $url/$archive"
  curl --proto '=https,file' -fsSL --retry 3 -o "$tmp/$archive" "$url/$archive" ||
    die "could not download $url/$archive (is $version a release of $repo?)"
  curl --proto '=https,file' -fsSL --retry 3 -o "$tmp/$archive.sha256" "$url/$archive.sha256" ||
    die "could not download $url/$archive.sha256"
  # cargo-dist writes `<hex> *<file>` (sha256sum's binary mode): the first field counts.
  expected=$(cut -d' ' -f1 <"$tmp/$archive.sha256" | tr -d '\r\n')
  actual=$(sha256 "$tmp/$archive")
  [ "$expected" = "$actual" ] ||
    die "checksum mismatch for $archive: expected $expected, got $actual; not installing it"
  mkdir -p "$tmp/unpacked"
  case "$archive" in
    *.zip) unzip -q "$tmp/$archive" -d "$tmp/unpacked" ;;
    *) tar -xJf "$tmp/$archive" -C "$tmp/unpacked" ;;
  esac
  # The archive holds flotilla-<target>/flotilla (and the README); older layouts kept
  # the binary at the top.
  bin="$tmp/unpacked/flotilla-$target/$exe"
  [ -f "$bin" ] || bin="$tmp/unpacked/$exe"
  [ -f "$bin" ] || die "$archive has no $exe"
  mkdir -p "$dir"
  cp "$bin" "$dir/$exe"
  chmod +x "$dir/$exe"
  echo "Installed flotilla $version ($target) into $dir"
fi

if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$dir" >>"$GITHUB_PATH"
fi
output path "$dir/$exe"
output version "$version"
