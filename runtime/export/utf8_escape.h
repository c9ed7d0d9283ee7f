// Strings for the graph file: protobuf refuses to write a `string` field that
// is not UTF-8, and a lock's name is any C string.
#ifndef LOCKDEP_RUNTIME_UTF8_ESCAPE_H_
#define LOCKDEP_RUNTIME_UTF8_ESCAPE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace lockdep {

// `s` unchanged when it is valid UTF-8; otherwise each byte that is not part
// of a valid sequence becomes the four characters "\xNN" (lower-case hex).
// Distinct inputs may meet (a literal "\xff" and the byte 0xff): names are
// for reading, class identity does not rest on them. Cost: linear; allocates.
std::string Utf8OrEscaped(absl::string_view s);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_UTF8_ESCAPE_H_
