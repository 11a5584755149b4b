// The state cache (node/storage/state-cache.ts) answers every read exactly as the store under it would, whatever
// the order of reads, writes, failed writes and evictions, and never keeps what a read that overlapped a write saw.
import fc from 'fast-check'
import { MemoryLevel } from 'memory-level'
import { describe, expect, it } from 'vitest'
import { MemoryState, type RangeOptions, type StateReader, type Write } from '../../node/state/view.ts'
import { CachedStateReader } from '../../node/storage/state-cache.ts'
import { Store } from '../../node/storage/store.ts'

const text = new TextEncoder()
const untext = new TextDecoder()
const value = (s: string): Uint8Array => text.encode(s)
const show = (rows: [string, Uint8Array][]): string[] => rows.map(([key, bytes]) => `${key}=${untext.decode(bytes)}`)

const prefixRange = (prefix: string, extra: Partial<RangeOptions> = {}): RangeOptions => ({ gte: prefix, lt: prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1), ...extra })

// A small key space with nested '/' prefixes, so that writes often fall inside cached ranges.
const segment = fc.constantFrom('a', 'b', 'ab', 'c')
const key = fc.tuple(segment, segment, fc.option(segment, { nil: undefined })).map(([x, y, z]) => (z === undefined ? `${x}/${y}` : `${x}/${y}/${z}`))
const prefix = fc.oneof(
  segment.map((x) => `${x}/`),
  fc.tuple(segment, segment).map(([x, y]) => `${x}/${y}/`),
  segment, // not ending in '/': never cached, answered by the store
)
const range: fc.Arbitrary<RangeOptions> = fc.oneof(
  fc.tuple(prefix, fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }), fc.boolean()).map(([p, limit, reverse]) => prefixRange(p, { ...(limit === undefined ? {} : { limit }), ...(reverse ? { reverse } : {}) })),
  fc.tuple(key, key).map(([x, y]) => ({ gte: x < y ? x : y, lte: x < y ? y : x })),
)
const writes: fc.Arbitrary<Write[]> = fc.array(fc.tuple(key, fc.option(fc.string({ maxLength: 3 }), { nil: null })).map(([k, v]): Write => [k, v === null ? null : value(v)]), { minLength: 1, maxLength: 6 })
type Op = { type: 'get'; key: string } | { type: 'range'; options: RangeOptions } | { type: 'write'; writes: Write[] } | { type: 'failedWrite'; writes: Write[] }
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: key.map((k): Op => ({ type: 'get', key: k })) },
  { weight: 4, arbitrary: range.map((options): Op => ({ type: 'range', options })) },
  { weight: 2, arbitrary: writes.map((w): Op => ({ type: 'write', writes: w })) },
  { weight: 1, arbitrary: writes.map((w): Op => ({ type: 'failedWrite', writes: w })) },
)

