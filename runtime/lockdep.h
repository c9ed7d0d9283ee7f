// The narrow waist between lock primitives and the validator: the same hook
// interface Linux uses. instrument/ calls these around the real locking;
// runtime/ knows nothing about spinlocks or mutexes.
//
// Every hook is safe to call from any thread at any time, including before
// main() and during exit. Costs are stated per function; "fast path" means an
// acquire whose lock chain was validated before: no global lock, no allocation,
// no stack unwinding, nothing shared written.
#ifndef LOCKDEP_RUNTIME_LOCKDEP_H_
#define LOCKDEP_RUNTIME_LOCKDEP_H_

#include <cstddef>

#include "runtime/lockdep_map.h"
#include "runtime/report.h"

// The caller's return address, recorded as the "at:" location of a held lock.
#define LOCKDEP_RET_IP \
  (reinterpret_cast<unsigned long>(__builtin_return_address(0)))
// The current instruction address (for hooks called from the macro site).
#define LOCKDEP_THIS_IP                                       \
  ({                                                          \
    __label__ lockdep_here;                                   \
  lockdep_here:                                               \
    reinterpret_cast<unsigned long>(&&lockdep_here);          \
  })

// Values of the `read` argument of lock_acquire().
inline constexpr int kLockdepWrite = 0;
inline constexpr int kLockdepReadNonRecursive = 1;  // rwsem readers
inline constexpr int kLockdepReadRecursive = 2;     // rwlock readers

// Gives `map` its class key, name and default subclass (used by acquires that
// pass subclass 0). `key` may be nullptr only for maps in static storage, whose
// own address then becomes the key. Lock *_init functions call
// debug_check_no_locks_freed() on the lock first, so initialising a held lock
// reports "held lock freed", as in Linux. Cost: a few stores; the class is
// resolved lazily on first acquire.
void lockdep_init_map(lockdep_map* map, const char* name, lock_class_key* key,
                      int subclass);

// lockdep_init_map() for a lock that spins (spinning=1) or sleeps (0): the
// wait type might_sleep() checks. lockdep_init_map() itself sets 0.
void lockdep_init_map_wait(lockdep_map* map, const char* name,
                           lock_class_key* key, int subclass, int spinning);

// Marks `map` destroyed: a later acquire reports "use of uninitialized or
// destroyed lock". Reports "held lock freed" when this thread holds it, or when
// `still_locked` (the primitive's own state) says another thread does.
void lockdep_destroy_map(lockdep_map* map, int still_locked);

// Records that this thread is about to take (or, for trylock=1, has taken) the
// lock of `map`. Call it *before* blocking on the real lock, so a report is
// printed (and halt_on_report stops) before a real deadlock hangs.
//   subclass: 0..7, for nesting two locks of one class in a fixed order.
//   trylock:  1 when the lock was taken by a successful trylock: no dependency
//             is added for it, but locks taken under it depend on it.
//   read:     kLockdepWrite, kLockdepReadNonRecursive or kLockdepReadRecursive.
//   check:    0 tracks the lock as held (for asserts) without validating order.
//   nest_lock: a held lock that serialises taking many locks of one class.
//   ip:       LOCKDEP_RET_IP taken in the out-of-line (noinline) lock
//             function the user called: the "at:" of the held lock, and
//             where stack traces start. Taken in an inlined function, it
//             names the user's caller instead.
// Cost: fast path a few tens of nanoseconds; a new chain takes the graph lock
// and searches the graph; a new dependency also captures a stack trace.
void lock_acquire(lockdep_map* map, unsigned int subclass, int trylock,
                  int read, int check, lockdep_map* nest_lock,
                  unsigned long ip);

// Records that this thread released the lock of `map`. Releasing a lock this
// thread does not hold reports "bad unlock balance detected". Out-of-order
// release is allowed. Cost: a scan of the held-lock stack from the top.
void lock_release(lockdep_map* map, unsigned long ip);

// The held write lock of `map` becomes a read lock of the given kind
// (downgrade_write). Reports "bad unlock balance detected" when not held.
void lock_downgrade(lockdep_map* map, int read, unsigned long ip);

// 1 when this thread holds `map` in the given mode: read == -1 any mode,
// 0 for write, 1 for read (either reader kind). Always 1 while validation is
// off, so asserts never fire spuriously. Cost: a scan of the held-lock stack.
int lock_is_held_type(const lockdep_map* map, int read);
inline int lock_is_held(const lockdep_map* map) {
  return lock_is_held_type(map, -1);
}

// The number of locks this thread holds, as Linux's lockdep_depth(current)
// (locks taken while lockdep_off() are not counted). Cost: a TLS load.
int lockdep_depth();

// Assertion hooks behind lockdep_assert_*(). Each reports (once per class) when
// the condition fails; `expr` is the asserted expression as written.
// read: -1 any, 0 write, 1 read. once: the _once variant (same check).
void lockdep_assert_held_hook(const lockdep_map* map, int read, const char* expr,
                              unsigned long ip);
void lockdep_assert_not_held_hook(const lockdep_map* map, const char* expr,
                                  unsigned long ip);
