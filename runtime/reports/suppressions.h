// Suppressions (LOCKDEP_OPTIONS suppressions=FILE), in ThreadSanitizer's
// format: one `TYPE:PATTERN` a line, `#` comments and blank lines ignored.
//   deadlock:PATTERN  lock-order reports (circular, recursive, irq order,
//                     irq inversion, inconsistent lock state) involving a
//                     class whose name matches
//   class:PATTERN     any report involving a class whose name matches
//   function:PATTERN  any report with a frame in a function that matches
//   file:PATTERN      any report with a frame in a file that matches
// PATTERN is a glob: `*` matches any run of characters; as in TSan it may
// match anywhere in the name unless anchored with a leading `^` or a
// trailing `$`. A suppressed report is not printed, logged or handed to a
// sink and does not change the exit status; the count is said at exit.
#ifndef LOCKDEP_RUNTIME_SUPPRESSIONS_H_
#define LOCKDEP_RUNTIME_SUPPRESSIONS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/report.h"

namespace lockdep {

// True when `pattern` (glob, TSan anchoring) matches `text`.
bool SuppressionPatternMatches(absl::string_view pattern, absl::string_view text);

class Suppressions {
 public:
  // Adds the rules in `text`; returns one message per line it could not use.
  std::vector<std::string> Parse(absl::string_view text);
  // True when a rule matches `report`. Report paths only: parses the text.
  bool Matches(const Report& report) const;
  bool empty() const { return rules_.empty(); }

 private:
  enum class Type { kDeadlock, kClass, kFunction, kFile };
  struct Rule {
    Type type;
    std::string pattern;
  };
  std::vector<Rule> rules_;
};

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_SUPPRESSIONS_H_
