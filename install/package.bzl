"""What `bazel run //:install` installs, taken from the library targets
themselves, so their BUILD files stay the one list of sources and headers."""

def _unique(items):
    seen = {}
    out = []
    for item in items:
        if item not in seen:
            seen[item] = True
            out.append(item)
    return out

def _lockdep_package_impl(ctx):
    # Only this repository's libraries go in; system ones are link flags.
    root = ctx.label.workspace_root
    headers = []
    objects = []
    link_flags = []
    for target in ctx.attr.public_headers_of:
        headers += target[CcInfo].compilation_context.direct_public_headers
        headers += target[CcInfo].compilation_context.direct_textual_headers
    for dep in ctx.attr.deps:
        cc = dep[CcInfo]
        for linker_input in cc.linking_context.linker_inputs.to_list():
            link_flags += linker_input.user_link_flags
            for lib in linker_input.libraries:
                if lib.pic_static_library and lib.pic_static_library.owner.workspace_root == root:
                    objects += lib.pic_objects
    headers = _unique(headers)
    objects = _unique(objects)

    # One archive of every object: members may share a base name (kernel/ and
    # cxx/ both have mutex.o), so `q` appends instead of replacing.
    archive = ctx.actions.declare_file("liblockdep.a")
    args = ctx.actions.args()
    args.add("qcsD")
    args.add(archive)
    args.add_all(objects)
    ctx.actions.run(
        executable = "ar",
        arguments = [args],
        inputs = objects,
        outputs = [archive],
        mnemonic = "LockdepArchive",
        progress_message = "Archiving liblockdep.a",
    )

    # The same objects as one shared library. (A cc_binary with linkshared
    # would keep only the objects something in it refers to: no lock at all.)
    link_flags = _unique(link_flags)
    shared = ctx.actions.declare_file("liblockdep.so")
    args = ctx.actions.args()
    args.add_all(["-shared", "-o", shared, "-Wl,-soname,liblockdep.so"])
    args.add_all(objects)
    args.add_all(link_flags)
    ctx.actions.run(
        executable = "g++",
        arguments = [args],
        inputs = objects,
        outputs = [shared],
        mnemonic = "LockdepSharedLibrary",
        use_default_shell_env = True,  # g++ finds its own tools on PATH
        progress_message = "Linking liblockdep.so",
    )

    # Each header's path under include/ is its path in this repository.
    header_list = ctx.actions.declare_file(ctx.label.name + ".headers")
    ctx.actions.write(header_list, "".join([h.short_path + "\n" for h in headers]))
    flags = ctx.actions.declare_file(ctx.label.name + ".link_flags")
    ctx.actions.write(flags, " ".join(link_flags) + "\n")
    outputs = [archive, shared, header_list, flags]
    return [DefaultInfo(
        files = depset(outputs),
        runfiles = ctx.runfiles(files = headers + outputs),
    )]

lockdep_package = rule(
    implementation = _lockdep_package_impl,
    doc = "liblockdep.a, the public headers and the system link flags of `deps`.",
    attrs = {
        # Libraries whose objects (with their dependencies' in this repository)
        # make the archive; their link flags are the archive's system libraries.
        "deps": attr.label_list(providers = [CcInfo]),
        # Targets whose own `hdrs` are installed (a user's includes reach no
        # other header of this repository).
        "public_headers_of": attr.label_list(providers = [CcInfo]),
    },
)
