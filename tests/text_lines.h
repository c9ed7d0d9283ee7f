// Splitting report text into lines, for tests that read stderr or
// Report::text line by line.
#ifndef LOCKDEP_TESTS_TEXT_LINES_H_
#define LOCKDEP_TESTS_TEXT_LINES_H_

#include <string>
#include <vector>

namespace lockdep::testing {

// The lines of `text`, without their '\n'; a final newline adds no empty line.
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace lockdep::testing

#endif  // LOCKDEP_TESTS_TEXT_LINES_H_
