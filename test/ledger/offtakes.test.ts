// Offtake / prepayment: agreements both parties sign (every rejection), the prepayment and the escrow, delivery of
// newly issued batches to the financier with payment out of the escrow (full, partial over two batches, two
// agreements on one project, a batch for someone else), default at the due date with the escrow refunded, and
// cancellation by both parties.
import { describe, expect, it } from 'vitest'
import { keyPairFromSecret, offtakeIdOf, signOfftake, signOfftakeCancel } from '../../client/keys.ts'
import { bytesToHex, type OfftakeTerms } from '../../client/wire.ts'
import { balanceOf, escrowOf, supplyOf } from '../../node/ledger/cash.ts'
import { batchHoldings, getOfftake, keys, offtakesOfAccount, offtakesOfProject, OFFTAKE_DURATION_MS_MAX, PREFIX, prefixRange, provenance, readOfftake, readRange, type EventRecord } from '../../node/ledger/index.ts'
import { BANK, GENESIS, MARKET, OUTSIDER, TestLedger, VERRA, issueBody, projectBody, type TestAccount } from './helpers.ts'

const DEV_KEYS = keyPairFromSecret(new Uint8Array(32).fill(0x43))
const DEV: TestAccount = { name: 'developer', key: DEV_KEYS.publicKey, id: bytesToHex(DEV_KEYS.publicKey) }
const FIRST = 941467007
/** The first batch: Verra's 19385, 425 units; the second right after it, 100 units. */
const FIRST_BATCH = { serialStart: FIRST, serialEnd: FIRST + 424 }
const SECOND_BATCH = { serialStart: FIRST + 425, serialEnd: FIRST + 524 }

function terms(ledger: TestLedger, overrides: Partial<OfftakeTerms> = {}): OfftakeTerms {
  return { financier: MARKET.id, developer: DEV.id, registry: 'VCS', projectId: '1340', quantity: 500, pricePerTonne: 1_000, currency: 'USD', prepaid: 100_000, dueAtMs: ledger.timeMs + 60_000, expiresAtMs: ledger.timeMs + 30_000, ...overrides }
}
const signed = (offtake: OfftakeTerms, chainId = GENESIS.chainId) => signOfftake(DEV_KEYS, chainId, offtake)

/** Project 1340 registered; MARKET (the financier) holds USD 10,000.00 = 1,000,000 cents. */
async function market(cash = 1_000_000): Promise<TestLedger> {
  const ledger = new TestLedger()
  await ledger.ok(VERRA, 'project.register', projectBody())
  await ledger.ok(BANK, 'cash.mint', { currency: 'USD', to: MARKET.id, amount: cash })
  return ledger
}

async function issue(ledger: TestLedger, to: TestAccount, range: { serialStart: number; serialEnd: number }): Promise<string> {
  await ledger.withVerraBatch(to, range)
  return `VCS:${range.serialStart}-${range.serialEnd}`
}

/** supply = balances + escrow, and the escrow total is the sum of the agreements' escrows. */
async function expectCashConserved(ledger: TestLedger): Promise<void> {
  const balances = await readRange<number>(ledger.state, prefixRange(PREFIX.balance))
  const sum = balances.filter(([key]) => key.endsWith('/USD')).reduce((total, [, amount]) => total + amount, 0)
  const escrow = await escrowOf(ledger.state, 'USD')
  expect((await supplyOf(ledger.state, 'USD')).supply).toBe(sum + escrow)
  const agreements = await readRange<{ escrowed: number; currency: string }>(ledger.state, prefixRange(PREFIX.offtake))
  expect(agreements.reduce((total, [, record]) => total + (record.currency === 'USD' ? record.escrowed : 0), 0)).toBe(escrow)
}

