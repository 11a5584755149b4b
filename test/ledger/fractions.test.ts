// Fractions (node/ledger/fractions.ts and the credit.fractionalise / fraction.transfer / fraction.retire /
// credit.recombine rules): what a fractionalised unit can and cannot do, how parts move and retire, every rejection
// code, and conservation of parts per serial.
import { describe, expect, it } from 'vitest'
import { FRACTION_PARTS_PER_TONNE, type FractionRetireBody, type FractionTransferBody } from '../../client/wire.ts'
import {
  batchFractions,
  batchHoldings,
  batchSupply,
  fractionsOf,
  getFractionRetirement,
  holdingsOf,
  keys,
  prefixRange,
  readRange,
  serialFractions,
  type EventRecord,
} from '../../node/ledger/index.ts'
import { FRACTION_SCAN_SERIALS_MAX, FRACTION_SERIALS_PER_TX_MAX, FRACTIONALISE_UNITS_PER_TX_MAX } from '../../node/ledger/fractions.ts'
import { BANK, BATCH_VCS, cancelBody, MARKET, OUTSIDER, retireBody, TestLedger, transferBody, VERRA } from './helpers.ts'

const START = 941467007
const END = 941467431
const T = FRACTION_PARTS_PER_TONNE

function fractionalise(overrides: { quantity?: number; range?: { start: number; end: number } | null; batchId?: string } = {}) {
  return { batchId: overrides.batchId ?? BATCH_VCS, quantity: overrides.range ? 0 : (overrides.quantity ?? 2), range: overrides.range ?? null }
}

function fractionTransfer(overrides: Partial<FractionTransferBody> & Pick<FractionTransferBody, 'parts' | 'to'>): FractionTransferBody {
  return { batchId: BATCH_VCS, fromSerial: 0, ...overrides }
}

function fractionRetire(overrides: Partial<FractionRetireBody> & Pick<FractionRetireBody, 'parts'>): FractionRetireBody {
  return { batchId: BATCH_VCS, fromSerial: 0, beneficiary: 'Lindblad Expeditions', purpose: 'Environmental Benefit', reason: '250 kg of travel', retiredOn: '', ...overrides }
}

/** MARKET holds the whole Verra batch and fractionalises its two lowest serials. */
async function fractionalisedLedger(): Promise<TestLedger> {
  const ledger = new TestLedger()
  await ledger.withVerraBatch(MARKET)
  await ledger.ok(MARKET, 'credit.fractionalise', fractionalise({ quantity: 2 }))
  return ledger
}

async function events(ledger: TestLedger): Promise<EventRecord[]> {
  return (await readRange<EventRecord>(ledger.state, prefixRange(keys.eventPrefix(BATCH_VCS)))).map(([, event]) => event)
}

/** Parts held + retired of every fractionalised serial of the batch (each must be exactly one tonne). */
async function conservation(ledger: TestLedger): Promise<number[]> {
  const page = await batchFractions(ledger.state, BATCH_VCS, { limit: 1_000 })
  return page.serials.map((serial) => serial.heldParts + serial.retiredParts)
}

