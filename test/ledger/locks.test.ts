// Collateral locks and immobilisations (node/ledger/locks.ts and the credit.lock / release / seize / immobilise /
// mobilise rules): what locked units can and cannot do, who may end a lock, what ending it does, and the release
// the ledger makes by itself at the first block whose time reaches the expiry.
import { describe, expect, it } from 'vitest'
import { batchHoldings, batchSupply, holdingsOf, keys, PREFIX, prefixRange, readLock, readRange, LOCK_DURATION_MS_MAX, type EventRecord } from '../../node/ledger/index.ts'
import { BANK, BATCH_VCS, GOLD, MARKET, OUTSIDER, retireBody, cancelBody, TestLedger, transferBody, VERRA } from './helpers.ts'

const START = 941467007
const END = 941467431
const DAY_MS = 24 * 60 * 60 * 1000

function lockBody(overrides: Partial<{ quantity: number; range: { start: number; end: number } | null; securedParty: string; expiresAtMs: number }> & { expiresAtMs: number }) {
  return { batchId: BATCH_VCS, quantity: overrides.range ? 0 : (overrides.quantity ?? 10), range: overrides.range ?? null, securedParty: overrides.securedParty ?? BANK.id, expiresAtMs: overrides.expiresAtMs }
}

/** MARKET holds the whole Verra batch; it locks 100 units in favour of BANK for 30 days. Returns the lock id. */
async function lockedLedger(): Promise<{ ledger: TestLedger; lockId: string; expiresAtMs: number }> {
  const ledger = new TestLedger()
  await ledger.withVerraBatch(MARKET)
  const expiresAtMs = ledger.timeMs + 30 * DAY_MS
  await ledger.ok(MARKET, 'credit.lock', lockBody({ quantity: 100, expiresAtMs }))
  return { ledger, lockId: ledger.lastTxId, expiresAtMs }
}

async function events(ledger: TestLedger): Promise<EventRecord[]> {
  return (await readRange<EventRecord>(ledger.state, prefixRange(keys.eventPrefix(BATCH_VCS)))).map(([, event]) => event)
}

describe('credit.lock', () => {
  it('locks the lowest active units: they keep their owner, count as locked, and the lock names owner, lender and expiry', async () => {
    const { ledger, lockId, expiresAtMs } = await lockedLedger()
    expect(await batchHoldings(ledger.state, BATCH_VCS)).toEqual([
      { batchId: BATCH_VCS, start: START, end: START + 99, owner: MARKET.id, status: 'locked', lockId },
      { batchId: BATCH_VCS, start: START + 100, end: END, owner: MARKET.id, status: 'active' },
    ])
    expect(await batchSupply(ledger.state, BATCH_VCS)).toMatchObject({ issued: 425, active: 325, locked: 100, retired: 0, cancelled: 0 })
    expect((await holdingsOf(ledger.state, MARKET.id)).totals).toEqual({ active: 325, retired: 0, cancelled: 0, locked: 100, fractionalised: 0 })
    expect(await readLock(ledger.state, lockId)).toMatchObject({ id: lockId, kind: 'collateral', owner: MARKET.id, securedParty: BANK.id, expiresAtMs, pieces: [{ start: START, end: START + 99, owner: MARKET.id }] })
    expect((await readRange(ledger.state, prefixRange(PREFIX.lockParty))).map(([key]) => key).sort()).toEqual([keys.lockParty(BANK.id, lockId), keys.lockParty(MARKET.id, lockId)].sort())
    expect((await events(ledger)).at(-1)).toMatchObject({ type: 'lock', range: { start: START, end: START + 99 }, from: MARKET.id, to: MARKET.id, details: { lockId, securedParty: BANK.id } })
  })

  it('locked units cannot be transferred, retired, cancelled or locked again; the rest still can', async () => {
    const { ledger, expiresAtMs } = await lockedLedger()
    const lockedRange = { start: START + 10, end: START + 20 }
    await ledger.rejected(MARKET, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: OUTSIDER.id, range: lockedRange }), 'LOCKED_UNIT')
    await ledger.rejected(MARKET, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: lockedRange }), 'LOCKED_UNIT')
    await ledger.rejected(VERRA, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: lockedRange }), 'LOCKED_UNIT')
    await ledger.rejected(MARKET, 'credit.lock', lockBody({ range: lockedRange, securedParty: OUTSIDER.id, expiresAtMs }), 'LOCKED_UNIT')
    // By quantity, only the 325 active units count.
    await ledger.rejected(MARKET, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: OUTSIDER.id, quantity: 326 }), 'INSUFFICIENT_HOLDING')
    await ledger.ok(MARKET, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: OUTSIDER.id, quantity: 5 }))
    expect((await batchHoldings(ledger.state, BATCH_VCS))[1]).toMatchObject({ start: START + 100, end: START + 104, owner: OUTSIDER.id, status: 'active' })
  })

  it('rejects a lock in favour of oneself, a bad expiry, an unknown batch, units not held', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch(MARKET)
    const later = ledger.timeMs + DAY_MS
    await ledger.rejected(MARKET, 'credit.lock', lockBody({ securedParty: MARKET.id, expiresAtMs: later }), 'SELF_TRANSFER')
    // The next block's time is ledger.timeMs + 1000: an expiry at or before it is refused, as is one too far ahead.
    await ledger.rejected(MARKET, 'credit.lock', lockBody({ expiresAtMs: ledger.timeMs + 1_000 }), 'INVALID_EXPIRY')
    await ledger.rejected(MARKET, 'credit.lock', lockBody({ expiresAtMs: ledger.timeMs + 1_000 + LOCK_DURATION_MS_MAX + 1 }), 'INVALID_EXPIRY')
    await ledger.rejected(MARKET, 'credit.lock', { ...lockBody({ expiresAtMs: later }), batchId: 'VCS:1-5' }, 'UNKNOWN_BATCH')
    await ledger.rejected(OUTSIDER, 'credit.lock', lockBody({ expiresAtMs: later }), 'INSUFFICIENT_HOLDING')
    await ledger.rejected(MARKET, 'credit.lock', lockBody({ range: { start: START - 1, end: START }, expiresAtMs: later }), 'INVALID_RANGE')
    await ledger.rejected(MARKET, 'credit.lock', { ...lockBody({ expiresAtMs: later }), expiresAtMs: 1.5 }, 'INVALID_BODY')
  })
})

