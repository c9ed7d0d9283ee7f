"""The shape every suite here shares."""

def lockdep_test(name, deps = [], options = "exitcode=0:check_chains=1", size = "small", **kwargs):
    """A GoogleTest suite of the kernel-style API reading reports in-process.

    The suites make reports on purpose and assert exactly which appear, so they
    run with exitcode=0 (a process that printed a report would otherwise exit
    66), and with check_chains=1, so that a chain-cache collision would fail
    loudly instead of hiding a report; `options` is the whole LOCKDEP_OPTIONS
    value.
    """
    native.cc_test(
        name = name,
        size = size,
        srcs = [name + ".cc"],
        env = {"LOCKDEP_OPTIONS": options},
        deps = deps + [
            ":test_support",
            "//instrument:kernel",
            "//runtime:lockdep",
            "@lockdep_system//:gtest_main",
        ],
        **kwargs
    )
