// An unlock by a thread that does not hold the lock -- a second unlock after
// another thread took the lock, or an unlock from the wrong thread -- is
// reported ("bad unlock balance detected") and must leave the real lock
// alone: the holder keeps it, and a third thread stays out. Before the owner
// checks, such an unlock released the holder's lock and let the third thread
// in. For every primitive that has an owner (the writer side of the rw locks,
// their readers through the held-lock stack).
#include <cctype>
#include <functional>
#include <memory>
#include <latch>
#include <string>
#include <thread>

#include "instrument/cxx.h"
#include "instrument/kernel.h"
#include "tests/test_support.h"

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::lockdep_test::LockdepTest;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// One lock under test, as three calls: take it (blocking), release it, and
// a trylock that says whether a third thread could get in now (it releases
// again when it did).
struct Subject {
  std::string name;
  std::function<void()> lock;
  std::function<void()> unlock;
  std::function<bool()> third_gets_in;
};

// A thread that takes the lock and holds it until Release().
class Holder {
 public:
  explicit Holder(const Subject& s)
      : thread_([this, &s] {
          s.lock();
          holding_.count_down();
          release_.wait();
          s.unlock();
        }) {
    holding_.wait();
  }
  ~Holder() { Release(); }
  void Release() {
    if (!thread_.joinable()) return;
    release_.count_down();
    thread_.join();
  }

 private:
  std::latch holding_{1};
  std::latch release_{1};
  std::thread thread_;
};

// Runs `fn` on a thread of its own (a third thread, as far as the lock goes).
bool OnThirdThread(const std::function<bool()>& fn) {
  bool result = false;
  std::thread([&] { result = fn(); }).join();
  return result;
}

class UnlockOwner : public LockdepTest,
                    public ::testing::WithParamInterface<Subject (*)()> {};

TEST_P(UnlockOwner, SecondUnlockAfterAnotherThreadTookItLeavesItAlone) {
  const Subject s = GetParam()();
  s.lock();
  s.unlock();
  Holder holder(s);
  s.unlock();  // the bug: this thread let go of it already
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kBadUnlockBalance));
  EXPECT_FALSE(OnThirdThread(s.third_gets_in))
      << s.name << ": the stray unlock released the holder's lock";
  holder.Release();
  EXPECT_TRUE(OnThirdThread(s.third_gets_in));
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kBadUnlockBalance));
}

TEST_P(UnlockOwner, UnlockFromTheWrongThreadLeavesItAlone) {
  const Subject s = GetParam()();
  s.lock();
  std::thread(s.unlock).join();
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kBadUnlockBalance));
  EXPECT_FALSE(OnThirdThread(s.third_gets_in))
      << s.name << ": the wrong thread released the holder's lock";
  s.unlock();  // the holder's own unlock still works
  EXPECT_TRUE(OnThirdThread(s.third_gets_in));
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kBadUnlockBalance));
}

// Each subject makes a fresh lock, owned by its calls.
Subject KernelMutex() {
  auto m = std::make_shared<struct mutex>();
  mutex_init(m.get());
  return {"mutex", [m] { mutex_lock(m.get()); }, [m] { mutex_unlock(m.get()); },
          [m] {
            if (!mutex_trylock(m.get())) return false;
            mutex_unlock(m.get());
            return true;
          }};
}

Subject KernelSpinlock() {
  auto l = std::make_shared<spinlock_t>();
  spin_lock_init(l.get());
  return {"spinlock", [l] { spin_lock(l.get()); }, [l] { spin_unlock(l.get()); },
          [l] {
            if (!spin_trylock(l.get())) return false;
            spin_unlock(l.get());
            return true;
          }};
}

bool RwsemWriterGetsIn(struct rw_semaphore* sem) {
  if (!down_write_trylock(sem)) return false;
  up_write(sem);
  return true;
}

Subject RwlockWriter() {
  auto l = std::make_shared<rwlock_t>();
  rwlock_init(l.get());
  return {"rwlock writer", [l] { write_lock(l.get()); }, [l] { write_unlock(l.get()); },
          [l] {
            if (!write_trylock(l.get())) return false;
            write_unlock(l.get());
            return true;
          }};
}