describe('credit.release and credit.seize', () => {
  it('the secured party releases: the units are active again with their owner, the lock and its indexes are gone', async () => {
    const { ledger, lockId, expiresAtMs } = await lockedLedger()
    await ledger.ok(BANK, 'credit.release', { lockId })
    expect(await batchHoldings(ledger.state, BATCH_VCS)).toEqual([
      { batchId: BATCH_VCS, start: START, end: START + 99, owner: MARKET.id, status: 'active' },
      { batchId: BATCH_VCS, start: START + 100, end: END, owner: MARKET.id, status: 'active' },
    ])
    expect(await readLock(ledger.state, lockId)).toBeUndefined()
    expect(await readRange(ledger.state, prefixRange(PREFIX.lockParty))).toEqual([])
    expect(await ledger.state.get(keys.lockExpiry(expiresAtMs, lockId))).toBeUndefined()
    expect((await events(ledger)).at(-1)).toMatchObject({ type: 'release', from: MARKET.id, to: MARKET.id, by: BANK.id, details: { lockId } })
    // Released units move again; the lock cannot be ended twice.
    await ledger.ok(MARKET, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: OUTSIDER.id, range: { start: START, end: START + 9 } }))
    await ledger.rejected(BANK, 'credit.release', { lockId }, 'UNKNOWN_LOCK')
    await ledger.rejected(BANK, 'credit.seize', { lockId }, 'UNKNOWN_LOCK')
  })

  it('the secured party seizes on default: the units move to it, active', async () => {
    const { ledger, lockId } = await lockedLedger()
    await ledger.ok(BANK, 'credit.seize', { lockId })
    expect((await batchHoldings(ledger.state, BATCH_VCS))[0]).toEqual({ batchId: BATCH_VCS, start: START, end: START + 99, owner: BANK.id, status: 'active' })
    expect((await holdingsOf(ledger.state, BANK.id)).totals).toEqual({ active: 100, retired: 0, cancelled: 0, locked: 0, fractionalised: 0 })
    expect((await events(ledger)).at(-1)).toMatchObject({ type: 'seize', from: MARKET.id, to: BANK.id, by: BANK.id, details: { lockId } })
    await ledger.ok(BANK, 'credit.retire', retireBody({ batchId: BATCH_VCS, quantity: 100 }))
  })

  it('nobody but the secured party may release or seize, not even the owner', async () => {
    const { ledger, lockId } = await lockedLedger()
    await ledger.rejected(MARKET, 'credit.release', { lockId }, 'NOT_LOCK_PARTY')
    await ledger.rejected(MARKET, 'credit.seize', { lockId }, 'NOT_LOCK_PARTY')
    await ledger.rejected(OUTSIDER, 'credit.seize', { lockId }, 'NOT_LOCK_PARTY')
    await ledger.rejected(VERRA, 'credit.mobilise', { lockId }, 'NOT_LOCK_PARTY')
    await ledger.rejected(BANK, 'credit.release', { lockId: 'f'.repeat(64) }, 'UNKNOWN_LOCK')
    await ledger.rejected(BANK, 'credit.release', { lockId: 'not-a-lock' }, 'INVALID_BODY')
  })
})

