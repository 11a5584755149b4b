// Property test of fractions and composites: random sequences of credit.fractionalise, fraction.transfer,
// fraction.retire, credit.recombine, whole-unit credit.transfer / credit.retire and composite.mint / transfer /
// redeem / retire by random accounts over one small batch, in blocks of random size:
// - a composite equals the sum of its components: every live unit's components sum to one tonne and are exactly
//   the custody's parts (checkComposites); units per account move as the accepted transactions say;
// - supply per batch is conserved: issued = active + retired + cancelled + locked + fractionalised;
// - per fractionalised serial, parts held + retired = FRACTION_PARTS_PER_TONNE exactly, both indexes agree, no
//   balance is zero, negative or fractional (test/sim/invariants.ts checkFractions);
// - each account's total parts and the total retired parts move exactly as the accepted transactions say (a
//   reference model), so a rejected transaction moved nothing;
// - the same sequence on a second ledger gives the same app hash.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { bytesToHex, FRACTION_PARTS_PER_TONNE, type Tx } from '../../client/wire.ts'
import { batchSupply, compositeCustodyOf, compositesOf, fractionsOf, PREFIX, prefixRange, readRange, type FractionSerialRecord } from '../../node/ledger/index.ts'
import { checkComposites, checkFractions } from '../sim/invariants.ts'
import { BANK, MARKET, OUTSIDER, TestLedger, VERRA, projectBody, issueBody, type TestAccount } from './helpers.ts'

const T = FRACTION_PARTS_PER_TONNE
const ACCOUNTS: TestAccount[] = [MARKET, BANK, OUTSIDER]
const START = 100
const END = 119
const BATCH = `VCS:${START}-${END}`

type Command =
  | { kind: 'fractionalise'; sender: number; quantity: number; from: number | null }
  | { kind: 'transfer'; sender: number; to: number; parts: number; fromSerial: number }
  | { kind: 'retire'; sender: number; parts: number; fromSerial: number }
  | { kind: 'recombine'; sender: number; quantity: number; from: number | null }
  | { kind: 'wholeTransfer'; sender: number; to: number; quantity: number }
  | { kind: 'wholeRetire'; sender: number; quantity: number }
  | { kind: 'mint'; sender: number; parts: number }
  | { kind: 'unitTransfer'; sender: number; to: number; quantity: number }
  | { kind: 'redeem' | 'unitRetire'; sender: number; quantity: number }

/** Senders are MARKET more often than not, so that one account's fractions go through long chains of changes. */
const account = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: ACCOUNTS.length - 1 }) })
const anyAccount = fc.integer({ min: 0, max: ACCOUNTS.length - 1 })
const parts = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: T }) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 * T }) }, { weight: 1, arbitrary: fc.constantFrom(T, 250_000, 1_000) })
const fromSerial = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: START, max: END + 1 }) })
const units = fc.integer({ min: 1, max: 3 })
const startAt = fc.option(fc.integer({ min: START - 1, max: END }), { nil: null })
export const fractionCommand: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('fractionalise' as const), sender: account, quantity: units, from: startAt }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('transfer' as const), sender: account, to: anyAccount, parts, fromSerial }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('retire' as const), sender: account, parts, fromSerial }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('recombine' as const), sender: account, quantity: fc.constantFrom(1, 1, 2), from: fc.option(fc.integer({ min: START, max: END }), { nil: null, freq: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wholeTransfer' as const), sender: account, to: anyAccount, quantity: units }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wholeRetire' as const), sender: account, quantity: units }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('mint' as const), sender: account, parts: fc.constantFrom(T, T, 2 * T, T / 2, T + 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('unitTransfer' as const), sender: account, to: anyAccount, quantity: fc.constantFrom(1, 1, 2) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('redeem' as const), sender: account, quantity: fc.constantFrom(1, 1, 2) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('unitRetire' as const), sender: account, quantity: fc.constantFrom(1, 1, 2) }) },
)
const CLASS = 'PROP'
const CUSTODY = compositeCustodyOf(CLASS)

