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
// Values are shared between readers (callers never mutate them, as with MemoryState); range answers are fresh
// arrays. Written-through values are copies: the encoder's bytes are views into its shared buffer, which a cached
// view would keep alive. Bounds are in entries and in bytes; an empty range answer counts as one row.
import type { RangeOptions, StateReader, Write } from '../state/view.ts'

/** Point reads (keys, present or absent) kept; least recently used dropped first. */
export const STATE_CACHE_KEYS_MAX = 100_000
/** Bytes of cached point reads (key characters + value bytes + STATE_CACHE_ENTRY_OVERHEAD_BYTES each). */
export const STATE_CACHE_KEY_BYTES_MAX = 32 * 1024 * 1024
/** Rows of cached range answers kept in all, each range counting one more (so empty answers count too). */
export const STATE_CACHE_RANGE_ROWS_MAX = 100_000
/** Bytes of cached range answers (their rows' keys and values + STATE_CACHE_ENTRY_OVERHEAD_BYTES per range and row). */
export const STATE_CACHE_RANGE_BYTES_MAX = 32 * 1024 * 1024
/** A range answer with more rows than this is not cached. */
export const STATE_CACHE_ROWS_PER_RANGE_MAX = 1_000
/** What one cached entry or row is counted for beyond its key and value, against the byte bounds. */
export const STATE_CACHE_ENTRY_OVERHEAD_BYTES = 64

export interface StateCacheLimits {
  keysMax: number
  keyBytesMax: number
  rangeRowsMax: number
  rangeBytesMax: number
  rowsPerRangeMax: number
}

const DEFAULT_LIMITS: StateCacheLimits = {
  keysMax: STATE_CACHE_KEYS_MAX,
  keyBytesMax: STATE_CACHE_KEY_BYTES_MAX,
  rangeRowsMax: STATE_CACHE_RANGE_ROWS_MAX,
  rangeBytesMax: STATE_CACHE_RANGE_BYTES_MAX,
  rowsPerRangeMax: STATE_CACHE_ROWS_PER_RANGE_MAX,
}

const ABSENT = Symbol('absent')

interface CachedRange {
  prefix: string
  rows: [string, Uint8Array][]
  /** Counted against rangeRowsMax: its rows, plus one. */
  count: number
  bytes: number
}

function pointBytes(key: string, value: Uint8Array | typeof ABSENT): number {
  return key.length + (value === ABSENT ? 0 : value.byteLength) + STATE_CACHE_ENTRY_OVERHEAD_BYTES
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
  private pointBytesTotal = 0
  private readonly ranges = new Map<string, CachedRange>()
  /** Cache keys of the ranges cached for each prefix. */
  private readonly rangesByPrefix = new Map<string, Set<string>>()
  private rangeCount = 0
  private rangeBytes = 0
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
        // A copy: the encoder's bytes are a view into its shared buffer, which the cache must not keep alive.
        this.rememberPoint(key, value === null ? ABSENT : value.slice())
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
  stats(): { keys: number; keyBytes: number; ranges: number; rangeRows: number; rangeBytes: number } {
    return { keys: this.points.size, keyBytes: this.pointBytesTotal, ranges: this.ranges.size, rangeRows: this.rangeCount, rangeBytes: this.rangeBytes }
  }

  private clear(): void {
    this.points.clear()
    this.ranges.clear()
    this.rangesByPrefix.clear()
    this.pointBytesTotal = 0
    this.rangeCount = 0
    this.rangeBytes = 0
  }

  private rememberPoint(key: string, value: Uint8Array | typeof ABSENT): void {
    this.dropPoint(key)
    const bytes = pointBytes(key, value)
    if (this.limits.keysMax <= 0 || bytes > this.limits.keyBytesMax) return
    while (this.points.size >= this.limits.keysMax || this.pointBytesTotal + bytes > this.limits.keyBytesMax) {
      const oldest = this.points.keys().next()
      if (oldest.done === true) break
      this.dropPoint(oldest.value)
    }
    this.points.set(key, value)
    this.pointBytesTotal += bytes
  }

  private dropPoint(key: string): void {
    const value = this.points.get(key)
    if (value === undefined) return
    this.points.delete(key)
    this.pointBytesTotal -= pointBytes(key, value)
  }

  private rememberRange(cacheKey: string, prefix: string, rows: [string, Uint8Array][]): void {
    this.dropRange(cacheKey)
    const count = rows.length + 1
    let bytes = STATE_CACHE_ENTRY_OVERHEAD_BYTES + cacheKey.length
    for (const [key, value] of rows) bytes += key.length + value.byteLength + STATE_CACHE_ENTRY_OVERHEAD_BYTES
    if (count > this.limits.rangeRowsMax || bytes > this.limits.rangeBytesMax) return
    while (this.rangeCount + count > this.limits.rangeRowsMax || this.rangeBytes + bytes > this.limits.rangeBytesMax) {
      const oldest = this.ranges.keys().next()
      if (oldest.done === true) break
      this.dropRange(oldest.value)
    }
    this.ranges.set(cacheKey, { prefix, rows, count, bytes })
    this.rangeCount += count
    this.rangeBytes += bytes
    const keys = this.rangesByPrefix.get(prefix) ?? new Set<string>()
    keys.add(cacheKey)
    this.rangesByPrefix.set(prefix, keys)
  }

  private dropRange(cacheKey: string): void {
    const cached = this.ranges.get(cacheKey)
    if (cached === undefined) return
    this.ranges.delete(cacheKey)
    this.rangeCount -= cached.count
    this.rangeBytes -= cached.bytes
    const keys = this.rangesByPrefix.get(cached.prefix)
    keys?.delete(cacheKey)
    if (keys?.size === 0) this.rangesByPrefix.delete(cached.prefix)
  }
}
