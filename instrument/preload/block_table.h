// The live heap blocks: start, size and allocation site, so a lock found
// inside a block with no init call can be classed by (site, offset), and the
// locks in a block forgotten when it is freed.
//
// Sharded open-addressing tables in mmap'd memory (never the heap it tracks),
// each shard behind its own InternalLock. Blocks larger than a page also index
// every page that starts inside them, so an interior address anywhere in a
// big block finds its start. Limits: none fixed; a shard doubles when half
// full (an mmap failure leaves the block untracked, which only costs its
// locks the allocation-site class).
#ifndef LOCKDEP_INSTRUMENT_PRELOAD_BLOCK_TABLE_H_
#define LOCKDEP_INSTRUMENT_PRELOAD_BLOCK_TABLE_H_

#include <cstddef>
#include <cstdint>

namespace lockdep::preload {

struct Block {
  uintptr_t start = 0;
  size_t size = 0;
  uintptr_t site = 0;  // return address of the allocation call
  bool has_locks = false;
};

// Records a new block. Cost: one shard lock and a probe; plus one entry per
// page for blocks larger than a page.
void AddBlock(uintptr_t start, size_t size, uintptr_t site);

// Removes the block starting at `start`; true (and *out filled) when it was
// tracked. Cost as AddBlock.
bool RemoveBlock(uintptr_t start, Block* out);

// The block containing `addr`, marking it as holding locks (so its free
// forgets them). Slow path: one page lookup, then up to 256 probes.
bool FindBlockAndMarkLocks(uintptr_t addr, Block* out);

// Fork: every shard lock is held across fork() (see lifecycle.cc).
void LockAllBlockShards();
void UnlockAllBlockShards();

}  // namespace lockdep::preload

#endif  // LOCKDEP_INSTRUMENT_PRELOAD_BLOCK_TABLE_H_
