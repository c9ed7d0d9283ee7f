#!/usr/bin/env bash
# Builds tools/fuzz/graph_file_fuzzer.cc with clang's libFuzzer (plus ASan and
# UBSan; the binary is cached until a source changes) and runs it for SECONDS (default 30) on a copy of the corpus; new
# inputs it finds stay in the copy (OUT/corpus) for a person to look at and,
# if useful, add to tools/fuzz/corpus. Needs clang and libclang-rt-14-dev.
# Exit status: libFuzzer's (0 when nothing crashed).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
out=${FUZZ_OUT:-$(mktemp -d /tmp/lockgraph-fuzz.XXXXXX)}
mkdir -p "$out/corpus"

# The generated protobuf code comes from Bazel (the system protoc).
./bazelw build //runtime:lockgraph_pb >&2
gen=bazel-bin/runtime

srcs=(tools/fuzz/graph_file_fuzzer.cc runtime/graph_file.cc runtime/graph_text.cc
      runtime/crc32c.cc tools/graph_merge.cc tools/graph_search.cc tools/graph_dot.cc
      tools/progress.cc "$gen/lockgraph.pb.cc")
# The build takes a minute of CPU: keep the binary, keyed by what went into it.
key=$(cat "${srcs[@]}" runtime/*.h tools/*.h "$gen/lockgraph.pb.h" "$0" | sha256sum | cut -c1-16)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/lockdep-fuzz/$key
if [[ ! -x "$cache/graph_file_fuzzer" ]]; then
  mkdir -p "$cache/obj"
  # Undefined behaviour stops the run like a crash (UBSan only warns by default).
  flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
         -I. -I"$(dirname "$gen")")
  # One object per source, two at a time.
  printf '%s\n' "${srcs[@]}" | xargs -P 2 -I{} sh -c \
    'clang++-14 "$@" -c "{}" -o "'"$cache"'/obj/$(echo "{}" | tr / _).o"' _ "${flags[@]}"
  # shellcheck disable=SC2046
  clang++-14 -fsanitize=fuzzer,address,undefined "$cache"/obj/*.o -o "$cache/graph_file_fuzzer.tmp" \
    $(pkg-config --libs protobuf absl_status absl_statusor absl_str_format absl_strings \
        absl_time absl_hash absl_raw_hash_set)
  mv "$cache/graph_file_fuzzer.tmp" "$cache/graph_file_fuzzer"
fi

cp tools/fuzz/corpus/* "$out/corpus/"
echo "fuzz: running graph_file_fuzzer for ${seconds}s in $out" >&2
"$cache/graph_file_fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$out/corpus" 2>"$out/log" || { tail -50 "$out/log" >&2; exit 1; }
grep -E "^(stat::number_of_executed_units|stat::new_units_added)" "$out/log" >&2 || true
