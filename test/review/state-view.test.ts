// StateView.range over a real LevelDB store (committed state) with block and transaction layers on top, against
// a naive model: the merged, ordered, limited read must be exactly the model's, forwards and in reverse.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { StateView, type RangeOptions } from '../../node/state/view.ts'
import { Store } from '../../node/storage/store.ts'

const dir = mkdtempSync(join(tmpdir(), 'tonne-review-view-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const keyArb = fc.constantFrom('a', 'a/', 'a/1', 'a/2', 'a/10', 'b', 'b/x', 'c', 'c/0', 'c/9', 'd', 'holding/X/1', 'holding/X/2')
const opArb = fc.oneof(
  fc.record({ kind: fc.constant<'put'>('put'), key: keyArb, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant<'del'>('del'), key: keyArb }),
)
const rangeArb = fc.record({
  lower: fc.option(fc.record({ key: keyArb, inclusive: fc.boolean() }), { nil: undefined }),
  upper: fc.option(fc.record({ key: keyArb, inclusive: fc.boolean() }), { nil: undefined }),
  reverse: fc.boolean(),
  limit: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
})

describe('StateView.range over LevelDB', () => {
  it('equals a naive merge of committed state, block writes and transaction writes', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 12 }), fc.array(opArb, { maxLength: 8 }), fc.array(opArb, { maxLength: 6 }), rangeArb, async (committed, blockOps, txOps, range) => {
        const store = await Store.open(join(dir, `db${run++}`))
        try {
          const model = new Map<string, number>()
          const writes: [string, Uint8Array | null][] = []
          for (const op of committed) {
            if (op.kind === 'put') model.set(op.key, op.value)
            else model.delete(op.key)
          }
          for (const [key, value] of [...model].sort(([a], [b]) => (a < b ? -1 : 1))) writes.push([key, new Uint8Array([value])])
          await store.commitBlock({ height: 1, blockHash: new Uint8Array(32), block: new Uint8Array(), certificate: new Uint8Array(), results: new Uint8Array(), appHash: new Uint8Array(32), timeMs: 1, writes })
          const view = new StateView(store.state)
          const apply = (ops: typeof committed) => {
            for (const op of ops) {
              if (op.kind === 'put') {
                view.put(op.key, new Uint8Array([op.value]))
                model.set(op.key, op.value)
              } else {
                view.del(op.key)
                model.delete(op.key)
              }
            }
          }
          apply(blockOps)
          view.beginTx()
          apply(txOps)
          const options: RangeOptions = {}
          if (range.lower !== undefined) options[range.lower.inclusive ? 'gte' : 'gt'] = range.lower.key
          if (range.upper !== undefined) options[range.upper.inclusive ? 'lte' : 'lt'] = range.upper.key
          if (range.reverse) options.reverse = true
          if (range.limit !== undefined) options.limit = range.limit
          let expected = [...model.keys()]
            .filter((key) => (options.gte === undefined || key >= options.gte) && (options.gt === undefined || key > options.gt) && (options.lte === undefined || key <= options.lte) && (options.lt === undefined || key < options.lt))
            .sort()
          if (range.reverse) expected.reverse()
          if (range.limit !== undefined) expected = expected.slice(0, range.limit)
          const actual = (await view.range(options)).map(([key, value]) => [key, value[0]])
          expect(actual).toEqual(expected.map((key) => [key, model.get(key)]))
        } finally {
          await store.close()
        }
      }),
      { numRuns: 150 },
    )
  })
})