describe('credit.fractionalise', () => {
  it('turns the lowest active units into a million parts each: the holding is fractionalised, supply counts it, the parts are the holder\'s', async () => {
    const ledger = await fractionalisedLedger()
    expect((await batchHoldings(ledger.state, BATCH_VCS))[0]).toEqual({ batchId: BATCH_VCS, start: START, end: START + 1, owner: MARKET.id, status: 'fractionalised' })
    expect(await batchSupply(ledger.state, BATCH_VCS)).toMatchObject({ issued: 425, active: 423, fractionalised: 2, retired: 0, cancelled: 0, locked: 0 })
    expect((await holdingsOf(ledger.state, MARKET.id)).totals).toEqual({ active: 423, retired: 0, cancelled: 0, locked: 0, fractionalised: 2 })
    expect(await fractionsOf(ledger.state, MARKET.id)).toEqual({
      account: MARKET.id,
      fractions: [
        { batchId: BATCH_VCS, serial: START, parts: T },
        { batchId: BATCH_VCS, serial: START + 1, parts: T },
      ],
      totalParts: 2 * T,
      next: null,
    })
    expect(await serialFractions(ledger.state, BATCH_VCS, START)).toMatchObject({ fractionalisedBy: MARKET.id, holders: [{ account: MARKET.id, parts: T }], heldParts: T, retiredParts: 0 })
    expect((await events(ledger)).at(-1)).toMatchObject({ type: 'fractionalise', range: { start: START, end: START + 1 }, from: MARKET.id, to: MARKET.id, details: { parts: String(2 * T) } })
  })

  it('fractionalised units cannot be transferred, retired, cancelled, locked, immobilised or fractionalised again', async () => {
    const ledger = await fractionalisedLedger()
    const range = { start: START, end: START }
    await ledger.rejected(MARKET, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: OUTSIDER.id, range }), 'FRACTIONALISED_UNIT')
    await ledger.rejected(MARKET, 'credit.retire', retireBody({ batchId: BATCH_VCS, range }), 'FRACTIONALISED_UNIT')
    await ledger.rejected(VERRA, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range }), 'FRACTIONALISED_UNIT')
    await ledger.rejected(MARKET, 'credit.lock', { batchId: BATCH_VCS, quantity: 0, range, securedParty: BANK.id, expiresAtMs: ledger.timeMs + 100_000 }, 'FRACTIONALISED_UNIT')
    await ledger.rejected(VERRA, 'credit.immobilise', { batchId: BATCH_VCS, range, reason: 'hold' }, 'FRACTIONALISED_UNIT')
    await ledger.rejected(MARKET, 'credit.fractionalise', fractionalise({ range }), 'FRACTIONALISED_UNIT')
    // By quantity only the active units count: the next two are fractionalised.
    await ledger.ok(MARKET, 'credit.fractionalise', fractionalise({ quantity: 2 }))
    expect((await fractionsOf(ledger.state, MARKET.id)).fractions.map((entry) => entry.serial)).toEqual([START, START + 1, START + 2, START + 3])
  })

  it('rejects too many units, an unknown batch, a bad range, retired units and units not held', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch(MARKET)
    await ledger.rejected(MARKET, 'credit.fractionalise', fractionalise({ quantity: FRACTIONALISE_UNITS_PER_TX_MAX + 1 }), 'FRACTION_LIMIT')
    await ledger.rejected(MARKET, 'credit.fractionalise', fractionalise({ range: { start: START, end: START + FRACTIONALISE_UNITS_PER_TX_MAX } }), 'FRACTION_LIMIT')
    await ledger.rejected(MARKET, 'credit.fractionalise', fractionalise({ batchId: 'VCS:1-5' }), 'UNKNOWN_BATCH')
    await ledger.rejected(MARKET, 'credit.fractionalise', fractionalise({ range: { start: END, end: END + 1 } }), 'INVALID_RANGE')
    await ledger.rejected(OUTSIDER, 'credit.fractionalise', fractionalise({ quantity: 1 }), 'INSUFFICIENT_HOLDING')
    await ledger.ok(MARKET, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: { start: END, end: END } }))
    await ledger.rejected(MARKET, 'credit.fractionalise', fractionalise({ range: { start: END, end: END } }), 'RETIRED_UNIT')
    await ledger.rejected(MARKET, 'credit.fractionalise', { ...fractionalise(), quantity: 1, range: { start: START, end: START } }, 'INVALID_BODY')
    // Exactly the limit is fine.
    await ledger.ok(MARKET, 'credit.fractionalise', fractionalise({ quantity: FRACTIONALISE_UNITS_PER_TX_MAX }))
    expect(await batchSupply(ledger.state, BATCH_VCS)).toMatchObject({ fractionalised: FRACTIONALISE_UNITS_PER_TX_MAX, retired: 1 })
  })
})

