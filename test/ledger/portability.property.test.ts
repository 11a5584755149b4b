// Property test of portability over random sequences (fast-check): registries port serial ranges of an issued and an
// imported batch to each other (some from the wrong registry, expired, or over retired, cancelled or locked units),
// cancel, immobilise and mobilise by range; holders transfer, retire and lock; registries import ranges, often over
// serials already on the ledger. One transaction per block. After every block:
// - the ranges of record of every batch partition its serials exactly (each serial has one registry of record);
// - the issued and imported ranges of a numbering space never overlap (no serial is on the ledger twice);
// - a rejected transaction changed nothing but its sender's nonce;
// - an accepted port changed no holding, made the receiving registry registry of record of exactly its range (every
//   unit of which was active and of record at the sender's registry) and nothing else; an accepted cancellation or
//   immobilisation acted only on units of record at the sender's registry; only a port changes a registry of record;
// - an immobilisation's registry is the registry of record of every unit it holds;
// - the same sequence on a fresh ledger gives the same app hashes.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as build from '../../client/builders.ts'
import type { RegistryCode, ResultName, Tx } from '../../client/wire.ts'
import { batchHoldings, keys, PREFIX, prefixRange, readRange, recordOfRanges, registryOfRecord, type HoldingRecord, type LockRecord, type SpaceRangeRecord } from '../../node/ledger/index.ts'
import { BANK, GOLD, MARKET, OUTSIDER, projectBody, issueBody, retireBody, TestLedger, transferBody, VERRA, type TestAccount } from './helpers.ts'
import { CAR_SIGNER, PORT_GENESIS, portBody } from './portability-helpers.ts'

const REGISTRIES: RegistryCode[] = ['VCS', 'GS', 'CAR']
const SENDERS: Record<string, TestAccount> = { VCS: VERRA, GS: GOLD, CAR: CAR_SIGNER }
const PROJECTS: Record<string, string> = { VCS: '1340', GS: 'GS11236', CAR: 'CAR2264' }
const HOLDERS: TestAccount[] = [MARKET, BANK, OUTSIDER]
const BATCHES = [
  { id: 'VCS:1-60', start: 1, end: 60 },
  { id: 'PURO:1-40', start: 1, end: 40 },
]
const DAY_MS = 24 * 60 * 60 * 1000

type Command =
  | { kind: 'port'; batch: number; from: number; to: number; asFrom: boolean; at: number; size: number; expired: boolean }
  | { kind: 'cancel' | 'immobilise'; batch: number; registry: number; at: number; size: number }
  | { kind: 'mobilise'; registry: number; lock: number }
  | { kind: 'transfer' | 'retire' | 'lock'; batch: number; holder: number; to: number; at: number; size: number }
  | { kind: 'import'; registry: number; origin: 'PURO' | 'VCS' | 'ISO'; at: number; size: number }

const registry = fc.integer({ min: 0, max: REGISTRIES.length - 1 })
const batch = fc.integer({ min: 0, max: BATCHES.length - 1 })
const at = fc.integer({ min: 0, max: 62 })
const size = fc.integer({ min: 1, max: 15 })
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('port' as const), batch, from: registry, to: registry, asFrom: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), at, size: fc.integer({ min: 1, max: 8 }), expired: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('cancel' as const, 'immobilise' as const), batch, registry, at, size: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('mobilise' as const), registry, lock: fc.nat({ max: 10 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('transfer' as const, 'lock' as const, 'lock' as const, 'retire' as const), batch, holder: fc.integer({ min: 0, max: HOLDERS.length - 1 }), to: fc.integer({ min: 0, max: HOLDERS.length - 1 }), at, size: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('import' as const), registry: fc.integer({ min: 1, max: 2 }), origin: fc.constantFrom('PURO' as const, 'VCS' as const, 'ISO' as const), at: fc.integer({ min: 0, max: 120 }), size }) },
)

