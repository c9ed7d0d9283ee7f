// Software nobody here wrote, from Debian's archive, run end to end under
// the preload library: zstd and xz compressing with two worker threads, and
// memcached serving memcslap over loopback. Each must work exactly as
// without lockdep (same bytes out, exit 0) and report nothing; the summary
// line shows the locking was really validated. Bounded: a few MiB of input,
// a few thousand requests. The programs are installed by ./bazelw.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/preload/child_process.h"

namespace lockdep::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string TmpDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t ? t : "/tmp";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A few MiB of text that compresses, but not to nothing.
std::string MakeInput() {
  std::string path = TmpDir() + "/input.txt";
  std::ofstream out(path, std::ios::binary);
  unsigned x = 12345;
  for (int i = 0; i < 200000; ++i) {
    x = x * 1103515245u + 12345u;
    out << "record " << i << " key " << (x >> 8) % 100000 << " value " << (x % 977) << "\n";
  }
  return path;
}

// The number N of the exit summary "lockdep: 0 reports, N lock classes".
int ClassesValidated(const std::string& err) {
  std::smatch m;
  if (!std::regex_search(err, m, std::regex("lockdep: 0 reports, ([0-9]+) lock classes"))) {
    return -1;
  }
  return std::stoi(m[1]);
}

// A loopback TCP port free just now (the kernel's choice for port 0).
int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

bool Listening(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(uint16_t(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(fd);
  return ok;
}

class RealProgramsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (SanitizerBuild()) {
      GTEST_SKIP() << kSanitizerSkipReason;
    }
  }

  static std::vector<std::string> Env(const std::string& options = "verbosity=2") {
    return {"LD_PRELOAD=" + Runfile("instrument/liblockdep_preload.so"),
            "LOCKDEP_OPTIONS=" + options};
  }

  static void RequireProgram(const char* path) {
    ASSERT_EQ(access(path, X_OK), 0) << path << " is missing: ./bazelw installs it";
  }
};

TEST_F(RealProgramsTest, ZstdWithTwoWorkersRoundTripsAndReportsNothing) {
  RequireProgram("/usr/bin/zstd");
  std::string in = MakeInput(), packed = TmpDir() + "/input.zst", back = TmpDir() + "/back.txt";
  ChildResult c = RunChild({"/usr/bin/zstd", "-T2", "-q", "-f", "-3", "-B262144", in, "-o", packed}, Env());
  EXPECT_EQ(c.code, 0) << c.err;
  EXPECT_THAT(c.err, Not(HasSubstr("WARNING: ")));
  EXPECT_GT(ClassesValidated(c.err), 0) << c.err;
  ChildResult d = RunChild({"/usr/bin/zstd", "-T2", "-q", "-f", "-d", packed, "-o", back}, Env());
  EXPECT_EQ(d.code, 0) << d.err;
  EXPECT_THAT(d.err, Not(HasSubstr("WARNING: ")));
  EXPECT_EQ(ReadFile(back), ReadFile(in));
}

// xz closes stderr before it exits, so its summary line is lost; the exit
// status still says whether a report was made (66).
TEST_F(RealProgramsTest, XzWithTwoThreadsRoundTripsAndReportsNothing) {
  RequireProgram("/usr/bin/xz");
  std::string in = MakeInput();
  ChildResult c = RunChild({"/usr/bin/xz", "-T2", "-3", "--block-size=256KiB", "-c", in}, Env());
  EXPECT_EQ(c.code, 0) << c.err;
  EXPECT_THAT(c.err, Not(HasSubstr("WARNING: ")));
  std::string packed = TmpDir() + "/input.xz";
  std::ofstream(packed, std::ios::binary) << c.out;
  ChildResult d = RunChild({"/usr/bin/xz", "-T2", "-d", "-c", packed}, Env());
  EXPECT_EQ(d.code, 0) << d.err;
  EXPECT_THAT(d.err, Not(HasSubstr("WARNING: ")));
  EXPECT_TRUE(d.out == ReadFile(in)) << "xz -d gave " << d.out.size() << " bytes";
}

// memcached with 4 worker threads, its LRU crawler and slab mover, on a
// free loopback port, driven by memcslap; then stopped with SIGTERM, when
// it exits normally.
TEST_F(RealProgramsTest, MemcachedServesMemcslapAndReportsNothing) {
  RequireProgram("/usr/bin/memcached");
  RequireProgram("/usr/bin/memcslap");
  std::string server_err = TmpDir() + "/memcached.err";
  int port = FreeLoopbackPort();
  ASSERT_NE(port, 0);
  std::vector<std::string> env = Env();
  std::vector<std::string> argv = {"/usr/bin/memcached", "-l", "127.0.0.1", "-p",
                                   std::to_string(port), "-U", "0", "-t", "4", "-m", "64",
                                   "-u", "root", "-o",
                                   "hashpower=13,slab_automove=2,lru_crawler"};
  pid_t server = fork();
  if (server == 0) {
    int fd = open(server_err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  ASSERT_GT(server, 0);
  bool up = false;
  for (int i = 0; i < 500 && !up; ++i) {
    up = Listening(port);
    if (!up) usleep(20000);
  }
  if (!up) kill(server, SIGKILL);
  ASSERT_TRUE(up) << ReadFile(server_err);
  std::string servers = "--servers=127.0.0.1:" + std::to_string(port);
  ChildResult set = RunChild({"/usr/bin/memcslap", servers, "--concurrency=4",
                              "--execute-number=1000", "--binary"}, {"LD_PRELOAD="});
  ChildResult get = RunChild({"/usr/bin/memcslap", servers, "--concurrency=4",
                              "--execute-number=1000", "--test=get"}, {"LD_PRELOAD="});
  kill(server, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(server, &status, 0), server);
  std::string err = ReadFile(server_err);
  EXPECT_EQ(set.code, 0) << set.out << set.err;
  EXPECT_THAT(set.out, HasSubstr("Time total"));
  EXPECT_EQ(get.code, 0) << get.out << get.err;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << err;
  EXPECT_THAT(err, Not(HasSubstr("WARNING: ")));
  EXPECT_GE(ClassesValidated(err), 10) << err;
}

}  // namespace
}  // namespace lockdep::testing
