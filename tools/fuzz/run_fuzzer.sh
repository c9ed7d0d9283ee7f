#!/usr/bin/env bash
# Usage: tools/fuzz/run_fuzzer.sh [SECONDS] [FUZZER...]
# Builds each libFuzzer target (graph_file: the graph file reader and what
# lockgraph does with it; options: the LOCKDEP_OPTIONS parser; default both)
# with clang, ASan and UBSan, and runs it for SECONDS (default 30) on a copy of
# its corpus. Binaries are cached until a source changes. New inputs a run
# finds stay in the copy (OUT/<fuzzer>/corpus) for a person to look at and, if
# useful, add to the corpus in tools/fuzz. Needs clang-14 and
# libclang-rt-14-dev (./bazelw installs both).
# Exit status: 0 when no fuzzer crashed.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
shift || true
fuzzers=("$@")
[[ ${#fuzzers[@]} -gt 0 ]] || fuzzers=(graph_file options)
out=${FUZZ_OUT:-$(mktemp -d /tmp/lockdep-fuzz.XXXXXX)}

# The generated protobuf code comes from Bazel (the system protoc).
./bazelw build //runtime/export:lockgraph_pb >&2
gen=bazel-bin/runtime/export

run_one() {
  local name=$1 corpus libs srcs
  case $name in
    graph_file)
      srcs=(tools/fuzz/graph_file_fuzzer.cc runtime/export/graph_file.cc runtime/export/graph_text.cc
            runtime/export/crc32c.cc runtime/stacks/frame_filter.cc tools/graph_merge.cc tools/graph_search.cc
            tools/graph_dot.cc
            tools/progress.cc "$gen/lockgraph.pb.cc")
      corpus=tools/fuzz/corpus
      libs=(protobuf absl_status absl_statusor absl_str_format absl_strings absl_time
            absl_hash absl_raw_hash_set) ;;
    options)
      srcs=(tools/fuzz/options_fuzzer.cc runtime/base/options.cc)
      corpus=tools/fuzz/options_corpus
      libs=(absl_strings absl_str_format) ;;
    *) echo "run_fuzzer.sh: unknown fuzzer '$name' (known: graph_file, options)" >&2; return 2 ;;
  esac
  # The build takes a minute of CPU: keep the binary, keyed by what went into it.
  local key cache bin
  key=$(cat "${srcs[@]}" runtime/*.h runtime/*/*.h tools/*.h "$gen/lockgraph.pb.h" "$0" | sha256sum | cut -c1-16)
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/lockdep-fuzz/$name-$key
  bin=$cache/${name}_fuzzer
  if [[ ! -x "$bin" ]]; then
    mkdir -p "$cache/obj"
    # Undefined behaviour stops the run like a crash (UBSan only warns by default).
    local flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
                 -I. -I"${gen%/runtime/export}")
    # One object per source, two at a time.
    printf '%s\n' "${srcs[@]}" | xargs -P 2 -I{} sh -c \
      'clang++-14 "$@" -c "{}" -o "'"$cache"'/obj/$(echo "{}" | tr / _).o"' _ "${flags[@]}"
    # shellcheck disable=SC2046
    clang++-14 -fsanitize=fuzzer,address,undefined "$cache"/obj/*.o -o "$bin.tmp" \
      $(pkg-config --libs "${libs[@]}")
    mv "$bin.tmp" "$bin"
  fi
  local dir=$out/$name
  mkdir -p "$dir/corpus"
  cp "$corpus"/* "$dir/corpus/"
  echo "fuzz: running ${name}_fuzzer for ${seconds}s in $dir" >&2
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "$dir/corpus" 2>"$dir/log" || { tail -50 "$dir/log" >&2; return 1; }
  grep -E "^(stat::number_of_executed_units|stat::new_units_added)" "$dir/log" >&2 || true
}

status=0
for f in "${fuzzers[@]}"; do run_one "$f" || status=1; done
exit $status
