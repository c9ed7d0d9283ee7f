// Files whose whole work runs from start-up constructors that nothing calls:
// process_exit.cc (options at start-up, the exit hook that sets exit status
// 66) and fork_safety.cc (the fork handlers). A static link takes a member of
// liblockdep.a only for a symbol the program needs, so without a reference
// those two would be left out silently, and a run with reports would exit 0.
// Each defines an anchor below; validator.cc, which every instrumented program
// links for the hooks, refers to both. (Inside Bazel, alwayslink does the
// same for //runtime:lockdep.)
#ifndef LOCKDEP_RUNTIME_LINK_ANCHORS_H_
#define LOCKDEP_RUNTIME_LINK_ANCHORS_H_

namespace lockdep {

extern const char kProcessExitAnchor;
extern const char kForkSafetyAnchor;

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_LINK_ANCHORS_H_