/** The registry of record of every serial of a batch, from its ranges; violations if they do not partition it. */
async function recordOfSerials(ledger: TestLedger, id: string, start: number, end: number, violations: string[]): Promise<string[]> {
  const out: string[] = []
  let next = start
  for (const record of await recordOfRanges(ledger.state, id)) {
    if (record.start !== next || record.end < record.start) violations.push(`${id}: ranges of record do not partition it at serial ${next}`)
    for (let serial = record.start; serial <= record.end; serial += 1) out.push(record.registry)
    next = record.end + 1
  }
  if (next !== end + 1) violations.push(`${id}: ranges of record end at ${next - 1}, the batch at ${end}`)
  return out
}

async function unitStatuses(ledger: TestLedger, id: string): Promise<HoldingRecord[]> {
  const out: HoldingRecord[] = []
  for (const holding of await batchHoldings(ledger.state, id)) for (let serial = holding.start; serial <= holding.end; serial += 1) out.push(holding)
  return out
}

interface World {
  records: Map<string, string[]>
  units: Map<string, HoldingRecord[]>
}

async function world(ledger: TestLedger, violations: string[]): Promise<World> {
  const records = new Map<string, string[]>()
  const units = new Map<string, HoldingRecord[]>()
  const batches = await readRange<{ batchId: string; serialStart: number; serialEnd: number }>(ledger.state, prefixRange(PREFIX.batch))
  for (const [, record] of batches) {
    records.set(record.batchId, await recordOfSerials(ledger, record.batchId, record.serialStart, record.serialEnd, violations))
    units.set(record.batchId, await unitStatuses(ledger, record.batchId))
  }
  // No serial of a space is in two ranges.
  const lastEnd = new Map<string, number>()
  for (const [key, range] of await readRange<SpaceRangeRecord>(ledger.state, prefixRange(PREFIX.space))) {
    const space = key.slice(PREFIX.space.length, key.lastIndexOf(':'))
    const start = Number(key.slice(key.lastIndexOf(':') + 1))
    if (start <= (lastEnd.get(space) ?? 0)) violations.push(`space ${space}: range from ${start} overlaps the previous one`)
    lastEnd.set(space, range.end)
  }
  // Immobilisations belong to the registry of record of what they hold.
  for (const [, lock] of await readRange<LockRecord>(ledger.state, prefixRange(PREFIX.lock))) {
    if (lock.kind !== 'immobilised') continue
    const serials = records.get(lock.batchId) ?? []
    const first = BATCHES.find((entry) => entry.id === lock.batchId)?.start ?? 1
    for (const piece of lock.pieces) for (let serial = piece.start; serial <= piece.end; serial += 1) if (serials[serial - first] !== lock.registry) violations.push(`immobilisation ${lock.id.slice(0, 8)} by ${lock.registry} holds serial ${serial}, of record at ${String(serials[serial - first])}`)
  }
  return { records, units }
}

