#include "tools/graph_view_data.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "runtime/export/graph_text.h"

namespace lockdep::tools {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
size_t Utf8Length(absl::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  }
  return n;
}

// A frame's identity, for sharing frames between traces.
std::string FrameKey(const graph::Frame& f) {
  return absl::StrCat(f.function(), "\n", f.file(), "\n", f.line());
}

}  // namespace

std::string JsonQuote(absl::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = Utf8Length(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (n == 3 && c == 0xe2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) & 0xfe) == 0xa8) {
      // U+2028/U+2029 end a line in older JavaScript parsers.
      absl::StrAppendFormat(&out, "\\u%04x", 0x2028 + (s[i + 2] & 1));
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else {
      out.append(s.data() + i, n);
    }
    i += n;
  }
  return out + "\"";
}

std::string DependencyKindWords(uint32_t kinds) {
  // Linux's -(SR)->, -(ER)->, -(SN)->, -(EN)-> bits, strongest first.
  static constexpr struct {
    uint32_t bit;
    const char* words;
  } kKinds[] = {
      {8, "write then write (EN)"},
      {2, "write then recursive read (ER)"},
      {4, "read then write (SN)"},
      {1, "read then recursive read (SR)"},
  };
  std::vector<std::string> words;
  for (const auto& k : kKinds) {
    if (kinds & k.bit) words.push_back(k.words);
  }
  return words.empty() ? "no kind recorded" : absl::StrJoin(words, "; ");
}

std::string UsageBitWords(uint32_t bit) {
  if (bit == 8) return "used (its first acquisition)";
  if (bit > 8) return absl::StrCat("usage bit ", bit);
  const char* state = bit < 4 ? "hard-irq" : "soft-irq";
  const char* access = bit & 1 ? "reading" : "writing";
  if (bit & 2) {
    return absl::StrCat("taken for ", access, " with ", state, "s enabled");
  }
  return absl::StrCat("taken for ", access, " inside a ", state, " handler");
}

std::string GraphViewJson(const GraphIndex& index, const CycleSearch& cycles,
                          const ViewOptions& options) {
  const graph::Graph& g = index.g;
  std::string j = "{\"title\":" + JsonQuote(options.title);
  absl::StrAppend(&j, ",\n\"around\":", JsonQuote(options.around), ",\"depth\":", options.depth);
  j += ",\n\"processes\":[";
  for (int i = 0; i < g.processes_size(); ++i) {
    const graph::Process& p = g.processes(i);
    absl::StrAppend(&j, i ? "," : "", "[", JsonQuote(p.program()), ",", p.pid(), ",",
                    JsonQuote(p.path()), "]");
  }
  // Frames once each; traces and dependency sites refer to them by index.
  absl::flat_hash_map<std::string, uint32_t> frame_ids;
  std::string frames;
  auto frame_id = [&](const graph::Frame& f) {
    auto [it, added] = frame_ids.try_emplace(FrameKey(f), uint32_t(frame_ids.size()));
    if (added) {
      absl::StrAppend(&frames, it->second ? "," : "", "[", JsonQuote(f.function()), ",",
                      JsonQuote(f.file()), ",", f.line(), "]");
    }
    return it->second;
  };
  std::string traces;
  for (int t = 0; t < g.traces_size(); ++t) {
    traces += t ? ",[" : "[";
    const auto& fs = g.traces(t).frames();
    for (int k = 0; k < fs.size(); ++k) absl::StrAppend(&traces, k ? "," : "", frame_id(fs[k]));
    traces += "]";
  }
  std::string deps;
  for (int i = 0; i < g.dependencies_size(); ++i) {
    const graph::Dependency& d = g.dependencies(i);
    const uint32_t at = d.has_at() ? frame_id(d.at()) + 1 : 0;
    absl::StrAppend(&deps, i ? "," : "", d.from(), ",", d.to(), ",", d.kinds(), ",", d.trace(),
                    ",", d.process(), ",", d.runs(), ",", at, i % 8 == 7 ? "\n" : "");
  }
  j += "],\n\"classes\":[";
  for (int i = 0; i < g.classes_size(); ++i) {
    const graph::LockClass& c = g.classes(i);
    absl::StrAppend(&j, i ? ",\n" : "", "[", JsonQuote(GraphClassName(c)), ",",
                    JsonQuote(KeyLocationString(c.key())), ",", JsonQuote(c.key().symbol()), ",",
                    JsonQuote(c.usage().empty() ? UsageSummary(c.usage_mask()) : c.usage()), ",",
                    c.process(), ",[");
    // Each usage bit with the stack of its first use; bits without a
    // recorded use (older files) come from the mask, without a stack.
    uint32_t described = 0;
    bool first = true;
    for (const graph::UsageBit& b : c.usage_bits()) {
      absl::StrAppend(&j, first ? "" : ",", "[", b.bit(), ",", b.trace(), "]");
      if (b.bit() < 32) described |= 1u << b.bit();
      first = false;
    }
    for (uint32_t bit = 0; bit < 9; ++bit) {
      if ((c.usage_mask() & (1u << bit)) && !(described & (1u << bit))) {
        absl::StrAppend(&j, first ? "" : ",", "[", bit, ",0]");
        first = false;
      }
    }
    j += "]]";
  }
  absl::StrAppend(&j, "],\n\"frames\":[", frames, "],\n\"traces\":[", traces, "],\n\"deps\":[",
                  deps, "],\n\"cycles\":[");
  for (size_t i = 0; i < cycles.cycles.size(); ++i) {
    absl::StrAppend(&j, i ? "," : "", "[", absl::StrJoin(cycles.cycles[i], ","), "]");
  }
  absl::StrAppend(&j, "],\"truncated\":", cycles.truncated ? "true" : "false",
                  ",\n\"marked\":[", absl::StrJoin(options.marked, ","), "],\n\"kindWords\":[");
  for (uint32_t k = 0; k < 16; ++k) absl::StrAppend(&j, k ? "," : "", JsonQuote(DependencyKindWords(k)));
  j += "],\n\"usageWords\":[";
  for (uint32_t b = 0; b < 9; ++b) absl::StrAppend(&j, b ? "," : "", JsonQuote(UsageBitWords(b)));
  j += "]}\n";
  return j;
}

}  // namespace lockdep::tools
