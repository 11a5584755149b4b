// Found by review after the issue-4 merge. (1) The block boundary releases at most EXPIRED_LOCKS_PER_BLOCK_MAX
// expired locks and defaults at most DEFAULTED_OFFTAKES_PER_BLOCK_MAX agreements; one past that backlog stayed live
// and could still be seized, or accepted at its old price. (2) A composite class's custody account is predictable
// from its id: parts sent there before the class existed backed no unit and could never leave.
import { describe, expect, it } from 'vitest'
import * as build from '../../client/builders.ts'
import { FRACTION_PARTS_PER_TONNE } from '../../client/wire.ts'
import { compositeCustodyOf, EXPIRED_LOCKS_PER_BLOCK_MAX } from '../../node/ledger/index.ts'
import { BANK, BATCH_VCS, MARKET, OUTSIDER, TestLedger } from '../ledger/helpers.ts'

async function backlog(kind: 'credit.lock' | 'trade.offer'): Promise<{ ledger: TestLedger; last: string; expiresAtMs: number }> {
  const ledger = new TestLedger()
  const count = EXPIRED_LOCKS_PER_BLOCK_MAX + 1
  const batchId = await ledger.withVerraBatch(MARKET, { serialStart: 1, serialEnd: count, space: 'VCS' })
  const expiresAtMs = ledger.timeMs + 2_000
  const base = ledger.nextNonce(MARKET)
  const body = (): object =>
    kind === 'credit.lock'
      ? { batchId, quantity: 1, range: null, securedParty: BANK.id, expiresAtMs }
      : { batchId, quantity: 1, range: null, pricePerTonne: 1, currency: 'USD', buyer: '', expiresAtMs, disclosePrice: false }
  const { results } = await ledger.block(Array.from({ length: count }, (_, index) => ledger.tx(MARKET, kind, body() as never, base + index)))
  expect(results.every((result) => result.name === 'OK')).toBe(true)
  return { ledger, last: ledger.lastTxId, expiresAtMs }
}

describe('expiry backlog', () => {
  it('a collateral lock past its expiry but not yet released cannot be seized', async () => {
    const { ledger, last, expiresAtMs } = await backlog('credit.lock')
    const { results } = await ledger.block([ledger.tx(BANK, 'credit.seize', { lockId: last })])
    expect(ledger.timeMs).toBeGreaterThanOrEqual(expiresAtMs)
    expect(results[0]).toMatchObject({ name: 'UNKNOWN_LOCK' })
  })

  it('an offer past its expiry but not yet released cannot be accepted', async () => {
    const { ledger, last } = await backlog('trade.offer')
    await ledger.ok(BANK, 'cash.mint', { currency: 'USD', to: BANK.id, amount: 100 })
    const { results } = await ledger.block([ledger.tx(BANK, 'trade.accept', { offerId: last, quantity: 0, disclosePrice: false })])
    expect(results[0]).toMatchObject({ name: 'UNKNOWN_OFFER' })
  })
})

describe('composite custody', () => {
  it('a class whose custody already holds parts cannot be defined', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch(MARKET)
    await ledger.ok(MARKET, 'credit.fractionalise', build.creditFractionalise({ batchId: BATCH_VCS, quantity: 1 }))
    await ledger.ok(MARKET, 'fraction.transfer', { batchId: BATCH_VCS, parts: FRACTION_PARTS_PER_TONNE / 2, fromSerial: 0, to: compositeCustodyOf('NBS') })
    await ledger.rejected(BANK, 'composite.define', build.compositeDefine({ classId: 'NBS', name: 'x', rules: {} }), 'CUSTODY_NOT_EMPTY')
    await ledger.ok(OUTSIDER, 'composite.define', build.compositeDefine({ classId: 'NBS2', name: 'x', rules: {} }))
  })
})