describe('offtake.agree', () => {
  it('pays the prepayment to the developer and escrows the rest of the price; the agreement is queryable', async () => {
    const ledger = await market()
    const offtake = terms(ledger)
    await ledger.ok(MARKET, 'offtake.agree', signed(offtake))
    const id = offtakeIdOf(GENESIS.chainId, offtake)
    expect(await balanceOf(ledger.state, DEV.id, 'USD')).toBe(100_000)
    expect(await balanceOf(ledger.state, MARKET.id, 'USD')).toBe(1_000_000 - 500_000)
    expect(await escrowOf(ledger.state, 'USD')).toBe(400_000)
    expect((await supplyOf(ledger.state, 'USD')).supply).toBe(1_000_000)
    expect(await readOfftake(ledger.state, id)).toMatchObject({ id, status: 'open', financier: MARKET.id, developer: DEV.id, quantity: 500, delivered: 0, escrowed: 400_000, paidOnDelivery: 0, txId: ledger.lastTxId })
    expect((await offtakesOfAccount(ledger.state, DEV.id, 10)).offtakes.map((record) => record.id)).toEqual([id])
    expect((await offtakesOfAccount(ledger.state, MARKET.id, 10)).offtakes.map((record) => record.id)).toEqual([id])
    expect((await offtakesOfProject(ledger.state, 'VCS', '1340', 10)).offtakes.map((record) => record.id)).toEqual([id])
    expect((await offtakesOfAccount(ledger.state, OUTSIDER.id, 10)).offtakes).toEqual([])
    await expectCashConserved(ledger)
  })

  it('a financier may spend everything: all of its cash in escrow leaves no holder but keeps the supply', async () => {
    const ledger = await market(500_000)
    await ledger.ok(MARKET, 'offtake.agree', signed(terms(ledger, { prepaid: 0 })))
    expect(await balanceOf(ledger.state, MARKET.id, 'USD')).toBe(0)
    expect(await supplyOf(ledger.state, 'USD')).toEqual({ currency: 'USD', supply: 500_000, holders: 0 })
    expect(await escrowOf(ledger.state, 'USD')).toBe(500_000)
    // The bank can still mint; the escrow keeps its room in the supply.
    await ledger.ok(BANK, 'cash.mint', { currency: 'USD', to: OUTSIDER.id, amount: 7 })
    await ledger.rejected(BANK, 'cash.mint', { currency: 'USD', to: OUTSIDER.id, amount: Number.MAX_SAFE_INTEGER - 500_006 }, 'SUPPLY_OVERFLOW')
    await expectCashConserved(ledger)
  })

  it('rejects every bad agreement and changes nothing', async () => {
    const ledger = await market()
    await ledger.rejected(MARKET, 'offtake.agree', signed(terms(ledger, { developer: MARKET.id })), 'SELF_TRANSFER')
    await ledger.rejected(OUTSIDER, 'offtake.agree', signed(terms(ledger)), 'NOT_OFFTAKE_PARTY')
    await ledger.rejected(MARKET, 'offtake.agree', signed(terms(ledger, { expiresAtMs: ledger.timeMs })), 'OFFTAKE_NOT_VALID')
    const good = signed(terms(ledger))
    await ledger.rejected(MARKET, 'offtake.agree', { ...good, prepaid: 0 }, 'BAD_COUNTERSIGNATURE')
    await ledger.rejected(MARKET, 'offtake.agree', { ...good, quantity: 501 }, 'BAD_COUNTERSIGNATURE')
    await ledger.rejected(MARKET, 'offtake.agree', signed(terms(ledger), 'another-chain'), 'BAD_COUNTERSIGNATURE')
    await ledger.rejected(MARKET, 'offtake.agree', { ...good, developerSignature: new Uint8Array(64) }, 'BAD_COUNTERSIGNATURE')
    await ledger.rejected(MARKET, 'offtake.agree', signed(terms(ledger, { dueAtMs: ledger.timeMs + 1_000 })), 'INVALID_EXPIRY')
    await ledger.rejected(MARKET, 'offtake.agree', signed(terms(ledger, { dueAtMs: ledger.timeMs + 1_000 + OFFTAKE_DURATION_MS_MAX + 1 })), 'INVALID_EXPIRY')
    await ledger.rejected(MARKET, 'offtake.agree', signed(terms(ledger, { quantity: 3, pricePerTonne: Math.floor(Number.MAX_SAFE_INTEGER / 2), prepaid: 0 })), 'NOTIONAL_OVERFLOW')
    await ledger.rejected(MARKET, 'offtake.agree', signed(terms(ledger, { prepaid: 500_001 })), 'PREPAID_EXCEEDS_PRICE')
    await ledger.rejected(MARKET, 'offtake.agree', signed(terms(ledger, { projectId: '9999' })), 'UNKNOWN_PROJECT')
    await ledger.rejected(MARKET, 'offtake.agree', signed(terms(ledger, { quantity: 1_001 })), 'INSUFFICIENT_FUNDS')
    await ledger.rejected(MARKET, 'offtake.agree', signed(terms(ledger, { currency: 'EUR' })), 'INSUFFICIENT_FUNDS')
    await ledger.rejected(MARKET, 'offtake.agree', { ...good, developerSignature: new Uint8Array(63) }, 'INVALID_BODY')
    await ledger.rejected(MARKET, 'offtake.agree', { ...good, prepaid: 0.5 }, 'INVALID_BODY')
    await ledger.rejected(MARKET, 'offtake.agree', { ...good, quantity: 0 }, 'INVALID_BODY')
    await ledger.rejected(MARKET, 'offtake.agree', { ...good, projectId: '13/40' }, 'INVALID_BODY')
    // The good one agrees once; the very same signed terms again are refused.
    await ledger.ok(MARKET, 'offtake.agree', good)
    await ledger.rejected(MARKET, 'offtake.agree', good, 'OFFTAKE_NOT_VALID')
  })
})

