// Delivery versus payment: offers that reserve credits, acceptances that move credits and cash in one transaction,
// cancellations, expiry at the block boundary, swaps signed by both parties, settlement records and price statistics.
import { describe, expect, it } from 'vitest'
import { keyPairFromSecret, sign } from '../../client/keys.ts'
import { bytesToHex, swapSignBytes, type SwapTerms, type TradeOfferBody } from '../../client/wire.ts'
import { balanceOf } from '../../node/ledger/cash.ts'
import { batchHoldings, keys, PREFIX, prefixRange, readLock, readRange, readRecord, type OfferRecord, type TradeRecord } from '../../node/ledger/index.ts'
import { priceStatistics } from '../../node/ledger/trades.ts'
import { BANK, BATCH_VCS, GENESIS, MARKET, OUTSIDER, TestLedger, transferBody, type TestAccount } from './helpers.ts'

const START = 941467007
const DAY_MS = 24 * 60 * 60 * 1000
const sellerKeys = keyPairFromSecret(new Uint8Array(32).fill(0x42))
const SELLER: TestAccount = { name: 'seller', key: sellerKeys.publicKey, id: bytesToHex(sellerKeys.publicKey) }

function offerBody(ledger: TestLedger, overrides: Partial<TradeOfferBody> = {}): TradeOfferBody {
  return { batchId: BATCH_VCS, quantity: 30, range: null, pricePerTonne: 1_250, currency: 'USD', buyer: '', expiresAtMs: ledger.timeMs + DAY_MS, disclosePrice: true, ...overrides }
}

/** MARKET holds the Verra batch; OUTSIDER has USD 1,000.00 (100000 cents) from the bank. */
async function market(): Promise<TestLedger> {
  const ledger = new TestLedger()
  await ledger.withVerraBatch(MARKET)
  await ledger.ok(BANK, 'cash.mint', { currency: 'USD', to: OUTSIDER.id, amount: 100_000 })
  return ledger
}

