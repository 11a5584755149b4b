import { describe, expect, it } from 'vitest'
import { batchHoldings, batchSupply, holdingsOf, keys } from '../../node/ledger/index.ts'
import { BANK, BATCH_VCS, MARKET, OUTSIDER, retireBody, cancelBody, TestLedger, transferBody, VERRA } from './helpers.ts'

const START = 941467007
const END = 941467431

function holding(start: number, end: number, owner: string, status: 'active' | 'retired' | 'cancelled' = 'active') {
  return { batchId: BATCH_VCS, start, end, owner, status }
}

describe('credit.transfer', () => {
  it('moves a quantity from the lowest serials, splitting the holding', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, quantity: 100 }))
    expect(await batchHoldings(ledger.state, BATCH_VCS)).toEqual([holding(START, START + 99, BANK.id), holding(START + 100, END, VERRA.id)])
    expect((await holdingsOf(ledger.state, BANK.id)).totals).toEqual({ active: 100, retired: 0, cancelled: 0, locked: 0, fractionalised: 0 })
    expect((await holdingsOf(ledger.state, VERRA.id)).totals).toEqual({ active: 325, retired: 0, cancelled: 0, locked: 0, fractionalised: 0 })
    // Both indexes agree: the owner index of BANK has exactly its holding.
    expect(await ledger.state.get(keys.owner(VERRA.id, BATCH_VCS, START))).toBeUndefined()
    expect(await ledger.state.get(keys.owner(BANK.id, BATCH_VCS, START))).toBeDefined()
  })

  it('takes a quantity across several holdings, lowest serials first, skipping retired ones', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    // VERRA keeps [START, START+9] and [START+20, END]; BANK holds [START+10, START+19]. VERRA retires [START, START+4].
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, range: { start: START + 10, end: START + 19 } }))
    await ledger.ok(VERRA, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: { start: START, end: START + 4 } }))
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: MARKET.id, quantity: 8 }))
    expect(await batchHoldings(ledger.state, BATCH_VCS)).toEqual([
      holding(START, START + 4, VERRA.id, 'retired'),
      holding(START + 5, START + 9, MARKET.id),
      holding(START + 10, START + 19, BANK.id),
      holding(START + 20, START + 22, MARKET.id),
      holding(START + 23, END, VERRA.id),
    ])
    expect(await batchSupply(ledger.state, BATCH_VCS)).toMatchObject({ issued: 425, active: 420, retired: 5, cancelled: 0, locked: 0 })
  })

  it('moves an explicit sub-range from the middle, splitting into three', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, range: { start: START + 100, end: START + 199 } }))
    expect(await batchHoldings(ledger.state, BATCH_VCS)).toEqual([holding(START, START + 99, VERRA.id), holding(START + 100, START + 199, BANK.id), holding(START + 200, END, VERRA.id)])
  })

  it('moves a range spanning several holdings of the sender', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, range: { start: START + 10, end: START + 19 } }))
    await ledger.ok(BANK, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: VERRA.id, range: { start: START + 10, end: START + 19 } }))
    // VERRA now holds three adjacent holdings; a range across all of them moves in one transaction.
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: MARKET.id, range: { start: START + 5, end: START + 25 } }))
    const marketHoldings = (await holdingsOf(ledger.state, MARKET.id)).batches[0]?.holdings ?? []
    expect(marketHoldings.reduce((sum, entry) => sum + entry.end - entry.start + 1, 0)).toBe(21)
    expect(marketHoldings[0]?.start).toBe(START + 5)
    expect(marketHoldings[marketHoldings.length - 1]?.end).toBe(START + 25)
  })

  it('moves the whole batch by range and by quantity', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, range: { start: START, end: END } }))
    await ledger.ok(BANK, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: OUTSIDER.id, quantity: 425 }))
    expect(await batchHoldings(ledger.state, BATCH_VCS)).toEqual([holding(START, END, OUTSIDER.id)])
  })

  it('rejects a transfer to the sender (SELF_TRANSFER)', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.rejected(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: VERRA.id, quantity: 1 }), 'SELF_TRANSFER')
  })

  it('rejects an unknown batch (UNKNOWN_BATCH)', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.rejected(VERRA, 'credit.transfer', transferBody({ batchId: 'VCS:1-10', to: BANK.id, quantity: 1 }), 'UNKNOWN_BATCH')
  })

  it('rejects a bad recipient account id (INVALID_BODY)', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.rejected(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: 'not-an-account', quantity: 1 }), 'INVALID_BODY')
  })

  it.each([
    ['empty', START + 5, START + 4],
    ['below the batch', START - 1, START + 3],
    ['above the batch', END, END + 1],
  ])('rejects a range %s (INVALID_RANGE)', async (_, start, end) => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.rejected(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, range: { start, end } }), 'INVALID_RANGE')
  })

  it('rejects more than the sender holds, or units of someone else (INSUFFICIENT_HOLDING)', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, quantity: 100 }))
    const tooMany = await ledger.rejected(BANK, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: MARKET.id, quantity: 101 }), 'INSUFFICIENT_HOLDING')
    expect(tooMany.message).toContain('holds 100 active units')
    // One serial of the range (START + 100) belongs to VERRA.
    await ledger.rejected(BANK, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: MARKET.id, range: { start: START + 50, end: START + 100 } }), 'INSUFFICIENT_HOLDING')
    await ledger.rejected(OUTSIDER, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: MARKET.id, quantity: 1 }), 'INSUFFICIENT_HOLDING')
  })

  it('gives the most specific code for a range mixing foreign, cancelled and retired units', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    // [START, START+9] BANK active; [START+10, START+19] VERRA cancelled; [START+20, START+29] BANK retired.
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, range: { start: START, end: START + 9 } }))
    await ledger.ok(VERRA, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: { start: START + 10, end: START + 19 } }))
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, range: { start: START + 20, end: START + 29 } }))
    await ledger.ok(BANK, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: { start: START + 20, end: START + 29 } }))
    const everything = { start: START, end: START + 40 }
    const retired = await ledger.rejected(BANK, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: MARKET.id, range: everything }), 'RETIRED_UNIT')
    expect(retired.message).toContain(`serial ${START + 20}`)
    const cancelled = await ledger.rejected(BANK, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: MARKET.id, range: { start: START, end: START + 19 } }), 'CANCELLED_UNIT')
    expect(cancelled.message).toContain(`serial ${START + 10}`)
    // Active but foreign units: INSUFFICIENT_HOLDING; the sender's own active remainder still moves.
    await ledger.rejected(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: MARKET.id, range: { start: START + 5, end: START + 9 } }), 'INSUFFICIENT_HOLDING')
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: MARKET.id, range: { start: START + 30, end: START + 40 } }))
  })
})