// Reports "lockdep_assert_not_held failed (no lock may be held)" when this
// thread holds any lock.
void lockdep_assert_none_held_hook(unsigned long ip);

// Memory [addr, addr+len) is about to be freed: reports "held lock freed" when
// a lock this thread holds lives there.
void debug_check_no_locks_freed(const void* addr, unsigned long len);
// Memory [addr, addr+len) is being freed (kfree): what the kernel's slab
// debugging does for locks. Reports "held lock freed" when a lock this thread
// holds lives there (debug_check_no_locks_freed), then marks every live lock
// inside destroyed and remembers the stack from the caller of the free (`ip`,
// its return address), so a later acquire of such a lock reports "use of
// uninitialized or destroyed lock" with that stack. The memory must stay
// allocated (quarantined) until lockdep_forget_freed_range(addr): the
// validator still reads the dead lock's state. Returns the number of locks
// found. Cost: one pass over the range; a stack capture when a lock was there.
int lockdep_free_range(const void* addr, unsigned long len, unsigned long ip);
// The range that lockdep_free_range(addr, ...) freed is really released and
// may be reused: forgets its stack. Cost: a scan of the kept records.
void lockdep_forget_freed_range(const void* addr);
// Reports "lock held at thread exit"-style when this thread holds any lock
// (Linux calls it where a task must hold none).
void debug_check_no_locks_held();

// Dynamic keys: a key in heap or stack memory must be registered before a lock
// uses it. Unregistering forgets every class of the key, its dependencies and
// the chains through it; no lock of that key may be in use then. Other
// classes' cached chains are kept (no thread loses its fast path), and the
// class's id is reused, so a program may register and unregister keys
// forever without reaching a limit. Cost: the graph lock, the class's edges.
void lockdep_register_key(lock_class_key* key);
void lockdep_unregister_key(lock_class_key* key);

// Linux 6.4's lock comparison functions (lockdep_set_lock_cmp_fn): an order
// among the locks of one class. cmp returns < 0 when `a` may be held while
// `b` is taken; print describes one lock (writing to stderr) for reports.
using lock_cmp_fn = int (*)(const lockdep_map* a, const lockdep_map* b);
using lock_print_fn = void (*)(const lockdep_map* map);

// The order of the class of `map` (its key at subclass 0), through adapters
// so that lock layers can take their own function types: `cmp(user_cmp, a,
// b)` compares, `print(user_print, map)` (may be null) describes. Two locks
// of the class held together are then accepted when the held one compares
// below the new one, and still reported as recursive locking otherwise.
// The functions run under the validator's graph lock: they must not take
// locks. The first order set for a class stays. Cost: a scan of a small
// table; up to 256 classes may have one (more: one clear line, ignored).
using lockdep_any_fn = void (*)();
struct lockdep_lock_order {
  int (*cmp)(lockdep_any_fn user_cmp, const lockdep_map* a, const lockdep_map* b);
  lockdep_any_fn user_cmp;
  void (*print)(lockdep_any_fn user_print, const lockdep_map* map);
  lockdep_any_fn user_print;
};
void lockdep_set_lock_order(lockdep_map* map, const lockdep_lock_order& order);

// Memory [start, start+size) that held static keys or DEFINE_* locks is going
// away (a library about to be dlclose()d, Linux's module unload): forgets
// every class keyed there, as lockdep_unregister_key() does, and any
// registered key there. No lock of those classes may be in use. Cost: a scan
// of all classes under the graph lock.
void lockdep_free_key_range(const void* start, unsigned long size);

// The class of every lock given lockdep_set_novalidate_class() (Linux's
// __lockdep_no_validate__): such locks are tracked as held (the asserts work)
// but never validated, and sharing no class with validated locks, they can
// never stand in for one in the chain cache.
extern lock_class_key lockdep_no_validate_key;

// Per-thread switch: between lockdep_off() and lockdep_on() this thread's
// acquires and releases are not tracked (calls nest).
void lockdep_off();
void lockdep_on();

// A sleeping primitive is about to sleep: reports "sleeping function called
// from invalid context" when this thread is in hard or soft interrupt
// context, has irqs or bottom halves disabled, or holds a spinning lock.
// `file`:`line` name the sleeping call (as Linux names mutex.c:NNN).
void lockdep_might_sleep(const char* file, int line, unsigned long ip);