describe('fraction.transfer', () => {
  it('moves parts lowest serials first, splitting a serial between holders, one event per serial', async () => {
    const ledger = await fractionalisedLedger()
    await ledger.ok(MARKET, 'fraction.transfer', fractionTransfer({ parts: T + 250_000, to: BANK.id }))
    expect((await fractionsOf(ledger.state, BANK.id)).fractions).toEqual([
      { batchId: BATCH_VCS, serial: START, parts: T },
      { batchId: BATCH_VCS, serial: START + 1, parts: 250_000 },
    ])
    expect((await fractionsOf(ledger.state, MARKET.id)).fractions).toEqual([{ batchId: BATCH_VCS, serial: START + 1, parts: 750_000 }])
    expect((await serialFractions(ledger.state, BATCH_VCS, START + 1))?.holders).toEqual([
      { account: BANK.id, parts: 250_000 },
      { account: MARKET.id, parts: 750_000 },
    ].sort((a, b) => a.account.localeCompare(b.account)))
    const last = (await events(ledger)).slice(-2)
    expect(last.map((event) => [event.type, event.range.start, event.details.parts, event.from, event.to])).toEqual([
      ['fraction-transfer', START, String(T), MARKET.id, BANK.id],
      ['fraction-transfer', START + 1, '250000', MARKET.id, BANK.id],
    ])
    expect(await conservation(ledger)).toEqual([T, T])
  })

  it('from a given serial on', async () => {
    const ledger = await fractionalisedLedger()
    await ledger.ok(MARKET, 'fraction.transfer', fractionTransfer({ parts: 1_000, fromSerial: START + 1, to: BANK.id }))
    expect((await fractionsOf(ledger.state, BANK.id)).fractions).toEqual([{ batchId: BATCH_VCS, serial: START + 1, parts: 1_000 }])
    await ledger.rejected(MARKET, 'fraction.transfer', fractionTransfer({ parts: T, fromSerial: START + 1, to: BANK.id }), 'INSUFFICIENT_FRACTIONS')
  })

  it('rejects a self transfer, an unknown batch, more parts than held, bad parts and too many serials', async () => {
    const ledger = await fractionalisedLedger()
    await ledger.rejected(MARKET, 'fraction.transfer', fractionTransfer({ parts: 1, to: MARKET.id }), 'SELF_TRANSFER')
    await ledger.rejected(MARKET, 'fraction.transfer', fractionTransfer({ parts: 1, to: BANK.id, batchId: 'VCS:1-5' }), 'UNKNOWN_BATCH')
    await ledger.rejected(MARKET, 'fraction.transfer', fractionTransfer({ parts: 2 * T + 1, to: BANK.id }), 'INSUFFICIENT_FRACTIONS')
    await ledger.rejected(OUTSIDER, 'fraction.transfer', fractionTransfer({ parts: 1, to: BANK.id }), 'INSUFFICIENT_FRACTIONS')
    await ledger.rejected(MARKET, 'fraction.transfer', fractionTransfer({ parts: 0, to: BANK.id }), 'INVALID_BODY')
    await ledger.rejected(MARKET, 'fraction.transfer', fractionTransfer({ parts: 0.5, to: BANK.id }), 'INVALID_BODY')
    // Spread one part of each of FRACTION_SERIALS_PER_TX_MAX + 1 serials to BANK, then ask for all of them at once.
    await ledger.ok(MARKET, 'credit.fractionalise', fractionalise({ quantity: FRACTIONALISE_UNITS_PER_TX_MAX }))
    for (let serial = START; serial <= START + FRACTION_SERIALS_PER_TX_MAX; serial += 1) {
      await ledger.ok(MARKET, 'fraction.transfer', fractionTransfer({ parts: 1, fromSerial: serial, to: BANK.id }))
    }
    await ledger.rejected(BANK, 'fraction.transfer', fractionTransfer({ parts: FRACTION_SERIALS_PER_TX_MAX + 1, to: OUTSIDER.id }), 'FRACTION_LIMIT')
    await ledger.ok(BANK, 'fraction.transfer', fractionTransfer({ parts: FRACTION_SERIALS_PER_TX_MAX, to: OUTSIDER.id }))
  })
})

