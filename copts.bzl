"""Compiler flags lockdep's library targets set for their own sources."""

# The library's sources are C++20 (std::span, designated initialisers, ...).
# Set per target, not in .bazelrc, so a workspace that depends on lockdep
# builds it the same whatever its own flags (a later -std in copts wins over
# --cxxopt). Its public headers are C++17 and C++20 (tests/public_headers).
# -g: lockdep's own frames (core/, instrument/) keep file:line in reports even
# in a workspace whose .bazelrc does not ask for debug information.
LOCKDEP_COPTS = ["-std=c++20", "-g"]
