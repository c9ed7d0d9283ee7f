// Loads plugin A, uses its locks, unloads it, then the same for plugin B,
// which the loader tends to place at A's address, three times; then makes
// one report from B. Classes and frames must be B's own, whatever A left in
// the runtime's address caches.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace {

void* Load(const char* path) {
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    std::fprintf(stderr, "plugin_probe: %s\n", dlerror());
    std::exit(2);
  }
  return handle;
}

void* Base(void* handle, const char* symbol) {
  Dl_info info{};
  dladdr(dlsym(handle, symbol), &info);
  return info.dli_fbase;
}

}  // namespace

int main() {
  constexpr char kA[] = "tests/cxx/classes/libplugin_a.so";
  constexpr char kB[] = "tests/cxx/classes/libplugin_b.so";
  bool same_base = true;
  for (int cycle = 0; cycle < 3; ++cycle) {
    void* a = Load(kA);
    void* base_a = Base(a, "plugin_work");
    reinterpret_cast<void (*)(int)>(dlsym(a, "plugin_work"))(0);
    dlclose(a);
    void* b = Load(kB);
    same_base = same_base && Base(b, "plugin_work") == base_a;
    reinterpret_cast<void (*)(int)>(dlsym(b, "plugin_work"))(1);
    dlclose(b);
  }
  void* b = Load(kB);
  reinterpret_cast<void (*)()>(dlsym(b, "plugin_same_member_twice"))();
  std::fprintf(stderr, "plugin_probe: %s\n",
               same_base ? "B was loaded at A's address" : "B was loaded elsewhere");
  return 0;
}
