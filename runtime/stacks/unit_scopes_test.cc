// UnitScopes answers as the walks it replaces: for every function of this
// test's own units, the scopes at several of its pcs equal AppendScopesAt's
// from the unit's top, and the namespaces and classes around each function
// equal dwarf_getscopes_die's. A wrong range, order or container bound in the
// index shows as a difference.
#include "runtime/stacks/unit_scopes.h"

#include <dwarf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace lockdep {
namespace {

// Code of its own in this unit: a namespace, a class, a lambda, a local
// class, so the walk meets each kind of container.
namespace outer::inner {
struct Holder {
  int Twice(int x) const { return 2 * x; }
};
}  // namespace outer::inner

[[gnu::noinline]] int UsesLocalClass(int x) {
  struct Local {
    int v;
    int Get() const { return v + 1; }
  };
  auto lambda = [](int y) { return outer::inner::Holder{}.Twice(y); };
  return Local{lambda(x)}.Get();
}

std::vector<Dwarf_Off> Offsets(const std::vector<Dwarf_Die>& dies) {
  std::vector<Dwarf_Off> out;
  for (Dwarf_Die d : dies) out.push_back(dwarf_dieoffset(&d));
  return out;
}

bool IsNameScope(int tag) {
  return tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
         tag == DW_TAG_structure_type || tag == DW_TAG_union_type;
}

// Every subprogram of the unit with code, and every data member (a DIE the
// index keeps no entry for), anywhere in it.
void Collect(Dwarf_Die* parent, std::vector<Dwarf_Die>* functions,
             std::vector<Dwarf_Die>* members) {
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return;
  do {
    Dwarf_Addr lo = 0;
    if (dwarf_tag(&child) == DW_TAG_subprogram && dwarf_lowpc(&child, &lo) == 0) {
      functions->push_back(child);
    }
    if (dwarf_tag(&child) == DW_TAG_member) members->push_back(child);
    Collect(&child, functions, members);
  } while (dwarf_siblingof(&child, &child) == 0);
}

// ScopesOf(die) against dwarf_getscopes_die(die): the callers read
// namespaces and classes outwards, up to the first other scope, so those
// must agree, and so must where they end. Returns how many were compared.
int CompareNameScopes(UnitScopes& index, Dwarf_Die* die) {
  Dwarf_Die* want = nullptr;
  Dwarf_Die* got = nullptr;
  const int n_want = dwarf_getscopes_die(die, &want);
  const int n_got = index.ScopesOf(die, &got);
  int compared = 0;
  EXPECT_GE(n_got, 1);
  if (n_got >= 1) EXPECT_EQ(dwarf_dieoffset(&got[0]), dwarf_dieoffset(die));
  for (int i = 1; i < n_want; ++i) {
    if (!IsNameScope(dwarf_tag(&want[i]))) {
      EXPECT_TRUE(i >= n_got || !IsNameScope(dwarf_tag(&got[i])));
      break;
    }
    if (i >= n_got) {
      ADD_FAILURE() << "scope " << i << " of DIE " << dwarf_dieoffset(die) << " missing";
      break;
    }
    EXPECT_EQ(dwarf_dieoffset(&got[i]), dwarf_dieoffset(&want[i]))
        << "scope " << i << " of DIE " << dwarf_dieoffset(die);
    ++compared;
  }
  std::free(want);
  std::free(got);
  return compared;
}

TEST(UnitScopes, AgreesWithTheWalksItReplaces) {
  ASSERT_EQ(UsesLocalClass(3), 7);
  const int fd = open("/proc/self/exe", O_RDONLY);
  ASSERT_GE(fd, 0);
  Dwarf* dwarf = dwarf_begin(fd, DWARF_C_READ);
  ASSERT_NE(dwarf, nullptr) << "this test binary has no DWARF";
  UnitScopes index;
  int functions = 0, scopes_checked = 0, names_checked = 0, member_names_checked = 0;
  Dwarf_Off offset = 0, next = 0;
  size_t header = 0;
  while (dwarf_nextcu(dwarf, offset, &next, &header, nullptr, nullptr, nullptr) == 0) {
    Dwarf_Die cu;
    if (dwarf_offdie(dwarf, offset + header, &cu) == nullptr) break;
    offset = next;
    std::vector<Dwarf_Die> fns, members;
    Collect(&cu, &fns, &members);
    for (Dwarf_Die& fn : fns) {
      ++functions;
      Dwarf_Addr lo = 0, hi = 0;
      ASSERT_EQ(dwarf_lowpc(&fn, &lo), 0);
      if (dwarf_highpc(&fn, &hi) != 0 || hi <= lo) hi = lo + 1;
      // hi is the first byte after the function: often the next one's.
      for (Dwarf_Addr pc : {lo, lo + (hi - lo) / 2, hi - 1, hi}) {
        std::vector<Dwarf_Die> want, got;
        AppendScopesAt(&cu, pc, &want);
        index.At(&cu, pc, &got);
        ASSERT_EQ(Offsets(got), Offsets(want)) << "pc 0x" << std::hex << pc;
        ++scopes_checked;
      }
      names_checked += CompareNameScopes(index, &fn);
    }
    for (Dwarf_Die& member : members) member_names_checked += CompareNameScopes(index, &member);
  }
  dwarf_end(dwarf);
  close(fd);
  // This unit alone has the functions above, in a namespace and classes.
  // Whether a function's definition sits inside its namespace's DIE (and so
  // has name scopes to compare) is the compiler's choice (gcc at -O1 puts
  // them at the unit's top level); data members always sit in their class.
  EXPECT_GT(functions, 5);
  EXPECT_GT(member_names_checked, 5);
  EXPECT_EQ(scopes_checked, 4 * functions);
}

}  // namespace
}  // namespace lockdep
