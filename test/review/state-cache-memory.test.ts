// Found by review: range answers were bounded by their rows only (STATE_CACHE_RANGE_ROWS_MAX), so an empty answer
// cost nothing against the bound and was never evicted; every GET /accounts/<any 64 hex>/holdings (an empty
// '/'-prefix range for an unknown account) added one entry for good. Each cached range now counts one more than its
// rows, and ranges are bounded by bytes too.
import { describe, expect, it } from 'vitest'
import { MemoryState } from '../../node/state/view.ts'
import { CachedStateReader } from '../../node/storage/state-cache.ts'

describe('state cache memory bound', () => {
  it('does not keep more range answers than its row bound, however many empty ranges are read', async () => {
    const cache = new CachedStateReader(new MemoryState(), { keysMax: 100, rangeRowsMax: 100, rowsPerRangeMax: 10 })
    for (let i = 0; i < 10_000; i++) await cache.range({ gte: `owner/${i}/`, lt: `owner/${i}0` })
    expect(cache.stats().ranges).toBeLessThanOrEqual(100)
    expect(cache.stats().rangeRows).toBeLessThanOrEqual(100)
  })

  it('keeps point reads and ranges within their byte bounds', async () => {
    const state = new MemoryState()
    state.apply(Array.from({ length: 50 }, (_, i) => [`big/${i}/x`, new Uint8Array(10_000)] as [string, Uint8Array]))
    const cache = new CachedStateReader(state, { keyBytesMax: 100_000, rangeBytesMax: 100_000 })
    for (let i = 0; i < 50; i++) {
      await cache.get(`big/${i}/x`)
      await cache.range({ gte: `big/${i}/`, lt: `big/${i}0` })
    }
    const stats = cache.stats()
    expect(stats.keyBytes).toBeLessThanOrEqual(100_000)
    expect(stats.rangeBytes).toBeLessThanOrEqual(100_000)
    expect(stats.keys).toBeGreaterThan(0)
    expect(stats.ranges).toBeGreaterThan(0)
  })
})
