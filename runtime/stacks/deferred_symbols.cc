#include "runtime/stacks/deferred_symbols.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "runtime/stacks/stack_trace.h"

namespace lockdep {
namespace {

// Placeholders are ASCII record/unit separators around a kind letter and hex
// fields: "\x1ep7f12ab\x1f" for one pc, "\x1et7,7f12ab,7f12cd\x1f" for a
// trace indented by 7. Report text is otherwise printable, so a separator
// byte always starts a placeholder; anything malformed is left as it is.
constexpr char kOpen = '\x1e';
constexpr char kClose = '\x1f';

bool ParseHex(absl::string_view field, uintptr_t* out) {
  uint64_t v = 0;
  if (!absl::SimpleHexAtoi(field, &v)) return false;
  *out = static_cast<uintptr_t>(v);
  return true;
}

// The symbols for one placeholder body ("p..." or "t..."); false when the
// body is not one this file wrote.
bool Expand(absl::string_view body, std::string* out) {
  if (body.empty()) return false;
  const char kind = body[0];
  body.remove_prefix(1);
  if (kind == 'p') {
    uintptr_t pc = 0;
    if (!ParseHex(body, &pc)) return false;
    out->append(SymbolizePc(pc));
    return true;
  }
  if (kind != 't') return false;
  std::vector<uintptr_t> pcs;
  int indent = 0;
  bool first = true;
  for (absl::string_view field : absl::StrSplit(body, ',')) {
    if (first) {
      first = false;
      if (!absl::SimpleAtoi(field, &indent) || indent < 0 || indent > 64) {
        return false;
      }
      continue;
    }
    uintptr_t pc = 0;
    if (!ParseHex(field, &pc)) return false;
    pcs.push_back(pc);
  }
  AppendTrace(out, pcs, indent);
  return true;
}

}  // namespace

std::string SymbolPlaceholder(uintptr_t pc) {
  return absl::StrCat(absl::string_view(&kOpen, 1), "p", absl::Hex(pc),
                      absl::string_view(&kClose, 1));
}

void AppendTracePlaceholder(std::string* out, std::span<const uintptr_t> pcs,
                            int indent) {
  if (pcs.empty()) return;
  out->push_back(kOpen);
  absl::StrAppend(out, "t", indent);
  for (uintptr_t pc : pcs) absl::StrAppend(out, ",", absl::Hex(pc));
  out->push_back(kClose);
}

void ResolveSymbols(std::string* text) {
  size_t open = text->find(kOpen);
  if (open == std::string::npos) return;
  std::string out;
  out.reserve(text->size() * 2);
  size_t done = 0;
  while (open != std::string::npos) {
    const size_t close = text->find(kClose, open + 1);
    if (close == std::string::npos) break;
    out.append(*text, done, open - done);
    const absl::string_view body(text->data() + open + 1, close - open - 1);
    if (Expand(body, &out)) {
      done = close + 1;
    } else {
      out.push_back(kOpen);  // not ours: keep the byte, look further on
      done = open + 1;
    }
    open = text->find(kOpen, done);
  }
  out.append(*text, done, std::string::npos);
  *text = std::move(out);
}

}  // namespace lockdep
