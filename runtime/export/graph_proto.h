// Turns a GraphSnapshot (raw addresses, this process only) into the graph
// message (lockgraph.proto) that means the same in any process: frames
// symbolised to function, file and line; keys located in the source.
#ifndef LOCKDEP_RUNTIME_GRAPH_PROTO_H_
#define LOCKDEP_RUNTIME_GRAPH_PROTO_H_

#include "runtime/export/graph_snapshot.h"
#include "runtime/export/lockgraph.pb.h"

namespace lockdep {

// Cost: symbolises each distinct pc once and reads the DWARF of the objects
// holding the keys (milliseconds to tens of milliseconds); allocates. Takes no
// lockdep lock: call it outside the graph lock.
graph::Graph BuildGraphProto(const GraphSnapshot& snapshot);

// The frame of `pc` that SymbolizePc() names (the innermost of the user's
// code unless internal_frames=1), split into its parts; a pc nothing is
// known about gives an empty function (never the address).
graph::Frame FrameOfPc(uintptr_t pc);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_GRAPH_PROTO_H_
