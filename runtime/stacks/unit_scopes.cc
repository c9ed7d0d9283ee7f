#include "runtime/stacks/unit_scopes.h"

#include <dwarf.h>

#include <algorithm>
#include <cstdlib>

namespace lockdep {
namespace {

// The DIEs walked through to find code: namespaces and classes, and
// functions (gcc nests the code of a function-local class's member
// functions, such as its implicit constructor, inside the enclosing
// function's DIE). Other DIEs without pc hold no scope of code.
bool WalkedThrough(Dwarf_Die* die) {
  switch (dwarf_tag(die)) {
    case DW_TAG_namespace:
    case DW_TAG_module:
    case DW_TAG_class_type:
    case DW_TAG_structure_type:
    case DW_TAG_union_type:
    case DW_TAG_subprogram:
      return true;
    default:
      return false;
  }
}

}  // namespace

// Not dwarf_getscopes: libdw (0.188 at least) prunes every DIE that does
// not contain pc, and a DW_TAG_namespace has no addresses at all, so it never
// looks inside one. gcc defines functions at the unit's top level (pointing
// at their declaration with DW_AT_specification) and is found; clang nests
// the definition of a namespace's free function inside the namespace's DIE,
// whatever the DWARF version, so the inlined calls in such functions (most
// user code) were never found.
bool AppendScopesAt(Dwarf_Die* parent, Dwarf_Addr pc, std::vector<Dwarf_Die>* scopes) {
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return false;
  do {
    if (dwarf_haspc(&child, pc) > 0) {
      scopes->push_back(child);
      // Scopes nest: no sibling holds pc too.
      AppendScopesAt(&child, pc, scopes);
      return true;
    }
    if (WalkedThrough(&child) && AppendScopesAt(&child, pc, scopes)) return true;
  } while (dwarf_siblingof(&child, &child) == 0);
  return false;
}

namespace {

// Walks the unit as AppendScopesAt does, keeping every DIE with code it could
// stop at (dies, in walk order) and every DIE it walks through (containers).
// Blocks and inlined calls lie inside their function's ranges, where the
// function (earlier in the walk) wins: they are left out.
void Collect(Dwarf_Die* parent, int parent_index, Dwarf_Off parent_end,
             std::vector<Dwarf_Die>* dies, std::vector<UnitScopes::Container>* containers) {
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return;
  bool more = true;
  while (more) {
    Dwarf_Die next;
    more = dwarf_siblingof(&child, &next) == 0;
    const int tag = dwarf_tag(&child);
    Dwarf_Addr base = 0, lo = 0, hi = 0;
    if (tag != DW_TAG_lexical_block && tag != DW_TAG_inlined_subroutine &&
        dwarf_ranges(&child, 0, &base, &lo, &hi) > 0) {
      dies->push_back(child);
    }
    if (WalkedThrough(&child)) {
      const Dwarf_Off end = more ? dwarf_dieoffset(&next) : parent_end;
      const int index = int(containers->size());
      containers->push_back({dwarf_dieoffset(&child), end, parent_index, child});
      Collect(&child, index, end, dies, containers);
    }
    child = next;
  }
}

}  // namespace

UnitScopes::Unit UnitScopes::Index(Dwarf_Die* cudie) {
  Unit unit;
  std::vector<Dwarf_Die> dies;
  Collect(cudie, -1, ~Dwarf_Off{0}, &dies, &unit.containers);
  for (size_t i = 0; i < dies.size(); ++i) {
    Dwarf_Addr base = 0, lo = 0, hi = 0;
    ptrdiff_t offset = 0;
    while ((offset = dwarf_ranges(&dies[i], offset, &base, &lo, &hi)) > 0) {
      if (lo < hi) unit.ranges.push_back(Range{lo, hi, 0, i, dies[i]});
    }
  }
  std::sort(unit.ranges.begin(), unit.ranges.end(),
            [](const Range& a, const Range& b) { return a.lo < b.lo; });
  Dwarf_Addr max_hi = 0;
  for (Range& r : unit.ranges) r.max_hi = max_hi = std::max(max_hi, r.hi);
  return unit;
}

UnitScopes::Unit& UnitScopes::UnitOf(Dwarf_Die* cudie) {
  auto it = units_.find(cudie->addr);
  if (it == units_.end()) it = units_.emplace(cudie->addr, Index(cudie)).first;
  return it->second;
}

void UnitScopes::At(Dwarf_Die* cudie, Dwarf_Addr pc, std::vector<Dwarf_Die>* scopes) {
  const std::vector<Range>& ranges = UnitOf(cudie).ranges;
  // Ranges starting at or before pc, from the last back, until none earlier
  // can reach pc; of those holding pc, the first in walk order.
  auto end = std::upper_bound(ranges.begin(), ranges.end(), pc,
                              [](Dwarf_Addr a, const Range& r) { return a < r.lo; });
  const Range* best = nullptr;
  for (auto r = end; r != ranges.begin();) {
    --r;
    if (r->max_hi <= pc) break;
    if (pc < r->hi && (best == nullptr || r->order < best->order)) best = &*r;
  }
  if (best == nullptr) return;
  Dwarf_Die die = best->die;
  scopes->push_back(die);
  AppendScopesAt(&die, pc, scopes);
}

int UnitScopes::ScopesOf(Dwarf_Die* die, Dwarf_Die** outer) {
  Dwarf_Die cudie;
  if (dwarf_diecu(die, &cudie, nullptr, nullptr) == nullptr) {
    return dwarf_getscopes_die(die, outer);
  }
  const std::vector<Container>& containers = UnitOf(&cudie).containers;
  const Dwarf_Off at = dwarf_dieoffset(die);
  // The last container opened before die, then out to the first that
  // still holds it; from there its parents hold it too.
  auto after = std::upper_bound(containers.begin(), containers.end(), at,
                                [](Dwarf_Off a, const Container& c) { return a < c.begin; });
  int index = int(after - containers.begin()) - 1;
  while (index >= 0 && at >= containers[index].end) index = containers[index].parent;
  std::vector<Dwarf_Die> chain{*die};
  for (; index >= 0; index = containers[index].parent) {
    if (containers[index].begin != at) chain.push_back(containers[index].die);
  }
  *outer = static_cast<Dwarf_Die*>(std::malloc(chain.size() * sizeof(Dwarf_Die)));
  if (*outer == nullptr) return -1;
  std::copy(chain.begin(), chain.end(), *outer);
  return int(chain.size());
}

}  // namespace lockdep