describe('trade.offer and trade.accept', () => {
  it('an offer reserves the credits; its acceptance pays the seller and delivers them, with a settlement record', async () => {
    const ledger = await market()
    await ledger.ok(MARKET, 'trade.offer', offerBody(ledger))
    const offerId = ledger.lastTxId
    expect(await readLock(ledger.state, offerId)).toMatchObject({ kind: 'offer', owner: MARKET.id, pieces: [{ start: START, end: START + 29, owner: MARKET.id }] })
    expect(await readRecord<OfferRecord>(ledger.state, keys.offer(offerId))).toMatchObject({ seller: MARKET.id, quantity: 30, pricePerTonne: 1_250, currency: 'USD', buyer: '' })
    // Reserved credits cannot move, nor can anyone but the seller release them.
    await ledger.rejected(MARKET, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, range: { start: START, end: START } }), 'LOCKED_UNIT')
    await ledger.rejected(MARKET, 'credit.release', { lockId: offerId }, 'NOT_LOCK_PARTY')

    await ledger.ok(OUTSIDER, 'trade.accept', { offerId, quantity: 0, disclosePrice: true })
    expect(await balanceOf(ledger.state, OUTSIDER.id, 'USD')).toBe(100_000 - 30 * 1_250)
    expect(await balanceOf(ledger.state, MARKET.id, 'USD')).toBe(30 * 1_250)
    expect((await batchHoldings(ledger.state, BATCH_VCS))[0]).toEqual({ batchId: BATCH_VCS, start: START, end: START + 29, owner: OUTSIDER.id, status: 'active' })
    expect(await readLock(ledger.state, offerId)).toBeUndefined()
    expect(await readRecord(ledger.state, keys.offer(offerId))).toBeUndefined()
    const trades = await readRange<TradeRecord>(ledger.state, prefixRange(PREFIX.trade))
    expect(trades.map(([, trade]) => trade)).toEqual([
      expect.objectContaining({ offerId, batchId: BATCH_VCS, registry: 'VCS', projectId: '1340', methodology: 'VM0015', vintage: '2020', quantity: 30, pricePerTonne: 1_250, currency: 'USD', notional: 37_500, seller: MARKET.id, buyer: OUTSIDER.id, disclosed: true }),
    ])
  })

  it('a partial fill delivers the lowest reserved serials and leaves the rest offered on the same terms', async () => {
    const ledger = await market()
    await ledger.ok(BANK, 'cash.mint', { currency: 'USD', to: BANK.id, amount: 100_000 })
    await ledger.ok(MARKET, 'trade.offer', offerBody(ledger, { quantity: 30 }))
    const offerId = ledger.lastTxId
    await ledger.rejected(OUTSIDER, 'trade.accept', { offerId, quantity: 31, disclosePrice: true }, 'OFFER_QUANTITY_EXCEEDED')
    await ledger.ok(OUTSIDER, 'trade.accept', { offerId, quantity: 12, disclosePrice: true })
    expect(await balanceOf(ledger.state, OUTSIDER.id, 'USD')).toBe(100_000 - 12 * 1_250)
    expect(await readRecord<OfferRecord>(ledger.state, keys.offer(offerId))).toMatchObject({ quantity: 18, filled: 12 })
    expect(await readLock(ledger.state, offerId)).toMatchObject({ pieces: [{ start: START + 12, end: START + 29, owner: MARKET.id }] })
    const holdings = await batchHoldings(ledger.state, BATCH_VCS)
    expect(holdings.slice(0, 2)).toEqual([
      { batchId: BATCH_VCS, start: START, end: START + 11, owner: OUTSIDER.id, status: 'active' },
      { batchId: BATCH_VCS, start: START + 12, end: START + 29, owner: MARKET.id, status: 'locked', lockId: offerId },
    ])
    // What is left is still reserved, and a second buyer takes part of it, then a third asks for too much.
    await ledger.rejected(MARKET, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, range: { start: START + 12, end: START + 12 } }), 'LOCKED_UNIT')
    await ledger.ok(BANK, 'trade.accept', { offerId, quantity: 8, disclosePrice: false })
    await ledger.rejected(OUTSIDER, 'trade.accept', { offerId, quantity: 11, disclosePrice: true }, 'OFFER_QUANTITY_EXCEEDED')
    // Quantity 0 takes all that remains and ends the offer.
    await ledger.ok(OUTSIDER, 'trade.accept', { offerId, quantity: 0, disclosePrice: true })
    expect(await readLock(ledger.state, offerId)).toBeUndefined()
    expect(await readRecord(ledger.state, keys.offer(offerId))).toBeUndefined()
    expect(await balanceOf(ledger.state, MARKET.id, 'USD')).toBe(30 * 1_250)
    expect(await balanceOf(ledger.state, OUTSIDER.id, 'USD')).toBe(100_000 - 22 * 1_250)
    const trades = (await readRange<TradeRecord>(ledger.state, prefixRange(PREFIX.trade))).map(([, trade]) => [trade.buyer, trade.quantity, trade.notional])
    expect(trades).toEqual([[OUTSIDER.id, 12, 15_000], [BANK.id, 8, 10_000], [OUTSIDER.id, 10, 12_500]])
    const after = await batchHoldings(ledger.state, BATCH_VCS)
    expect(after.filter((holding) => holding.start <= START + 29).map((holding) => [holding.start - START, holding.end - START, holding.owner === OUTSIDER.id ? 'outsider' : holding.owner === BANK.id ? 'bank' : 'other', holding.status])).toEqual([
      [0, 11, 'outsider', 'active'],
      [12, 19, 'bank', 'active'],
      [20, 29, 'outsider', 'active'],
    ])
  })

  it('a partially filled offer that expires releases only what is left', async () => {
    const ledger = await market()
    await ledger.ok(MARKET, 'trade.offer', offerBody(ledger, { quantity: 10, expiresAtMs: ledger.timeMs + 60_000 }))
    const offerId = ledger.lastTxId
    await ledger.ok(OUTSIDER, 'trade.accept', { offerId, quantity: 4, disclosePrice: true })
    ledger.timeMs += 120_000
    await ledger.block([])
    expect(await readLock(ledger.state, offerId)).toBeUndefined()
    await ledger.rejected(OUTSIDER, 'trade.accept', { offerId, quantity: 1, disclosePrice: true }, 'UNKNOWN_OFFER')
    const holdings = (await batchHoldings(ledger.state, BATCH_VCS)).filter((holding) => holding.start <= START + 9)
    expect(holdings.map((holding) => [holding.start - START, holding.end - START, holding.owner === OUTSIDER.id, holding.status])).toEqual([
      [0, 3, true, 'active'],
      [4, 9, false, 'active'],
    ])
  })

  it('a failed acceptance changes nothing: the credits stay reserved for the seller and no cash moves', async () => {
    const ledger = await market()
    await ledger.ok(MARKET, 'trade.offer', offerBody(ledger, { quantity: 100, pricePerTonne: 1_001 }))
    const offerId = ledger.lastTxId
    await ledger.rejected(OUTSIDER, 'trade.accept', { offerId, quantity: 0, disclosePrice: false }, 'INSUFFICIENT_FUNDS')
    await ledger.rejected(BANK, 'trade.accept', { offerId, quantity: 0, disclosePrice: false }, 'INSUFFICIENT_FUNDS')
    await ledger.rejected(MARKET, 'trade.accept', { offerId, quantity: 0, disclosePrice: false }, 'SELF_TRANSFER')
    await ledger.rejected(OUTSIDER, 'trade.accept', { offerId: 'e'.repeat(64), quantity: 0, disclosePrice: false }, 'UNKNOWN_OFFER')
    expect(await readLock(ledger.state, offerId)).toBeDefined()
  })

  it('an offer to one buyer can be accepted by it alone', async () => {
    const ledger = await market()
    await ledger.ok(BANK, 'cash.mint', { currency: 'USD', to: BANK.id, amount: 100_000 })
    await ledger.ok(MARKET, 'trade.offer', offerBody(ledger, { buyer: OUTSIDER.id }))
    const offerId = ledger.lastTxId
    await ledger.rejected(BANK, 'trade.accept', { offerId, quantity: 0, disclosePrice: true }, 'NOT_OFFER_PARTY')
    await ledger.ok(OUTSIDER, 'trade.accept', { offerId, quantity: 0, disclosePrice: false })
    const [[, trade]] = (await readRange<TradeRecord>(ledger.state, prefixRange(PREFIX.trade))) as [[string, TradeRecord]]
    expect(trade.disclosed).toBe(false)
  })

  it('rejects offers to oneself, with a bad expiry, an overflowing notional, or credits not held', async () => {
    const ledger = await market()
    await ledger.rejected(MARKET, 'trade.offer', offerBody(ledger, { buyer: MARKET.id }), 'SELF_TRANSFER')
    await ledger.rejected(MARKET, 'trade.offer', offerBody(ledger, { expiresAtMs: ledger.timeMs }), 'INVALID_EXPIRY')
    await ledger.rejected(MARKET, 'trade.offer', offerBody(ledger, { quantity: 3, pricePerTonne: Math.floor(Number.MAX_SAFE_INTEGER / 2) }), 'NOTIONAL_OVERFLOW')
    await ledger.rejected(OUTSIDER, 'trade.offer', offerBody(ledger), 'INSUFFICIENT_HOLDING')
    await ledger.rejected(MARKET, 'trade.offer', { ...offerBody(ledger), pricePerTonne: 12.5 }, 'INVALID_BODY')
    await ledger.rejected(MARKET, 'trade.offer', { ...offerBody(ledger), currency: 'usd' }, 'INVALID_BODY')
  })
})

