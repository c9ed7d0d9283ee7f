#!/bin/bash
# The cold path, as every test binary meets it: each figure is the median of
# RUNS fresh processes (cold_start.cc), for this runtime, the bare pthread
# mutex and absl::Mutex with its deadlock detection, in one run:
#   ./bazelw run -c opt //benchmarks:cold_start_report [-- RUNS]
# us per operation (rss: KiB), and lockdep's ratio to each peer.
set -u
runs="${1:-5}"
dir="$(dirname "$0")"
for d in "$dir" "${RUNFILES_DIR:-/nonexistent}/lockdep/benchmarks" "$0.runfiles/lockdep/benchmarks"; do
  if [[ -x "$d/cold_start" ]]; then dir="$d"; break; fi
done

median() {  # BINARY MODE N
  local i
  for ((i = 0; i < runs; i++)); do
    LOCKDEP_OPTIONS=exitcode=0 "$dir/$1" "$2" "$3" | awk '{ print $3 }'
  done | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

printf "%-13s %6s | %10s | %10s | %10s | %9s | %9s\n" figure classes lockdep bare absl "x bare" "x absl"
printf -- "--------------------+------------+------------+------------+-----------+----------\n"
for row in "first_use 1000" "first_use 10000" "new_dep 1000" "new_dep 10000" \
    "first_pass 1000" "first_pass 10000" "nested4 4" "nested4_off 4" "pairs 1000" "threads2 16" \
    "threads2_near 4" \
    "rss 10" "rss 10000"; do
  set -- $row
  l=$(median cold_start "$1" "$2")
  b=$(median cold_start_bare "$1" "$2")
  a=$(median cold_start_absl "$1" "$2")
  printf "%-13s %6s | %10s | %10s | %10s | %9s | %9s\n" "$1" "$2" "$l" "$b" "$a" \
    "$(awk -v l="$l" -v b="$b" 'BEGIN { if (b > 0) printf "%.1f", l / b }')" \
    "$(awk -v l="$l" -v a="$a" 'BEGIN { if (a > 0) printf "%.1f", l / a }')"
done