describe('delivery on issuance', () => {
  it('a batch issued to the developer delivers the whole quantity in the same transaction and pays the rest of the price', async () => {
    const ledger = await market()
    const offtake = terms(ledger, { quantity: 300 })
    await ledger.ok(MARKET, 'offtake.agree', signed(offtake))
    const id = offtakeIdOf(GENESIS.chainId, offtake)
    const batchId = await issue(ledger, DEV, FIRST_BATCH)
    const holdings = await batchHoldings(ledger.state, batchId)
    expect(holdings.map(({ start, end, owner }) => ({ start, end, owner }))).toEqual([
      { start: FIRST, end: FIRST + 299, owner: MARKET.id },
      { start: FIRST + 300, end: FIRST + 424, owner: DEV.id },
    ])
    // 300 t at USD 10.00: 300,000 cents, of which 100,000 prepaid; 200,000 came out of the escrow.
    expect(await balanceOf(ledger.state, DEV.id, 'USD')).toBe(300_000)
    expect(await escrowOf(ledger.state, 'USD')).toBe(0)
    const view = await getOfftake(ledger.state, id)
    expect(view).toMatchObject({ status: 'delivered', delivered: 300, paidOnDelivery: 200_000, escrowed: 0, deliveries: 1, closedHeight: ledger.height, deliveriesTruncated: false })
    expect(view?.deliveryRecords).toEqual([expect.objectContaining({ offtakeId: id, seq: 0, batchId, range: { start: FIRST, end: FIRST + 299 }, units: 300, payment: 200_000, txId: ledger.lastTxId })])
    const events = (await provenance(ledger.state, { batchId, range: { start: FIRST, end: FIRST + 424 } }))?.events ?? []
    expect(events.map((event: EventRecord) => [event.type, event.from, event.to, event.range.start, event.range.end, event.details.offtakeId, event.details.payment])).toEqual([
      ['issue', null, DEV.id, FIRST, FIRST + 424, undefined, undefined],
      ['offtake', DEV.id, MARKET.id, FIRST, FIRST + 299, id, '200000'],
    ])
    // Closed: no longer in the open and due indexes; a later batch to the developer stays its own.
    expect(await readRange(ledger.state, prefixRange(PREFIX.offtakeOpen))).toEqual([])
    expect(await readRange(ledger.state, prefixRange(PREFIX.offtakeDue))).toEqual([])
    const second = await issue(ledger, DEV, SECOND_BATCH)
    expect((await batchHoldings(ledger.state, second)).map((holding) => holding.owner)).toEqual([DEV.id])
    await expectCashConserved(ledger)
  })

  it('partial over two batches: the prepayment is credited first, the escrow pays the rest as tonnes arrive', async () => {
    const ledger = await market()
    // 500 t at 1,000 with 100,000 prepaid: the first 100 t are covered by the prepayment.
    const offtake = terms(ledger)
    await ledger.ok(MARKET, 'offtake.agree', signed(offtake))
    const id = offtakeIdOf(GENESIS.chainId, offtake)
    await issue(ledger, DEV, FIRST_BATCH)
    // 425 delivered: owed 425,000 - 100,000 = 325,000 out of the escrow.
    expect(await readOfftake(ledger.state, id)).toMatchObject({ status: 'open', delivered: 425, paidOnDelivery: 325_000, escrowed: 75_000 })
    expect(await balanceOf(ledger.state, DEV.id, 'USD')).toBe(425_000)
    await expectCashConserved(ledger)
    const second = await issue(ledger, DEV, SECOND_BATCH)
    expect(await readOfftake(ledger.state, id)).toMatchObject({ status: 'delivered', delivered: 500, paidOnDelivery: 400_000, escrowed: 0, deliveries: 2 })
    expect(await balanceOf(ledger.state, DEV.id, 'USD')).toBe(500_000)
    expect((await batchHoldings(ledger.state, second)).map(({ start, end, owner }) => ({ start, end, owner }))).toEqual([
      { start: FIRST + 425, end: FIRST + 499, owner: MARKET.id },
      { start: FIRST + 500, end: FIRST + 524, owner: DEV.id },
    ])
    await expectCashConserved(ledger)
  })

  it('a small delivery inside the prepayment pays nothing more', async () => {
    const ledger = await market()
    const offtake = terms(ledger, { quantity: 200, prepaid: 150_000 })
    await ledger.ok(MARKET, 'offtake.agree', signed(offtake))
    await issue(ledger, DEV, { serialStart: FIRST, serialEnd: FIRST + 99 })
    expect(await readOfftake(ledger.state, offtakeIdOf(GENESIS.chainId, offtake))).toMatchObject({ delivered: 100, paidOnDelivery: 0, escrowed: 50_000 })
    expect(await balanceOf(ledger.state, DEV.id, 'USD')).toBe(150_000)
  })

  it('two agreements on one project: the older is served first, the newer from what is left', async () => {
    const ledger = await market()
    await ledger.ok(BANK, 'cash.mint', { currency: 'USD', to: OUTSIDER.id, amount: 1_000_000 })
    const older = terms(ledger, { quantity: 400, prepaid: 0 })
    await ledger.ok(MARKET, 'offtake.agree', signed(older))
    const newer = terms(ledger, { financier: OUTSIDER.id, quantity: 100, pricePerTonne: 2_000, prepaid: 0 })
    await ledger.ok(OUTSIDER, 'offtake.agree', signed(newer))
    const batchId = await issue(ledger, DEV, FIRST_BATCH)
    expect(await readOfftake(ledger.state, offtakeIdOf(GENESIS.chainId, older))).toMatchObject({ status: 'delivered', delivered: 400 })
    expect(await readOfftake(ledger.state, offtakeIdOf(GENESIS.chainId, newer))).toMatchObject({ status: 'open', delivered: 25, paidOnDelivery: 50_000, escrowed: 150_000 })
    expect((await batchHoldings(ledger.state, batchId)).map(({ start, end, owner }) => ({ start, end, owner }))).toEqual([
      { start: FIRST, end: FIRST + 399, owner: MARKET.id },
      { start: FIRST + 400, end: FIRST + 424, owner: OUTSIDER.id },
    ])
    expect(await balanceOf(ledger.state, DEV.id, 'USD')).toBe(400_000 + 50_000)
    expect((await offtakesOfProject(ledger.state, 'VCS', '1340', 10)).offtakes.map((record) => record.financier)).toEqual([MARKET.id, OUTSIDER.id])
    const page = await offtakesOfProject(ledger.state, 'VCS', '1340', 1)
    expect(page.offtakes.map((record) => record.financier)).toEqual([MARKET.id])
    expect((await offtakesOfProject(ledger.state, 'VCS', '1340', 1, page.next ?? undefined)).offtakes.map((record) => record.financier)).toEqual([OUTSIDER.id])
    await expectCashConserved(ledger)
  })

  it('a batch issued to someone else, or for another project, delivers nothing', async () => {
    const ledger = await market()
    const offtake = terms(ledger)
    await ledger.ok(MARKET, 'offtake.agree', signed(offtake))
    const toOther = await issue(ledger, OUTSIDER, FIRST_BATCH)
    expect((await batchHoldings(ledger.state, toOther)).map((holding) => holding.owner)).toEqual([OUTSIDER.id])
    await ledger.ok(VERRA, 'project.register', projectBody({ projectId: '1341' }))
    await ledger.ok(VERRA, 'batch.issue', issueBody({ projectId: '1341', to: DEV.id, ...SECOND_BATCH }))
    expect((await batchHoldings(ledger.state, `VCS:${SECOND_BATCH.serialStart}-${SECOND_BATCH.serialEnd}`)).map((holding) => holding.owner)).toEqual([DEV.id])
    expect(await readOfftake(ledger.state, offtakeIdOf(GENESIS.chainId, offtake))).toMatchObject({ status: 'open', delivered: 0, escrowed: 400_000 })
  })
})

