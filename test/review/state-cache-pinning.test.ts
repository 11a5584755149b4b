// Found by review (fixed: write-through copies the bytes): a committed block's values were written through as the very
// Uint8Arrays the state machine encoded (encodeRecord -> wire.encode -> msgpackr pack), and msgpackr hands out
// views into one shared pack buffer (8 KiB at first, 4x the largest message packed so far after that: a block,
// up to BLOCK_BYTES_MAX). A cached value keeps its whole pack buffer alive. Records written once and read often
// (batches, projects, accounts) stay cached, each pinning a different buffer.
import { describe, expect, it } from 'vitest'
import { encode } from '../../client/wire.ts'
import { MemoryState } from '../../node/state/view.ts'
import { CachedStateReader } from '../../node/storage/state-cache.ts'

describe('state cache retained bytes', () => {
  it('keeps about the bytes it caches, not the pack buffers they were encoded in', async () => {
    const cache = new CachedStateReader(new MemoryState())
    const blocks = 300
    for (let height = 1; height <= blocks; height++) {
      // What a node packs per height besides the state records: the block (here 256 KiB of transactions), its
      // results, votes... all through the same msgpackr instance as the records.
      encode([new Uint8Array(256 * 1024)])
      const writes: [string, Uint8Array][] = [[`batch/B${height}`, encode({ batchId: `B${height}`, supply: height, height })]]
      cache.beginWrite()
      cache.endWrite(writes)
    }
    const buffers = new Set<ArrayBufferLike>()
    let cachedBytes = 0
    for (let height = 1; height <= blocks; height++) {
      const value = (await cache.get(`batch/B${height}`)) as Uint8Array // a cache hit: the cached object itself
      cachedBytes += value.byteLength
      buffers.add(value.buffer)
    }
    let retainedBytes = 0
    for (const buffer of buffers) retainedBytes += buffer.byteLength
    expect(retainedBytes).toBeLessThanOrEqual(16 * cachedBytes) // was ~75 MB for ~14 KB
  })
})
