// Releases run later, outside the caller's locks: Linux's delayed fput. In
// Linux, the last reference to a dma-buf is a file's, and its release runs
// from the final fput(): on return to user space, or from a kernel thread
// for kernel callers, never under the locks of whoever dropped it. Running
// it at once would make every lock the caller holds a dependency of the
// release's own locks (a false circular dependency the first time a buffer
// is dropped under another buffer's reservation lock).
#ifndef LOCKDEP_CORE_DELAYED_FPUT_H_
#define LOCKDEP_CORE_DELAYED_FPUT_H_

// Runs release(arg) on the release thread (started on first use), in queue
// order, with no lock held. Never blocks on the release itself. Cost: a
// queue push under a mutex of the release machinery (not a lockdep lock).
void delayed_fput(void (*release)(void* arg), void* arg);

// Waits until every release queued before the call has run (Linux's
// flush_delayed_fput()). Also run at exit, so pending releases are done.
// Must not be called from a release. May sleep.
void flush_delayed_fput();

#endif  // LOCKDEP_CORE_DELAYED_FPUT_H_