describe('default at the due date', () => {
  it('an agreement still short after its due date defaults at the block boundary; the escrow goes back to the financier', async () => {
    const ledger = await market()
    const offtake = terms(ledger, { dueAtMs: ledger.timeMs + 5_000 })
    await ledger.ok(MARKET, 'offtake.agree', signed(offtake))
    const id = offtakeIdOf(GENESIS.chainId, offtake)
    await issue(ledger, DEV, { serialStart: FIRST, serialEnd: FIRST + 149 })
    // 150 delivered: owed 50,000 from the escrow, 350,000 left in it.
    expect(await readOfftake(ledger.state, id)).toMatchObject({ status: 'open', delivered: 150, escrowed: 350_000 })
    // A block at exactly the due date still delivers.
    ledger.timeMs = offtake.dueAtMs - 1_000
    await issue(ledger, DEV, { serialStart: FIRST + 150, serialEnd: FIRST + 159 })
    expect(await readOfftake(ledger.state, id)).toMatchObject({ status: 'open', delivered: 160, escrowed: 340_000 })
    await ledger.block([])
    expect(await readOfftake(ledger.state, id)).toMatchObject({ status: 'defaulted', delivered: 160, shortfall: 340, escrowed: 0, refunded: 340_000, prepaidUncovered: 0, closedHeight: ledger.height })
    expect(await balanceOf(ledger.state, MARKET.id, 'USD')).toBe(1_000_000 - 500_000 + 340_000)
    expect(await balanceOf(ledger.state, DEV.id, 'USD')).toBe(160_000)
    expect(await escrowOf(ledger.state, 'USD')).toBe(0)
    expect(await readRange(ledger.state, prefixRange(PREFIX.offtakeOpen))).toEqual([])
    // A later batch to the developer is its own.
    const later = await issue(ledger, DEV, SECOND_BATCH)
    expect((await batchHoldings(ledger.state, later)).map((holding) => holding.owner)).toEqual([DEV.id])
    await expectCashConserved(ledger)
  })

  it('a default with no delivery shows the whole prepayment uncovered', async () => {
    const ledger = await market()
    const offtake = terms(ledger, { dueAtMs: ledger.timeMs + 2_000 })
    await ledger.ok(MARKET, 'offtake.agree', signed(offtake))
    await ledger.block([])
    await ledger.block([])
    expect(await readOfftake(ledger.state, offtakeIdOf(GENESIS.chainId, offtake))).toMatchObject({ status: 'defaulted', delivered: 0, shortfall: 500, refunded: 400_000, prepaidUncovered: 100_000 })
    expect(await readRange(ledger.state, prefixRange(PREFIX.offtakeDue))).toEqual([])
    expect(await ledger.state.get(keys.cashEscrow('USD'))).toBeUndefined()
    await expectCashConserved(ledger)
  })
})

