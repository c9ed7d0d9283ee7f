// Where a lock class's key is defined, from the debug information of the
// object that holds it: the identity of a class across processes, which its
// address (different in every run) cannot be.
#ifndef LOCKDEP_RUNTIME_KEY_LOCATION_H_
#define LOCKDEP_RUNTIME_KEY_LOCATION_H_

#include <cstdint>
#include <map>
#include <vector>

#include "runtime/export/lockgraph.pb.h"

namespace lockdep {

// For each address, the variable that contains it: its declaration's
// file:line (the `*_init` call site for the static key of an init macro, the
// DEFINE_* line for a lock defined with one), its symbol, the compilation
// unit that defines it and the address's offset in it. Addresses outside
// any object with DWARF (heap keys, stripped binaries) are left out.
// Cost: one pass over the DWARF of each object that holds an address (tens of
// milliseconds for a test binary); allocates; takes no lockdep lock. For dumps.
std::map<uintptr_t, graph::KeyLocation> LocateKeys(std::vector<uintptr_t> addresses);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_KEY_LOCATION_H_
