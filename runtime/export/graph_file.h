// Graph files: a lockdep.graph.Graph message (lockgraph.proto) behind a
// 32-byte header, so that a reader refuses a truncated, foreign or newer file
// with a message saying which, and never acts on half a graph.
//
// Layout (integers little-endian):
//   0  8 bytes  magic "LOCKGRPH"
//   8  u32      format version (kGraphFormatVersion)
//  12  u32      header size (32; later versions may grow it)
//  16  u64      length of the message that follows
//  24  u32      CRC-32C of the message
//  28  u32      zero
//  32  the serialised message, exactly `length` bytes, nothing after it
#ifndef LOCKDEP_RUNTIME_GRAPH_FILE_H_
#define LOCKDEP_RUNTIME_GRAPH_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/export/lockgraph.pb.h"

namespace lockdep {

inline constexpr char kGraphMagic[8] = {'L', 'O', 'C', 'K', 'G', 'R', 'P', 'H'};
inline constexpr uint32_t kGraphFormatVersion = 1;
inline constexpr size_t kGraphHeaderSize = 32;

// The file image of `graph`: header and message. Cost: one serialisation
// and one pass for the checksum.
std::string EncodeGraphFile(const graph::Graph& graph);

// Parses a file image. `name` (usually the path) starts every error message.
// Errors (absl::Status, code in parentheses):
//   not a graph file: empty, or no magic (InvalidArgument)
//   newer format version than this reader (FailedPrecondition)
//   truncated header or message (DataLoss)
//   checksum mismatch, bytes after the message, a message that does not parse
//   or refers to classes or traces it does not have (DataLoss)
// Never crashes on any input: the fuzz target checks that.
absl::StatusOr<graph::Graph> DecodeGraphFile(absl::string_view bytes,
                                             absl::string_view name);

// Checks every index in `graph` (dependency ends, trace ids, chain classes,
// process ids, usage bits) against the tables it has, so readers can trust
// them.
absl::Status ValidateGraph(const graph::Graph& graph);

// Writes the file image of `graph` to `path` atomically (a temporary file in
// the same directory, then rename), so a reader never sees half a file.
absl::Status WriteGraphFile(const std::string& path, const graph::Graph& graph);
// Writes `text` to `path` the same way.
absl::Status WriteTextFile(const std::string& path, absl::string_view text);

// Reads and decodes a graph file; errors as DecodeGraphFile, plus NotFound /
// PermissionDenied when the file cannot be read.
absl::StatusOr<graph::Graph> ReadGraphFile(const std::string& path);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_GRAPH_FILE_H_
