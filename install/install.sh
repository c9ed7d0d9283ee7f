#!/usr/bin/env bash
# Installs lockdep for builds without Bazel: the public headers, liblockdep.so,
# liblockdep.a, pkg-config files (lockdep, lockdep-static) and a CMake package
# (find_package(lockdep)); and the tools: bin/lockgraph, bin/lockdep-run and
# the library it preloads, lib/liblockdep_preload.so (lockdep-run finds it in
# ../lib beside itself). Run it through Bazel, which builds what it copies:
#
#   ./bazelw run //:install -- --prefix=/usr/local
#
# The file list is not written here: install/BUILD's lockdep_package collects
# it from the library targets.
set -euo pipefail

VERSION=0.1.0

usage() {
  echo "usage: bazel run //:install -- [--prefix=DIR]   (default /usr/local)"
}

prefix=/usr/local
for arg in "$@"; do
  case $arg in
    --prefix=?*) prefix=${arg#--prefix=} ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done
# A relative prefix means relative to where `bazel run` was started.
[[ $prefix == /* ]] || prefix="${BUILD_WORKING_DIRECTORY:-$PWD}/$prefix"

# The files, at their paths in this repository, are in the runfiles tree.
cd "${RUNFILES_DIR:-$0.runfiles}/lockdep"

link_flags=$(<install/package.link_flags)
substitute() {
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$VERSION|g" \
    -e "s|@LINK_FLAGS@|$link_flags|g" -e "s|@LINK_FLAGS_CMAKE@|${link_flags// /;}|g" \
    "$1" >"$2"
  chmod 644 "$2"
}

while read -r header; do
  install -D -m 644 "$header" "$prefix/include/$header"
done <install/package.headers
install -D -m 644 install/liblockdep.a "$prefix/lib/liblockdep.a"
install -D -m 755 install/liblockdep.so "$prefix/lib/liblockdep.so"
install -D -m 755 instrument/liblockdep_preload.so "$prefix/lib/liblockdep_preload.so"
install -D -m 755 tools/lockgraph "$prefix/bin/lockgraph"
install -D -m 755 tools/lockdep-run "$prefix/bin/lockdep-run"
mkdir -p "$prefix/lib/pkgconfig" "$prefix/lib/cmake/lockdep"
substitute install/lockdep.pc.in "$prefix/lib/pkgconfig/lockdep.pc"
substitute install/lockdep-static.pc.in "$prefix/lib/pkgconfig/lockdep-static.pc"
substitute install/lockdepConfig.cmake.in "$prefix/lib/cmake/lockdep/lockdepConfig.cmake"
echo "install: lockdep $VERSION installed under $prefix ($(wc -l <install/package.headers) headers," \
  "lib/liblockdep.{so,a}, lib/liblockdep_preload.so, bin/lockgraph, bin/lockdep-run)"
