// An address inside a loaded object (code or static data) named so that it
// means the same in every run of one binary: the object's GNU build-id and
// the offset from its load address, which ASLR does not change.
#ifndef LOCKDEP_RUNTIME_CODE_ADDRESS_H_
#define LOCKDEP_RUNTIME_CODE_ADDRESS_H_

#include <cstdint>
#include <string>

namespace lockdep {

// "BUILD-ID+0xOFFSET" for an address inside a loaded object ("PATH+0xOFFSET"
// when the object has no build-id note); "" for any other address (heap,
// stack, mmap). Two addresses give the same string only when they are the
// same byte of the same binary. Thread-safe (dl_iterate_phdr); allocates;
// cost: a walk of the loaded objects' program headers. Not for lock paths.
std::string CodeAddressIdentity(uintptr_t address);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_CODE_ADDRESS_H_
