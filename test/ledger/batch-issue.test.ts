import { describe, expect, it } from 'vitest'
import { batchSupply, findBatchBySerial, getBatch, holdingsOf, PREFIX, prefixRange, readRange, type SpaceRangeRecord } from '../../node/ledger/index.ts'
import { BANK, BATCH_VCS, CERCARBONO, GOLD, issueBody, projectBody, TestLedger, VERRA, VERRA_2 } from './helpers.ts'

async function verraLedger(): Promise<TestLedger> {
  const ledger = new TestLedger()
  await ledger.ok(VERRA, 'project.register', projectBody())
  return ledger
}

describe('batch.issue', () => {
  it('creates the batch with its attributes and one active holding of the whole range for the registry', async () => {
    const ledger = await verraLedger()
    await ledger.ok(VERRA, 'batch.issue', issueBody())
    const batch = await getBatch(ledger.state, BATCH_VCS)
    expect(batch).toMatchObject({
      batchId: BATCH_VCS,
      registry: 'VCS',
      projectId: '1340',
      space: 'VCS',
      serialStart: 941467007,
      serialEnd: 941467431,
      vintageStart: '2020-01-01',
      vintageEnd: '2020-12-31',
      unitType: 'VCU',
      labels: ['CCB'],
      correspondingAdjustment: 'No',
      originalSerial: '19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1',
      issuanceDate: '2026-04-03',
      issuedBy: VERRA.id,
      issuedTo: VERRA.id,
      height: 2,
      timeMs: ledger.timeMs,
    })
    const holdings = await holdingsOf(ledger.state, VERRA.id)
    expect(holdings.batches).toEqual([
      { batchId: BATCH_VCS, holdings: [{ batchId: BATCH_VCS, start: 941467007, end: 941467431, owner: VERRA.id, status: 'active' }], totals: { active: 425, retired: 0, cancelled: 0, locked: 0, fractionalised: 0 }, recordOf: [{ start: 941467007, end: 941467431, registry: 'VCS' }] },
    ])
    expect(await batchSupply(ledger.state, BATCH_VCS)).toEqual({ issued: 425, active: 425, retired: 0, cancelled: 0, locked: 0, fractionalised: 0, holdings: 1 })
  })

  it('issues to body.to when given', async () => {
    const ledger = await verraLedger()
    await ledger.ok(VERRA, 'batch.issue', issueBody({ to: BANK.id }))
    expect((await holdingsOf(ledger.state, BANK.id)).totals.active).toBe(425)
    expect((await holdingsOf(ledger.state, VERRA.id)).batches).toEqual([])
  })

  it('rejects a sender without the registry role (WRONG_ROLE)', async () => {
    const ledger = await verraLedger()
    await ledger.rejected(BANK, 'batch.issue', issueBody(), 'WRONG_ROLE')
  })

  it('rejects the registry account of another registry (WRONG_REGISTRY)', async () => {
    const ledger = await verraLedger()
    await ledger.rejected(GOLD, 'batch.issue', issueBody(), 'WRONG_REGISTRY')
  })

  it('rejects an unregistered project (UNKNOWN_PROJECT), including the same id under another registry', async () => {
    const ledger = await verraLedger()
    await ledger.rejected(VERRA, 'batch.issue', issueBody({ projectId: '3005' }), 'UNKNOWN_PROJECT')
    await ledger.rejected(GOLD, 'batch.issue', issueBody({ registry: 'GS', space: 'GS/30307' }), 'UNKNOWN_PROJECT')
  })

  it.each([
    ['start above end', 10, 9],
    ['start 0', 0, 5],
    ['start and end 0', 0, 0],
  ])('rejects serials that are not a range: %s (INVALID_RANGE)', async (_, serialStart, serialEnd) => {
    const ledger = await verraLedger()
    await ledger.rejected(VERRA, 'batch.issue', issueBody({ serialStart, serialEnd }), 'INVALID_RANGE')
  })

  it('accepts a single-unit batch and serials up to 2^53 - 1', async () => {
    const ledger = await verraLedger()
    await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: 5, serialEnd: 5 }))
    await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: Number.MAX_SAFE_INTEGER - 9, serialEnd: Number.MAX_SAFE_INTEGER }))
    expect(await batchSupply(ledger.state, `VCS:${Number.MAX_SAFE_INTEGER - 9}-${Number.MAX_SAFE_INTEGER}`)).toMatchObject({ issued: 10, active: 10 })
  })

  it('rejects a space that is not the registry code or registry/segment (INVALID_BODY)', async () => {
    const ledger = await verraLedger()
    await ledger.rejected(VERRA, 'batch.issue', issueBody({ space: 'GS/1' }), 'INVALID_BODY')
    await ledger.rejected(VERRA, 'batch.issue', issueBody({ space: 'VCSX' }), 'INVALID_BODY')
    await ledger.ok(VERRA, 'batch.issue', issueBody({ space: 'VCS/19385' }))
  })

  describe('serial overlap in one numbering space', () => {
    // Existing range [100, 200] in space VCS, issued by VERRA.
    async function withRange(): Promise<TestLedger> {
      const ledger = await verraLedger()
      await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: 100, serialEnd: 200 }))
      return ledger
    }

    it.each([
      ['identical', 100, 200],
      ['overlapping the start', 50, 100],
      ['overlapping the end', 200, 300],
      ['partial on the left', 90, 150],
      ['partial on the right', 150, 250],
      ['contained', 120, 130],
      ['containing', 1, 1_000],
      ['single unit at the start', 100, 100],
      ['single unit at the end', 200, 200],
    ])('rejects a range %s (SERIAL_OVERLAP), also from another account of the registry', async (_, serialStart, serialEnd) => {
      const ledger = await withRange()
      const first = await ledger.rejected(VERRA, 'batch.issue', issueBody({ serialStart, serialEnd }), 'SERIAL_OVERLAP')
      expect(first.message).toContain('VCS:100-200')
      await ledger.rejected(VERRA_2, 'batch.issue', issueBody({ serialStart, serialEnd }), 'SERIAL_OVERLAP')
    })

    it('accepts adjacent ranges on both sides and the same serials in another space', async () => {
      const ledger = await withRange()
      await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: 201, serialEnd: 300 }))
      await ledger.ok(VERRA_2, 'batch.issue', issueBody({ serialStart: 1, serialEnd: 99 }))
      await ledger.ok(VERRA, 'batch.issue', issueBody({ space: 'VCS/19385', serialStart: 100, serialEnd: 200 }))
      // Now [1, 300] is fully issued in VCS: any range inside it overlaps, whoever asks.
      await ledger.rejected(VERRA_2, 'batch.issue', issueBody({ serialStart: 99, serialEnd: 101 }), 'SERIAL_OVERLAP')
      await ledger.rejected(VERRA, 'batch.issue', issueBody({ serialStart: 300, serialEnd: 301 }), 'SERIAL_OVERLAP')
      await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: 301, serialEnd: 301 }))
    })

    it('finds the overlap with a range issued earlier in the same block', async () => {
      const ledger = await verraLedger()
      const { results } = await ledger.block([
        ledger.tx(VERRA, 'batch.issue', issueBody({ serialStart: 10, serialEnd: 20 })),
        ledger.tx(VERRA_2, 'batch.issue', issueBody({ serialStart: 15, serialEnd: 25 })),
      ])
      expect(results.map((result) => result.name)).toEqual(['OK', 'SERIAL_OVERLAP'])
    })

    it('detects a predecessor that is not the nearest key in the space (many ranges before it)', async () => {
      const ledger = await verraLedger()
      for (let index = 0; index < 5; index += 1) await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: index * 10 + 1, serialEnd: index * 10 + 5 }))
      await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: 1_000, serialEnd: 2_000 }))
      await ledger.rejected(VERRA, 'batch.issue', issueBody({ serialStart: 1_500, serialEnd: 1_500 }), 'SERIAL_OVERLAP')
      await ledger.rejected(VERRA, 'batch.issue', issueBody({ serialStart: 44, serialEnd: 999 }), 'SERIAL_OVERLAP')
      await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: 46, serialEnd: 999 }))
    })

    it('does not confuse the registry-wide space with its sub-spaces (VCS vs VCS/1), even for serials above 10^15', async () => {
      const ledger = await verraLedger()
      await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: 1, serialEnd: 2_000_000_000_000_000 }))
      await ledger.ok(VERRA, 'batch.issue', issueBody({ space: 'VCS/1', serialStart: 1, serialEnd: 10 }))
      await ledger.rejected(VERRA, 'batch.issue', issueBody({ serialStart: 1_500_000_000_000_000, serialEnd: 1_500_000_000_000_000 }), 'SERIAL_OVERLAP')
      await ledger.rejected(VERRA, 'batch.issue', issueBody({ space: 'VCS/1', serialStart: 5, serialEnd: 5 }), 'SERIAL_OVERLAP')
      expect((await findBatchBySerial(ledger.state, 'VCS', 1_500_000_000_000_000))?.batchId).toBe('VCS:1-2000000000000000')
      expect((await findBatchBySerial(ledger.state, 'VCS/1', 11))).toBeUndefined()
    })

    it('indexes each range as space/<space>:<padded start> -> { end, batchId }', async () => {
      const ledger = await withRange()
      const entries = await readRange<SpaceRangeRecord>(ledger.state, prefixRange(PREFIX.space))
      expect(entries).toEqual([['space/VCS:0000000000000100', { end: 200, batchId: 'VCS:100-200' }]])
    })
  })

  it('keeps Cercarbono positions per named batch: the same positions in two batches do not overlap', async () => {
    const ledger = new TestLedger()
    await ledger.ok(CERCARBONO, 'project.register', projectBody({ registry: 'CERCARBONO', program: 'Cercarbono', projectId: 'CDC-1', name: 'Carbono Agroporvanda' }))
    const base = issueBody({ registry: 'CERCARBONO', projectId: 'CDC-1', serialStart: 1, serialEnd: 1283, unitType: 'CDC', labels: [] })
    await ledger.ok(CERCARBONO, 'batch.issue', { ...base, space: 'CERCARBONO/CDC_1_1_1_321_14_1_2008', originalSerial: 'CDC_1_1_1_321_14_1_2008' })
    await ledger.ok(CERCARBONO, 'batch.issue', { ...base, space: 'CERCARBONO/CDC_1_1_1_321_14_1_2009', serialEnd: 4971, originalSerial: 'CDC_1_1_1_321_14_1_2009' })
    await ledger.rejected(CERCARBONO, 'batch.issue', { ...base, space: 'CERCARBONO/CDC_1_1_1_321_14_1_2009', serialStart: 4971, serialEnd: 5000 }, 'SERIAL_OVERLAP')
    expect((await getBatch(ledger.state, 'CERCARBONO/CDC_1_1_1_321_14_1_2009:1-4971'))?.originalSerial).toBe('CDC_1_1_1_321_14_1_2009')
  })
})