describe('offtake.cancel', () => {
  async function agreed(): Promise<{ ledger: TestLedger; id: string }> {
    const ledger = await market()
    const offtake = terms(ledger)
    await ledger.ok(MARKET, 'offtake.agree', signed(offtake))
    return { ledger, id: offtakeIdOf(GENESIS.chainId, offtake) }
  }

  it('both parties end it: the escrow returns to the financier and the developer pays back the agreed refund', async () => {
    const { ledger, id } = await agreed()
    await issue(ledger, DEV, { serialStart: FIRST, serialEnd: FIRST + 49 })
    // 50 t delivered, all within the 100,000 prepayment: nothing paid from the escrow (400,000).
    await ledger.ok(MARKET, 'offtake.cancel', signOfftakeCancel(DEV_KEYS, GENESIS.chainId, { offtakeId: id, refund: 50_000 }))
    expect(await readOfftake(ledger.state, id)).toMatchObject({ status: 'cancelled', delivered: 50, escrowed: 0, refunded: 400_000, developerRefund: 50_000, shortfall: 450, prepaidUncovered: 50_000, closedHeight: ledger.height })
    expect(await balanceOf(ledger.state, MARKET.id, 'USD')).toBe(1_000_000 - 100_000 + 50_000)
    expect(await balanceOf(ledger.state, DEV.id, 'USD')).toBe(50_000)
    expect(await escrowOf(ledger.state, 'USD')).toBe(0)
    expect(await readRange(ledger.state, prefixRange(PREFIX.offtakeOpen))).toEqual([])
    expect(await readRange(ledger.state, prefixRange(PREFIX.offtakeDue))).toEqual([])
    // The delivered tonnes stay with the financier; the next batch to the developer is the developer's.
    const later = await issue(ledger, DEV, SECOND_BATCH)
    expect((await batchHoldings(ledger.state, later)).map((holding) => holding.owner)).toEqual([DEV.id])
    await expectCashConserved(ledger)
    await ledger.rejected(MARKET, 'offtake.cancel', signOfftakeCancel(DEV_KEYS, GENESIS.chainId, { offtakeId: id, refund: 0 }), 'OFFTAKE_CLOSED')
  })

  it('rejects an unknown, foreign, closed, forged or unfunded cancellation and changes nothing', async () => {
    const { ledger, id } = await agreed()
    const good = signOfftakeCancel(DEV_KEYS, GENESIS.chainId, { offtakeId: id, refund: 0 })
    await ledger.rejected(MARKET, 'offtake.cancel', signOfftakeCancel(DEV_KEYS, GENESIS.chainId, { offtakeId: 'f'.repeat(64), refund: 0 }), 'UNKNOWN_OFFTAKE')
    await ledger.rejected(OUTSIDER, 'offtake.cancel', good, 'NOT_OFFTAKE_PARTY')
    await ledger.rejected(MARKET, 'offtake.cancel', { ...good, refund: 1 }, 'BAD_COUNTERSIGNATURE')
    await ledger.rejected(MARKET, 'offtake.cancel', signOfftakeCancel(DEV_KEYS, 'another-chain', { offtakeId: id, refund: 0 }), 'BAD_COUNTERSIGNATURE')
    await ledger.rejected(MARKET, 'offtake.cancel', signOfftakeCancel(keyPairFromSecret(new Uint8Array(32).fill(0x44)), GENESIS.chainId, { offtakeId: id, refund: 0 }), 'BAD_COUNTERSIGNATURE')
    await ledger.rejected(MARKET, 'offtake.cancel', signOfftakeCancel(DEV_KEYS, GENESIS.chainId, { offtakeId: id, refund: 100_001 }), 'INSUFFICIENT_FUNDS')
    await ledger.rejected(MARKET, 'offtake.cancel', { ...good, refund: -1 }, 'INVALID_BODY')
    await ledger.rejected(MARKET, 'offtake.cancel', { ...good, offtakeId: 'F'.repeat(64) }, 'INVALID_BODY')
    // Defaulted agreements cannot be cancelled.
    ledger.timeMs = (await readOfftake(ledger.state, id))!.dueAtMs
    await ledger.block([])
    expect(await readOfftake(ledger.state, id)).toMatchObject({ status: 'defaulted' })
    await ledger.rejected(MARKET, 'offtake.cancel', good, 'OFFTAKE_CLOSED')
  })
})
