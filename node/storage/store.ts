// LevelDB storage of a node. One database, one key prefix per record kind (listed in PREFIX), so that a committed
// block is ONE atomic, fsynced batch holding the block, its commit certificate, the ledger state changes and the
// new height. A node killed at any moment restarts at the last fully committed block.
import { ClassicLevel } from 'classic-level'
import { decode, encode } from '../../client/wire.ts'
import type { RangeOptions, StateReader, Write } from '../state/view.ts'
import { CachedStateReader } from './state-cache.ts'

export const PREFIX = {
  /** b/<padded height> -> encodeBlock bytes */
  block: 'b/',
  /** c/<padded height> -> encodeCertificate bytes */
  certificate: 'c/',
  /** r/<padded height> -> msgpack TxResult[] (results of the block's transactions, in order) */
  results: 'r/',
  /** h/<block hash hex> -> padded height */
  blockByHash: 'h/',
  /** s/<ledger key> -> ledger value (see node/ledger/keys.ts) */
  state: 's/',
  /** m/latest -> msgpack LatestCommit */
  meta: 'm/',
  /** v/<name> -> consensus signer and round state of this validator (see consensus/driver.ts) */
  validator: 'v/',
} as const

const HEIGHT_DIGITS = 16

/**
 * Test-only crash point: with TONNE_TEST_CRASH_AT_HEIGHT=H the process SIGKILLs itself right after the batch of
 * block H is written and fsynced, before anything else sees the commit. Unset (the normal case): null, no effect.
 */
export const CRASH_AT_HEIGHT_ENV = 'TONNE_TEST_CRASH_AT_HEIGHT'
const crashAtHeight = ((value) => (value !== undefined && /^[1-9]\d{0,15}$/.test(value) ? Number(value) : null))(process.env[CRASH_AT_HEIGHT_ENV])

export function padHeight(height: number): string {
  return String(height).padStart(HEIGHT_DIGITS, '0')
}

export interface LatestCommit {
  height: number
  appHash: Uint8Array
  blockHash: Uint8Array
  timeMs: number
}

export interface CommitBatch {
  height: number
  blockHash: Uint8Array
  block: Uint8Array
  certificate: Uint8Array
  results: Uint8Array
  appHash: Uint8Array
  timeMs: number
  writes: Write[]
}

/**
 * The part of abstract-level's API the store uses. A node runs on ClassicLevel (LevelDB on disk); the deterministic
 * simulation (test/sim) runs the same Store on memory-level.
 */
export interface Database {
  open(): Promise<void>
  close(): Promise<void>
  get(key: string): Promise<Uint8Array | undefined>
  put(key: string, value: Uint8Array, options?: { sync?: boolean }): Promise<void>
  batch(): { put(key: string, value: Uint8Array): unknown; del(key: string): unknown; write(options?: { sync?: boolean }): Promise<void> }
  iterator(options: Record<string, unknown>): AsyncIterable<[string, Uint8Array]>
}

function prefixedRange(prefix: string, options: RangeOptions): Record<string, unknown> {
  const range: Record<string, unknown> = {}
  if (options.gte !== undefined) range.gte = prefix + options.gte
  if (options.gt !== undefined) range.gt = prefix + options.gt
  if (options.lte !== undefined) range.lte = prefix + options.lte
  if (options.lt !== undefined) range.lt = prefix + options.lt
  if (range.gte === undefined && range.gt === undefined) range.gte = prefix
  if (range.lte === undefined && range.lt === undefined) range.lt = prefix + '\uffff'
  if (options.reverse === true) range.reverse = true
  if (options.limit !== undefined) range.limit = options.limit
  return range
}

class LevelStateReader implements StateReader {
  constructor(private readonly db: Database) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.db.get(PREFIX.state + key)
  }

  async range(options: RangeOptions): Promise<[string, Uint8Array][]> {
    const out: [string, Uint8Array][] = []
    for await (const [key, value] of this.db.iterator(prefixedRange(PREFIX.state, options))) {
      out.push([key.slice(PREFIX.state.length), value])
    }
    return out
  }
}