function txOf(ledger: TestLedger, command: Command): Tx {
  const sender = ACCOUNTS[command.sender] as TestAccount
  const selection = (quantity: number, from: number | null) => (from === null ? { batchId: BATCH, quantity, range: null } : { batchId: BATCH, quantity: 0, range: { start: from, end: from + quantity - 1 } })
  switch (command.kind) {
    case 'fractionalise':
      return ledger.tx(sender, 'credit.fractionalise', selection(command.quantity, command.from))
    case 'recombine':
      return ledger.tx(sender, 'credit.recombine', selection(command.quantity, command.from))
    case 'transfer':
      return ledger.tx(sender, 'fraction.transfer', { batchId: BATCH, parts: command.parts, fromSerial: command.fromSerial, to: (ACCOUNTS[command.to] as TestAccount).id })
    case 'retire':
      return ledger.tx(sender, 'fraction.retire', { batchId: BATCH, parts: command.parts, fromSerial: command.fromSerial, beneficiary: 'b', purpose: '', reason: '', retiredOn: '' })
    case 'wholeTransfer':
      return ledger.tx(sender, 'credit.transfer', { batchId: BATCH, quantity: command.quantity, range: null, to: (ACCOUNTS[command.to] as TestAccount).id })
    case 'wholeRetire':
      return ledger.tx(sender, 'credit.retire', { batchId: BATCH, quantity: command.quantity, range: null, beneficiary: 'b', purpose: '', reason: '', retiredOn: '' })
    case 'mint':
      return ledger.tx(sender, 'composite.mint', { classId: CLASS, deposits: [{ batchId: BATCH, parts: command.parts, fromSerial: 0 }] })
    case 'unitTransfer':
      return ledger.tx(sender, 'composite.transfer', { classId: CLASS, quantity: command.quantity, units: [], to: (ACCOUNTS[command.to] as TestAccount).id })
    case 'redeem':
      return ledger.tx(sender, 'composite.redeem', { classId: CLASS, quantity: command.quantity, units: [] })
    case 'unitRetire':
      return ledger.tx(sender, 'composite.retire', { classId: CLASS, quantity: command.quantity, units: [], beneficiary: 'b', purpose: '', reason: '', retiredOn: '' })
  }
}

/** The model: total parts per account and total retired parts; updated from accepted transactions only. */
function expectedChange(command: Command, units: number): Map<string, number> {
  const sender = (ACCOUNTS[command.sender] as TestAccount).id
  const change = new Map<string, number>()
  const add = (key: string, delta: number) => change.set(key, (change.get(key) ?? 0) + delta)
  if (command.kind === 'fractionalise') add(sender, units * T)
  if (command.kind === 'recombine') add(sender, -units * T)
  if (command.kind === 'transfer') {
    add(sender, -command.parts)
    add((ACCOUNTS[command.to] as TestAccount).id, command.parts)
  }
  if (command.kind === 'retire') {
    add(sender, -command.parts)
    add('retired', command.parts)
  }
  if (command.kind === 'mint') {
    add(sender, -command.parts)
    add(CUSTODY, command.parts)
    add(`units:${sender}`, command.parts / T)
  }
  if (command.kind === 'unitTransfer') {
    add(`units:${sender}`, -command.quantity)
    add(`units:${(ACCOUNTS[command.to] as TestAccount).id}`, command.quantity)
  }
  if (command.kind === 'redeem') {
    add(CUSTODY, -command.quantity * T)
    add(sender, command.quantity * T)
    add(`units:${sender}`, -command.quantity)
  }
  if (command.kind === 'unitRetire') {
    add(CUSTODY, -command.quantity * T)
    add('retired', command.quantity * T)
    add(`units:${sender}`, -command.quantity)
  }
  return change
}

