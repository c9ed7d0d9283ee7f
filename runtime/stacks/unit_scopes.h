// The DWARF scopes of code at a pc within one compilation unit: the
// physical function, then the blocks and inlined calls around the pc.
//
// Finding the function holding a pc means walking the unit's DIEs: clang
// nests functions inside their namespaces' DIEs, and a unit that includes
// the standard library declares tens of thousands of classes and members
// around them. That walk took about 1.3 ms per pc in a unit that includes
// <thread> and <vector>, and every first lock() at a new call site of a
// lockdep::Mutex pays one (instrument/cxx/call_site.cc asks whether the
// caller is user code). UnitScopes walks each unit once, keeping the
// address ranges of the code-bearing DIEs; a pc is then a binary search and
// a walk of its function's own (small) tree.
#ifndef LOCKDEP_RUNTIME_STACKS_UNIT_SCOPES_H_
#define LOCKDEP_RUNTIME_STACKS_UNIT_SCOPES_H_

#include <elfutils/libdw.h>

#include <cstddef>
#include <unordered_map>
#include <vector>

namespace lockdep {

// Appends the DIEs under parent whose code contains pc, outermost first.
// Returns whether any was found. Walks parent's whole subtree in the worst
// case: UnitScopes::At is the cached form for a unit.
bool AppendScopesAt(Dwarf_Die* parent, Dwarf_Addr pc, std::vector<Dwarf_Die>* scopes);

// Per-unit indexes of code ranges. Not synchronised (the symbolizer's lock
// covers it). Made at a unit's first lookup, kept until Clear(): about 60
// bytes per function range and per namespace, class or function DIE (a
// GoogleTest unit built without optimisation: 1,866 ranges and 8,727
// scopes, 0.6 MB).
class UnitScopes {
 public:
  // As AppendScopesAt(cudie, pc, scopes), for the unit `cudie`.
  void At(Dwarf_Die* cudie, Dwarf_Addr pc, std::vector<Dwarf_Die>* scopes);
  // As dwarf_getscopes_die(die, outer): *outer (malloc'ed, the caller
  // frees it) gets die itself, then the namespaces, classes and functions
  // around it, innermost first; returns their count, or -1. libdw's own
  // walks the unit from its start for every DIE (as long as a pc lookup),
  // and every inlined call without a linkage name (a function of internal
  // linkage, a lambda) asks it once per frame. Scopes that are no
  // namespace, class or function (a lexical block) are left out: callers
  // stop at the first scope that is no namespace or class.
  int ScopesOf(Dwarf_Die* die, Dwarf_Die** outer);
  // Forgets every unit (their DIEs point into modules that may be gone).
  void Clear() { units_.clear(); }

 // The index's entries (public for the walk that builds them).
  struct Range {
    Dwarf_Addr lo;
    Dwarf_Addr hi;      // exclusive
    Dwarf_Addr max_hi;  // the largest hi of this and every earlier range
    size_t order;       // position in the walk: the first match wins, as in
                        // AppendScopesAt
    Dwarf_Die die;
  };
  // A namespace, class or function DIE, and the offsets its children lie
  // between (DWARF stores a DIE's subtree before its next sibling).
  struct Container {
    Dwarf_Off begin;
    Dwarf_Off end;  // exclusive
    int parent;     // index into containers, -1 at the unit's top level
    Dwarf_Die die;
  };
  struct Unit {
    std::vector<Range> ranges;          // by lo
    std::vector<Container> containers;  // by begin (the walk's pre-order)
  };
 private:
  static Unit Index(Dwarf_Die* cudie);
  Unit& UnitOf(Dwarf_Die* cudie);

  // Keyed by where the unit's DIE sits in the mapped debug information,
  // unique among the units of every module loaded.
  std::unordered_map<const void*, Unit> units_;
};

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_STACKS_UNIT_SCOPES_H_
