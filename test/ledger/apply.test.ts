// applyTx: nonce handling, rollback of rejected transactions, robustness against bad input.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { encode, RESULT_CODES, TX_KINDS, type Tx, type TxKind } from '../../client/wire.ts'
import { applyTx, keys, nextNonceOf, RULES } from '../../node/ledger/index.ts'
import { StateView } from '../../node/state/view.ts'
import { BANK, BATCH_VCS, issueBody, OUTSIDER, projectBody, TestLedger, transferBody, VERRA } from './helpers.ts'

describe('applyTx nonces', () => {
  it('accepts nonce 0 for a new sender and expects nonce 1 next', async () => {
    const ledger = new TestLedger()
    await ledger.ok(VERRA, 'project.register', projectBody())
    expect(await nextNonceOf(ledger.state, VERRA.id)).toBe(1)
  })

  it('rejects a wrong nonce with BAD_NONCE and writes nothing at all', async () => {
    const ledger = new TestLedger()
    const before = ledger.snapshot()
    for (const nonce of [1, 7, -1, 0.5, Number.NaN]) {
      const { result, writes } = await ledger.submit(VERRA, 'project.register', projectBody(), nonce)
      expect(result.name).toBe('BAD_NONCE')
      expect(result.code).toBe(RESULT_CODES.BAD_NONCE)
      expect(writes).toEqual([])
    }
    expect(ledger.snapshot()).toEqual(before)
    expect(await nextNonceOf(ledger.state, VERRA.id)).toBe(0)
  })

  it('rejects a replayed nonce after it was consumed', async () => {
    const ledger = new TestLedger()
    await ledger.ok(VERRA, 'project.register', projectBody())
    const { result, writes } = await ledger.submit(VERRA, 'project.register', projectBody({ projectId: '3005' }), 0)
    expect(result.name).toBe('BAD_NONCE')
    expect(result.message).toContain('expected 1')
    expect(writes).toEqual([])
  })

  it('consumes the nonce of a rejected transaction and rolls back everything else', async () => {
    const ledger = new TestLedger()
    // A batch for an unregistered project: the rule writes nothing, and the nonce still moves to 1.
    await ledger.rejected(VERRA, 'batch.issue', issueBody(), 'UNKNOWN_PROJECT')
    expect(await nextNonceOf(ledger.state, VERRA.id)).toBe(1)
    // The sender's next, pipelined transaction (nonce 1) is valid.
    await ledger.ok(VERRA, 'project.register', projectBody())
  })

  it('leaves only the nonce after rejections found deep in a rule (overlap, insufficient holding)', async () => {
    // batch.issue rejected by SERIAL_OVERLAP has read but not written; credit.transfer rejected after selecting
    // pieces has not rewritten them. Both leave only the nonce (TestLedger.rejected checks the writes).
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.rejected(VERRA, 'batch.issue', issueBody({ serialStart: 941467431, serialEnd: 941467500 }), 'SERIAL_OVERLAP')
    await ledger.rejected(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, quantity: 426 }), 'INSUFFICIENT_HOLDING')
  })

  it('discards every write of a rule that writes and then rejects, and keeps those of an accepted one', async () => {
    // No shipped rule writes before it rejects, so a stand-in rule exercises the transaction layer itself.
    const ledger = new TestLedger()
    const original = RULES['project.register']
    RULES['project.register'] = async (context, body) => {
      context.view.put(`project/VCS/${body.projectId}`, encode('half-written'))
      context.view.del(keys.account(BANK.id))
      return body.name === 'reject me' ? { code: RESULT_CODES.PROJECT_EXISTS, name: 'PROJECT_EXISTS', message: 'late rejection' } : { code: RESULT_CODES.OK, name: 'OK', message: 'ok' }
    }
    try {
      await ledger.rejected(VERRA, 'project.register', projectBody({ name: 'reject me' }), 'PROJECT_EXISTS')
      const { result, writes } = await ledger.submit(VERRA, 'project.register', projectBody())
      expect(result.name).toBe('OK')
      expect(writes.map(([key]) => key)).toEqual([keys.account(BANK.id), keys.nonce(VERRA.id), 'project/VCS/1340'])
    } finally {
      RULES['project.register'] = original
    }
  })

  it('keeps the nonces of several transactions of one sender in one block in sequence', async () => {
    const ledger = new TestLedger()
    const { results } = await ledger.block([
      ledger.tx(VERRA, 'project.register', projectBody(), 0),
      ledger.tx(VERRA, 'batch.issue', issueBody({ registry: 'GS', space: 'GS/30307' }), 1), // rejected (WRONG_REGISTRY), consumes 1
      ledger.tx(VERRA, 'batch.issue', issueBody(), 2),
      ledger.tx(VERRA, 'batch.issue', issueBody({ serialStart: 1, serialEnd: 10 }), 2), // replay of nonce 2
    ])
    expect(results.map((result) => result.name)).toEqual(['OK', 'WRONG_REGISTRY', 'OK', 'BAD_NONCE'])
    expect(await nextNonceOf(ledger.state, VERRA.id)).toBe(3)
  })

  it('lets an account outside genesis send (its nonce starts at 0)', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch(OUTSIDER)
    await ledger.ok(OUTSIDER, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, quantity: 5 }))
    expect(await nextNonceOf(ledger.state, OUTSIDER.id)).toBe(1)
  })

  it('answers an invalid body with INVALID_BODY, consuming only the nonce', async () => {
    const ledger = new TestLedger()
    const result = await ledger.rejected(VERRA, 'project.register', { ...projectBody(), extra: 1 } as never, 'INVALID_BODY')
    expect(result.message).toContain('extra')
  })

  it('answers a malformed envelope with MALFORMED_TX and no state change', async () => {
    const ledger = new TestLedger()
    const view = new StateView(ledger.state)
    const context = { height: 1, timeMs: 1, txIndex: 0 }
    const shortSender = { chainId: 'c', kind: 'project.register', sender: new Uint8Array(31), nonce: 0, body: projectBody() } as Tx
    const unknownKind = { chainId: 'c', kind: 'credit.mint', sender: VERRA.key, nonce: 0, body: {} } as unknown as Tx
    expect((await applyTx(view, shortSender, 'a', context)).name).toBe('MALFORMED_TX')
    expect((await applyTx(view, unknownKind, 'b', context)).name).toBe('MALFORMED_TX')
    expect(view.writes()).toEqual([])
  })

  it('rethrows a storage error after rolling back the transaction layer', async () => {
    const ledger = new TestLedger()
    let failing = false
    const reader = {
      get: async (key: string) => {
        if (failing && key.startsWith('project/')) throw new Error('disk on fire')
        return ledger.state.get(key)
      },
      range: ledger.state.range.bind(ledger.state),
    }
    const view = new StateView(reader)
    failing = true
    const tx = ledger.tx(VERRA, 'project.register', projectBody())
    await expect(applyTx(view, tx, 'x', { height: 1, timeMs: 1, txIndex: 0 })).rejects.toThrow('disk on fire')
    // The layer was closed (writes() throws while a layer is open) and the nonce was not consumed.
    expect(view.writes()).toEqual([])
  })

  it('never throws on arbitrary bodies: every outcome is a known result code', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    const codes = new Set<number>(Object.values(RESULT_CODES))
    const anything = fc.oneof(
      fc.anything(),
      fc.record({ batchId: fc.oneof(fc.constant(BATCH_VCS), fc.string()), quantity: fc.oneof(fc.integer(), fc.double()), range: fc.anything(), to: fc.string() }, { requiredKeys: [] }),
    )
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<TxKind>(...TX_KINDS), anything, async (kind, body) => {
        const view = new StateView(ledger.state)
        const nonce = await nextNonceOf(ledger.state, VERRA.id)
        const tx = { chainId: 'tonne-test', kind, sender: VERRA.key, nonce, body } as Tx
        const result = await applyTx(view, tx, 'fuzz', { height: 99, timeMs: 99, txIndex: 0 })
        expect(codes.has(result.code)).toBe(true)
        if (result.name !== 'OK') expect(view.writes()).toEqual([[keys.nonce(VERRA.id), encode(nonce + 1)]])
      }),
      { numRuns: 300 },
    )
  })
})