// Simulated interrupt contexts, per thread (user space has no interrupts; a
// signal handler or a completion callback plays the part). The state is kept
// even while validation is off, since programs branch on in_interrupt().
// Costs: a few thread-local stores; turning irqs or bottom halves back on
// while holding locks marks those locks' usage (slow path the first time).
//   hardirqs off/on: local_irq_disable/enable (not counted, as in Linux).
//   softirqs off/on: local_bh_disable/enable (counted: bh may nest).
//   hardirq enter/exit: irq_enter/irq_exit; the handler runs with irqs off.
//   softirq enter/exit: a softirq/tasklet body; runs with bottom halves off.
void lockdep_hardirqs_off(unsigned long ip);
void lockdep_hardirqs_on(unsigned long ip);
void lockdep_softirqs_off(unsigned long ip);
void lockdep_softirqs_on(unsigned long ip);
void lockdep_hardirq_enter(unsigned long ip);
void lockdep_hardirq_exit(unsigned long ip);
void lockdep_softirq_enter(unsigned long ip);
void lockdep_softirq_exit(unsigned long ip);
// 1 when the calling thread's simulated hard irqs are enabled.
int lockdep_hardirqs_enabled();
// Hard-irq nesting depth (in_irq() is depth > 0); soft-irq depth; the number
// of local_bh_disable() calls not yet matched.
int lockdep_hardirq_depth();
int lockdep_softirq_depth();
int lockdep_bh_disable_depth();
// Behind lockdep_assert_irqs_disabled() (want_enabled=0) and
// lockdep_assert_irqs_enabled() (1): reports when the state differs.
void lockdep_assert_irqs_hook(int want_enabled, unsigned long ip);

// A primitive found a misuse of its own rules (e.g. the wound/wait rules) and
// reports it: title "WARNING: <phrase>" (phrase as the README names the kind, e.g.
// "ww_mutex misuse"), then `detail` (one or more lines), the lock if any, the
// held locks and the stack. De-duplicated per (kind, lock class, detail).
void lockdep_report_misuse(lockdep::ReportKind kind, const char* phrase,
                           const char* detail, const lockdep_map* lock,
                           unsigned long ip);

// A subsystem's own sanity check failed (the kernel's WARN_ON/BUG_ON, e.g.
// core/bug.h): reports, once per call site, "WARNING: CPU: N PID: N at
// file:line function" (bug=0) or "BUG: kernel BUG at file:line!" (bug=1),
// with the condition, the held locks and the stack. Unlike the kernel's
// BUG_ON it does not stop the thread: the caller must refuse the operation.
// As every report, it fails the test and changes the exit status.
void lockdep_report_warn(int bug, const char* file, int line,
                         const char* function, const char* condition,
                         unsigned long ip);

// Boot-time annotations (Linux's dma_resv_lockdep() initcall): `prime` runs
// now, on the calling thread, and again at the end of every
// ResetForTesting(), so the dependencies it records are in every graph a
// test starts from. It must take and release locks only, in the order it
// wants recorded, and hold nothing when it returns. At most 8 functions;
// registering one twice runs it once. Thread-safe.
void lockdep_register_priming(void (*prime)());

// Lock statistics (LOCKDEP_OPTIONS=lock_stat=1, Linux's CONFIG_LOCK_STAT).
// After lock_acquire(), a primitive whose acquire must wait for another
// holder calls lock_contended() before it waits and lock_acquired() once it
// has the lock. Off (the default), each is one relaxed load: call them on the
// contended slow path only, never on the uncontended fast path.
extern std::atomic<bool> lockdep_lock_stat_on;
void lockdep_lock_contended(lockdep_map* map, unsigned long ip);
void lockdep_lock_acquired(lockdep_map* map, unsigned long ip);
inline void lock_contended(lockdep_map* map, unsigned long ip) {
  if (__builtin_expect(lockdep_lock_stat_on.load(std::memory_order_relaxed), 0))
    lockdep_lock_contended(map, ip);
}
inline void lock_acquired(lockdep_map* map, unsigned long ip) {
  if (__builtin_expect(lockdep_lock_stat_on.load(std::memory_order_relaxed), 0))
    lockdep_lock_acquired(map, ip);
}

// Value of LOCKDEP_OPTIONS' ww_inject=N (0 = off): as Linux's
// CONFIG_DEBUG_WW_MUTEX_SLOWPATH, every Nth ww_mutex_lock that would leave a
// context holding two or more locks, contended or not, backs off with
// -EDEADLK instead (at most once per ww_acquire_init, so every transaction
// still completes), to exercise rarely taken back-off paths.
int lockdep_ww_inject_interval();

// For runtimes that interpose on the process's own locks (LD_PRELOAD):
// 1 while the calling thread is inside a hook or the symbolizer, where any
// lock it takes or memory it allocates is the runtime's own and must pass
// through untracked. Cost: two TLS loads.
int lockdep_thread_in_validator();
// For runtimes that judge two locks of one class held together themselves
// (the LD_PRELOAD library judges such pairs per instance, keeping its own
// order graph over them): while `filter` is set and returns 1 for a held
// lock and the lock being acquired (two distinct maps of one class), the
// validator makes no recursive-locking report for that pair. Every other
// check, and every dependency learnt, stays. nullptr: none (the default).
// Cost: one relaxed load when a new chain holds two locks of one class.
void lockdep_set_same_class_filter(int (*filter)(const lockdep_map* held,
                                                 const lockdep_map* next));
// The runtime's fork handlers: prepare takes every internal lock (graph,
// chain check, report log, symbolizer) in the runtime's order; parent and
// child release them. Registered with pthread_atfork by the runtime itself,
// unless the process defines `lockdep_preload_library` (the LD_PRELOAD
// build), whose own handlers call these between its own locks.
void lockdep_fork_prepare();
void lockdep_fork_parent();
void lockdep_fork_child();

#endif  // LOCKDEP_RUNTIME_LOCKDEP_H_
