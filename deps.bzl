"""What a workspace needs to build lockdep's targets with no network.

Call lockdep_dependencies() from your WORKSPACE, after the local_repository
that brings lockdep itself in; this repository's own WORKSPACE does the same.
Each repository below is defined only when the workspace has not defined it
already, so your own rules_cc or platforms win. Nothing here downloads:

  rules_cc               a shim handing out the native C++ rules (Debian's rules_cc
                         is newer than Debian's Bazel 4.2.3 can load)
  rules_java, platforms  Debian's copies (bazel-rules-java, bazel-platforms)
  remote_coverage_tools  empty stand-ins Bazel asks for in every test
  lockdep_system         the Debian system libraries lockdep links (Abseil,
                         libunwind, libdw, protobuf, GoogleTest, Google Benchmark)
"""

def _local_copy_impl(rctx):
    # The directory holding `marker`, inside lockdep's own repository, linked
    # file by file: a local_repository path would have to be known in advance.
    src = rctx.path(rctx.attr.marker).dirname
    for child in src.readdir():
        rctx.symlink(child, child.basename)

_local_copy = repository_rule(
    implementation = _local_copy_impl,
    attrs = {"marker": attr.label(allow_single_file = True)},
    local = True,
)

def _maybe(rule, name, **kwargs):
    if not native.existing_rule(name):
        rule(name = name, **kwargs)

def lockdep_dependencies():
    """Defines the repositories lockdep's BUILD files use (see the file comment)."""
    _maybe(
        _local_copy,
        name = "rules_cc",
        marker = Label("//third_party/rules_cc:WORKSPACE"),
    )
    _maybe(
        native.local_repository,
        name = "rules_java",
        path = "/usr/share/bazel/rules/java",
    )
    _maybe(
        native.local_repository,
        name = "platforms",
        path = "/usr/share/bazel/tools/platforms",
    )
    _maybe(
        _local_copy,
        name = "remote_coverage_tools",
        marker = Label("//third_party/remote_coverage_tools:WORKSPACE"),
    )
    _maybe(
        native.new_local_repository,
        name = "lockdep_system",
        build_file = str(Label("//third_party:system.BUILD")),
        path = "/usr",
    )