describe('fraction.retire', () => {
  it('retires 250 kg of a serial; from a serial on, only the parts held from there count', async () => {
    const ledger = await fractionalisedLedger()
    await ledger.ok(MARKET, 'fraction.transfer', fractionTransfer({ parts: T + 100_000, to: BANK.id }))
    await ledger.rejected(BANK, 'fraction.retire', fractionRetire({ parts: 250_000, fromSerial: START + 1 }), 'INSUFFICIENT_FRACTIONS')
    await ledger.ok(BANK, 'fraction.retire', fractionRetire({ parts: 250_000 }))
    expect(await getFractionRetirement(ledger.state, ledger.lastTxId)).toMatchObject({ retiredBy: BANK.id, totalParts: 250_000, parts: [{ batchId: BATCH_VCS, serial: START, parts: 250_000 }] })
    expect((await fractionsOf(ledger.state, BANK.id)).fractions).toEqual([
      { batchId: BATCH_VCS, serial: START, parts: 750_000 },
      { batchId: BATCH_VCS, serial: START + 1, parts: 100_000 },
    ])
    expect(await conservation(ledger)).toEqual([T, T])
  })

  it('retires parts of several serials, lowest first, and records exactly which', async () => {
    const ledger = await fractionalisedLedger()
    await ledger.ok(MARKET, 'fraction.transfer', fractionTransfer({ parts: 900_000, fromSerial: START, to: BANK.id }))
    await ledger.ok(MARKET, 'fraction.retire', fractionRetire({ parts: 250_000 }))
    const retirementId = ledger.lastTxId
    expect(await getFractionRetirement(ledger.state, retirementId)).toEqual({
      txId: retirementId,
      retiredBy: MARKET.id,
      totalParts: 250_000,
      parts: [
        { batchId: BATCH_VCS, serial: START, parts: 100_000 },
        { batchId: BATCH_VCS, serial: START + 1, parts: 150_000 },
      ],
      beneficiary: 'Lindblad Expeditions',
      purpose: 'Environmental Benefit',
      reason: '250 kg of travel',
      retiredOn: '',
      compositeClass: '',
      compositeUnits: [],
      height: ledger.height,
      timeMs: ledger.timeMs,
    })
    expect(await serialFractions(ledger.state, BATCH_VCS, START)).toMatchObject({ retiredParts: 100_000, heldParts: 900_000, holders: [{ account: BANK.id, parts: 900_000 }] })
    expect(await serialFractions(ledger.state, BATCH_VCS, START + 1)).toMatchObject({ retiredParts: 150_000, heldParts: 850_000 })
    const last = (await events(ledger)).slice(-2)
    expect(last.map((event) => [event.type, event.range.start, event.details.parts, event.details.retirementId, event.details.beneficiary, event.to])).toEqual([
      ['fraction-retire', START, '100000', retirementId, 'Lindblad Expeditions', null],
      ['fraction-retire', START + 1, '150000', retirementId, 'Lindblad Expeditions', null],
    ])
    expect(await conservation(ledger)).toEqual([T, T])
    // Retired parts never move again: MARKET now holds 850_000 of START + 1 and nothing of START.
    await ledger.rejected(MARKET, 'fraction.transfer', fractionTransfer({ parts: 850_001, to: OUTSIDER.id }), 'INSUFFICIENT_FRACTIONS')
  })

  it('rejects an unknown batch, more parts than held, too many serials and a bad body', async () => {
    const ledger = await fractionalisedLedger()
    await ledger.rejected(MARKET, 'fraction.retire', fractionRetire({ parts: 1, batchId: 'VCS:1-5' }), 'UNKNOWN_BATCH')
    await ledger.rejected(MARKET, 'fraction.retire', fractionRetire({ parts: 2 * T + 1 }), 'INSUFFICIENT_FRACTIONS')
    await ledger.rejected(MARKET, 'fraction.retire', { ...fractionRetire({ parts: 1 }), fromSerial: -1 }, 'INVALID_BODY')
    await ledger.ok(MARKET, 'credit.fractionalise', fractionalise({ quantity: FRACTION_SERIALS_PER_TX_MAX }))
    await ledger.rejected(MARKET, 'fraction.retire', fractionRetire({ parts: FRACTION_SERIALS_PER_TX_MAX * T + 1 }), 'FRACTION_LIMIT')
  })
})

