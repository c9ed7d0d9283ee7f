// How much stack the calling thread has left, and a way to do deep work
// (symbolising: libdw's line-table reader alone was seen to use 150 KiB)
// on a thread whose stack is small: a thread created with
// PTHREAD_STACK_MIN + 4096 bytes has about 10 KiB left at its first lock,
// once glibc has carved the static TLS and its thread descriptor out of it.
// The checker must never take such a program down.
//
// Limits: a thread's bounds come from glibc (pthread_getattr_np); the main
// thread's are computed as glibc does, from its stack top, the top of its
// arguments and environment, and RLIMIT_STACK; code running
// on another stack (a signal stack, a coroutine's) has unknown room,
// reported as kUnknownStackRoom.
#ifndef LOCKDEP_RUNTIME_STACK_ROOM_H_
#define LOCKDEP_RUNTIME_STACK_ROOM_H_

#include <cstddef>
#include <cstdint>

namespace lockdep {

inline constexpr size_t kUnknownStackRoom = SIZE_MAX;

// Stack a symbolisation may need (run on a second stack below it).
inline constexpr size_t kSymbolizeStackRoom = 256 * 1024;
// Stack an unwind may need (libunwind's cursor and context, the raw frame
// buffer, a slow-path step through an object's unwind tables). An unwind
// cannot move to another stack: below this a trace is left out.
inline constexpr size_t kUnwindStackRoom = 12 * 1024;

// Bytes between the caller's frame and the low end of this thread's stack;
// kUnknownStackRoom when the caller is not on it. Cost: two thread-local
// loads after the thread's first call (which asks glibc; for the main
// thread, whose answer from glibc reads /proc/self/maps, a getrlimit).
size_t StackRoom();

// True when `addr` lies in the calling thread's own stack. Cost as
// StackRoom().
bool OnThisThreadsStack(uintptr_t addr);

// Runs fn(arg) with at least `need` bytes of stack: on this stack when it
// has them (or its room is unknown), else on a second stack of this thread
// (1 MiB of address space, mapped at its first use, pages committed as
// touched, unmapped at thread exit). Nested calls run in place. Cost: a
// room check; a switch is two swapcontext() calls (each a signal-mask
// system call). fn must return normally (no exception, no longjmp out).
void RunWithStackRoom(size_t need, void (*fn)(void*), void* arg);

template <typename F>
void WithStackRoom(size_t need, F&& f) {
  RunWithStackRoom(
      need, [](void* p) { (*static_cast<F*>(p))(); }, &f);
}

// Stack traces left out because a thread's stack had too little room
// (CaptureStack), counted for the one line printed at exit.
void CountTraceLeftOut();
uint64_t TracesLeftOut();

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_STACK_ROOM_H_
