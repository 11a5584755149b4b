import { describe, expect, it } from 'vitest'
import { planImport } from '../../client/registries/index.ts'
import { adapter, parseSerial } from '../../client/registries/verra.ts'
import { checkInvariants, corruptLine, fixtureText, loadSet, parseErrorOf, replaceFile, rowAt, rows, stepsFrom, stepsOf } from './helpers.ts'

const TX = 'transactions.csv'

describe('Verra parseSerial', () => {
  it('parses a 13-field serial from a real retired row (line 2) field by field', () => {
    const row = rowAt('verra', TX, 2)
    expect(row.get('Serial Number')).toBe('19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1')
    expect(parseSerial(row.get('Serial Number'))).toEqual({
      registry: 'VCS',
      layout: 'standard',
      serial: '19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1',
      space: 'VCS',
      start: 941467007,
      end: 941467431,
      quantity: 425,
      issuanceBatch: '19385',
      program: 'VCS',
      unitType: 'VCU',
      vvbId: '1507',
      registryCode: 'VER',
      country: 'ET',
      sectoralScope: '14',
      projectId: '1340',
      vintageStart: '2020-01-01',
      vintageEnd: '2020-12-31',
      additionalCertification: true,
    })
    // The serial agrees with the row's own columns.
    expect(row.get('ID')).toBe('1340')
    expect(row.get('Quantity Issued')).toBe('425')
  })

  it('parses a real issued (not retired) block (line 102) with a partial-year vintage and no label', () => {
    const serial = parseSerial(rowAt('verra', TX, 102).get('Serial Number'))
    expect(serial).toMatchObject({
      serial: '19410-942201922-942211921-VCS-VCU-7890-VER-AR-1-1996-01012024-31122024-0',
      start: 942201922,
      end: 942211921,
      quantity: 10_000,
      issuanceBatch: '19410',
      country: 'AR',
      sectoralScope: '1',
      projectId: '1996',
      additionalCertification: false,
    })
    const partial = parseSerial(rowAt('verra', TX, 5).get('Serial Number'))
    expect(partial).toMatchObject({ projectId: '1975', vintageStart: '2023-02-01', vintageEnd: '2023-12-31', quantity: 1_710 })
  })

  it('parses the legacy 12-field layout (no program field)', () => {
    // The real line-2 serial with its program field dropped, as pre-2020 Verra serials are printed.
    expect(parseSerial('19385-941467007-941467431-VCU-1507-VER-ET-14-1340-01012020-31122020-1')).toEqual({
      registry: 'VCS',
      layout: 'legacy',
      serial: '19385-941467007-941467431-VCU-1507-VER-ET-14-1340-01012020-31122020-1',
      space: 'VCS',
      start: 941467007,
      end: 941467431,
      quantity: 425,
      issuanceBatch: '19385',
      program: null,
      unitType: 'VCU',
      vvbId: '1507',
      registryCode: 'VER',
      country: 'ET',
      sectoralScope: '14',
      projectId: '1340',
      vintageStart: '2020-01-01',
      vintageEnd: '2020-12-31',
      additionalCertification: true,
    })
    // Older registries' codes (MER, APX) in the registry field.
    expect(parseSerial('  5432-250193433-250194432-VCU-008-MER-CN-1-459-01012012-31122012-0 ')).toMatchObject({
      layout: 'legacy',
      registryCode: 'MER',
      projectId: '459',
      quantity: 1_000,
      vintageStart: '2012-01-01',
      vintageEnd: '2012-12-31',
      additionalCertification: false,
    })
  })

  it('refuses malformed serials with a typed reason and a clear message', () => {
    const cases: [string, string, string | RegExp][] = [
      ['', 'EMPTY', 'empty'],
      ['   ', 'EMPTY', 'empty'],
      ['19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020', 'LAYOUT', "has 11 '-'-separated fields; expected 13 (or 12 for legacy serials)"],
      ['19385--941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1', 'LAYOUT', 'empty field'],
      ['19385-941467431-941467007-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1', 'RANGE', 'block end 941467007 is before block start 941467431'],
      ['19385-94146700X-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1', 'FIELD', 'block start "94146700X"'],
      ['19385-0-10-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1', 'RANGE', 'block start 0'],
      ['19385-941467007-941467431-VCS-VCU-1507-VER-ETH-14-1340-01012020-31122020-1', 'FIELD', 'country "ETH"'],
      ['19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-31022020-31122020-1', 'DATE', 'not a calendar date'],
      ['19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-2020-01-01', 'FIELD', 'vintage start "2020" in serial'],
      ['19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012021-31122020-1', 'FIELD', 'vintage end 2020-12-31 is before vintage start 2021-01-01'],
      ['19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-2', 'FIELD', 'flag "2"'],
      ['19385-941467007-941467431-123-VCU-1507-VER-ET-14-1340-01012020-31122020-1', 'FIELD', 'program "123"'],
    ]
    for (const [serial, reason, message] of cases) {
      const error = parseErrorOf(() => parseSerial(serial))
      expect(error.name).toBe('ParseError')
      expect(error.reason, serial).toBe(reason)
      if (typeof message === 'string') expect(error.message).toContain(message)
      else expect(error.message).toMatch(message)
    }
  })

  it('cross-checks a row: quantity, project id, vintage and the label flag against the columns', () => {
    const row = rowAt('verra', TX, 2)
    expect(adapter.record('transactions', row).unit).toMatchObject({ kind: 'retire', space: 'VCS', group: '19385', range: { start: 941467007, end: 941467431 } })
    const text = fixtureText('verra', TX)
    const broken = (from: string, to: string) => {
      const changed = corruptLine(text, 2, from, to)
      return planImport('verra', [{ path: 'verra/transactions.csv', text: changed }]).errors
    }
    expect(broken(',425,', ',426,')).toEqual([
      { path: 'verra/transactions.csv', line: 2, code: 'MISMATCH', reason: 'quantity in the serial is "425" but column "Quantity Issued" says "426"' },
    ])
    expect(broken(',1340,', ',1341,')[0]).toMatchObject({ line: 2, code: 'MISMATCH', reason: expect.stringContaining('project id in the serial is "1340"') })
    expect(broken('2026-04-03,,2020-01-01', '2026-04-03,,2020-02-01')[0]).toMatchObject({ line: 2, code: 'MISMATCH', reason: expect.stringContaining('vintage start') })
    expect(broken('CCB-No Distinction', '')[0]).toMatchObject({ line: 2, code: 'MISMATCH', reason: expect.stringContaining('additional-certification flag is 1') })
    expect(broken(',425,', ',4x5,')[0]).toMatchObject({ line: 2, code: 'NUMBER' })
  })
})

