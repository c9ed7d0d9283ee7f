// Clang thread-safety annotations (-Wthread-safety) for the lockdep::Mutex
// family and for the code that uses it. Under Clang each macro expands to the
// attribute of the same meaning; under other compilers to nothing, so the
// annotations cost nothing and never break a build.
//
// The names follow Clang's documentation (and Abseil's ABSL_* set): a type is a
// LOCKDEP_CAPABILITY; data says which capability LOCKDEP_GUARDED_BY it; a
// function says what it LOCKDEP_REQUIRES, LOCKDEP_ACQUIREs or LOCKDEP_RELEASEs.
// The analysis is static and per function: it catches a forgotten lock before
// the program runs, while lockdep catches lock-order problems when it runs.
#ifndef LOCKDEP_INSTRUMENT_CXX_THREAD_ANNOTATIONS_H_
#define LOCKDEP_INSTRUMENT_CXX_THREAD_ANNOTATIONS_H_

#if defined(__clang__)
#define LOCKDEP_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define LOCKDEP_THREAD_ANNOTATION_(x)
#endif

// A type whose objects are capabilities (locks); `x` names the kind in
// diagnostics ("mutex").
#define LOCKDEP_CAPABILITY(x) LOCKDEP_THREAD_ANNOTATION_(capability(x))
// An RAII type that holds a capability for its lifetime.
#define LOCKDEP_SCOPED_CAPABILITY LOCKDEP_THREAD_ANNOTATION_(scoped_lockable)

// Data that may be read only while `x` is held (shared or exclusive) and
// written only while `x` is held exclusively.
#define LOCKDEP_GUARDED_BY(x) LOCKDEP_THREAD_ANNOTATION_(guarded_by(x))
// The same for the data a pointer points to (the pointer itself is free).
#define LOCKDEP_PT_GUARDED_BY(x) LOCKDEP_THREAD_ANNOTATION_(pt_guarded_by(x))

// Static lock-order declarations between capabilities (checked by Clang only
// with -Wthread-safety-beta; lockdep checks the order at run time anyway).
#define LOCKDEP_ACQUIRED_BEFORE(...) \
  LOCKDEP_THREAD_ANNOTATION_(acquired_before(__VA_ARGS__))
#define LOCKDEP_ACQUIRED_AFTER(...) \
  LOCKDEP_THREAD_ANNOTATION_(acquired_after(__VA_ARGS__))

// The caller must hold the capabilities exclusively / at least shared.
#define LOCKDEP_REQUIRES(...) \
  LOCKDEP_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define LOCKDEP_REQUIRES_SHARED(...) \
  LOCKDEP_THREAD_ANNOTATION_(requires_shared_capability(__VA_ARGS__))

// The function acquires / releases the capabilities (`this` when empty).
#define LOCKDEP_ACQUIRE(...) \
  LOCKDEP_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define LOCKDEP_ACQUIRE_SHARED(...) \
  LOCKDEP_THREAD_ANNOTATION_(acquire_shared_capability(__VA_ARGS__))
#define LOCKDEP_RELEASE(...) \
  LOCKDEP_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define LOCKDEP_RELEASE_SHARED(...) \
  LOCKDEP_THREAD_ANNOTATION_(release_shared_capability(__VA_ARGS__))
// Releases a capability held in either mode (RAII guards of shared locks).
#define LOCKDEP_RELEASE_GENERIC(...) \
  LOCKDEP_THREAD_ANNOTATION_(release_generic_capability(__VA_ARGS__))

// The function acquires the capabilities when it returns `ret` (true).
#define LOCKDEP_TRY_ACQUIRE(...) \
  LOCKDEP_THREAD_ANNOTATION_(try_acquire_capability(__VA_ARGS__))
#define LOCKDEP_TRY_ACQUIRE_SHARED(...) \
  LOCKDEP_THREAD_ANNOTATION_(try_acquire_shared_capability(__VA_ARGS__))

// The caller must not hold the capabilities (the function takes them).
#define LOCKDEP_EXCLUDES(...) \
  LOCKDEP_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))

// The function checks at run time that the capability is held, so the static
// analysis may assume it is held afterwards.
#define LOCKDEP_ASSERT_CAPABILITY(x) \
  LOCKDEP_THREAD_ANNOTATION_(assert_capability(x))
#define LOCKDEP_ASSERT_SHARED_CAPABILITY(x) \
  LOCKDEP_THREAD_ANNOTATION_(assert_shared_capability(x))

// The function returns a reference to the capability `x` (lock accessors).
#define LOCKDEP_RETURN_CAPABILITY(x) \
  LOCKDEP_THREAD_ANNOTATION_(lock_returned(x))

// Turns the analysis off for one function: for lock implementations, whose
// bodies the analysis cannot follow.
#define LOCKDEP_NO_THREAD_SAFETY_ANALYSIS \
  LOCKDEP_THREAD_ANNOTATION_(no_thread_safety_analysis)

#endif  // LOCKDEP_INSTRUMENT_CXX_THREAD_ANNOTATIONS_H_
