#!/bin/bash
# One workload set under each lock checker, one table (ns per lock+unlock,
# process CPU time; ratio to std::mutex), plus whether each reported a planted
# ABBA inversion. Run:
#   ./bazelw run -c opt //benchmarks:compare [-- N]
# N (default 2000000) iterations per workload; Helgrind runs N/200.
set -u
n="${1:-2000000}"
hg_n=$((n / 200))
dir="$(dirname "$0")"
# Under `bazel run` the binaries sit next to this script in the runfiles.
for d in "$dir" "${RUNFILES_DIR:-/nonexistent}/__main__/benchmarks" "$0.runfiles/__main__/benchmarks"; do
  if [[ -x "$d/compare_std" ]]; then dir="$d"; break; fi
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# run NAME PATTERN CMD...: the workload figures, then the ABBA verdict.
run() {
  local name="$1" pattern="$2"
  shift 2
  LOCKDEP_OPTIONS=exitcode=0 TSAN_OPTIONS=exitcode=0 "$@" --n="$N" >"$tmp/$name.out" 2>"$tmp/$name.err"
  LOCKDEP_OPTIONS=exitcode=0 TSAN_OPTIONS=exitcode=0 "$@" --abba >"$tmp/$name.abba" 2>&1
  if [[ -n "$pattern" ]] && grep -q -- "$pattern" "$tmp/$name.abba"; then
    echo yes >"$tmp/$name.verdict"
  else
    echo no >"$tmp/$name.verdict"
  fi
}

N="$n" run std "" "$dir/compare_std"
N="$n" run lockdep "possible circular locking dependency" "$dir/compare_lockdep"
N="$n" run absl "Potential Mutex deadlock" "$dir/compare_absl"
N="$n" run tsan "lock-order-inversion" "$dir/compare_tsan"
if command -v valgrind >/dev/null; then
  N="$hg_n" run helgrind "lock order" valgrind --tool=helgrind -q "$dir/compare_std"
else
  : >"$tmp/helgrind.out"
  echo "not run (no valgrind)" >"$tmp/helgrind.verdict"
fi

value() { awk -v w="$2" '$1 == w { print $2 }' "$tmp/$1.out"; }
tools=(std lockdep absl tsan helgrind)
printf "%-10s | %-12s | %-18s | %-18s | %-18s | %-18s\n" workload "std::mutex" "this runtime" \
  "absl (deadlock det.)" "ThreadSanitizer" "Helgrind (N/200)"
printf -- "-----------+--------------+--------------------+--------------------+--------------------+-------------------\n"
for w in one nested4 pairs1000 firstpass threads2; do
  base="$(value std "$w")"
  row="$(printf "%-10s | %-12s" "$w" "$base")"
  for t in lockdep absl tsan helgrind; do
    v="$(value "$t" "$w")"
    if [[ -n "$v" && -n "$base" ]]; then
      cell="$(awk -v v="$v" -v b="$base" 'BEGIN { printf "%.1f (%.1fx)", v, v / b }')"
    else
      cell="-"
    fi
    row="$row | $(printf "%-18s" "$cell")"
  done
  echo "$row"
done
printf "%-10s | %-12s" "ABBA" "$(cat "$tmp/std.verdict")"
for t in lockdep absl tsan helgrind; do printf " | %-18s" "$(cat "$tmp/$t.verdict")"; done
echo