describe('Verra planImport on the fixture set', () => {
  const files = loadSet('verra')
  const plan = planImport('verra', files)
  const transactions = rows('verra', TX)
  const projects = rows('verra', 'projects.csv')

  it('has no errors and the expected step counts', () => {
    expect(plan.errors).toEqual([])
    expect(plan.warnings).toEqual([])
    checkInvariants(plan)
    const retiredRows = transactions.filter((row) => row.get('Retirement/Cancellation Date') !== '')
    const listedIds = new Set(projects.map((row) => row.get('ID')))
    const missing = new Set(transactions.map((row) => row.get('ID')).filter((id) => !listedIds.has(id)))
    expect(plan.summary.steps).toEqual({
      'project.register': projects.length + missing.size,
      'batch.issue': 117,
      'credit.retire': retiredRows.length,
      'credit.cancel': 0,
      total: projects.length + missing.size + 117 + retiredRows.length,
    })
    expect([projects.length, missing.size, retiredRows.length]).toEqual([50, 56, 100])
    expect(plan.summary.projects).toEqual({ listed: 50, derived: 56 })
  })

  it('issues exactly the blocks the file lists and retires exactly the retired ones', () => {
    const quantity = (row: (typeof transactions)[number]) => Number(row.get('Quantity Issued').replace(/,/g, ''))
    expect(plan.summary.credits.issued).toBe(transactions.reduce((sum, row) => sum + quantity(row), 0))
    expect(plan.summary.credits.retired).toBe(
      transactions.filter((row) => row.get('Retirement/Cancellation Date') !== '').reduce((sum, row) => sum + quantity(row), 0),
    )
    expect(plan.summary.credits).toEqual({ issued: 4_029_227, retired: 137_546, cancelled: 0 })
  })

  it('keeps consecutive issuances apart although Verra numbers them contiguously', () => {
    // Lines 12-19 are blocks of issuance 19309; line 20 starts issuance 19310 of the same project, later vintage.
    const batches = stepsOf(plan, 'batch.issue')
    const batch19309 = batches.filter((step) => step.body.originalSerial.startsWith('19309-'))
    expect(batch19309.map((step) => [step.body.serialStart, step.body.serialEnd])).toEqual([[936487628, 936494871]])
    expect(batch19309[0]?.body).toEqual({
      registry: 'VCS',
      projectId: '4150',
      space: 'VCS',
      serialStart: 936487628,
      serialEnd: 936494871,
      vintageStart: '2024-10-01',
      vintageEnd: '2024-12-31',
      unitType: 'VCU',
      labels: [
        'Article 6 Authorized – Intl mitigation purposes',
        'Article 6 Authorized – NDC Use',
        'Article 6 Authorized – Other purposes',
        'CORSIA - First Phase, 2024-2026 Scope',
      ],
      correspondingAdjustment: '',
      originalSerial: '19309-936487628-936491271-VCS-VCU-1491-VER-RW-3-4150-01102024-31122024-1',
      issuanceDate: '2026-03-19',
      to: '',
    })
    expect(batch19309[0]?.source).toEqual({ path: 'verra/transactions.csv', line: 12 })
    // Issuance 19259 has gaps between its blocks: one batch per contiguous interval.
    expect(batches.filter((step) => step.body.originalSerial.startsWith('19259-')).map((step) => [step.body.serialStart, step.body.serialEnd])).toEqual([
      [933637722, 933637784],
      [933638957, 933640290],
      [933640401, 933644768],
    ])
  })

  it('turns each retired row into a credit.retire of its exact range with its beneficiary and reason', () => {
    const fromRow = stepsFrom(plan, 'verra/transactions.csv', 7)
    // Line 7 introduces project 4268, its batch and its retirement.
    expect(fromRow.map((step) => step.kind)).toEqual(['project.register', 'batch.issue', 'credit.retire'])
    expect(fromRow[2]).toEqual({
      source: { path: 'verra/transactions.csv', line: 7 },
      kind: 'credit.retire',
      body: {
        // Issuance 19334's other block (line 177, still issued) continues the range: one batch covers both.
        batchId: 'VCS:940082955-940166696',
        quantity: 0,
        range: { start: 940082955, end: 940097954 },
        beneficiary: 'Shopify Inc.',
        purpose: '',
        reason: 'Retirement for Person or Organization',
        retiredOn: '2026-03-31',
      },
    })
    // Issued-but-not-retired rows produce no retirement.
    expect(stepsFrom(plan, 'verra/transactions.csv', 102).map((step) => step.kind)).toEqual(['project.register', 'batch.issue'])
    expect(stepsFrom(plan, 'verra/transactions.csv', 177)).toEqual([])
  })

  it('registers projects from projects.csv with the other columns as attributes', () => {
    const first = plan.steps[0]
    expect(first).toEqual({
      source: { path: 'verra/projects.csv', line: 2 },
      kind: 'project.register',
      body: {
        registry: 'VCS',
        program: 'VCS',
        projectId: '5962',
        name: 'Recovery and Avoidance of methane from Industrial wastewater treatment  project at Agro Muara Rupit mill, Indonesia.',
        developer: 'KNOWLEDGE INTEGRATION SERVICES SINGAPORE PTE. LTD.',
        country: 'Indonesia',
        sector: 'Waste handling and disposal',
        methodology: 'AMS-III.H.',
        status: 'Under validation',
        attributes: { 'Estimated Annual Emission Reductions': '56,373', Region: 'Asia' },
      },
    })
    // Project 1340 is not in projects.csv: it is built from the first transaction row that names it.
    const derived = stepsOf(plan, 'project.register').find((step) => step.body.projectId === '1340')
    expect(derived?.source).toEqual({ path: 'verra/transactions.csv', line: 2 })
    expect(derived?.body).toMatchObject({ name: 'Bale Mountains Eco-region REDD+ project', country: 'Ethiopia', methodology: 'VM0015', status: '' })
  })

  it('a broken serial on line 5 is reported on line 5 and contributes nothing', () => {
    const text = corruptLine(fixtureText('verra', TX), 5, '19368-940602844-940604553', '19368-940604553-940602844')
    const broken = planImport('verra', replaceFile(files, 'verra/transactions.csv', text))
    expect(broken.errors).toEqual([
      {
        path: 'verra/transactions.csv',
        line: 5,
        code: 'RANGE',
        reason: 'block end 940602844 is before block start 940604553 in serial "19368-940604553-940602844-VCS-VCU-1289-VER-VN-1-1975-01022023-31122023-0"',
      },
    ])
    expect(stepsFrom(broken, 'verra/transactions.csv', 5)).toEqual([])
    expect(broken.steps.some((step) => step.kind === 'batch.issue' && step.body.serialStart <= 940604553 && 940602844 <= step.body.serialEnd)).toBe(false)
    expect(broken.summary.steps['credit.retire']).toBe(plan.summary.steps['credit.retire'] - 1)
    expect(broken.summary.steps['batch.issue']).toBe(plan.summary.steps['batch.issue'] - 1)
    expect(broken.summary.credits.issued).toBe(plan.summary.credits.issued - 1_710)
    checkInvariants(broken)
  })

  it('a second copy of a retired row is a duplicate on the copy, the first stays', () => {
    const text = fixtureText('verra', TX)
    const lines = text.split('\n')
    const copy = `${lines.slice(0, 201).join('\n')}\n${lines[6]}\n${lines.slice(201).join('\n')}`
    const duplicated = planImport('verra', replaceFile(files, 'verra/transactions.csv', copy))
    expect(duplicated.errors).toEqual([
      {
        path: 'verra/transactions.csv',
        line: 202,
        code: 'DUPLICATE',
        reason: 'credits 940082955-940097954 of VCS were already retired by verra/transactions.csv line 7 (same range)',
      },
    ])
    expect(duplicated.steps).toEqual(plan.steps)
  })
})
