// Report text names code by address, but turning an address into
// "function+0x1c/0x40 (file.cc:123)" reads DWARF and can take milliseconds
// on first sight of a library. Reports are written under the graph lock, so
// the writers leave a placeholder per address or trace, and EmitReport()
// resolves them once no lockdep lock is held: other threads are not held up
// while a report is symbolised. Report paths only (allocates).
#ifndef LOCKDEP_RUNTIME_DEFERRED_SYMBOLS_H_
#define LOCKDEP_RUNTIME_DEFERRED_SYMBOLS_H_

#include <cstdint>
#include <span>
#include <string>

namespace lockdep {

// A placeholder that ResolveSymbols() replaces with SymbolizePc(pc). Costs
// a few string appends; no lock.
std::string SymbolPlaceholder(uintptr_t pc);

// Appends a placeholder that ResolveSymbols() replaces with what
// AppendTrace(out, pcs, indent) would append (the frame filter needs the
// whole trace at once, so it is one placeholder). No lock.
void AppendTracePlaceholder(std::string* out, std::span<const uintptr_t> pcs,
                            int indent);

// Replaces every placeholder in `text` with its symbols; text without
// placeholders is left as it is. Symbolises (takes the symbolizer's lock),
// so call it with the graph lock released.
void ResolveSymbols(std::string* text);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_DEFERRED_SYMBOLS_H_
