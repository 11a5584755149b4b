// Differential check of the state cache (Store.state) against an uncached reader over the same LevelDB, with
// exotic keys (astral characters, '\uffff', '0', keys equal to a prefix without its '/'), limit/reverse variants
// (0, -1, Infinity), empty prefixes and deletes, across committed blocks (from the review of the cache; it held).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import type { RangeOptions, Write } from '../../node/state/view.ts'
import { Store } from '../../node/storage/store.ts'

const dir = mkdtempSync(join(tmpdir(), 'tonne-review-cache-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const hex = (v: Uint8Array | undefined): string | undefined => (v === undefined ? undefined : Buffer.from(v).toString('hex'))
const show = (rows: [string, Uint8Array][]): string[] => rows.map(([k, v]) => `${k}=${Buffer.from(v).toString('hex')}`)

const seg = fc.constantFrom('a', 'a0', 'a.', '', '\uffff', '\u{1f600}', '0', 'a\uffff')
const keyArb = fc.array(seg, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'))
const prefixArb = fc.array(seg, { minLength: 1, maxLength: 2 }).map((parts) => parts.join('/') + '/')
const rangeArb: fc.Arbitrary<RangeOptions> = fc
  .tuple(prefixArb, fc.option(fc.constantFrom(0, 1, 2, 3, -1, Number.POSITIVE_INFINITY), { nil: undefined }), fc.boolean())
  .map(([p, limit, reverse]) => ({ gte: p, lt: p.slice(0, -1) + '0', ...(limit === undefined ? {} : { limit }), ...(reverse ? { reverse } : {}) }))
const writesArb: fc.Arbitrary<Write[]> = fc.array(fc.tuple(keyArb, fc.option(fc.integer({ min: 0, max: 255 }), { nil: null })).map(([k, v]): Write => [k, v === null ? null : new Uint8Array([v])]), { minLength: 1, maxLength: 5 })
const opArb = fc.oneof(
  rangeArb.map((options) => ({ kind: 'range' as const, options })),
  keyArb.map((key) => ({ kind: 'get' as const, key })),
  writesArb.map((writes) => ({ kind: 'write' as const, writes })),
)

describe('state cache over LevelDB, exotic keys and options', () => {
  it('answers as the uncached store', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
        const db = new ClassicLevel<string, Uint8Array>(join(dir, String(run++)), { keyEncoding: 'utf8', valueEncoding: 'view' })
        const store = await Store.fromDatabase(db)
        const raw = async (options: RangeOptions): Promise<[string, Uint8Array][]> => {
          const out: [string, Uint8Array][] = []
          const r: Record<string, unknown> = { gte: 's/' + options.gte, lt: 's/' + options.lt }
          if (options.reverse === true) r.reverse = true
          if (options.limit !== undefined) r.limit = options.limit
          for await (const [k, v] of db.iterator(r)) out.push([k.slice(2), v])
          return out
        }
        let height = 0
        try {
          for (const op of ops) {
            if (op.kind === 'range') expect(show(await store.state.range(op.options))).toEqual(show(await raw(op.options)))
            else if (op.kind === 'get') expect(hex(await store.state.get(op.key))).toEqual(hex(await db.get('s/' + op.key)))
            else {
              height += 1
              // one batch keeps the last write of a key, as the store's batch does
              await store.commitBlock({ height, blockHash: new Uint8Array(32), block: new Uint8Array(), certificate: new Uint8Array(), results: new Uint8Array(), appHash: new Uint8Array(32), timeMs: height, writes: op.writes })
            }
          }
        } finally {
          await store.close()
        }
      }),
      { numRuns: 150, seed: 7 },
    )
  })
})
