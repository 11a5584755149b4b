import { describe, expect, it } from 'vitest'
import { parseSerial } from '../../client/registries/gold-standard.ts'
import { planImport } from '../../client/registries/index.ts'
import { checkInvariants, corruptLine, fixtureText, loadSet, parseErrorOf, replaceFile, rowAt, rows, stepsFrom, stepsOf } from './helpers.ts'

describe('Gold Standard parseSerial', () => {
  it('parses a real issuance serial (issuances.csv line 2)', () => {
    const row = rowAt('gold-standard', 'issuances.csv', 2)
    expect(parseSerial(row.get('Serial Number'))).toEqual({
      registry: 'GS',
      layout: 'gs',
      serial: 'GS1-1-UG-GS11236-16-2024-30307-1-19149',
      space: 'GS/30307',
      start: 1,
      end: 19149,
      quantity: 19149,
      prefix: 'GS1',
      version: '1',
      country: 'UG',
      projectId: 'GS11236',
      projectTypeCode: '16',
      vintage: '2024',
      issuanceBatch: '30307',
    })
    expect([row.get('GSID'), row.get('Vintage'), row.get('Quantity')]).toEqual(['11236', '2024', '19149'])
  })

  it('parses a real retirement serial whose row spans two lines (retirements.csv lines 2-3)', () => {
    const row = rowAt('gold-standard', 'retirements.csv', 2)
    expect(row.endLine).toBe(3)
    expect(parseSerial(row.get('Serial Number'))).toEqual({
      registry: 'GS',
      layout: 'gs',
      serial: 'GS1-1-KE-GS11603-16-2025-30256-110-5463',
      space: 'GS/30256',
      start: 110,
      end: 5463,
      quantity: 5354,
      prefix: 'GS1',
      version: '1',
      country: 'KE',
      projectId: 'GS11603',
      projectTypeCode: '16',
      vintage: '2025',
      issuanceBatch: '30256',
    })
  })

  it('parses the CDM CER ranges Gold Standard lists for CDM projects (issuances.csv line 82)', () => {
    const row = rowAt('gold-standard', 'issuances.csv', 82)
    expect(parseSerial(row.get('Serial Number'))).toEqual({
      registry: 'GS',
      layout: 'cdm',
      serial: 'RW-5-1463953-2-2-0-7014 - RW-5-1467609-2-2-0-7014',
      space: 'GS/CDM-RW',
      start: 1463953,
      end: 1467609,
      quantity: 3657,
      originatingParty: 'RW',
      unitTypeCode: '5',
      unitType: 'CER',
      originalCommitmentPeriod: '2',
      commitmentPeriod: '2',
      lulucfActivity: '0',
      cdmProjectId: '7014',
      projectId: null,
      vintage: null,
    })
    expect([row.get('Quantity'), row.get('Product Type')]).toEqual(['3657', 'CER'])
  })

  it('refuses malformed serials with a typed reason and a clear message', () => {
    const cases: [string, string, string][] = [
      ['', 'EMPTY', 'empty'],
      ['GS1-1-UG-GS11236-16-2024-30307-1', 'LAYOUT', "has 8 '-'-separated fields; expected 9"],
      ['GS1-1-UG-GS11236-16-2024-30307-1-19149-2', 'LAYOUT', 'has 10'],
      ['VCS-1-UG-GS11236-16-2024-30307-1-19149', 'FIELD', 'prefix "VCS"'],
      ['GS1-1-UG-11236-16-2024-30307-1-19149', 'FIELD', 'project id "11236"'],
      ['GS1-1-UG-GS11236-16-24-30307-1-19149', 'FIELD', 'vintage "24"'],
      ['GS1-1-UG-GS11236-16-2024-3O307-1-19149', 'FIELD', 'issuance batch "3O307"'],
      ['GS1-1-UG-GS11236-16-2024-30307-19149-1', 'RANGE', 'block end 1 is before block start 19149'],
      ['GS1-1-UG-GS11236-16-2024-30307-0-19149', 'RANGE', 'block start 0'],
      ['RW-5-1463953-2-2-0-7014 - RW-5-1467609-2-2-0-7015', 'LAYOUT', 'differ in more than the unit serial'],
      ['RW-9-1463953-2-2-0-7014 - RW-9-1467609-2-2-0-7014', 'FIELD', 'not a Kyoto unit type code'],
      ['RW-5-1463953-2-2-0 - RW-5-1467609-2-2-0', 'LAYOUT', 'must have 7'],
      ['RW-5-1467609-2-2-0-7014 - RW-5-1463953-2-2-0-7014', 'RANGE', 'before block start'],
    ]
    for (const [serial, reason, message] of cases) {
      const error = parseErrorOf(() => parseSerial(serial))
      expect(error.reason, serial).toBe(reason)
      expect(error.message, serial).toContain(message)
    }
  })
})

