"""Compiler flags lockdep's library targets set for their own sources."""

# The library's sources are C++20 (std::span, designated initialisers, ...).
# Set per target, not in .bazelrc, so a workspace that depends on lockdep
# builds it the same whatever its own flags (a later -std in copts wins over
# --cxxopt). Its public headers are C++17 and C++20 (tests/public_headers).
LOCKDEP_COPTS = ["-std=c++20"]
