// libFuzzer target for the LOCKDEP_OPTIONS parser: whatever bytes a user (or
// a hostile environment) puts there, parsing never crashes, every option ends
// in its documented range, and every message it prints is one line of
// printable ASCII of bounded length (hostile bytes escaped, long text cut).
// Built with clang by tools/fuzz/run_fuzzer.sh; options_fuzz_test replays the
// corpus in every Bazel configuration.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime/base/limits.h"
#include "runtime/base/options.h"

namespace {

void Require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "options_fuzzer: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The environment is a C string: an embedded NUL ends it, as getenv's would.
  const std::string text(reinterpret_cast<const char*>(data), size);
  lockdep::Options o;
  for (const std::string& e : lockdep::ParseOptions(text.c_str(), &o)) {
    Require(e.rfind("lockdep: LOCKDEP_OPTIONS: ", 0) == 0, "message without prefix");
    Require(e.size() < 1024, "message too long");
    for (unsigned char c : e) Require(c >= 0x20 && c < 0x7f, "unescaped byte in message");
  }
  Require(o.exitcode >= 0 && o.exitcode <= 255, "exitcode out of range");
  Require(o.stack_depth >= 0 && o.stack_depth <= lockdep::kMaxStackDepth,
          "stack_depth out of range");
  Require(o.verbosity >= 0 && o.verbosity <= 2, "verbosity out of range");
  Require(o.ww_inject >= 0, "negative ww_inject");
  return 0;
}
