// A read cache over the committed ledger state (the store's s/ keys), in front of LevelDB.
//
// Why: executing a block reads state one key or one range at a time, each read an await on LevelDB's thread pool
// that comes back on a later turn of the event loop. While a node is busy taking in transactions (gossip, HTTP),
// each turn takes milliseconds, and a block of a hundred transfers took seconds to execute: longer than the
// propose timeout, so rounds failed. A read served from memory comes back on a microtask, without waiting for a
// turn.
//
// What is cached: point reads (present or absent) and prefix ranges (all keys starting with a prefix that ends in
// '/', the shape of the ledger's range reads; with or without limit and reverse). Other ranges go to the store.
//
// Staying exact: the cache only ever holds what the store holds.
//   - The store's one writer (a committed block, the genesis) brackets its batch with beginWrite / endWrite. After
//     a successful write every written key is written through (a deleted key is cached as absent) and every cached
//     range whose prefix starts the key is dropped; after a failed write (unknown what reached the disk) the whole
//     cache is dropped.
//   - A read that overlaps a write (started before endWrite, or while a write is in progress) is answered but not
//     cached: it may have seen the state before or after the batch.
// Values are the store's bytes, shared between readers (callers never mutate them, as with MemoryState); range
// answers are fresh arrays.
import type { RangeOptions, StateReader, Write } from '../state/view.ts'

/** Point reads (keys, present or absent) kept; least recently used dropped first. */
export const STATE_CACHE_KEYS_MAX = 100_000
/** Rows of cached range answers kept in all; least recently used ranges dropped first. */
export const STATE_CACHE_RANGE_ROWS_MAX = 100_000
/** A range answer with more rows than this is not cached. */
export const STATE_CACHE_ROWS_PER_RANGE_MAX = 1_000

export interface StateCacheLimits {
  keysMax: number
  rangeRowsMax: number
  rowsPerRangeMax: number
}

const DEFAULT_LIMITS: StateCacheLimits = { keysMax: STATE_CACHE_KEYS_MAX, rangeRowsMax: STATE_CACHE_RANGE_ROWS_MAX, rowsPerRangeMax: STATE_CACHE_ROWS_PER_RANGE_MAX }

const ABSENT = Symbol('absent')

interface CachedRange {
  prefix: string
  rows: [string, Uint8Array][]
}

/** The prefix a range reads when it is exactly "every key starting with P" for a P ending in '/'; else null. */
function cachablePrefix(options: RangeOptions): string | null {
  const { gte, lt } = options
  if (gte === undefined || lt === undefined || options.gt !== undefined || options.lte !== undefined) return null
  if (!gte.endsWith('/') || lt !== gte.slice(0, -1) + '0') return null
  return gte
}

export class CachedStateReader implements StateReader {
  private readonly points = new Map<string, Uint8Array | typeof ABSENT>()
  private readonly ranges = new Map<string, CachedRange>()
  /** Cache keys of the ranges cached for each prefix. */
  private readonly rangesByPrefix = new Map<string, Set<string>>()
  private rangeRows = 0
  /** Bumped at the start and the end of every write: a read that saw it change overlapped a write. */
  private generation = 0
  private writing = false
  private readonly limits: StateCacheLimits

  constructor(
    private readonly inner: StateReader,
    limits: Partial<StateCacheLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const cached = this.points.get(key)
    if (cached !== undefined) {
      this.points.delete(key)
      this.points.set(key, cached)
      return cached === ABSENT ? undefined : cached
    }
    const generation = this.generation
    const value = await this.inner.get(key)
    if (!this.writing && generation === this.generation) this.rememberPoint(key, value ?? ABSENT)
    return value
  }

  async range(options: RangeOptions): Promise<[string, Uint8Array][]> {
    const prefix = cachablePrefix(options)
    if (prefix === null) return this.inner.range(options)
    const cacheKey = `${prefix}\u0000${options.limit ?? ''}\u0000${options.reverse === true ? 'r' : ''}`
    const cached = this.ranges.get(cacheKey)
    if (cached !== undefined) {
      this.ranges.delete(cacheKey)
      this.ranges.set(cacheKey, cached)
      return cached.rows.slice()
    }
    const generation = this.generation
    const rows = await this.inner.range(options)
    if (!this.writing && generation === this.generation && rows.length <= this.limits.rowsPerRangeMax) this.rememberRange(cacheKey, prefix, rows.slice())
    return rows
  }

  /** Called by the store before it writes a batch of state changes. */
  beginWrite(): void {
    this.writing = true
    this.generation += 1
  }

  /** Called by the store after the batch: `written` when it reached the store (then its writes), else null. */
  endWrite(written: Write[] | null): void {
    try {
      if (written === null) {
        this.clear()
        return
      }
      for (const [key, value] of written) {
        this.rememberPoint(key, value ?? ABSENT)
        for (let index = key.indexOf('/'); index !== -1; index = key.indexOf('/', index + 1)) {
          const keys = this.rangesByPrefix.get(key.slice(0, index + 1))
          if (keys !== undefined) for (const cacheKey of [...keys]) this.dropRange(cacheKey)
        }
      }
    } finally {
      this.generation += 1
      this.writing = false
    }
  }

  /** What the cache holds (for tests and metrics). */
  stats(): { keys: number; ranges: number; rangeRows: number } {
    return { keys: this.points.size, ranges: this.ranges.size, rangeRows: this.rangeRows }
  }

  private clear(): void {
    this.points.clear()
    this.ranges.clear()
    this.rangesByPrefix.clear()
    this.rangeRows = 0
  }

  private rememberPoint(key: string, value: Uint8Array | typeof ABSENT): void {
    this.points.delete(key)
    while (this.points.size >= this.limits.keysMax) {
      const oldest = this.points.keys().next()
      if (oldest.done === true) break
      this.points.delete(oldest.value)
    }
    if (this.limits.keysMax > 0) this.points.set(key, value)
  }

  private rememberRange(cacheKey: string, prefix: string, rows: [string, Uint8Array][]): void {
    this.dropRange(cacheKey)
    while (this.ranges.size > 0 && this.rangeRows + rows.length > this.limits.rangeRowsMax) {
      const oldest = this.ranges.keys().next()
      if (oldest.done === true) break
      this.dropRange(oldest.value)
    }
    if (this.rangeRows + rows.length > this.limits.rangeRowsMax) return
    this.ranges.set(cacheKey, { prefix, rows })
    this.rangeRows += rows.length
    const keys = this.rangesByPrefix.get(prefix) ?? new Set<string>()
    keys.add(cacheKey)
    this.rangesByPrefix.set(prefix, keys)
  }

  private dropRange(cacheKey: string): void {
    const cached = this.ranges.get(cacheKey)
    if (cached === undefined) return
    this.ranges.delete(cacheKey)
    this.rangeRows -= cached.rows.length
    const keys = this.rangesByPrefix.get(cached.prefix)
    keys?.delete(cacheKey)
    if (keys?.size === 0) this.rangesByPrefix.delete(cached.prefix)
  }
}
