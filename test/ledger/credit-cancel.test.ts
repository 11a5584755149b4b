import { describe, expect, it } from 'vitest'
import { batchHoldings, batchSupply, provenance } from '../../node/ledger/index.ts'
import { BANK, BATCH_VCS, cancelBody, GOLD, MARKET, OUTSIDER, projectBody, retireBody, TestLedger, transferBody, VERRA, VERRA_2 } from './helpers.ts'

const START = 941467007
const END = 941467431

describe('credit.cancel', () => {
  it("cancels a quantity from the registry's own active holdings, lowest serials first", async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, quantity: 10 }))
    await ledger.ok(VERRA, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, quantity: 5, reason: 'buffer contribution' }))
    expect(await batchHoldings(ledger.state, BATCH_VCS)).toEqual([
      { batchId: BATCH_VCS, start: START, end: START + 9, owner: BANK.id, status: 'active' },
      { batchId: BATCH_VCS, start: START + 10, end: START + 14, owner: VERRA.id, status: 'cancelled' },
      { batchId: BATCH_VCS, start: START + 15, end: END, owner: VERRA.id, status: 'active' },
    ])
    const history = await provenance(ledger.state, { space: 'VCS', serial: START + 10 })
    expect(history?.events.at(-1)).toMatchObject({ type: 'cancel', from: VERRA.id, to: null, details: { reason: 'buffer contribution' } })
  })

  it('cancels a range held by anyone (several holders), as long as every unit is active', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, range: { start: START, end: START + 9 } }))
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: OUTSIDER.id, range: { start: START + 10, end: START + 19 } }))
    await ledger.ok(VERRA_2, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: { start: START + 5, end: START + 24 } }))
    expect(await batchSupply(ledger.state, BATCH_VCS)).toMatchObject({ issued: 425, active: 405, cancelled: 20 })
    // Cancelled units stay with their holder, frozen; one event per holder's run.
    const cancelled = (await batchHoldings(ledger.state, BATCH_VCS)).filter((entry) => entry.status === 'cancelled')
    expect(cancelled.map((entry) => [entry.start - START, entry.end - START, entry.owner])).toEqual([
      [5, 9, BANK.id],
      [10, 19, OUTSIDER.id],
      [20, 24, VERRA.id],
    ])
    const history = await provenance(ledger.state, { batchId: BATCH_VCS, range: { start: START + 5, end: START + 24 } })
    expect(history?.events.filter((event) => event.type === 'cancel').map((event) => event.from)).toEqual([BANK.id, OUTSIDER.id, VERRA.id])
    // Cancelled units never move again.
    await ledger.rejected(OUTSIDER, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: MARKET.id, range: { start: START + 10, end: START + 10 } }), 'CANCELLED_UNIT')
    await ledger.rejected(VERRA, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: { start: START + 24, end: START + 30 } }), 'CANCELLED_UNIT')
    await ledger.rejected(OUTSIDER, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: MARKET.id, quantity: 1 }), 'INSUFFICIENT_HOLDING')
  })

  it('rejects a cancel by the registry of another registry (WRONG_REGISTRY) and by a non-registry (WRONG_ROLE)', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch(BANK)
    await ledger.rejected(GOLD, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: { start: START, end: START } }), 'WRONG_REGISTRY')
    await ledger.rejected(BANK, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, quantity: 1 }), 'WRONG_ROLE')
    await ledger.rejected(OUTSIDER, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, quantity: 1 }), 'WRONG_ROLE')
  })

  it('cancels by quantity only from its own holdings (INSUFFICIENT_HOLDING otherwise)', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch(BANK)
    await ledger.rejected(VERRA, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, quantity: 1 }), 'INSUFFICIENT_HOLDING')
  })

  it('rejects an unknown batch, an invalid range and retired units', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch(BANK)
    await ledger.ok(BANK, 'credit.retire', retireBody({ batchId: BATCH_VCS, quantity: 1 }))
    await ledger.rejected(VERRA, 'credit.cancel', cancelBody({ batchId: 'VCS:1-2', quantity: 1 }), 'UNKNOWN_BATCH')
    await ledger.rejected(VERRA, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: { start: START - 1, end: START } }), 'INVALID_RANGE')
    await ledger.rejected(VERRA, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: { start: START, end: START + 1 } }), 'RETIRED_UNIT')
  })

  it('lets a registry cancel only batches of its own registry even with a project of the same id', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.ok(GOLD, 'project.register', projectBody({ registry: 'GS', projectId: '1340' }))
    await ledger.rejected(GOLD, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, quantity: 1 }), 'WRONG_REGISTRY')
  })
})