describe('trade.cancel and expiry', () => {
  it('the seller alone cancels; the credits are free again and the offer is gone', async () => {
    const ledger = await market()
    await ledger.ok(MARKET, 'trade.offer', offerBody(ledger))
    const offerId = ledger.lastTxId
    await ledger.rejected(OUTSIDER, 'trade.cancel', { offerId }, 'NOT_OFFER_PARTY')
    await ledger.ok(MARKET, 'trade.cancel', { offerId })
    await ledger.rejected(OUTSIDER, 'trade.accept', { offerId, quantity: 0, disclosePrice: true }, 'UNKNOWN_OFFER')
    await ledger.ok(MARKET, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, range: { start: START, end: START + 29 } }))
  })

  it('at the first block at or after its expiry the ledger releases the offer by itself', async () => {
    const ledger = await market()
    const body = offerBody(ledger)
    await ledger.ok(MARKET, 'trade.offer', body)
    const offerId = ledger.lastTxId
    ledger.timeMs = body.expiresAtMs - 1_000
    await ledger.block([])
    expect(await readRecord(ledger.state, keys.offer(offerId))).toBeUndefined()
    expect(await readLock(ledger.state, offerId)).toBeUndefined()
    await ledger.rejected(OUTSIDER, 'trade.accept', { offerId, quantity: 0, disclosePrice: true }, 'UNKNOWN_OFFER')
    expect((await batchHoldings(ledger.state, BATCH_VCS))[0]).toMatchObject({ owner: MARKET.id, status: 'active' })
  })
})