async function txFor(ledger: TestLedger, step: Command, immobilisations: { id: string; registry: RegistryCode }[]): Promise<{ sender: TestAccount; tx: Pick<Tx, 'kind' | 'body'> }> {
  const range = (start: number, count: number) => ({ start: Math.max(1, start), end: Math.max(1, start) + count - 1 })
  switch (step.kind) {
    case 'port': {
      const target = BATCHES[step.batch]!
      // Mostly the registry of record of the range's first serial, as it would be; sometimes a random one.
      const from = step.asFrom ? ((await registryOfRecord(ledger.state, target.id, Math.max(1, step.at))) ?? REGISTRIES[step.from]!) : REGISTRIES[step.from]!
      const to = REGISTRIES[step.to]!
      const sender = step.asFrom || step.from % 2 === 0 ? SENDERS[from]! : SENDERS[REGISTRIES[(step.from + 1) % REGISTRIES.length]!]!
      const body = portBody({ batchId: target.id, range: range(step.at, step.size), from, to, expiresAtMs: step.expired ? ledger.timeMs : ledger.timeMs + DAY_MS })
      return { sender, tx: { kind: 'credit.port', body } }
    }
    case 'cancel':
      return { sender: SENDERS[REGISTRIES[step.registry]!]!, tx: { kind: 'credit.cancel', body: { batchId: BATCHES[step.batch]!.id, quantity: 0, range: range(step.at, step.size), reason: 'property' } } }
    case 'immobilise':
      return { sender: SENDERS[REGISTRIES[step.registry]!]!, tx: { kind: 'credit.immobilise', body: { batchId: BATCHES[step.batch]!.id, range: range(step.at, step.size), reason: 'property' } } }
    case 'mobilise': {
      const lock = immobilisations.length === 0 ? { id: 'f'.repeat(64) } : immobilisations[step.lock % immobilisations.length]!
      return { sender: SENDERS[REGISTRIES[step.registry]!]!, tx: { kind: 'credit.mobilise', body: { lockId: lock.id } } }
    }
    case 'transfer':
      return { sender: HOLDERS[step.holder]!, tx: { kind: 'credit.transfer', body: transferBody({ batchId: BATCHES[step.batch]!.id, to: HOLDERS[step.to]!.id, range: range(step.at, step.size) }) } }
    case 'retire':
      return { sender: HOLDERS[step.holder]!, tx: { kind: 'credit.retire', body: retireBody({ batchId: BATCHES[step.batch]!.id, range: range(step.at, step.size) }) } }
    case 'lock':
      return { sender: HOLDERS[step.holder]!, tx: { kind: 'credit.lock', body: { batchId: BATCHES[step.batch]!.id, quantity: 0, range: range(step.at, step.size), securedParty: HOLDERS[step.to]!.id, expiresAtMs: ledger.timeMs + DAY_MS } } }
    case 'import': {
      const importer = REGISTRIES[step.registry]!
      const body = build.batchImport({ registry: importer, origin: step.origin, projectId: PROJECTS[importer]!, space: step.origin, serialStart: Math.max(1, step.at), serialEnd: Math.max(1, step.at) + step.size - 1, to: MARKET.id })
      return { sender: SENDERS[importer]!, tx: { kind: 'batch.import', body } }
    }
  }
}

async function setup(): Promise<TestLedger> {
  const ledger = new TestLedger(PORT_GENESIS)
  for (const code of REGISTRIES) await ledger.ok(SENDERS[code]!, 'project.register', projectBody({ registry: code, projectId: PROJECTS[code]! }))
  await ledger.ok(VERRA, 'batch.issue', issueBody({ space: 'VCS', serialStart: 1, serialEnd: 60, to: MARKET.id }))
  await ledger.ok(GOLD, 'batch.import', build.batchImport({ registry: 'GS', origin: 'PURO', projectId: 'GS11236', space: 'PURO', serialStart: 1, serialEnd: 40, to: BANK.id }))
  // Spread the credits over the holders so that locks, transfers and ports cross owners.
  await ledger.ok(MARKET, 'credit.transfer', transferBody({ batchId: 'VCS:1-60', to: BANK.id, range: { start: 21, end: 40 } }))
  await ledger.ok(BANK, 'credit.transfer', transferBody({ batchId: 'PURO:1-40', to: OUTSIDER.id, range: { start: 11, end: 20 } }))
  return ledger
}

