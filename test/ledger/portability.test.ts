// Portability between registries (node/ledger/record-of.ts, credit-port.ts, batch-import.ts): the registry of record
// of serial ranges moves by credit.port, signed by both registries, without re-issuance; cancel and immobilise follow
// the registry of record; imports keep the origin's numbering space and never overlap anything on the ledger.
import { describe, expect, it } from 'vitest'
import * as build from '../../client/builders.ts'
import { encode, type BatchImportBody } from '../../client/wire.ts'
import { batchHoldings, keys, provenance, readRecord, recordOfRanges, type AccountRecord, type BatchRecord, type EventRecord } from '../../node/ledger/index.ts'
import { batchRecordOf, holdingsOf } from '../../node/ledger/queries.ts'
import { BANK, BATCH_VCS, cancelBody, CERCARBONO, GOLD, issueBody, MARKET, OUTSIDER, projectBody, retireBody, TestLedger, transferBody, VERRA } from './helpers.ts'
import { CAR_SIGNER, GS_SIGNER, PORT_GENESIS, portBody, VCS_SIGNER } from './portability-helpers.ts'

const START = 941467007
const END = 941467431
const DAY_MS = 24 * 60 * 60 * 1000
const MIDDLE = { start: START + 10, end: START + 19 }

/** The Verra batch held by MARKET (and 100 of it by BANK), with Gold Standard's project registered. */
async function ledgerWithBatch(): Promise<TestLedger> {
  const ledger = new TestLedger(PORT_GENESIS)
  await ledger.withVerraBatch(MARKET)
  await ledger.ok(MARKET, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, range: { start: START + 15, end: START + 114 } }))
  await ledger.ok(GOLD, 'project.register', projectBody({ registry: 'GS', program: 'Gold Standard', projectId: 'GS11236', name: 'Takeover project' }))
  return ledger
}

function port(ledger: TestLedger, range = MIDDLE, overrides: Partial<Parameters<typeof portBody>[0]> = {}) {
  return portBody({ batchId: BATCH_VCS, range, from: 'VCS', to: 'GS', expiresAtMs: ledger.timeMs + DAY_MS, ...overrides })
}

function holdingKeys(ledger: TestLedger): Map<string, string> {
  return new Map([...ledger.snapshot()].filter(([key]) => key.startsWith('holding/') || key.startsWith('owner/')))
}

async function events(ledger: TestLedger, batchId = BATCH_VCS): Promise<EventRecord[]> {
  return (await provenance(ledger.state, { batchId, range: { start: 1, end: Number.MAX_SAFE_INTEGER } }))?.events ?? []
}

