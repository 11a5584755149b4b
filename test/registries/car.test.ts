import { describe, expect, it } from 'vitest'
import { parseSerial } from '../../client/registries/car.ts'
import { planImport } from '../../client/registries/index.ts'
import { checkInvariants, corruptLine, fixtureText, loadSet, parseErrorOf, replaceFile, rowAt, rows, stepsFrom, stepsOf } from './helpers.ts'

describe('CAR parseSerial', () => {
  it('parses a real CRT retirement serial (retirements.csv line 2)', () => {
    const row = rowAt('climate-action-reserve', 'retirements.csv', 2)
    expect(parseSerial(row.get('Offset Credit Serial Numbers'))).toEqual({
      registry: 'CAR',
      serial: 'CAR-1-US-1335-31-983-KS-2025-9205-1 to 5000',
      space: 'CAR/9205',
      start: 1,
      end: 5000,
      quantity: 5000,
      unitTypeCode: '1',
      unitType: 'CRT',
      country: 'US',
      projectId: 'CAR1335',
      projectNumber: '1335',
      projectTypeCode: '31',
      developerId: '983',
      state: 'KS',
      vintage: '2025',
      issuanceBatch: '9205',
    })
    expect([row.get('Project ID'), row.get('Vintage'), row.get('Quantity of Offset Credits')]).toEqual(['CAR1335', '2025', '5000'])
  })

  it('parses a real ROC cancellation serial (cancellations.csv line 2) and a sub-range (retirements.csv line 4)', () => {
    expect(parseSerial(rowAt('climate-action-reserve', 'cancellations.csv', 2).get('Offset Credit Serial Numbers'))).toMatchObject({
      serial: 'CAR-ROC-US-2056-129-2283-WV-2025-8969-1 to 260294',
      space: 'CAR/8969',
      unitTypeCode: 'ROC',
      unitType: 'ROC',
      projectId: 'CAR2056',
      state: 'WV',
      quantity: 260294,
    })
    expect(parseSerial(rowAt('climate-action-reserve', 'retirements.csv', 4).get('Offset Credit Serial Numbers'))).toMatchObject({
      space: 'CAR/9659',
      start: 43177,
      end: 43276,
      quantity: 100,
    })
  })

  it('refuses malformed serials with a typed reason and a clear message', () => {
    const cases: [string, string, string][] = [
      ['', 'EMPTY', 'empty'],
      ['CAR-1-US-1335-31-983-KS-2025-9205-1-5000', 'LAYOUT', 'does not end with "-<start> to <end>"'],
      ['CAR-1-US-1335-31-983-2025-9205-1 to 5000', 'LAYOUT', "has 8 '-'-separated fields before the range; expected 9"],
      ['ACR-1-US-1335-31-983-KS-2025-9205-1 to 5000', 'FIELD', 'does not start with "CAR-"'],
      ['CAR-1-U5-1335-31-983-KS-2025-9205-1 to 5000', 'FIELD', 'country "U5"'],
      ['CAR-1-US-13a5-31-983-KS-2025-9205-1 to 5000', 'FIELD', 'project number "13a5"'],
      ['CAR-1-US-1335-31-983-KS-2025-9205-5000 to 1', 'RANGE', 'before block start'],
      ['CAR-1-US-1335-31-983-KS-2025-9205-0 to 10', 'RANGE', 'block start 0'],
    ]
    for (const [serial, reason, message] of cases) {
      const error = parseErrorOf(() => parseSerial(serial))
      expect(error.reason, serial).toBe(reason)
      expect(error.message, serial).toContain(message)
    }
  })
})

