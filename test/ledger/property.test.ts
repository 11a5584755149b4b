// Property test: random sequences of issue / transfer / retire / cancel from several accounts, in blocks of random
// size, checked against a per-serial reference model and against invariants that hold whatever the model says:
// - every result code is the one the model predicts, and every accepted transaction has the model's effect;
// - supply per batch is conserved: issued = active + retired + cancelled;
// - the holdings of a batch partition its serial range (no overlap, no gap), and the owner index holds exactly
//   the same holdings as the batch index;
// - issued ranges in one numbering space never overlap;
// - a retired (or cancelled) unit never changes owner or status again;
// - the same sequence applied to two fresh ledgers gives byte-identical writes and the same app hashes.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { bytesToHex, type ResultName, type Tx } from '../../client/wire.ts'
import {
  batchSupply,
  keys,
  readRecord,
  type EventRecord,
  PREFIX,
  prefixRange,
  readRange,
  type HoldingRecord,
  type HoldingStatus,
  type SpaceRangeRecord,
} from '../../node/ledger/index.ts'
import { BANK, cancelBody, GOLD, issueBody, MARKET, OUTSIDER, projectBody, retireBody, TestLedger, transferBody, VERRA, VERRA_2, type TestAccount } from './helpers.ts'

const ACCOUNTS: TestAccount[] = [VERRA, VERRA_2, GOLD, BANK, MARKET, OUTSIDER]
const REGISTRY_OF = new Map<string, 'VCS' | 'GS'>([
  [VERRA.id, 'VCS'],
  [VERRA_2.id, 'VCS'],
  [GOLD.id, 'GS'],
])
const PROJECT_OF = { VCS: '1340', GS: 'GS11236' } as const
const SPACES = { VCS: ['VCS', 'VCS/7'], GS: ['GS/1', 'GS/2'] } as const

type Command =
  | { kind: 'issue'; sender: number; registry: 'VCS' | 'GS'; space: number; start: number; size: number; to: number }
  | {
      kind: 'transfer' | 'retire' | 'cancel'
      sender: number
      /** Send from the current holder of the unit at `offset` (when the batch exists), not from `sender`. */
      fromHolder: boolean
      batch: number
      byRange: boolean
      quantity: number
      offset: number
      length: number
      to: number
    }

const accountIndex = fc.integer({ min: 0, max: ACCOUNTS.length - 1 })
/** Mostly registry accounts (indexes 0..2), sometimes anyone. */
const registrySender = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: accountIndex })
const issueCommand = fc
  .record({
    sender: registrySender,
    // Mostly the sender's own registry; sometimes the other one (WRONG_REGISTRY).
    ownRegistry: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    space: fc.integer({ min: 0, max: 1 }),
    start: fc.integer({ min: 1, max: 300 }),
    size: fc.integer({ min: 1, max: 40 }),
    to: fc.integer({ min: -1, max: ACCOUNTS.length - 1 }),
  })
  .map(({ sender, ownRegistry, ...rest }): Command => {
    const own = REGISTRY_OF.get((ACCOUNTS[sender] as TestAccount).id) ?? 'VCS'
    return { kind: 'issue', sender, registry: ownRegistry ? own : own === 'VCS' ? 'GS' : 'VCS', ...rest }
  })
const moveCommand = fc
  .record({
    kind: fc.constantFrom('transfer' as const, 'transfer' as const, 'retire' as const, 'cancel' as const),
    sender: accountIndex,
    registrySender,
    fromHolder: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    batch: fc.nat({ max: 50 }),
    byRange: fc.boolean(),
    quantity: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 8 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 45 }) }),
    offset: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 12 }) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 42 }) }), // below the batch, and below 0 for batches starting at 1
    length: fc.integer({ min: 1, max: 12 }),
    to: accountIndex,
  })
  .map(({ registrySender: canceller, sender, fromHolder, ...rest }): Command => ({
    ...rest,
    sender: rest.kind === 'cancel' ? canceller : sender,
    fromHolder: rest.kind !== 'cancel' && fromHolder,
  }))
const commands = fc
  .tuple(fc.array(issueCommand, { minLength: 1, maxLength: 4 }), fc.array(fc.oneof({ weight: 1, arbitrary: issueCommand }, { weight: 4, arbitrary: moveCommand }), { maxLength: 60 }))
  .map(([issues, rest]) => [...issues, ...rest])