describe('credit.recombine', () => {
  it('an account holding every part of a serial gets the whole unit back, active, and the fraction records are gone', async () => {
    const ledger = await fractionalisedLedger()
    await ledger.ok(MARKET, 'fraction.transfer', fractionTransfer({ parts: T, fromSerial: START + 1, to: BANK.id }))
    await ledger.ok(BANK, 'credit.recombine', { batchId: BATCH_VCS, quantity: 1, range: null })
    const holdings = await batchHoldings(ledger.state, BATCH_VCS)
    expect(holdings.slice(0, 2)).toEqual([
      { batchId: BATCH_VCS, start: START, end: START, owner: MARKET.id, status: 'fractionalised' },
      { batchId: BATCH_VCS, start: START + 1, end: START + 1, owner: BANK.id, status: 'active' },
    ])
    expect(await serialFractions(ledger.state, BATCH_VCS, START + 1)).toBeUndefined()
    expect((await fractionsOf(ledger.state, BANK.id)).fractions).toEqual([])
    expect((await events(ledger)).at(-1)).toMatchObject({ type: 'recombine', range: { start: START + 1, end: START + 1 }, from: BANK.id, to: BANK.id })
    // The whole unit moves again like any other.
    await ledger.ok(BANK, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: OUTSIDER.id, range: { start: START + 1, end: START + 1 } }))
    // By range, several serials inside one fractionalised holding.
    await ledger.ok(MARKET, 'credit.fractionalise', fractionalise({ range: { start: START + 10, end: START + 14 } }))
    await ledger.ok(MARKET, 'credit.recombine', { batchId: BATCH_VCS, quantity: 0, range: { start: START + 11, end: START + 11 } })
    await ledger.ok(MARKET, 'credit.recombine', { batchId: BATCH_VCS, quantity: 0, range: { start: START + 13, end: START + 14 } })
    expect((await batchSupply(ledger.state, BATCH_VCS))).toMatchObject({ fractionalised: 3, active: 422, issued: 425 })
    expect((await fractionsOf(ledger.state, MARKET.id)).fractions.map((entry) => entry.serial)).toEqual([START, START + 10, START + 12])
  })

  it('rejects missing parts, a serial not fractionalised, a bad range, too many units, an unknown batch', async () => {
    const ledger = await fractionalisedLedger()
    await ledger.ok(MARKET, 'fraction.transfer', fractionTransfer({ parts: 1, to: BANK.id }))
    await ledger.rejected(MARKET, 'credit.recombine', { batchId: BATCH_VCS, quantity: 0, range: { start: START, end: START } }, 'INCOMPLETE_FRACTIONS')
    await ledger.rejected(MARKET, 'credit.recombine', { batchId: BATCH_VCS, quantity: 0, range: { start: START + 5, end: START + 5 } }, 'INCOMPLETE_FRACTIONS')
    await ledger.rejected(MARKET, 'credit.recombine', { batchId: BATCH_VCS, quantity: 2, range: null }, 'INCOMPLETE_FRACTIONS')
    await ledger.rejected(MARKET, 'credit.recombine', { batchId: BATCH_VCS, quantity: 0, range: { start: END, end: END + 1 } }, 'INVALID_RANGE')
    await ledger.rejected(MARKET, 'credit.recombine', { batchId: BATCH_VCS, quantity: FRACTIONALISE_UNITS_PER_TX_MAX + 1, range: null }, 'FRACTION_LIMIT')
    await ledger.rejected(MARKET, 'credit.recombine', { batchId: 'VCS:1-5', quantity: 1, range: null }, 'UNKNOWN_BATCH')
    await ledger.ok(MARKET, 'credit.recombine', { batchId: BATCH_VCS, quantity: 1, range: null })
    expect((await batchHoldings(ledger.state, BATCH_VCS))[1]).toMatchObject({ start: START + 1, end: START + 1, status: 'active', owner: MARKET.id })
    expect(FRACTION_SCAN_SERIALS_MAX).toBeGreaterThanOrEqual(FRACTIONALISE_UNITS_PER_TX_MAX)
  })
})

describe('hostile fraction bodies', () => {
  it('are INVALID_BODY and change nothing: unsafe, fractional, negative or string parts, unknown fields, a bad account', async () => {
    const ledger = await fractionalisedLedger()
    const bodies: unknown[] = [
      { ...fractionTransfer({ parts: 1, to: BANK.id }), parts: Number.MAX_SAFE_INTEGER + 1 },
      { ...fractionTransfer({ parts: 1, to: BANK.id }), parts: '250kg' },
      { ...fractionTransfer({ parts: 1, to: BANK.id }), parts: -1 },
      { ...fractionTransfer({ parts: 1, to: BANK.id }), parts: Number.NaN },
      { ...fractionTransfer({ parts: 1, to: BANK.id }), fromSerial: 1.5 },
      { ...fractionTransfer({ parts: 1, to: BANK.id }), to: 'ZZ' },
      { ...fractionTransfer({ parts: 1, to: BANK.id }), extra: true },
      { batchId: BATCH_VCS, parts: 1, to: BANK.id },
    ]
    for (const body of bodies) await ledger.rejected(MARKET, 'fraction.transfer', body as FractionTransferBody, 'INVALID_BODY')
    await ledger.rejected(MARKET, 'fraction.retire', { ...fractionRetire({ parts: 1 }), parts: 2 ** 60 } as FractionRetireBody, 'INVALID_BODY')
    await ledger.rejected(MARKET, 'credit.recombine', { batchId: BATCH_VCS, quantity: 0, range: null }, 'INVALID_BODY')
    await ledger.rejected(MARKET, 'credit.fractionalise', { batchId: BATCH_VCS, quantity: 0, range: { start: START, end: Number.MAX_SAFE_INTEGER + 2 } } as never, 'INVALID_BODY')
    // A huge range is refused by the limit before anything is read.
    await ledger.rejected(MARKET, 'credit.fractionalise', { batchId: BATCH_VCS, quantity: 0, range: { start: 1, end: Number.MAX_SAFE_INTEGER } }, 'FRACTION_LIMIT')
  })
})