Subject RwlockReader() {
  auto l = std::make_shared<rwlock_t>();
  rwlock_init(l.get());
  return {"rwlock reader", [l] { read_lock(l.get()); }, [l] { read_unlock(l.get()); },
          [l] {
            if (!write_trylock(l.get())) return false;
            write_unlock(l.get());
            return true;
          }};
}

Subject RwsemWriter() {
  auto sem = std::make_shared<struct rw_semaphore>();
  init_rwsem(sem.get());
  return {"rwsem writer", [sem] { down_write(sem.get()); },
          [sem] { up_write(sem.get()); },
          [sem] { return RwsemWriterGetsIn(sem.get()); }};
}

// A stray up_read would drop the holder's read count: a writer gets in.
Subject RwsemReader() {
  auto sem = std::make_shared<struct rw_semaphore>();
  init_rwsem(sem.get());
  return {"rwsem reader", [sem] { down_read(sem.get()); },
          [sem] { up_read(sem.get()); },
          [sem] { return RwsemWriterGetsIn(sem.get()); }};
}

DEFINE_WW_CLASS(owner_class);

bool WwGetsIn(struct ww_mutex* ww) {
  if (!ww_mutex_trylock(ww, nullptr)) return false;
  ww_mutex_unlock(ww);
  return true;
}

Subject WwMutex() {
  auto ww = std::make_shared<struct ww_mutex>();
  ww_mutex_init(ww.get(), &owner_class);
  return {"ww_mutex", [ww] { ww_mutex_lock(ww.get(), nullptr); },
          [ww] { ww_mutex_unlock(ww.get()); },
          [ww] { return WwGetsIn(ww.get()); }};
}

Subject WwMutexBase() {
  auto ww = std::make_shared<struct ww_mutex>();
  ww_mutex_init(ww.get(), &owner_class);
  return {"mutex calls on a ww_mutex base", [ww] { mutex_lock(&ww->base); },
          [ww] { mutex_unlock(&ww->base); },
          [ww] { return WwGetsIn(ww.get()); }};
}

template <typename Lock>
Subject CxxExclusive(const char* name) {
  auto l = std::make_shared<Lock>(name);
  // Locked in one callable, unlocked in another: on purpose, so the
  // compiler's analysis is told to stay out of these.
  return {name, [l]() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS { l->lock(); },
          [l]() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS { l->unlock(); },
          [l] {
            if (!l->try_lock()) return false;
            l->unlock();
            return true;
          }};
}

Subject CxxMutex() { return CxxExclusive<lockdep::Mutex>("lockdep::Mutex"); }
Subject CxxSpinLock() {
  return CxxExclusive<lockdep::SpinLock>("lockdep::SpinLock");
}
Subject CxxSharedMutexWriter() {
  return CxxExclusive<lockdep::SharedMutex>("lockdep::SharedMutex writer");
}
Subject CxxSharedMutexReader() {
  auto l = std::make_shared<lockdep::SharedMutex>("lockdep::SharedMutex reader");
  return {"lockdep::SharedMutex reader",
          [l]() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS { l->lock_shared(); },
          [l]() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS { l->unlock_shared(); },
          [l] {
            if (!l->try_lock()) return false;
            l->unlock();
            return true;
          }};
}

INSTANTIATE_TEST_SUITE_P(
    Primitives, UnlockOwner,
    ::testing::Values(&KernelMutex, &KernelSpinlock, &RwlockWriter, &RwlockReader, &RwsemWriter,
                      &RwsemReader, &WwMutex, &WwMutexBase, &CxxMutex,
                      &CxxSpinLock, &CxxSharedMutexWriter,
                      &CxxSharedMutexReader),
    [](const auto& info) {
      std::string name = info.param().name;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

// The owner check does not depend on the validator: with validation off on
// the releasing thread there is no report, and still no release.
TEST_F(LockdepTest, OwnerCheckHoldsWithValidationOff) {
  struct mutex m;
  mutex_init(&m);
  mutex_lock(&m);
  std::thread([&] {
    lockdep_off();
    mutex_unlock(&m);
    EXPECT_EQ(mutex_trylock(&m), 0);
    lockdep_on();
  }).join();
  EXPECT_TRUE(mutex_is_locked(&m));
  mutex_unlock(&m);
  EXPECT_FALSE(mutex_is_locked(&m));
  EXPECT_THAT(Kinds(), IsEmpty());
}

}  // namespace