/** Block boundaries: how many commands go in each block (cycled). */
const blockSizes = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 })

// ---------------------------------------------------------------------------------------------------------
// The reference model: one entry per serial.

interface ModelUnit {
  owner: string
  status: HoldingStatus
}

interface ModelBatch {
  batchId: string
  registry: 'VCS' | 'GS'
  space: string
  start: number
  end: number
  units: ModelUnit[]
}

class Model {
  readonly batches = new Map<string, ModelBatch>()
  readonly order: string[] = []

  /** The body of a command, and the result the ledger must give for it. Applies the effect when OK. */
  /** The sender of a command: fixed, or the holder of a unit of the chosen batch. */
  senderOf(command: Command): TestAccount {
    const fixed = ACCOUNTS[command.sender] as TestAccount
    if (command.kind === 'issue' || !command.fromHolder || this.order.length === 0) return fixed
    const batch = this.batches.get(this.order[command.batch % this.order.length] as string) as ModelBatch
    const unit = batch.units[Math.min(Math.max(command.offset, 0), batch.units.length - 1)] as ModelUnit
    return ACCOUNTS.find((account) => account.id === unit.owner) ?? fixed
  }

  step(command: Command, sender: TestAccount): { tx: Pick<Tx, 'kind' | 'body'>; expected: ResultName; effect: () => void } {
    if (command.kind === 'issue') {
      const space = SPACES[command.registry][command.space] as string
      const end = command.start + command.size - 1
      const to = command.to < 0 ? '' : (ACCOUNTS[command.to] as TestAccount).id
      const body = issueBody({ registry: command.registry, projectId: PROJECT_OF[command.registry], space, serialStart: command.start, serialEnd: end, to })
      const batchId = `${space}:${command.start}-${end}`
      const registry = REGISTRY_OF.get(sender.id)
      let expected: ResultName = 'OK'
      if (registry === undefined) expected = 'WRONG_ROLE'
      else if (registry !== command.registry) expected = 'WRONG_REGISTRY'
      else if ([...this.batches.values()].some((batch) => batch.space === space && batch.start <= end && command.start <= batch.end)) expected = 'SERIAL_OVERLAP'
      const effect = (): void => {
        const owner = to === '' ? sender.id : to
        this.batches.set(batchId, { batchId, registry: command.registry, space, start: command.start, end, units: Array.from({ length: command.size }, () => ({ owner, status: 'active' })) })
        this.order.push(batchId)
      }
      return { tx: { kind: 'batch.issue', body }, expected, effect: expected === 'OK' ? effect : () => {} }
    }
    const batchId = this.order.length === 0 ? 'VCS:1-1' : (this.order[command.batch % this.order.length] as string)
    const batch = this.batches.get(batchId)
    const start = (batch?.start ?? 1) + command.offset
    const range = command.byRange ? { start, end: start + command.length - 1 } : null
    const selection = { batchId, quantity: command.byRange ? 0 : command.quantity, range }
    const to = (ACCOUNTS[command.to] as TestAccount).id
    const tx: Pick<Tx, 'kind' | 'body'> =
      command.kind === 'transfer'
        ? { kind: 'credit.transfer', body: transferBody({ ...selection, to }) }
        : command.kind === 'retire'
          ? { kind: 'credit.retire', body: retireBody(selection) }
          : { kind: 'credit.cancel', body: cancelBody(selection) }
    const reject = (expected: ResultName) => ({ tx, expected, effect: () => {} })
    // The schema first: serials are non-negative integers (a range starting at 0 passes it, then is INVALID_RANGE).
    if (range !== null && range.start < 0) return reject('INVALID_BODY')
    if (command.kind === 'transfer' && to === sender.id) return reject('SELF_TRANSFER')
    if (batch === undefined) return reject('UNKNOWN_BATCH')
    if (command.kind === 'cancel') {
      const registry = REGISTRY_OF.get(sender.id)
      if (registry === undefined) return reject('WRONG_ROLE')
      if (registry !== batch.registry) return reject('WRONG_REGISTRY')
    }
    // Which serials (indexes into batch.units) the selection names.
    let chosen: number[]
    if (range === null) {
      chosen = []
      batch.units.forEach((unit, index) => {
        if (chosen.length < command.quantity && unit.owner === sender.id && unit.status === 'active') chosen.push(index)
      })
      if (chosen.length < command.quantity) return reject('INSUFFICIENT_HOLDING')
    } else {
      if (range.start < batch.start || range.end > batch.end) return reject('INVALID_RANGE')
      chosen = Array.from({ length: range.end - range.start + 1 }, (_, index) => range.start - batch.start + index)
      const units = chosen.map((index) => batch.units[index] as ModelUnit)
      if (units.some((unit) => unit.status === 'retired')) return reject('RETIRED_UNIT')
      if (units.some((unit) => unit.status === 'cancelled')) return reject('CANCELLED_UNIT')
      const anyHolder = command.kind === 'cancel'
      if (!anyHolder && units.some((unit) => unit.owner !== sender.id)) return reject('INSUFFICIENT_HOLDING')
    }
    const effect = (): void => {
      for (const index of chosen) {
        const unit = batch.units[index] as ModelUnit
        if (command.kind === 'transfer') unit.owner = to
        else unit.status = command.kind === 'retire' ? 'retired' : 'cancelled'
      }
    }
    return { tx, expected: 'OK', effect }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Running a sequence and checking invariants.

async function freshLedger(): Promise<TestLedger> {
  const ledger = new TestLedger()
  await ledger.ok(VERRA, 'project.register', projectBody())
  await ledger.ok(GOLD, 'project.register', projectBody({ registry: 'GS', projectId: 'GS11236' }))
  return ledger
}

interface Run {
  blockWrites: string[]
  appHashes: string[]
}

async function run(sequence: Command[], sizes: number[], check: boolean): Promise<Run> {
  const ledger = await freshLedger()
  const model = new Model()
  const frozen = new Map<string, ModelUnit>() // `${batchId}#${serial}` -> retired or cancelled unit, as first seen
  const out: Run = { blockWrites: [], appHashes: [] }
  let position = 0
  let blockIndex = 0
  while (position < sequence.length) {
    const size = sizes[blockIndex % sizes.length] as number
    blockIndex += 1
    const chunk = sequence.slice(position, position + size)
    position += chunk.length
    // Build the block against the model as it will be after each preceding transaction of the block.
    const txs: Tx[] = []
    const expectations: ResultName[] = []
    const nonces = new Map<string, number>()
    for (const command of chunk) {
      const sender = model.senderOf(command)
      const { tx, expected, effect } = model.step(command, sender)
      effect() // applied now: the next transaction of the block sees it, as in the ledger
      expectations.push(expected)
      const nonce = nonces.get(sender.id) ?? ledger.nextNonce(sender)
      nonces.set(sender.id, nonce + 1)
      txs.push(ledger.tx(sender, tx.kind, tx.body as never, nonce))
    }
    const { results, writes } = await ledger.block(txs)
    out.blockWrites.push(bytesToHex(new TextEncoder().encode(JSON.stringify(writes.map(([key, value]) => [key, value === null ? null : bytesToHex(value)])))))
    out.appHashes.push(bytesToHex(ledger.appHash))
    if (check) {
      expect(results.map((result) => result.name), results.map((result) => result.message).join(' | ')).toEqual(expectations)
      await checkInvariants(ledger, model, frozen)
    }
  }
  return out
}

async function checkInvariants(ledger: TestLedger, model: Model, frozen: Map<string, ModelUnit>): Promise<void> {
  const byBatch = await readRange<HoldingRecord>(ledger.state, prefixRange(PREFIX.holding))
  const byOwner = await readRange<HoldingRecord>(ledger.state, prefixRange(PREFIX.owner))
  // The owner index holds exactly the holdings of the batch index.
  const canonical = (holding: HoldingRecord): string => `${holding.batchId}|${holding.start}|${holding.end}|${holding.owner}|${holding.status}`
  expect(byOwner.map(([, holding]) => canonical(holding)).sort()).toEqual(byBatch.map(([, holding]) => canonical(holding)).sort())
  for (const [key, holding] of byOwner) expect(key.startsWith(`${PREFIX.owner}${holding.owner}/${holding.batchId}/`)).toBe(true)

  for (const batch of model.batches.values()) {
    const holdings = byBatch.map(([, holding]) => holding).filter((holding) => holding.batchId === batch.batchId)
    // Partition: sorted, contiguous, covering [start, end] exactly.
    let next = batch.start
    for (const holding of holdings) {
      expect(holding.start).toBe(next)
      expect(holding.end).toBeGreaterThanOrEqual(holding.start)
      next = holding.end + 1
    }
    expect(next).toBe(batch.end + 1)
    // Supply conserved.
    const supply = await batchSupply(ledger.state, batch.batchId)
    expect(supply).toBeDefined()
    if (supply !== undefined) expect(supply.active + supply.retired + supply.cancelled).toBe(supply.issued)
    // Every serial matches the model; frozen units never change.
    for (const holding of holdings) {
      for (let serial = holding.start; serial <= holding.end; serial += 1) {
        expect({ owner: holding.owner, status: holding.status }).toEqual(batch.units[serial - batch.start])
        const key = `${batch.batchId}#${serial}`
        const before = frozen.get(key)
        if (before !== undefined) expect({ owner: holding.owner, status: holding.status }).toEqual(before)
        else if (holding.status !== 'active') frozen.set(key, { owner: holding.owner, status: holding.status })
      }
    }
  }
  // Events of each batch are numbered 0..n-1 and eventcount/<batchId> is n.
  for (const batch of model.batches.values()) {
    const events = await readRange<EventRecord>(ledger.state, prefixRange(keys.eventPrefix(batch.batchId)))
    expect(events.map(([, event]) => event.seq)).toEqual(events.map((_, index) => index))
    expect(await readRecord<number>(ledger.state, keys.eventCount(batch.batchId))).toBe(events.length)
    expect(events[0]?.[1].type).toBe('issue')
  }
  // No batch in the ledger the model does not know.
  expect(new Set(byBatch.map(([, holding]) => holding.batchId))).toEqual(new Set(model.batches.keys()))
  // Issued ranges within one space never overlap.
  const ranges = await readRange<SpaceRangeRecord>(ledger.state, prefixRange(PREFIX.space))
  const lastEndBySpace = new Map<string, number>()
  for (const [key, range] of ranges) {
    const space = key.slice(PREFIX.space.length, key.lastIndexOf(':'))
    const start = Number(key.slice(key.lastIndexOf(':') + 1))
    expect(start).toBeGreaterThan(lastEndBySpace.get(space) ?? 0)
    expect(range.end).toBeGreaterThanOrEqual(start)
    lastEndBySpace.set(space, range.end)
  }
}

describe('ledger properties over random sequences', () => {
  it('matches the reference model and keeps supply, partition, frozen units and determinism', async () => {
    await fc.assert(
      fc.asyncProperty(commands, blockSizes, async (sequence, sizes) => {
        const first = await run(sequence, sizes, true)
        const second = await run(sequence, sizes, false)
        expect(second.blockWrites).toEqual(first.blockWrites)
        expect(second.appHashes).toEqual(first.appHashes)
      }),
      { numRuns: 150 },
    )
  })

  it('reaches interesting states: the generator produces accepted moves of every kind', async () => {
    // Guards the property above against a generator that only produces rejections.
    const seen = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(commands, async (sequence) => {
        const model = new Model()
        for (const command of sequence) {
          const { tx, expected, effect } = model.step(command, model.senderOf(command))
          effect()
          const key = `${tx.kind}:${expected}`
          seen.set(key, (seen.get(key) ?? 0) + 1)
        }
      }),
      { numRuns: 200, seed: 42 },
    )
    for (const kind of ['batch.issue', 'credit.transfer', 'credit.retire', 'credit.cancel']) expect(seen.get(`${kind}:OK`) ?? 0).toBeGreaterThan(20)
    for (const code of ['SERIAL_OVERLAP', 'INSUFFICIENT_HOLDING', 'RETIRED_UNIT', 'CANCELLED_UNIT', 'INVALID_RANGE', 'WRONG_REGISTRY']) {
      expect([...seen.keys()].some((key) => key.endsWith(`:${code}`)), code).toBe(true)
    }
  })
})
