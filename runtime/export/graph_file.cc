#include "runtime/export/graph_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "runtime/export/crc32c.h"

namespace lockdep {
namespace {

void PutU32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = char(v >> (8 * i));
}
void PutU64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = char(v >> (8 * i));
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(p[i])) << (8 * i);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(uint8_t(p[i])) << (8 * i);
  return v;
}

absl::Status ErrnoStatus(int err, absl::string_view message) {
  if (err == ENOENT) return absl::NotFoundError(message);
  if (err == EACCES || err == EPERM || err == EROFS) return absl::PermissionDeniedError(message);
  return absl::UnavailableError(message);
}

absl::Status WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoStatus(errno, std::strerror(errno));
    data += n;
    size -= size_t(n);
  }
  return absl::OkStatus();
}

}  // namespace

std::string EncodeGraphFile(const graph::Graph& graph) {
  std::string message;
  graph.SerializeToString(&message);
  std::string out(kGraphHeaderSize, '\0');
  std::memcpy(out.data(), kGraphMagic, sizeof(kGraphMagic));
  PutU32(&out[8], kGraphFormatVersion);
  PutU32(&out[12], kGraphHeaderSize);
  PutU64(&out[16], message.size());
  PutU32(&out[24], Crc32c(message.data(), message.size()));
  out += message;
  return out;
}

absl::StatusOr<graph::Graph> DecodeGraphFile(absl::string_view bytes,
                                             absl::string_view name) {
  if (bytes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": empty file, not a lock graph"));
  }
  if (bytes.size() < sizeof(kGraphMagic) ||
      std::memcmp(bytes.data(), kGraphMagic, sizeof(kGraphMagic)) != 0) {
    if (bytes.size() < sizeof(kGraphMagic) &&
        std::memcmp(bytes.data(), kGraphMagic, bytes.size()) == 0) {
      return absl::DataLossError(absl::StrCat(name, ": truncated lock graph (", bytes.size(),
                                              " bytes, shorter than its header)"));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": not a lock graph file (no LOCKGRPH magic; write one with "
              "LOCKDEP_OPTIONS=dump_graph=PATH)"));
  }
  if (bytes.size() < 16) {
    return absl::DataLossError(absl::StrCat(name, ": truncated lock graph (", bytes.size(),
                                            " bytes, shorter than its header)"));
  }
  const uint32_t version = GetU32(bytes.data() + 8);
  const uint32_t header_size = GetU32(bytes.data() + 12);
  if (version > kGraphFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        name, ": lock graph format version ", version, " is newer than this reader's (",
        kGraphFormatVersion, "); use a lockgraph built from the same or a newer lockdep"));
  }
  if (version == 0 || header_size < kGraphHeaderSize || header_size > (1u << 20)) {
    return absl::DataLossError(absl::StrCat(name, ": corrupt lock graph header"));
  }
  if (bytes.size() < header_size) {
    return absl::DataLossError(absl::StrCat(name, ": truncated lock graph (", bytes.size(),
                                            " bytes, shorter than its header)"));
  }
  const uint64_t length = GetU64(bytes.data() + 16);
  const uint32_t crc = GetU32(bytes.data() + 24);
  const absl::string_view message = bytes.substr(header_size);
  if (message.size() < length) {
    return absl::DataLossError(absl::StrCat(name, ": truncated lock graph (", message.size(),
                                            " of ", length, " bytes of graph present)"));
  }
  if (message.size() > length) {
    return absl::DataLossError(absl::StrCat(name, ": corrupt lock graph (",
                                            message.size() - length,
                                            " unexpected bytes after the graph)"));
  }
  if (Crc32c(message.data(), message.size()) != crc) {
    return absl::DataLossError(absl::StrCat(name, ": corrupt lock graph (checksum mismatch)"));
  }
  graph::Graph graph;
  if (!graph.ParseFromArray(message.data(), int(message.size()))) {
    return absl::DataLossError(
        absl::StrCat(name, ": corrupt lock graph (the message does not parse)"));
  }
  if (absl::Status s = ValidateGraph(graph); !s.ok()) {
    return absl::DataLossError(absl::StrCat(name, ": corrupt lock graph (", s.message(), ")"));
  }
  return graph;
}

absl::Status ValidateGraph(const graph::Graph& graph) {
  const uint64_t classes = uint64_t(graph.classes_size());
  const uint64_t traces = uint64_t(graph.traces_size());
  const uint64_t processes = uint64_t(graph.processes_size());
  auto bad = [](auto&&... parts) { return absl::InvalidArgumentError(absl::StrCat(parts...)); };
  for (int i = 0; i < graph.classes_size(); ++i) {
    const graph::LockClass& c = graph.classes(i);
    if (c.process() > processes) return bad("class ", i, " names process ", c.process());
    for (const graph::UsageBit& u : c.usage_bits()) {
      if (u.bit() >= 16) return bad("class ", i, " has usage bit ", u.bit());
      if (u.trace() > traces) return bad("class ", i, " refers to trace ", u.trace());
    }
  }
  for (int i = 0; i < graph.dependencies_size(); ++i) {
    const graph::Dependency& d = graph.dependencies(i);
    if (d.from() >= classes || d.to() >= classes) {
      return bad("dependency ", i, " refers to class ", std::max(d.from(), d.to()), " of ",
                 classes);
    }
    if (d.trace() > traces) return bad("dependency ", i, " refers to trace ", d.trace());
    if (d.process() > processes) return bad("dependency ", i, " names process ", d.process());
    for (uint32_t g : d.gates()) {
      if (g >= classes) return bad("dependency ", i, " names gate class ", g, " of ", classes);
    }
  }
  for (int i = 0; i < graph.chains_size(); ++i) {
    for (uint32_t c : graph.chains(i).classes()) {
      if (c >= classes) return bad("chain ", i, " refers to class ", c, " of ", classes);
    }
  }
  return absl::OkStatus();
}

absl::Status WriteTextFile(const std::string& path, absl::string_view text) {
  const std::string tmp = absl::StrCat(path, ".tmp.", ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    return ErrnoStatus(err, absl::StrCat("cannot write ", path, ": ", std::strerror(err)));
  }
  absl::Status s = WriteAll(fd, text.data(), text.size());
  if (::close(fd) != 0 && s.ok()) s = ErrnoStatus(errno, std::strerror(errno));
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    s = ErrnoStatus(errno, std::strerror(errno));
  }
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return absl::Status(s.code(), absl::StrCat("cannot write ", path, ": ", s.message()));
  }
  return absl::OkStatus();
}

absl::Status WriteGraphFile(const std::string& path, const graph::Graph& graph) {
  return WriteTextFile(path, EncodeGraphFile(graph));
}

absl::StatusOr<graph::Graph> ReadGraphFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return ErrnoStatus(err, absl::StrCat(path, ": cannot read: ", std::strerror(err)));
  }
  std::string bytes;
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a lock graph"));
  }
  if (st.st_size > 0) bytes.reserve(size_t(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoStatus(err, absl::StrCat(path, ": cannot read: ", std::strerror(err)));
    }
    if (n == 0) break;
    bytes.append(buf, size_t(n));
  }
  ::close(fd);
  return DecodeGraphFile(bytes, path);
}

}  // namespace lockdep