describe('Gold Standard planImport on the fixture set', () => {
  const files = loadSet('gold-standard')
  const plan = planImport('gold-standard', files)

  it('has no errors and the expected step counts', () => {
    expect(plan.errors).toEqual([])
    expect(plan.warnings).toEqual([])
    checkInvariants(plan)
    const issuances = rows('gold-standard', 'issuances.csv')
    const retirements = rows('gold-standard', 'retirements.csv')
    const listed = new Set(rows('gold-standard', 'projects.csv').map((row) => row.get('GSID')))
    const referenced = new Set([...issuances, ...retirements].map((row) => row.get('GSID')).filter((id) => !listed.has(id)))
    expect(listed.size).toBe(50)
    expect(referenced.size).toBe(87)
    const retiredRows = retirements.filter((row) => row.get('Credit Status') === 'Retired').length
    const cancelledRows = retirements.filter((row) => row.get('Credit Status') === 'Canceled').length
    expect([retiredRows, cancelledRows]).toEqual([94, 6])
    // 140 GS batches (one of them, GS/29960, known only from two non-adjacent retirements: 2 intervals)
    // plus the 3 CDM issuances of project 7014.
    expect(plan.summary.steps).toEqual({
      'project.register': 137,
      'batch.issue': 144,
      'credit.retire': retiredRows,
      'credit.cancel': cancelledRows,
      total: 137 + 144 + 94 + 6,
    })
    expect(plan.summary.credits).toEqual({ issued: 7_332_139, retired: 813_318, cancelled: 1_155_441 })
  })

  it('an issuance row defines its batch; its retirements are sub-ranges of it', () => {
    const batch = stepsOf(plan, 'batch.issue').find((step) => step.body.space === 'GS/30256')
    expect(batch).toEqual({
      source: { path: 'gold-standard/issuances.csv', line: 53 },
      kind: 'batch.issue',
      body: {
        registry: 'GS',
        projectId: 'GS11603',
        space: 'GS/30256',
        serialStart: 1,
        serialEnd: 5485,
        // Vintage 2025, narrowed to the monitoring period 2024-03-02..2025-03-10.
        vintageStart: '2025-01-01',
        vintageEnd: '2025-03-10',
        unitType: 'VER',
        labels: ['Emission Reduction'],
        correspondingAdjustment: '',
        originalSerial: 'GS1-1-KE-GS11603-16-2025-30256-1-5485',
        issuanceDate: '2026-03-31',
        to: '',
      },
    })
    expect(stepsFrom(plan, 'gold-standard/retirements.csv', 2)).toEqual([
      {
        source: { path: 'gold-standard/retirements.csv', line: 2 },
        kind: 'credit.retire',
        body: {
          batchId: 'GS/30256:1-5485',
          quantity: 0,
          range: { start: 110, end: 5463 },
          beneficiary: 'Hilti Corporation',
          purpose: 'Retirement on behalf of Hilti Corporation for the compensation of Scope 1 2 and business travel emissions of the year 2025.',
          reason: 'Voluntary',
          retiredOn: '2026-04-10',
        },
      },
    ])
  })

  it('Canceled rows of retirements.csv become credit.cancel with the note as reason', () => {
    const cancels = stepsOf(plan, 'credit.cancel')
    expect(cancels.map((step) => step.source.line)).toEqual([47, 48, 49, 97, 98, 99])
    const transferred = cancels.find((step) => step.body.batchId.startsWith('GS/29957:'))
    expect(transferred?.body.reason).toMatch(/^Transferred to Zimbabwe Carbon Registry/)
    expect(cancels.find((step) => step.source.line === 47)?.body).toEqual({ batchId: 'GS/29978:1-41158', quantity: 0, range: { start: 1, end: 41158 }, reason: 'Canceled' })
  })

  it('CDM issuances are separate batches in GS/CDM-RW though their ranges touch', () => {
    const cdm = stepsOf(plan, 'batch.issue').filter((step) => step.body.space === 'GS/CDM-RW')
    expect(cdm.map((step) => [step.source.line, step.body.serialStart, step.body.serialEnd, step.body.vintageStart, step.body.vintageEnd, step.body.unitType])).toEqual([
      [82, 1463953, 1467609, '2019-01-01', '2019-08-16', 'CER'],
      [83, 1460108, 1463952, '2018-01-01', '2018-12-31', 'CER'],
      [84, 1459975, 1460107, '2017-08-19', '2017-12-31', 'CER'],
    ])
    expect(cdm.every((step) => step.body.projectId === 'GS4823')).toBe(true)
  })

  it('line numbers follow the physical lines of multi-line notes', () => {
    // Record 41 of retirements.csv starts on line 45 and its note ends on line 46; lines 40-45 are adjacent
    // retirements of issuance 29983, which therefore becomes one batch 1-7094.
    const steps = stepsFrom(plan, 'gold-standard/retirements.csv', 45)
    expect(steps.map((step) => [step.kind, step.kind === 'credit.retire' ? step.body.batchId : ''])).toEqual([['credit.retire', 'GS/29983:1-7094']])
    expect(fixtureText('gold-standard', 'retirements.csv').split('\n')[44]).toContain('GS1-1-TR-GS7652-12-2025-29983-1-5085')
  })

  it('a broken serial on line 50 (after several multi-line rows) is reported on line 50 and contributes nothing', () => {
    const text = corruptLine(fixtureText('gold-standard', 'retirements.csv'), 50, 'GS1-1-IN-GS12018-16-2024-29974-1-13101', 'GS1-1-IN-GS12018-16-2024-29974-1')
    const broken = planImport('gold-standard', replaceFile(files, 'gold-standard/retirements.csv', text))
    expect(broken.errors).toEqual([
      {
        path: 'gold-standard/retirements.csv',
        line: 50,
        code: 'LAYOUT',
        reason: `Gold Standard serial "GS1-1-IN-GS12018-16-2024-29974-1" has 8 '-'-separated fields; expected 9 (GS1-1-country-GSid-type-vintage-batch-start-end)`,
      },
    ])
    expect(stepsFrom(broken, 'gold-standard/retirements.csv', 50)).toEqual([])
    expect(broken.steps.some((step) => step.kind === 'batch.issue' && step.body.space === 'GS/29974')).toBe(false)
    // GS12018 appears nowhere else, so its project is not registered either.
    expect(broken.steps.some((step) => step.kind === 'project.register' && step.body.projectId === 'GS12018')).toBe(false)
    expect(broken.summary.steps['credit.retire']).toBe(93)
    checkInvariants(broken)
  })

  it('a retirement outside its issuance, or naming another project in the same batch, is refused', () => {
    const retirements = fixtureText('gold-standard', 'retirements.csv')
    const outside = corruptLine(corruptLine(retirements, 2, '30256-110-5463', '30256-110-5486'), 2, ',5354,', ',5377,')
    const planOutside = planImport('gold-standard', replaceFile(files, 'gold-standard/retirements.csv', outside))
    expect(planOutside.errors).toEqual([
      {
        path: 'gold-standard/retirements.csv',
        line: 2,
        code: 'OUTSIDE',
        reason: 'credits 110-5486 of GS/30256 lie outside what GS1-1-KE-GS11603-16-2025-30256-110-5486 issued (1-5485, gold-standard/issuances.csv line 53)',
      },
    ])
    expect(stepsFrom(planOutside, 'gold-standard/retirements.csv', 2)).toEqual([])

    const conflict = corruptLine(corruptLine(retirements, 2, 'GS11603-16-2025-30256', 'GS11604-16-2025-30256'), 2, ',11603,', ',11604,')
    const planConflict = planImport('gold-standard', replaceFile(files, 'gold-standard/retirements.csv', conflict))
    expect(planConflict.errors).toHaveLength(1)
    expect(planConflict.errors[0]).toMatchObject({ line: 2, code: 'CONFLICT' })
    expect(planConflict.errors[0]?.reason).toContain('(project GS11603, vintage 2025, unit VER) but this row says project GS11604, vintage 2025, unit VER')
    expect(planConflict.steps.some((step) => step.kind === 'project.register' && step.body.projectId === 'GS11604')).toBe(false)
  })

  it('checks the row against its serial: GSID, vintage, quantity, CDM unit type', () => {
    const issuances = fixtureText('gold-standard', 'issuances.csv')
    const errorsFor = (text: string) => planImport('gold-standard', [{ path: 'issuances.csv', text }]).errors
    expect(errorsFor(corruptLine(issuances, 2, ',11236,', ',11237,'))).toEqual([
      { path: 'issuances.csv', line: 2, code: 'MISMATCH', reason: 'project id in the serial is "GS11236" but column "GSID" says "GS11237"' },
    ])
    expect(errorsFor(corruptLine(issuances, 2, '2024,Issued,19149', '2023,Issued,19149'))[0]).toMatchObject({ code: 'MISMATCH', reason: expect.stringContaining('vintage in the serial is "2024"') })
    expect(errorsFor(corruptLine(issuances, 2, ',19149,', ',19150,'))[0]).toMatchObject({ code: 'MISMATCH', reason: expect.stringContaining('quantity') })
    expect(errorsFor(corruptLine(issuances, 82, ',CER,', ',VER,'))[0]).toMatchObject({ line: 82, code: 'MISMATCH', reason: expect.stringContaining('unit type in the serial is "CER"') })
  })
})