describe('credit.port', () => {
  it('moves the registry of record of a range, both registries signing; serials, holders and history stay', async () => {
    const ledger = await ledgerWithBatch()
    expect((await batchRecordOf(ledger.state, BATCH_VCS)).ranges).toEqual([{ start: START, end: END, registry: 'VCS' }])
    const holdingsBefore = holdingKeys(ledger)
    const eventsBefore = await events(ledger)
    const body = port(ledger)
    await ledger.ok(VERRA, 'credit.port', body)
    // Holdings (owners, statuses, serials) are byte for byte what they were; the batch record is unchanged.
    expect(holdingKeys(ledger)).toEqual(holdingsBefore)
    expect((await readRecord<BatchRecord>(ledger.state, keys.batch(BATCH_VCS)))?.registry).toBe('VCS')
    expect((await batchRecordOf(ledger.state, BATCH_VCS)).ranges).toEqual([
      { start: START, end: START + 9, registry: 'VCS' },
      { start: START + 10, end: START + 19, registry: 'GS' },
      { start: START + 20, end: END, registry: 'VCS' },
    ])
    // One port event per holder's run (MARKET holds 10-14, BANK 15-19), earlier events kept.
    const after = await events(ledger)
    expect(after.slice(0, eventsBefore.length)).toEqual(eventsBefore)
    expect(after.slice(eventsBefore.length)).toEqual([
      expect.objectContaining({ type: 'port', range: { start: START + 10, end: START + 14 }, from: MARKET.id, to: MARKET.id, by: VERRA.id, details: expect.objectContaining({ fromRegistry: 'VCS', toRegistry: 'GS', toSigner: GS_SIGNER.id }) }),
      expect.objectContaining({ type: 'port', range: { start: START + 15, end: START + 19 }, from: BANK.id, to: BANK.id }),
    ])
    const history = await provenance(ledger.state, { space: 'VCS', serial: START + 12 })
    expect(history?.events.map((event) => event.type)).toEqual(['issue', 'port'])
    expect(history?.recordOf).toEqual([{ start: START + 12, end: START + 12, registry: 'GS' }])
    const bank = (await holdingsOf(ledger.state, BANK.id)).batches[0]
    expect(bank?.recordOf).toEqual([{ start: START + 15, end: START + 19, registry: 'GS' }, { start: START + 20, end: START + 114, registry: 'VCS' }])
  })

  it('then the new registry cancels and immobilises the ported units and the old one cannot', async () => {
    const ledger = await ledgerWithBatch()
    await ledger.ok(VERRA, 'credit.port', port(ledger))
    const ported = { start: START + 10, end: START + 12 }
    await ledger.rejected(VERRA, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: ported }), 'NOT_REGISTRY_OF_RECORD')
    await ledger.rejected(VCS_SIGNER, 'credit.immobilise', { batchId: BATCH_VCS, range: ported, reason: 'x' }, 'NOT_REGISTRY_OF_RECORD')
    // A range across the boundary is refused too: every unit must be of record at the sender.
    await ledger.rejected(GOLD, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: { start: START + 9, end: START + 10 } }), 'NOT_REGISTRY_OF_RECORD')
    // A registry with no standing for the batch at all: WRONG_REGISTRY, as before.
    await ledger.rejected(CERCARBONO, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: ported }), 'WRONG_REGISTRY')
    await ledger.rejected(MARKET, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: ported }), 'WRONG_ROLE')
    await ledger.ok(GOLD, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: ported }))
    await ledger.ok(GOLD, 'credit.immobilise', { batchId: BATCH_VCS, range: { start: START + 13, end: START + 16 }, reason: 'under review at GS' })
    const lockId = ledger.lastTxId
    expect(await readRecord(ledger.state, keys.lock(lockId))).toMatchObject({ kind: 'immobilised', registry: 'GS' })
    await ledger.rejected(VERRA, 'credit.mobilise', { lockId }, 'WRONG_REGISTRY')
    await ledger.ok(GOLD, 'credit.mobilise', { lockId })
    // Verra still acts on what stayed of record with it.
    await ledger.ok(VERRA, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: { start: START + 20, end: START + 21 } }))
    await ledger.rejected(GOLD, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: { start: START + 22, end: START + 22 } }), 'NOT_REGISTRY_OF_RECORD')
    // Holders still move and retire ported units as before.
    await ledger.ok(BANK, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: { start: START + 17, end: START + 18 } }))
    await ledger.ok(MARKET, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: OUTSIDER.id, range: { start: START + 13, end: START + 14 } }))
  })

  it('a registry cancelling by quantity takes its lowest active units, which must all be of record at it', async () => {
    const ledger = new TestLedger(PORT_GENESIS)
    await ledger.withVerraBatch()
    await ledger.ok(VERRA, 'credit.port', port(ledger, { start: START, end: START + 9 }))
    await ledger.rejected(VERRA, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, quantity: 5 }), 'NOT_REGISTRY_OF_RECORD')
    await ledger.ok(VERRA, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: { start: START + 10, end: START + 14 } }))
  })

  it('ports back and forth: ranges merge again, and the history lists every move', async () => {
    const ledger = await ledgerWithBatch()
    await ledger.ok(VERRA, 'credit.port', port(ledger))
    await ledger.ok(GS_SIGNER, 'credit.port', portBody({ batchId: BATCH_VCS, range: { start: START + 12, end: START + 15 }, from: 'GS', to: 'CAR', expiresAtMs: ledger.timeMs + DAY_MS }))
    expect((await batchRecordOf(ledger.state, BATCH_VCS)).ranges.map((range) => range.registry)).toEqual(['VCS', 'GS', 'CAR', 'GS', 'VCS'])
    await ledger.ok(CAR_SIGNER, 'credit.port', portBody({ batchId: BATCH_VCS, range: { start: START + 12, end: START + 15 }, from: 'CAR', to: 'GS', expiresAtMs: ledger.timeMs + DAY_MS }))
    await ledger.ok(GOLD, 'credit.port', portBody({ batchId: BATCH_VCS, range: MIDDLE, from: 'GS', to: 'VCS', expiresAtMs: ledger.timeMs + DAY_MS }))
    expect((await batchRecordOf(ledger.state, BATCH_VCS)).ranges).toEqual([{ start: START, end: END, registry: 'VCS' }])
    expect((await provenance(ledger.state, { space: 'VCS', serial: START + 13 }))?.events.map((event) => `${event.type}${event.details.toRegistry === undefined ? '' : `:${event.details.toRegistry}`}`)).toEqual(['issue', 'port:GS', 'port:CAR', 'port:GS', 'port:VCS'])
  })

  it('rejects every wrong port with its code and changes nothing', async () => {
    const ledger = await ledgerWithBatch()
    await ledger.rejected(VERRA, 'credit.port', port(ledger, MIDDLE, { batchId: 'VCS:1-2' }), 'UNKNOWN_BATCH')
    await ledger.rejected(VERRA, 'credit.port', port(ledger, { start: START - 1, end: START }), 'INVALID_RANGE')
    await ledger.rejected(VERRA, 'credit.port', port(ledger, { start: START + 5, end: START + 4 }), 'INVALID_RANGE')
    await ledger.rejected(MARKET, 'credit.port', port(ledger), 'WRONG_ROLE')
    await ledger.rejected(GOLD, 'credit.port', port(ledger), 'WRONG_REGISTRY')
    await ledger.rejected(VERRA, 'credit.port', port(ledger, MIDDLE, { to: 'VCS' }), 'SAME_REGISTRY')
    await ledger.rejected(GOLD, 'credit.port', port(ledger, MIDDLE, { from: 'GS', to: 'CAR' }), 'NOT_REGISTRY_OF_RECORD')
    await ledger.rejected(VERRA, 'credit.port', port(ledger, MIDDLE, { expiresAtMs: ledger.timeMs }), 'PORT_NOT_VALID')
    // Signed by an account of another registry, by a non-registry, for another chain, or altered after signing.
    await ledger.rejected(VERRA, 'credit.port', port(ledger, MIDDLE, { signer: CAR_SIGNER }), 'BAD_COUNTERSIGNATURE')
    await ledger.rejected(VERRA, 'credit.port', { ...port(ledger), toSigner: BANK.id }, 'BAD_COUNTERSIGNATURE')
    await ledger.rejected(VERRA, 'credit.port', port(ledger, MIDDLE, { chainId: 'another-chain' }), 'BAD_COUNTERSIGNATURE')
    await ledger.rejected(VERRA, 'credit.port', { ...port(ledger), range: { start: START + 10, end: START + 30 } }, 'BAD_COUNTERSIGNATURE')
    await ledger.rejected(VERRA, 'credit.port', { ...port(ledger), toSignature: new Uint8Array(63) }, 'INVALID_BODY')
    await ledger.rejected(VERRA, 'credit.port', { ...port(ledger), quantity: 5 } as never, 'INVALID_BODY')
  })

  it('settles a signed port at most once', async () => {
    const ledger = await ledgerWithBatch()
    const body = port(ledger)
    await ledger.ok(VERRA, 'credit.port', body)
    await ledger.ok(GOLD, 'credit.port', portBody({ batchId: BATCH_VCS, range: MIDDLE, from: 'GS', to: 'VCS', expiresAtMs: ledger.timeMs + DAY_MS }))
    // Verra is registry of record again, but the same signed terms do not settle twice.
    await ledger.rejected(VERRA, 'credit.port', body, 'PORT_NOT_VALID')
  })

  it('retired, cancelled and locked units cannot move to another registry', async () => {
    const ledger = await ledgerWithBatch()
    await ledger.ok(MARKET, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: { start: START, end: START } }))
    await ledger.ok(VERRA, 'credit.cancel', cancelBody({ batchId: BATCH_VCS, range: { start: START + 1, end: START + 1 } }))
    await ledger.ok(MARKET, 'credit.lock', { batchId: BATCH_VCS, quantity: 0, range: { start: START + 2, end: START + 2 }, securedParty: BANK.id, expiresAtMs: ledger.timeMs + DAY_MS })
    await ledger.ok(MARKET, 'trade.offer', { batchId: BATCH_VCS, quantity: 0, range: { start: START + 3, end: START + 3 }, pricePerTonne: 100, currency: 'USD', buyer: '', expiresAtMs: ledger.timeMs + DAY_MS, disclosePrice: false })
    await ledger.ok(VERRA, 'credit.immobilise', { batchId: BATCH_VCS, range: { start: START + 4, end: START + 4 }, reason: 'held' })
    await ledger.rejected(VERRA, 'credit.port', port(ledger, { start: START, end: START + 9 }), 'RETIRED_UNIT')
    await ledger.rejected(VERRA, 'credit.port', port(ledger, { start: START + 1, end: START + 9 }), 'CANCELLED_UNIT')
    for (const serial of [2, 3, 4]) await ledger.rejected(VERRA, 'credit.port', port(ledger, { start: START + serial, end: START + 9 }), 'LOCKED_UNIT')
    await ledger.ok(VERRA, 'credit.port', port(ledger, { start: START + 5, end: START + 9 }))
  })
})

