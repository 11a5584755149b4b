// A write overlay over the committed ledger state: the state machine reads through it and writes into it while
// executing a block; the block's writes are then committed in one atomic batch. Transactions inside a block get
// their own layer so that a rejected transaction's writes are discarded (it never changes state).
import { encode, hash, concatBytes } from '../../client/wire.ts'

export interface RangeOptions {
  gte?: string
  gt?: string
  lte?: string
  lt?: string
  reverse?: boolean
  limit?: number
}

/** Read access to committed state (LevelDB in production, a Map in tests). */
export interface StateReader {
  get(key: string): Promise<Uint8Array | undefined>
  range(options: RangeOptions): Promise<[string, Uint8Array][]>
}

export type Write = [key: string, value: Uint8Array | null]

function inRange(key: string, options: RangeOptions): boolean {
  if (options.gte !== undefined && key < options.gte) return false
  if (options.gt !== undefined && key <= options.gt) return false
  if (options.lte !== undefined && key > options.lte) return false
  if (options.lt !== undefined && key >= options.lt) return false
  return true
}

/** Index of the first element of a sorted array that is >= key (or > key when `after`). */
function lowerBound(sorted: string[], key: string, after = false): number {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >>> 1
    const candidate = sorted[middle] as string
    if (candidate < key || (after && candidate === key)) low = middle + 1
    else high = middle
  }
  return low
}

export class StateView implements StateReader {
  private readonly block = new Map<string, Uint8Array | null>()
  /** The block layer's keys, kept sorted so a range read touches only the keys in its range. */
  private readonly blockKeys: string[] = []
  private tx: Map<string, Uint8Array | null> | null = null

  constructor(private readonly base: StateReader) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    if (this.tx !== null && this.tx.has(key)) return this.tx.get(key) ?? undefined
    if (this.block.has(key)) return this.block.get(key) ?? undefined
    return this.base.get(key)
  }

  /** Ordered range read that merges committed state with this block's and this transaction's writes. */
  async range(options: RangeOptions): Promise<[string, Uint8Array][]> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY
    const overlay = new Map<string, Uint8Array | null>()
    const from = options.gte !== undefined ? lowerBound(this.blockKeys, options.gte) : options.gt !== undefined ? lowerBound(this.blockKeys, options.gt, true) : 0
    for (let index = from; index < this.blockKeys.length; index += 1) {
      const key = this.blockKeys[index] as string
      if ((options.lt !== undefined && key >= options.lt) || (options.lte !== undefined && key > options.lte)) break
      overlay.set(key, this.block.get(key) as Uint8Array | null)
    }
    if (this.tx !== null) for (const [key, value] of this.tx) if (inRange(key, options)) overlay.set(key, value)
    // Ask the base for enough entries to survive deletions in the overlay.
    const baseLimit = Number.isFinite(limit) ? limit + overlay.size : undefined
    const baseOptions: RangeOptions = { ...options }
    if (baseLimit === undefined) delete baseOptions.limit
    else baseOptions.limit = baseLimit
    const merged = new Map<string, Uint8Array>()
    for (const [key, value] of await this.base.range(baseOptions)) merged.set(key, value)
    for (const [key, value] of overlay) {
      if (value === null) merged.delete(key)
      else merged.set(key, value)
    }
    const keys = [...merged.keys()].sort()
    if (options.reverse === true) keys.reverse()
    const out: [string, Uint8Array][] = []
    for (const key of keys) {
      if (out.length >= limit) break
      out.push([key, merged.get(key) as Uint8Array])
    }
    return out
  }

  put(key: string, value: Uint8Array): void {
    if (this.tx !== null) this.tx.set(key, value)
    else this.setInBlock(key, value)
  }

  del(key: string): void {
    if (this.tx !== null) this.tx.set(key, null)
    else this.setInBlock(key, null)
  }

  private setInBlock(key: string, value: Uint8Array | null): void {
    if (!this.block.has(key)) this.blockKeys.splice(lowerBound(this.blockKeys, key), 0, key)
    this.block.set(key, value)
  }

  /** Starts a transaction layer; its writes become visible to the block on commitTx, vanish on rollbackTx. */
  beginTx(): void {
    if (this.tx !== null) throw new Error('StateView: transaction layer already open')
    this.tx = new Map()
  }

  commitTx(): void {
    if (this.tx === null) throw new Error('StateView: no transaction layer open')
    const layer = this.tx
    this.tx = null
    for (const [key, value] of layer) this.setInBlock(key, value)
  }

  rollbackTx(): void {
    this.tx = null
  }

  /** This block's writes, sorted by key: the deterministic input of the app hash and the atomic batch. */
  writes(): Write[] {
    if (this.tx !== null) throw new Error('StateView: transaction layer still open')
    return this.blockKeys.map((key) => [key, this.block.get(key) as Uint8Array | null])
  }
}

/** appHash(h) = sha256(appHash(h-1) || sha256(msgpack(sorted writes of block h))). */
export function nextAppHash(previousAppHash: Uint8Array, writes: Write[]): Uint8Array {
  return hash(concatBytes(previousAppHash, hash(encode(writes))))
}

/** An in-memory StateReader, for tests, benchmarks and the simulation; keys kept sorted like LevelDB's. */
export class MemoryState implements StateReader {
  /** Read-only from outside: write through apply() so the sorted key index stays right. */
  readonly entries = new Map<string, Uint8Array>()
  private readonly sortedKeys: string[] = []

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.entries.get(key)
  }

  async range(options: RangeOptions): Promise<[string, Uint8Array][]> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY
    const from = options.gte !== undefined ? lowerBound(this.sortedKeys, options.gte) : options.gt !== undefined ? lowerBound(this.sortedKeys, options.gt, true) : 0
    let to = this.sortedKeys.length
    if (options.lt !== undefined) to = Math.min(to, lowerBound(this.sortedKeys, options.lt))
    if (options.lte !== undefined) to = Math.min(to, lowerBound(this.sortedKeys, options.lte, true))
    const out: [string, Uint8Array][] = []
    if (options.reverse === true) {
      for (let index = to - 1; index >= from && out.length < limit; index -= 1) {
        const key = this.sortedKeys[index] as string
        out.push([key, this.entries.get(key) as Uint8Array])
      }
    } else {
      for (let index = from; index < to && out.length < limit; index += 1) {
        const key = this.sortedKeys[index] as string
        out.push([key, this.entries.get(key) as Uint8Array])
      }
    }
    return out
  }

  apply(writes: Write[]): void {
    for (const [key, value] of writes) {
      const exists = this.entries.has(key)
      if (value === null) {
        if (!exists) continue
        this.entries.delete(key)
        this.sortedKeys.splice(lowerBound(this.sortedKeys, key), 1)
      } else {
        if (!exists) this.sortedKeys.splice(lowerBound(this.sortedKeys, key), 0, key)
        this.entries.set(key, value)
      }
    }
  }
}