async function run(sequence: Command[], check: boolean): Promise<{ appHashes: string[]; seen: Set<string> }> {
  const ledger = await setup()
  const appHashes: string[] = []
  const seen = new Set<string>()
  const immobilisations: { id: string; registry: RegistryCode }[] = []
  for (const step of sequence) {
    const violations: string[] = []
    const before = check ? await world(ledger, violations) : undefined
    const snapshot = check ? ledger.snapshot() : undefined
    const { sender, tx } = await txFor(ledger, step, immobilisations)
    const { results } = await ledger.block([ledger.tx(sender, tx.kind, tx.body as never)])
    const result = results[0]!
    seen.add(`${tx.kind} ${result.name}`)
    if (result.name === 'OK' && tx.kind === 'credit.immobilise') immobilisations.push({ id: ledger.lastTxId, registry: (await readRange<LockRecord>(ledger.state, prefixRange(keys.lock(ledger.lastTxId))))[0]![1].registry as RegistryCode })
    appHashes.push(Buffer.from(ledger.appHash).toString('hex'))
    if (!check || before === undefined || snapshot === undefined) continue
    const after = await world(ledger, violations)
    if (result.name !== 'OK') {
      const now = ledger.snapshot()
      now.delete(keys.nonce(sender.id))
      snapshot.delete(keys.nonce(sender.id))
      expect(now, `${tx.kind} rejected ${result.name} changed state`).toEqual(snapshot)
    } else {
      const body = tx.body as { batchId?: string; range?: { start: number; end: number } }
      const senderRegistry = REGISTRIES.find((code) => SENDERS[code] === sender)
      for (const [id, records] of after.records) {
        const earlier = before.records.get(id)
        if (earlier === undefined) continue
        const first = BATCHES.find((entry) => entry.id === id)?.start ?? 1
        for (let index = 0; index < records.length; index += 1) {
          const serial = index + first
          const inRange = body.batchId === id && body.range !== undefined && serial >= body.range.start && serial <= body.range.end
          if (tx.kind === 'credit.port' && inRange) {
            const port = tx.body as { fromRegistry: string; toRegistry: string }
            if (earlier[index] !== port.fromRegistry || records[index] !== port.toRegistry) violations.push(`port moved serial ${serial} of ${id} from ${earlier[index]} to ${records[index]}`)
            if (before.units.get(id)![index]!.status !== 'active') violations.push(`port moved serial ${serial} of ${id}, which was ${before.units.get(id)![index]!.status}`)
          } else if (records[index] !== earlier[index]) violations.push(`${tx.kind} changed the registry of record of serial ${serial} of ${id}`)
          if ((tx.kind === 'credit.cancel' || tx.kind === 'credit.immobilise') && inRange && earlier[index] !== senderRegistry) violations.push(`${senderRegistry} ${tx.kind} on serial ${serial} of ${id}, of record at ${earlier[index]}`)
        }
        if (tx.kind === 'credit.port') expect(after.units.get(id), 'a port changes no holding').toEqual(before.units.get(id))
      }
    }
    expect(violations, `${tx.kind} ${result.name}`).toEqual([])
  }
  return { appHashes, seen }
}

describe('portability over random sequences', () => {
  it('keeps one registry of record per serial, acts only as it, never moves inactive units, and replays identically', async () => {
    const seen = new Set<string>()
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (sequence) => {
        const first = await run(sequence, true)
        for (const entry of first.seen) seen.add(entry)
        const second = await run(sequence, false)
        expect(second.appHashes).toEqual(first.appHashes)
      }),
      { numRuns: 80, seed: 4_047 },
    )
    // The sequences reached the interesting outcomes.
    const expected: `${string} ${ResultName}`[] = ['credit.port OK', 'credit.port NOT_REGISTRY_OF_RECORD', 'credit.port SAME_REGISTRY', 'credit.port PORT_NOT_VALID', 'credit.port LOCKED_UNIT', 'credit.port RETIRED_UNIT', 'credit.cancel OK', 'credit.cancel NOT_REGISTRY_OF_RECORD', 'credit.immobilise OK', 'batch.import OK', 'batch.import IMPORT_OVERLAP', 'batch.import ORIGIN_ON_LEDGER']
    for (const outcome of expected) expect([...seen].sort().join(', '), outcome).toContain(outcome)
  }, 120_000)
})