function importBody(overrides: Partial<BatchImportBody> = {}): BatchImportBody {
  return build.batchImport({ registry: 'GS', origin: 'PURO', projectId: 'GS11236', space: 'PURO', serialStart: 1_000, serialEnd: 1_999, vintageStart: '2023-01-01', vintageEnd: '2023-12-31', unitType: 'CORC', originalSerial: 'PURO-1000-1999', ...overrides })
}

describe('batch.import', () => {
  it('records credits taken over from a registry not on the ledger, in its numbering space, of record at the importer', async () => {
    const ledger = await ledgerWithBatch()
    await ledger.ok(GOLD, 'batch.import', importBody({ to: MARKET.id }))
    const batch = await readRecord<BatchRecord>(ledger.state, keys.batch('PURO:1000-1999'))
    expect(batch).toMatchObject({ registry: 'GS', space: 'PURO', importedFrom: 'PURO', issuedBy: GOLD.id, issuedTo: MARKET.id, unitType: 'CORC', originalSerial: 'PURO-1000-1999' })
    expect(await recordOfRanges(ledger.state, 'PURO:1000-1999')).toEqual([{ batchId: 'PURO:1000-1999', start: 1_000, end: 1_999, registry: 'GS' }])
    expect((await events(ledger, 'PURO:1000-1999')).map((event) => [event.type, event.details])).toEqual([['import', { origin: 'PURO', originalSerial: 'PURO-1000-1999' }]])
    expect(await batchHoldings(ledger.state, 'PURO:1000-1999')).toEqual([{ batchId: 'PURO:1000-1999', start: 1_000, end: 1_999, owner: MARKET.id, status: 'active' }])
    // The importer acts on them as their registry, and may port them on.
    await ledger.ok(GOLD, 'credit.cancel', cancelBody({ batchId: 'PURO:1000-1999', range: { start: 1_000, end: 1_009 } }))
    await ledger.ok(GOLD, 'credit.port', portBody({ batchId: 'PURO:1000-1999', range: { start: 1_500, end: 1_999 }, from: 'GS', to: 'VCS', expiresAtMs: ledger.timeMs + DAY_MS }))
    await ledger.ok(VERRA, 'credit.cancel', cancelBody({ batchId: 'PURO:1000-1999', range: { start: 1_500, end: 1_500 } }))
  })

  it('rejects an import overlapping anything issued or imported in that space, naming the batch and its registry of record', async () => {
    const ledger = await ledgerWithBatch()
    await ledger.ok(GOLD, 'batch.import', importBody())
    await ledger.ok(CERCARBONO, 'project.register', projectBody({ registry: 'CERCARBONO', projectId: 'CDC-1' }))
    const overlapping = await ledger.rejected(CERCARBONO, 'batch.import', importBody({ registry: 'CERCARBONO', projectId: 'CDC-1', serialStart: 1_999, serialEnd: 2_500 }), 'IMPORT_OVERLAP')
    expect(overlapping.message).toMatch(/batch PURO:1000-1999 .*serials 1999 to 1999 are of record at GS/)
    // Serials Verra issued on the ledger, some of them since ported to GS: the message names both registries.
    await ledger.ok(VERRA, 'credit.port', port(ledger))
    const overVerra = await ledger.rejected(CERCARBONO, 'batch.import', importBody({ registry: 'CERCARBONO', projectId: 'CDC-1', origin: 'VCS', space: 'VCS', serialStart: START + 5, serialEnd: START + 12 }), 'IMPORT_OVERLAP')
    expect(overVerra.message).toMatch(new RegExp(`batch ${BATCH_VCS}.*of record at VCS, GS`))
    // Next to the imported range is free.
    await ledger.ok(CERCARBONO, 'batch.import', importBody({ registry: 'CERCARBONO', projectId: 'CDC-1', serialStart: 2_000, serialEnd: 2_500 }))
  })

  it('an issuance over imported serials is SERIAL_OVERLAP (should the origin registry join the ledger later)', async () => {
    const ledger = await ledgerWithBatch()
    await ledger.ok(GOLD, 'batch.import', importBody({ origin: 'ACR', space: 'ACR/9001', serialStart: 1, serialEnd: 500 }))
    // ACR joins: its account appears (written directly: this ledger's accounts come from genesis only).
    const acr: AccountRecord = { id: OUTSIDER.id, name: 'acr', role: 'registry', registry: 'ACR' }
    ledger.state.apply([[keys.account(OUTSIDER.id), encode(acr)]])
    await ledger.ok(OUTSIDER, 'project.register', projectBody({ registry: 'ACR', projectId: 'ACR731' }))
    await ledger.rejected(OUTSIDER, 'batch.issue', issueBody({ registry: 'ACR', projectId: 'ACR731', space: 'ACR/9001', serialStart: 400, serialEnd: 600 }), 'SERIAL_OVERLAP')
    await ledger.ok(OUTSIDER, 'batch.issue', issueBody({ registry: 'ACR', projectId: 'ACR731', space: 'ACR/9001', serialStart: 501, serialEnd: 600 }))
    // And now that ACR is on the ledger, further imports from it are refused.
    await ledger.rejected(GOLD, 'batch.import', importBody({ origin: 'ACR', space: 'ACR/9001', serialStart: 700, serialEnd: 800 }), 'ORIGIN_ON_LEDGER')
  })

  it('rejects every wrong import with its code and changes nothing', async () => {
    const ledger = await ledgerWithBatch()
    await ledger.rejected(GOLD, 'batch.import', importBody({ space: 'VCS' }), 'INVALID_BODY')
    await ledger.rejected(GOLD, 'batch.import', importBody({ origin: 'puro', space: 'puro' }), 'INVALID_BODY')
    await ledger.rejected(GOLD, 'batch.import', importBody({ serialStart: 0, serialEnd: 5 }), 'INVALID_RANGE')
    await ledger.rejected(GOLD, 'batch.import', importBody({ serialStart: 9, serialEnd: 5 }), 'INVALID_RANGE')
    await ledger.rejected(MARKET, 'batch.import', importBody(), 'WRONG_ROLE')
    await ledger.rejected(VERRA, 'batch.import', importBody(), 'WRONG_REGISTRY')
    await ledger.rejected(GOLD, 'batch.import', importBody({ projectId: 'GS-UNKNOWN' }), 'UNKNOWN_PROJECT')
    // Verra is on the ledger: serials of its space not yet issued here are not for another registry to import.
    await ledger.rejected(GOLD, 'batch.import', importBody({ origin: 'VCS', space: 'VCS', serialStart: 1, serialEnd: 10 }), 'ORIGIN_ON_LEDGER')
    await ledger.rejected(GOLD, 'batch.import', importBody({ origin: 'GS', space: 'GS/1' }), 'ORIGIN_ON_LEDGER')
  })
})

