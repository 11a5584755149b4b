import { describe, expect, it } from 'vitest'
import { batchHoldings, batchSupply, holdingsOf, provenance } from '../../node/ledger/index.ts'
import { BANK, BATCH_VCS, cancelBody, GOLD, MARKET, retireBody, TestLedger, transferBody, VERRA } from './helpers.ts'

const START = 941467007
const END = 941467431

describe('credit.retire', () => {
  it('retires a quantity from the lowest serials and records beneficiary, purpose, reason and date', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch(BANK)
    await ledger.ok(BANK, 'credit.retire', retireBody({ batchId: BATCH_VCS, quantity: 25, beneficiary: 'Hilti Corporation', purpose: 'Voluntary', reason: 'Scope 1 2025', retiredOn: '2026-04-10' }))
    expect(await batchHoldings(ledger.state, BATCH_VCS)).toEqual([
      { batchId: BATCH_VCS, start: START, end: START + 24, owner: BANK.id, status: 'retired' },
      { batchId: BATCH_VCS, start: START + 25, end: END, owner: BANK.id, status: 'active' },
    ])
    expect((await holdingsOf(ledger.state, BANK.id)).totals).toEqual({ active: 400, retired: 25, cancelled: 0, locked: 0, fractionalised: 0 })
    const history = await provenance(ledger.state, { space: 'VCS', serial: START })
    expect(history?.events.at(-1)).toMatchObject({
      type: 'retire',
      range: { start: START, end: START + 24 },
      from: BANK.id,
      to: null,
      by: BANK.id,
      details: { beneficiary: 'Hilti Corporation', purpose: 'Voluntary', reason: 'Scope 1 2025', retiredOn: '2026-04-10' },
    })
  })

  it('retires an explicit sub-range, like a Cercarbono from/to retirement', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch(BANK)
    await ledger.ok(BANK, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: { start: START + 100, end: START + 199 } }))
    expect(await batchSupply(ledger.state, BATCH_VCS)).toEqual({ issued: 425, active: 325, retired: 100, cancelled: 0, locked: 0, fractionalised: 0, holdings: 3 })
  })

  it('never moves a retired unit again: transfer, retire and cancel touching it are RETIRED_UNIT', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.ok(VERRA, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: { start: START + 10, end: START + 10 } }))
    const touching = { start: START + 5, end: START + 15 }
    await ledger.rejected(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, range: touching }), 'RETIRED_UNIT')
    await ledger.rejected(VERRA, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: touching }), 'RETIRED_UNIT')
    await ledger.rejected(VERRA, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: touching }), 'RETIRED_UNIT')
    await ledger.rejected(VERRA, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: { start: START + 10, end: START + 10 } }), 'RETIRED_UNIT')
    // By quantity, retired units are not available: all 424 remaining active units move, never the retired one.
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, quantity: 424 }))
    await ledger.rejected(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, quantity: 1 }), 'INSUFFICIENT_HOLDING')
    const retired = (await batchHoldings(ledger.state, BATCH_VCS)).filter((entry) => entry.status === 'retired')
    expect(retired).toEqual([{ batchId: BATCH_VCS, start: START + 10, end: START + 10, owner: VERRA.id, status: 'retired' }])
  })

  it('rejects an unknown batch, a bad range and units of another holder', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch(BANK)
    await ledger.rejected(BANK, 'credit.retire', retireBody({ batchId: 'GS/30307:1-19149', quantity: 1 }), 'UNKNOWN_BATCH')
    await ledger.rejected(BANK, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: { start: END, end: END + 5 } }), 'INVALID_RANGE')
    await ledger.rejected(MARKET, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: { start: START, end: START } }), 'INSUFFICIENT_HOLDING')
    await ledger.rejected(MARKET, 'credit.retire', retireBody({ batchId: BATCH_VCS, quantity: 1 }), 'INSUFFICIENT_HOLDING')
    await ledger.rejected(GOLD, 'credit.retire', retireBody({ batchId: BATCH_VCS, quantity: 1 }), 'INSUFFICIENT_HOLDING')
  })

  it('rejects retiring cancelled units (CANCELLED_UNIT)', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.ok(VERRA, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, quantity: 10 }))
    await ledger.rejected(VERRA, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: { start: START, end: START + 20 } }), 'CANCELLED_UNIT')
  })
})