export class Store {
  /** Committed ledger state, read through a cache of recent reads and writes (state-cache.ts). */
  readonly state: StateReader
  private readonly cache: CachedStateReader

  private constructor(private readonly db: Database) {
    this.cache = new CachedStateReader(new LevelStateReader(db))
    this.state = this.cache
  }

  /** Writes a batch of state changes, keeping the state cache exact (written through, or dropped on failure). */
  private async writeState(batch: ReturnType<Database['batch']>, writes: Write[]): Promise<void> {
    this.cache.beginWrite()
    let written = false
    try {
      await batch.write({ sync: true })
      written = true
    } finally {
      this.cache.endWrite(written ? writes : null)
    }
  }

  static async open(path: string): Promise<Store> {
    const db = new ClassicLevel<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
    try {
      await db.open()
    } catch (error) {
      const cause = (error as { cause?: Error }).cause?.message ?? (error as Error).message
      const locked = /lock/i.test(cause)
      throw new Error(`cannot open the data folder ${path}: ${locked ? 'it is locked, is another node running with this home? ' : ''}(${cause})`)
    }
    return new Store(db)
  }

  /** A store over an already created database (opened here), e.g. a memory-level one in the simulation. */
  static async fromDatabase(db: Database): Promise<Store> {
    await db.open()
    return new Store(db)
  }

  async close(): Promise<void> {
    await this.db.close()
  }

  async latest(): Promise<LatestCommit | undefined> {
    const bytes = await this.db.get(PREFIX.meta + 'latest')
    if (bytes === undefined) return undefined
    const [height, appHash, blockHash, timeMs] = decode(bytes) as [number, Uint8Array, Uint8Array, number]
    return { height, appHash: new Uint8Array(appHash), blockHash: new Uint8Array(blockHash), timeMs }
  }

  /** Writes the genesis state (height 0) in one batch. */
  async writeGenesis(writes: Write[], latest: LatestCommit): Promise<void> {
    const batch = this.db.batch()
    for (const [key, value] of writes) {
      if (value === null) batch.del(PREFIX.state + key)
      else batch.put(PREFIX.state + key, value)
    }
    batch.put(PREFIX.meta + 'latest', encode([latest.height, latest.appHash, latest.blockHash, latest.timeMs]))
    await this.writeState(batch, writes)
  }

  /** The one write of a committed block: block, certificate, results, state changes and height, atomically. */
  async commitBlock(commit: CommitBatch): Promise<void> {
    const heightKey = padHeight(commit.height)
    const batch = this.db.batch()
    batch.put(PREFIX.block + heightKey, commit.block)
    batch.put(PREFIX.certificate + heightKey, commit.certificate)
    batch.put(PREFIX.results + heightKey, commit.results)
    batch.put(PREFIX.blockByHash + Buffer.from(commit.blockHash).toString('hex'), new TextEncoder().encode(heightKey))
    for (const [key, value] of commit.writes) {
      if (value === null) batch.del(PREFIX.state + key)
      else batch.put(PREFIX.state + key, value)
    }
    batch.put(PREFIX.meta + 'latest', encode([commit.height, commit.appHash, commit.blockHash, commit.timeMs]))
    await this.writeState(batch, commit.writes)
    if (commit.height === crashAtHeight) process.kill(process.pid, 'SIGKILL')
  }

  async getBlock(height: number): Promise<Uint8Array | undefined> {
    return this.db.get(PREFIX.block + padHeight(height))
  }

  async getCertificate(height: number): Promise<Uint8Array | undefined> {
    return this.db.get(PREFIX.certificate + padHeight(height))
  }

  async getResults(height: number): Promise<Uint8Array | undefined> {
    return this.db.get(PREFIX.results + padHeight(height))
  }

  /** Validator-private records (signer state); each write is fsynced before it returns. */
  async getValidatorRecord(name: string): Promise<Uint8Array | undefined> {
    return this.db.get(PREFIX.validator + name)
  }

  async putValidatorRecord(name: string, value: Uint8Array): Promise<void> {
    await this.db.put(PREFIX.validator + name, value, { sync: true })
  }
}