describe('hostile port and import bodies', () => {
  it('are INVALID_BODY (or a clear code) and change nothing', async () => {
    const ledger = await ledgerWithBatch()
    const good = port(ledger)
    const bad: unknown[] = [
      { ...good, range: '1-5' },
      { ...good, range: { start: 1.5, end: 3 } },
      { ...good, range: { start: -1, end: 3 } },
      { ...good, range: { start: 1, end: Number.MAX_SAFE_INTEGER + 2 } },
      { ...good, range: null },
      { ...good, fromRegistry: 'vcs' },
      { ...good, toRegistry: 'PURO' },
      { ...good, toSigner: 'AB'.repeat(32) },
      { ...good, toSignature: Array.from(good.toSignature) },
      { ...good, toSignature: new Uint8Array(65) },
      { ...good, expiresAtMs: 0 },
      { ...good, expiresAtMs: Number.NaN },
      { ...good, reason: 'x'.repeat(5_000) },
      { ...good, extra: 1 },
      { batchId: BATCH_VCS },
    ]
    for (const body of bad) await ledger.rejected(VERRA, 'credit.port', body as never, 'INVALID_BODY')
    const goodImport = importBody()
    const badImports: unknown[] = [
      { ...goodImport, origin: 'PU:RO', space: 'PU:RO' },
      { ...goodImport, origin: 'P', space: 'P' },
      { ...goodImport, origin: 'PURO', space: 'PURO:1' },
      { ...goodImport, origin: 'PURO', space: 'PURO/a/b' },
      { ...goodImport, origin: 'PURO', space: 'PUROX' },
      { ...goodImport, origin: 'A'.repeat(17), space: 'A'.repeat(17) },
      { ...goodImport, registry: 'PURO' },
      { ...goodImport, serialEnd: 2 ** 60 },
      { ...goodImport, to: 'me' },
      { ...goodImport, labels: 'CCB' },
    ]
    for (const body of badImports) await ledger.rejected(GOLD, 'batch.import', body as never, 'INVALID_BODY')
    // A range up to the largest serial is well formed, and refused only for what it is.
    await ledger.rejected(GOLD, 'batch.import', importBody({ serialStart: Number.MAX_SAFE_INTEGER, serialEnd: Number.MAX_SAFE_INTEGER, projectId: 'none' }), 'UNKNOWN_PROJECT')
    await ledger.rejected(VERRA, 'credit.port', port(ledger, { start: Number.MAX_SAFE_INTEGER, end: Number.MAX_SAFE_INTEGER }), 'INVALID_RANGE')
  })
})
