// Probes for testing locks as locks: many threads in critical sections that
// notice a second thread inside, counters that lose updates without
// exclusion, and a thread that must stay blocked until released. Each probe
// fails its test when the lock under test does not really wait (checked by
// breaking a primitive's wait on purpose).
#ifndef LOCKDEP_TESTS_CONTENTION_H_
#define LOCKDEP_TESTS_CONTENTION_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "tests/test_support.h"

namespace contention {

// Every test starts from an empty graph and must make no report.
class ContentionTest : public lockdep_test::LockdepTest {
 protected:
  void TearDown() override {
    EXPECT_THAT(lockdep_test::Kinds(), ::testing::IsEmpty());
    LockdepTest::TearDown();
  }
};

#if defined(LOCKDEP_TSAN)
inline constexpr int kRounds = 300;  // per thread; TSan is ~10x slower
#else
inline constexpr int kRounds = 2000;
#endif
inline constexpr int kThreads = 4;

// Long enough for a thread that should block to have run past the lock if
// the lock let it through; short enough to keep the suites fast.
inline constexpr auto kSettle = std::chrono::milliseconds(50);
// A generous bound for something that must happen "soon" (a woken waiter
// getting in): only a broken lock, or a hopelessly overloaded machine,
// takes that long.
inline constexpr auto kPatience = std::chrono::seconds(20);

// Yields now and then, so that a second thread let into a critical section
// really overlaps the first one.
inline void MaybeYield(int round) {
  if (round % 4 == 0) std::this_thread::yield();
}

// An exclusive critical section. Enter/Leave bracket it; Work() bumps a plain
// counter by read-yield-write, so two threads inside lose an update (and,
// under ThreadSanitizer, race).
class ExclusionProbe {
 public:
  void Enter() {
    if (inside_.fetch_add(1, std::memory_order_relaxed) != 0) {
      overlaps_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  void Work(int round) {
    const long v = counter_;
    MaybeYield(round);
    counter_ = v + 1;
  }
  void Leave() { inside_.fetch_sub(1, std::memory_order_relaxed); }

  // One whole critical section.
  void Section(int round) {
    Enter();
    Work(round);
    Leave();
  }

  int overlaps() const { return overlaps_.load(); }
  long counter() const { return counter_; }

 private:
  std::atomic<int> inside_{0};
  std::atomic<int> overlaps_{0};
  long counter_ = 0;
};

// Reader/writer sections: a writer must be alone; readers may share, but
// never with a writer. Readers check a plain value only writers change.
class ReaderWriterProbe {
 public:
  void WriterSection(int round) {
    if (writers_.fetch_add(1) != 0 || readers_.load() != 0) violations_++;
    const long v = value_;
    MaybeYield(round);
    value_ = v + 1;
    if (readers_.load() != 0) violations_++;
    writers_.fetch_sub(1);
  }
  void ReaderSection(int round) {
    const int now = readers_.fetch_add(1) + 1;
    int seen = max_readers_.load();
    while (now > seen && !max_readers_.compare_exchange_weak(seen, now)) {
    }
    if (writers_.load() != 0) violations_++;
    const long before = value_;
    MaybeYield(round);
    if (value_ != before || writers_.load() != 0) violations_++;
    readers_.fetch_sub(1);
  }

  int violations() const { return violations_.load(); }
  long value() const { return value_; }
  int max_readers() const { return max_readers_.load(); }

 private:
  std::atomic<int> writers_{0};
  std::atomic<int> readers_{0};
  std::atomic<int> max_readers_{0};
  std::atomic<int> violations_{0};
  long value_ = 0;
};

// Runs body(thread_index) on `n` threads and joins them.
inline void RunThreads(int n, const std::function<void(int)>& body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < n; ++t) threads.emplace_back(body, t);
  for (auto& th : threads) th.join();
}

// Runs `threads` threads of kRounds rounds each: the first `writers` call
// writer(round), the others reader(round).
inline void RunReadersAndWriters(int threads, int writers,
                                 const std::function<void(int)>& writer,
                                 const std::function<void(int)>& reader) {
  RunThreads(threads, [&](int t) {
    for (int i = 0; i < kRounds; ++i) (t < writers ? writer : reader)(i);
  });
}

// Waits until `flag` is true or kPatience passed; returns the flag.
inline bool AwaitTrue(const std::atomic<bool>& flag) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!flag.load()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Three threads run `hold` (take the lock, hold it ~100 us, release it) back
// to back, so one of them always waits; meanwhile `victim` (a few
// acquisitions of the other kind) must complete. Returns whether it did
// within kPatience; `*holds` counts the stream's acquisitions meanwhile.
inline bool VictimGetsThroughStream(const std::function<void()>& take,
                                    const std::function<void()>& release,
                                    const std::function<void()>& victim,
                                    long* holds) {
  std::atomic<bool> stop{false};
  std::atomic<bool> victim_done{false};
  std::atomic<long> count{0};
  std::vector<std::thread> stream;
  for (int t = 0; t < 3; ++t) {
    stream.emplace_back([&] {
      while (!stop.load()) {
        take();
        count.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        release();
      }
    });
  }
  while (count.load() < 100) std::this_thread::yield();
  std::thread victim_thread([&] {
    victim();
    victim_done = true;
  });
  const bool in_time = AwaitTrue(victim_done);
  stop = true;
  for (auto& th : stream) th.join();
  victim_thread.join();
  *holds = count.load();
  return in_time;
}

// A thread running one call that should block: done() says whether it has
// returned. The destructor joins it (after the test released it).
class BlockedCall {
 public:
  explicit BlockedCall(std::function<void()> call)
      : thread_([this, call = std::move(call)] {
          started_ = true;
          call();
          done_ = true;
        }) {
    while (!started_.load()) std::this_thread::yield();
  }
  ~BlockedCall() { thread_.join(); }
  BlockedCall(const BlockedCall&) = delete;
  BlockedCall& operator=(const BlockedCall&) = delete;

  // True when the call has not returned after kSettle.
  bool StaysBlocked() const {
    std::this_thread::sleep_for(kSettle);
    return !done_.load();
  }
  // True when the call returns within kPatience.
  bool Returns() const { return AwaitTrue(done_); }
  bool done() const { return done_.load(); }

 private:
  std::atomic<bool> started_{false};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace contention

#endif  // LOCKDEP_TESTS_CONTENTION_H_