describe('expiry at the block boundary', () => {
  it('the first block whose time reaches the expiry releases the lock by itself, before its transactions', async () => {
    const { ledger, lockId, expiresAtMs } = await lockedLedger()
    // Blocks advance 1 s each: move the clock so that the next block is 1 s before the expiry, then at it.
    ledger.timeMs = expiresAtMs - 2_000
    await ledger.block([])
    expect(await readLock(ledger.state, lockId)).toBeDefined()
    // In the block at the expiry, the owner's transfer of the (just released) units succeeds.
    const { results } = await ledger.block([ledger.tx(MARKET, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: OUTSIDER.id, range: { start: START, end: START + 99 } }))])
    expect(results[0]?.name).toBe('OK')
    expect(await readLock(ledger.state, lockId)).toBeUndefined()
    expect(await ledger.state.get(keys.lockExpiry(expiresAtMs, lockId))).toBeUndefined()
    const release = (await events(ledger)).find((event) => event.type === 'release')
    expect(release).toMatchObject({ by: '', txIndex: -1, txId: '', details: { lockId, expired: 'true' }, timeMs: expiresAtMs })
  })

  it('a secured party cannot seize after the expiry released the lock', async () => {
    const { ledger, lockId, expiresAtMs } = await lockedLedger()
    // An empty block at the expiry releases it; the seizure in the next block finds no lock and changes nothing.
    ledger.timeMs = expiresAtMs - 1_000
    await ledger.block([])
    await ledger.rejected(BANK, 'credit.seize', { lockId }, 'UNKNOWN_LOCK')
    expect((await batchHoldings(ledger.state, BATCH_VCS))[0]).toMatchObject({ owner: MARKET.id, status: 'active' })
  })
})

describe('credit.immobilise and credit.mobilise', () => {
  it("the batch's registry immobilises a range across holders; only it mobilises, and the units return to their holders", async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch(MARKET)
    await ledger.ok(MARKET, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, range: { start: START + 5, end: START + 9 } }))
    await ledger.ok(VERRA, 'credit.immobilise', { batchId: BATCH_VCS, range: { start: START, end: START + 19 }, reason: 'represented on another registry' })
    const lockId = ledger.lastTxId
    expect(await readLock(ledger.state, lockId)).toMatchObject({
      kind: 'immobilised',
      registry: 'VCS',
      expiresAtMs: 0,
      pieces: [
        { start: START, end: START + 4, owner: MARKET.id },
        { start: START + 5, end: START + 9, owner: BANK.id },
        { start: START + 10, end: START + 19, owner: MARKET.id },
      ],
    })
    await ledger.rejected(BANK, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: OUTSIDER.id, range: { start: START + 5, end: START + 5 } }), 'LOCKED_UNIT')
    await ledger.rejected(BANK, 'credit.release', { lockId }, 'NOT_LOCK_PARTY')
    await ledger.rejected(BANK, 'credit.mobilise', { lockId }, 'WRONG_ROLE')
    await ledger.rejected(GOLD, 'credit.mobilise', { lockId }, 'WRONG_REGISTRY')
    await ledger.rejected(GOLD, 'credit.immobilise', { batchId: BATCH_VCS, range: { start: END, end: END }, reason: '' }, 'WRONG_REGISTRY')
    await ledger.ok(VERRA, 'credit.mobilise', { lockId })
    expect((await batchHoldings(ledger.state, BATCH_VCS)).filter((holding) => holding.start <= START + 19)).toEqual([
      { batchId: BATCH_VCS, start: START, end: START + 4, owner: MARKET.id, status: 'active' },
      { batchId: BATCH_VCS, start: START + 5, end: START + 9, owner: BANK.id, status: 'active' },
      { batchId: BATCH_VCS, start: START + 10, end: START + 19, owner: MARKET.id, status: 'active' },
    ])
    expect((await events(ledger)).filter((event) => event.type === 'mobilise').map((event) => event.to)).toEqual([MARKET.id, BANK.id, MARKET.id])
  })

  it('cannot immobilise retired, cancelled or already locked units', async () => {
    const { ledger, expiresAtMs } = await lockedLedger()
    expect(expiresAtMs).toBeGreaterThan(0)
    await ledger.ok(MARKET, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: { start: END - 4, end: END } }))
    await ledger.rejected(VERRA, 'credit.immobilise', { batchId: BATCH_VCS, range: { start: END - 9, end: END }, reason: '' }, 'RETIRED_UNIT')
    await ledger.rejected(VERRA, 'credit.immobilise', { batchId: BATCH_VCS, range: { start: START, end: START }, reason: '' }, 'LOCKED_UNIT')
  })
})