describe('trade.swap', () => {
  async function swapMarket(): Promise<TestLedger> {
    const ledger = await market()
    await ledger.ok(MARKET, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: SELLER.id, quantity: 50 }))
    return ledger
  }
  function terms(ledger: TestLedger, overrides: Partial<SwapTerms> = {}): SwapTerms {
    return { batchId: BATCH_VCS, quantity: 20, range: null, seller: SELLER.id, buyer: OUTSIDER.id, pricePerTonne: 900, currency: 'USD', expiresAtMs: ledger.timeMs + DAY_MS, discloseSeller: true, discloseBuyer: true, ...overrides }
  }
  const signed = (swap: SwapTerms, chainId = GENESIS.chainId) => ({ ...swap, sellerSignature: sign(swapSignBytes(chainId, swap), sellerKeys.secretKey) })

  it('settles once: credits to the buyer, cash to the seller; the same signed swap again is refused', async () => {
    const ledger = await swapMarket()
    const swap = signed(terms(ledger))
    await ledger.ok(OUTSIDER, 'trade.swap', swap)
    expect(await balanceOf(ledger.state, SELLER.id, 'USD')).toBe(18_000)
    expect(await balanceOf(ledger.state, OUTSIDER.id, 'USD')).toBe(100_000 - 18_000)
    expect((await batchHoldings(ledger.state, BATCH_VCS)).find((holding) => holding.owner === OUTSIDER.id)).toMatchObject({ start: START, end: START + 19 })
    await ledger.rejected(OUTSIDER, 'trade.swap', swap, 'SWAP_NOT_VALID')
  })

  it('refuses a forged, altered, other-chain, expired, misdirected or unfunded swap and moves nothing', async () => {
    const ledger = await swapMarket()
    const good = signed(terms(ledger))
    await ledger.rejected(OUTSIDER, 'trade.swap', { ...good, pricePerTonne: 1 }, 'BAD_COUNTERSIGNATURE')
    await ledger.rejected(OUTSIDER, 'trade.swap', signed(terms(ledger), 'another-chain'), 'BAD_COUNTERSIGNATURE')
    await ledger.rejected(OUTSIDER, 'trade.swap', { ...good, sellerSignature: new Uint8Array(64) }, 'BAD_COUNTERSIGNATURE')
    await ledger.rejected(OUTSIDER, 'trade.swap', signed(terms(ledger, { expiresAtMs: ledger.timeMs })), 'SWAP_NOT_VALID')
    await ledger.rejected(BANK, 'trade.swap', good, 'NOT_OFFER_PARTY')
    await ledger.rejected(OUTSIDER, 'trade.swap', signed(terms(ledger, { quantity: 200 })), 'INSUFFICIENT_HOLDING')
    await ledger.rejected(OUTSIDER, 'trade.swap', signed(terms(ledger, { pricePerTonne: 10_000 })), 'INSUFFICIENT_FUNDS')
    await ledger.rejected(OUTSIDER, 'trade.swap', { ...good, sellerSignature: new Uint8Array(63) }, 'INVALID_BODY')
  })
})

describe('price statistics', () => {
  it('aggregates volume, count, VWAP, min and max by filter, and lists only prices both parties disclosed', async () => {
    const ledger = await market()
    await ledger.ok(BANK, 'cash.mint', { currency: 'USD', to: BANK.id, amount: 1_000_000 })
    await ledger.ok(MARKET, 'trade.offer', offerBody(ledger, { quantity: 30, pricePerTonne: 1_000, disclosePrice: true }))
    await ledger.ok(OUTSIDER, 'trade.accept', { offerId: ledger.lastTxId, quantity: 0, disclosePrice: true })
    const firstTime = ledger.timeMs
    await ledger.ok(MARKET, 'trade.offer', offerBody(ledger, { quantity: 10, pricePerTonne: 1_501, disclosePrice: true }))
    await ledger.ok(BANK, 'trade.accept', { offerId: ledger.lastTxId, quantity: 0, disclosePrice: false })
    const all = await priceStatistics(ledger.state, { currency: 'USD' })
    expect(all).toMatchObject({ count: 2, volume: 40, notional: String(30_000 + 15_010), vwapPerTonne: Math.floor(45_010 / 40), minPerTonne: 1_000, maxPerTonne: 1_501, truncated: false })
    expect(all.disclosed.map((trade) => trade.pricePerTonne)).toEqual([1_000])
    expect(await priceStatistics(ledger.state, { currency: 'USD', vintage: '2020', registry: 'VCS', methodology: 'VM0015', toMs: firstTime })).toMatchObject({ count: 1, volume: 30, vwapPerTonne: 1_000 })
    expect(await priceStatistics(ledger.state, { currency: 'EUR' })).toMatchObject({ count: 0, volume: 0, notional: '0', vwapPerTonne: null, minPerTonne: null })
    expect(await priceStatistics(ledger.state, { currency: 'USD', vintage: '2019' })).toMatchObject({ count: 0 })
  })
})