async function totals(ledger: TestLedger): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const holder of [...ACCOUNTS.map((entry) => entry.id), CUSTODY]) out.set(holder, (await fractionsOf(ledger.state, holder, { limit: 1_000 })).totalParts)
  for (const holder of ACCOUNTS) out.set(`units:${holder.id}`, (await compositesOf(ledger.state, holder.id, { limit: 100 })).units.length)
  let retired = 0
  for (const [, record] of await readRange<FractionSerialRecord>(ledger.state, prefixRange(PREFIX.fractionSerial))) retired += record.retiredParts
  out.set('retired', retired)
  return out
}

async function setUp(): Promise<TestLedger> {
  const ledger = new TestLedger()
  await ledger.ok(VERRA, 'project.register', projectBody())
  await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: START, serialEnd: END, to: MARKET.id }))
  // Spread the whole units over the accounts.
  await ledger.ok(MARKET, 'credit.transfer', { batchId: BATCH, quantity: 6, range: null, to: BANK.id })
  await ledger.ok(MARKET, 'credit.transfer', { batchId: BATCH, quantity: 4, range: null, to: OUTSIDER.id })
  await ledger.ok(OUTSIDER, 'composite.define', { classId: CLASS, name: 'property blend', rules: { removalOnly: false, vintageFrom: 2020, methodologies: [], countries: [] } })
  // A head start: MARKET holds two fractionalised units and one composite unit.
  await ledger.ok(MARKET, 'credit.fractionalise', { batchId: BATCH, quantity: 3, range: null })
  await ledger.ok(MARKET, 'composite.mint', { classId: CLASS, deposits: [{ batchId: BATCH, parts: T, fromSerial: 0 }] })
  return ledger
}

describe('fractions: conservation over random sequences', () => {
  it('supply, parts per serial, every account\'s parts and composite units are conserved; a composite equals its components; replay gives the same app hash', async () => {
    const seen = new Set<string>()
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fractionCommand, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 16 }), async (blocks) => {
        const ledger = await setUp()
        const replay = await setUp()
        const model = await totals(ledger)
        for (const commands of blocks) {
          const txs = commands.map((command) => txOf(ledger, command))
          // Nonces: consecutive per sender inside the block.
          const next = new Map<string, number>()
          for (const tx of txs) {
            const id = bytesToHex(tx.sender)
            const nonce = next.get(id) ?? ledger.nextNonce(ACCOUNTS.find((candidate) => candidate.id === id) as TestAccount)
            tx.nonce = nonce
            next.set(id, nonce + 1)
          }
          const before = await totals(ledger)
          const { results } = await ledger.block(txs)
          await replay.block(txs)
          for (const [index, result] of results.entries()) {
            if (result.name !== 'OK') continue
            const command = commands[index] as Command
            const units = command.kind === 'fractionalise' || command.kind === 'recombine' ? command.quantity : 0
            for (const [key, delta] of expectedChange(command, units)) model.set(key, (model.get(key) ?? 0) + delta)
            seen.add(command.kind)
          }
          const after = await totals(ledger)
          expect(after, `block of ${commands.map((command) => command.kind).join(', ')}: ${results.map((result) => result.name).join(', ')} (before ${JSON.stringify([...before])})`).toEqual(model)
          expect(await checkFractions(ledger.state)).toEqual([])
          expect(await checkComposites(ledger.state)).toEqual([])
          const supply = await batchSupply(ledger.state, BATCH)
          expect(supply && supply.active + supply.retired + supply.cancelled + supply.locked + supply.fractionalised).toBe(END - START + 1)
        }
        expect(bytesToHex(replay.appHash)).toBe(bytesToHex(ledger.appHash))
      }),
      { numRuns: 80 },
    )
    // The generator reaches every accepted kind.
    for (const kind of ['fractionalise', 'transfer', 'retire', 'recombine', 'mint', 'unitTransfer', 'redeem', 'unitRetire']) expect(seen, kind).toContain(kind)
  }, 120_000)
})