describe('CAR planImport on the fixture set', () => {
  const files = loadSet('climate-action-reserve')
  const plan = planImport('car', files)

  it('has no errors and the expected step counts', () => {
    expect(plan.errors).toEqual([])
    checkInvariants(plan)
    const retirements = rows('climate-action-reserve', 'retirements.csv')
    const cancellations = rows('climate-action-reserve', 'cancellations.csv')
    const issuances = rows('climate-action-reserve', 'issuances.csv')
    const listed = new Set(rows('climate-action-reserve', 'projects.csv').map((row) => row.get('Project ID')))
    const missing = new Set([...issuances, ...retirements, ...cancellations].map((row) => row.get('Project ID')).filter((id) => !listed.has(id)))
    expect([listed.size, missing.size]).toEqual([50, 136])
    expect(plan.summary.steps).toEqual({
      'project.register': 186,
      // 103 issuance batches; 5 are known only through non-adjacent pieces (9659, 9005, 9314: 2; 8287: 3; 8409: 4).
      'batch.issue': 111,
      'credit.retire': 100,
      'credit.cancel': 50,
      total: 186 + 111 + 100 + 50,
    })
    const quantity = (list: typeof retirements) => list.reduce((sum, row) => sum + Number(row.get('Quantity of Offset Credits')), 0)
    expect(plan.summary.credits).toEqual({ issued: quantity(retirements) + quantity(cancellations), retired: quantity(retirements), cancelled: quantity(cancellations) })
    expect(plan.steps.filter((step) => step.source.path.endsWith('issuances.csv')).every((step) => step.kind === 'project.register')).toBe(true)
  })

  it('a batch gets the unit type from the serial and the corresponding-adjustment column', () => {
    expect(stepsOf(plan, 'batch.issue').find((step) => step.body.space === 'CAR/9205')?.body).toEqual({
      registry: 'CAR',
      projectId: 'CAR1335',
      space: 'CAR/9205',
      serialStart: 1,
      serialEnd: 5000,
      vintageStart: '2025-01-01',
      vintageEnd: '2025-12-31',
      unitType: 'CRT',
      labels: [],
      correspondingAdjustment: 'No',
      originalSerial: 'CAR-1-US-1335-31-983-KS-2025-9205-1 to 5000',
      issuanceDate: '',
      to: '',
    })
    expect(stepsOf(plan, 'batch.issue').find((step) => step.body.space === 'CAR/8969')?.body).toMatchObject({ unitType: 'ROC', serialStart: 1, serialEnd: 260294 })
    expect(stepsFrom(plan, 'climate-action-reserve/cancellations.csv', 2).find((step) => step.kind === 'credit.cancel')?.body).toEqual({
      batchId: 'CAR/8969:1-260294',
      quantity: 0,
      range: { start: 1, end: 260294 },
      reason: 'ARB',
    })
    expect(stepsFrom(plan, 'climate-action-reserve/retirements.csv', 2).find((step) => step.kind === 'credit.retire')?.body).toEqual({
      batchId: 'CAR/9205:1-5000',
      quantity: 0,
      range: { start: 1, end: 5000 },
      beneficiary: '',
      purpose: 'Retired on behalf of Kinaxis Inc. F2024 period',
      reason: 'On Behalf of Third Party',
      retiredOn: '2025-10-27',
    })
  })

  it('a broken serial on line 5 is reported on line 5 and contributes nothing', () => {
    const text = corruptLine(fixtureText('climate-action-reserve', 'cancellations.csv'), 5, '9389-1 to 32624', '9389-1 to 3262A')
    const broken = planImport('car', replaceFile(files, 'climate-action-reserve/cancellations.csv', text))
    expect(broken.errors).toEqual([
      {
        path: 'climate-action-reserve/cancellations.csv',
        line: 5,
        code: 'FIELD',
        reason: 'block end "3262A" in serial "CAR-ROC-US-1317-105-276-CA-2025-9389-1 to 3262A" is not a number',
      },
    ])
    expect(stepsFrom(broken, 'climate-action-reserve/cancellations.csv', 5)).toEqual([])
    expect(broken.steps.some((step) => step.kind === 'batch.issue' && step.body.space === 'CAR/9389')).toBe(false)
    expect(broken.summary.steps).toMatchObject({ 'batch.issue': 110, 'credit.retire': 100, 'credit.cancel': 49 })
    checkInvariants(broken)
  })

  it('a cancellation overlapping an earlier retirement of the same batch is a duplicate', () => {
    // Retirements line 2 retires CAR/9205 1-5000; a cancellation of 4001-6000 of that batch overlaps it.
    const cancellations = fixtureText('climate-action-reserve', 'cancellations.csv')
    const text = corruptLine(
      corruptLine(corruptLine(cancellations, 2, 'CAR-ROC-US-2056-129-2283-WV-2025-8969-1 to 260294', 'CAR-1-US-1335-31-983-KS-2025-9205-4001 to 6000'), 2, ',260294,', ',2000,'),
      2,
      ',CAR2056,',
      ',CAR1335,',
    )
    const clash = planImport('car', replaceFile(files, 'climate-action-reserve/cancellations.csv', text))
    expect(clash.errors).toEqual([
      {
        path: 'climate-action-reserve/cancellations.csv',
        line: 2,
        code: 'DUPLICATE',
        reason: 'credits 4001-6000 of CAR/9205 were already retired by climate-action-reserve/retirements.csv line 2 (CAR-1-US-1335-31-983-KS-2025-9205-1 to 5000)',
      },
    ])
  })
})