describe('state cache', () => {
  it('answers every read as the store does, through writes, failed writes and evictions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), fc.constantFrom(1, 3, 1000), async (ops, size) => {
        const store = new MemoryState()
        const cache = new CachedStateReader(store, { keysMax: size, rangeRowsMax: size * 2, rowsPerRangeMax: size })
        for (const step of ops) {
          if (step.type === 'get') expect(await cache.get(step.key)).toEqual(await store.get(step.key))
          else if (step.type === 'range') expect(show(await cache.range(step.options))).toEqual(show(await store.range(step.options)))
          else {
            cache.beginWrite()
            // A failed write: part of the batch may have reached the store, the rest not.
            store.apply(step.type === 'write' ? step.writes : step.writes.slice(0, 1))
            cache.endWrite(step.type === 'write' ? step.writes : null)
          }
        }
        const stats = cache.stats()
        expect(stats.keys).toBeLessThanOrEqual(size)
        expect(stats.rangeRows).toBeLessThanOrEqual(size * 2)
      }),
      { numRuns: 300, seed: 20261203 },
    )
  })

  it('does not keep what a read that overlapped a write saw', async () => {
    // A store whose reads are answered when the test says so, with the value the store had when they started.
    const store = new MemoryState()
    store.apply([['k/1', value('old')]])
    const pending: (() => void)[] = []
    const slow: StateReader = {
      get: async (k) => {
        const seen = await store.get(k)
        return new Promise((resolve) => pending.push(() => resolve(seen)))
      },
      range: async (options) => {
        const seen = await store.range(options)
        return new Promise((resolve) => pending.push(() => resolve(seen)))
      },
    }
    const cache = new CachedStateReader(slow)
    const started = [cache.get('k/1'), cache.range(prefixRange('k/'))]
    await new Promise((resolve) => setImmediate(resolve))
    cache.beginWrite()
    const during = cache.get('k/2') // started while the write is in progress
    await new Promise((resolve) => setImmediate(resolve))
    const next: Write[] = [['k/1', value('new')], ['k/2', value('two')]]
    store.apply(next)
    cache.endWrite(next)
    for (const release of pending.splice(0)) release()
    // The overlapping reads answer what they saw...
    expect(untext.decode((await started[0]) as Uint8Array)).toBe('old')
    expect(show((await started[1]) as [string, Uint8Array][])).toEqual(['k/1=old'])
    expect(await during).toBeUndefined()
    // ...and later reads see the write, not what the overlapping reads brought back.
    const later = [cache.get('k/1'), cache.range(prefixRange('k/')), cache.get('k/2')]
    await new Promise((resolve) => setImmediate(resolve))
    for (const release of pending.splice(0)) release()
    const [one, rows, two] = await Promise.all(later)
    expect(untext.decode(one as Uint8Array)).toBe('new')
    expect(show(rows as [string, Uint8Array][])).toEqual(['k/1=new', 'k/2=two'])
    expect(untext.decode(two as Uint8Array)).toBe('two')
  })

  it('serves repeated reads from memory and drops everything after a failed write', async () => {
    const store = new MemoryState()
    store.apply([['a/1', value('x')]])
    let reads = 0
    const counting: StateReader = {
      get: async (k) => (reads++, store.get(k)),
      range: async (options) => (reads++, store.range(options)),
    }
    const cache = new CachedStateReader(counting)
    for (let i = 0; i < 3; i++) {
      await cache.get('a/1')
      await cache.get('a/missing')
      await cache.range(prefixRange('a/'))
    }
    expect(reads).toBe(3)
    cache.beginWrite()
    store.apply([['a/1', value('y')]])
    cache.endWrite(null)
    expect(untext.decode((await cache.get('a/1')) as Uint8Array)).toBe('y')
    expect(show(await cache.range(prefixRange('a/')))).toEqual(['a/1=y'])
    expect(reads).toBe(5)
  })

  it('keeps the store exact across committed blocks (Store over memory-level)', async () => {
    const store = await Store.fromDatabase(new MemoryLevel<string, Uint8Array>({ keyEncoding: 'utf8', valueEncoding: 'view' }))
    const commit = (height: number, writes: Write[]) =>
      store.commitBlock({ height, blockHash: new Uint8Array(32).fill(height), block: new Uint8Array(), certificate: new Uint8Array(), results: new Uint8Array(), appHash: new Uint8Array(32), timeMs: height, writes })
    await commit(1, [['owner/x/b/1', value('10')], ['owner/x/b/2', value('20')]])
    expect(show(await store.state.range(prefixRange('owner/x/b/')))).toEqual(['owner/x/b/1=10', 'owner/x/b/2=20'])
    await commit(2, [['owner/x/b/1', null], ['owner/x/b/3', value('30')]])
    expect(show(await store.state.range(prefixRange('owner/x/b/')))).toEqual(['owner/x/b/2=20', 'owner/x/b/3=30'])
    expect(show(await store.state.range(prefixRange('owner/x/')))).toEqual(['owner/x/b/2=20', 'owner/x/b/3=30'])
    expect(await store.state.get('owner/x/b/1')).toBeUndefined()
    await store.close()
  })
})
