import { describe, expect, it } from 'vitest'
import { parseSerial } from '../../client/registries/acr.ts'
import { planImport } from '../../client/registries/index.ts'
import { checkInvariants, corruptLine, fixtureText, loadSet, parseErrorOf, replaceFile, rowAt, rows, stepsFrom, stepsOf } from './helpers.ts'

describe('ACR parseSerial', () => {
  it('parses a real retirement serial (retirements.csv line 2)', () => {
    const row = rowAt('american-carbon-registry', 'retirements.csv', 2)
    expect(parseSerial(row.get('Credit Serial Numbers'))).toEqual({
      registry: 'ACR',
      serial: 'ACR-FR-1129-2025-2917-30932 to 35143',
      space: 'ACR/2917',
      start: 30932,
      end: 35143,
      quantity: 4212,
      country: 'FR',
      projectId: 'ACR1129',
      projectNumber: '1129',
      vintage: '2025',
      issuanceBatch: '2917',
    })
    expect([row.get('Project ID'), row.get('Vintage'), row.get('Quantity of Credits'), row.get('Project Site Country')]).toEqual(['ACR1129', '2025', '4212', 'FR'])
  })

  it('parses a real cancellation serial covering a whole batch (cancellations.csv line 2)', () => {
    expect(parseSerial(rowAt('american-carbon-registry', 'cancellations.csv', 2).get('Credit Serial Numbers'))).toMatchObject({
      serial: 'ACR-US-1185-2025-3078-1 to 85847',
      space: 'ACR/3078',
      start: 1,
      end: 85847,
      quantity: 85847,
      country: 'US',
      projectId: 'ACR1185',
      vintage: '2025',
    })
  })

  it('refuses malformed serials with a typed reason and a clear message', () => {
    const cases: [string, string, string][] = [
      ['', 'EMPTY', 'empty'],
      ['ACR-US-1185-2025-3078-1-85847', 'LAYOUT', 'does not end with "-<start> to <end>"'],
      ['ACR-US-1185-2025-1 to 85847', 'LAYOUT', "has 4 '-'-separated fields before the range; expected 5"],
      ['CAR-US-1185-2025-3078-1 to 85847', 'FIELD', 'does not start with "ACR-"'],
      ['ACR-USA-1185-2025-3078-1 to 85847', 'FIELD', 'country "USA"'],
      ['ACR-US-1185-25-3078-1 to 85847', 'FIELD', 'vintage "25"'],
      ['ACR-US-1185-2025-30x8-1 to 85847', 'FIELD', 'issuance batch "30x8"'],
      ['ACR-US-1185-2025-3078-85847 to 1', 'RANGE', 'block end 1 is before block start 85847'],
      ['ACR-US-1185-2025-3078-1 to 8584x', 'FIELD', 'block end "8584x"'],
    ]
    for (const [serial, reason, message] of cases) {
      const error = parseErrorOf(() => parseSerial(serial))
      expect(error.reason, serial).toBe(reason)
      expect(error.message, serial).toContain(message)
    }
  })
})

describe('ACR planImport on the fixture set', () => {
  const files = loadSet('american-carbon-registry')
  const plan = planImport('acr', files)

  it('has no errors and the expected step counts', () => {
    expect(plan.errors).toEqual([])
    checkInvariants(plan)
    const retirements = rows('american-carbon-registry', 'retirements.csv')
    const cancellations = rows('american-carbon-registry', 'cancellations.csv')
    const issuances = rows('american-carbon-registry', 'issuances.csv')
    const listed = new Set(rows('american-carbon-registry', 'projects.csv').map((row) => row.get('Project ID')))
    const missing = new Set([...issuances, ...retirements, ...cancellations].map((row) => row.get('Project ID')).filter((id) => !listed.has(id)))
    expect([listed.size, missing.size]).toEqual([50, 101])
    expect(plan.summary.steps).toEqual({
      'project.register': 151,
      // 76 issuance batches; 4 of them are known only through non-adjacent retirements (2917: 3 pieces, 2713,
      // 3027, 2213: 2 pieces each).
      'batch.issue': 81,
      'credit.retire': retirements.length,
      'credit.cancel': cancellations.length,
      total: 151 + 81 + 100 + 50,
    })
    const quantity = (list: typeof retirements) => list.reduce((sum, row) => sum + Number(row.get('Quantity of Credits')), 0)
    expect(plan.summary.credits).toEqual({ issued: quantity(retirements) + quantity(cancellations), retired: quantity(retirements), cancelled: quantity(cancellations) })
  })

  it('issuance rows carry no serial: they only describe projects, never batches', () => {
    expect(plan.steps.filter((step) => step.source.path.endsWith('issuances.csv')).every((step) => step.kind === 'project.register')).toBe(true)
    const fromIssuances = stepsOf(plan, 'project.register').filter((step) => step.source.path.endsWith('issuances.csv'))
    expect(fromIssuances.length).toBeGreaterThan(0)
    expect(fromIssuances[0]).toEqual({
      source: { path: 'american-carbon-registry/issuances.csv', line: 2 },
      kind: 'project.register',
      body: {
        registry: 'ACR',
        program: 'ACR',
        projectId: 'ACR731',
        name: 'Perennial CMM CMB7-1 Flare Project',
        developer: 'Perennial CMM LLC',
        country: 'US',
        sector: 'Coal Mine Methane',
        methodology: 'ARB Compliance Offset Protocol: Mine Methane Capture Projects',
        status: '',
        attributes: {
          'Methodology/Protocol Version': 'April 25, 2014',
          'Project VVB': 'Agri-Waste Technology, Inc.',
          'Project Site Location': 'Waynesburg, pa',
          'Project Site State': 'PENNSYLVANIA',
          'Sustainable Development Goal(s)': '09: Industry, Innovation and Infrastructure;13: Climate Action',
          'Project Website': 'www.Perennialcmm.com',
          'Project Crediting Period Start Date': '1/19/2022',
        },
      },
    })
  })

  it('retirements and cancellations keep their exact ranges, dates and reasons', () => {
    expect(stepsFrom(plan, 'american-carbon-registry/retirements.csv', 2).map((step) => step.kind)).toEqual(['batch.issue', 'credit.retire'])
    expect(stepsFrom(plan, 'american-carbon-registry/retirements.csv', 2).slice(1)).toEqual([
      {
        source: { path: 'american-carbon-registry/retirements.csv', line: 2 },
        kind: 'credit.retire',
        body: {
          batchId: 'ACR/2917:30932-35143',
          quantity: 0,
          range: { start: 30932, end: 35143 },
          beneficiary: 'AWS',
          purpose: 'Retirement for 2025 emissions associated with customer usage; AWS',
          reason: 'Environmental Benefit',
          retiredOn: '2026-04-13',
        },
      },
    ])
    const batch = stepsOf(plan, 'batch.issue').find((step) => step.body.space === 'ACR/3078')
    expect(batch).toEqual({
      source: { path: 'american-carbon-registry/cancellations.csv', line: 2 },
      kind: 'batch.issue',
      body: {
        registry: 'ACR',
        projectId: 'ACR1185',
        space: 'ACR/3078',
        serialStart: 1,
        serialEnd: 85847,
        vintageStart: '2024-12-09',
        vintageEnd: '2025-06-03',
        unitType: 'ERT',
        labels: ['Ecology Eligible'],
        correspondingAdjustment: '',
        originalSerial: 'ACR-US-1185-2025-3078-1 to 85847',
        issuanceDate: '2025-11-03',
        to: '',
      },
    })
    expect(stepsFrom(plan, 'american-carbon-registry/cancellations.csv', 2).find((step) => step.kind === 'credit.cancel')?.body).toEqual({
      batchId: 'ACR/3078:1-85847',
      quantity: 0,
      range: { start: 1, end: 85847 },
      reason: 'Convert to Ecology offset credits',
    })
  })

  it('a broken serial on line 5 is reported on line 5 and contributes nothing', () => {
    const text = corruptLine(fixtureText('american-carbon-registry', 'retirements.csv'), 5, '22088 to 149558', '22088 149558')
    const broken = planImport('acr', replaceFile(files, 'american-carbon-registry/retirements.csv', text))
    expect(broken.errors).toEqual([
      {
        path: 'american-carbon-registry/retirements.csv',
        line: 5,
        code: 'LAYOUT',
        reason: 'ACR serial "ACR-DE-1194-2025-3113-22088 149558" does not end with "-<start> to <end>"',
      },
    ])
    expect(stepsFrom(broken, 'american-carbon-registry/retirements.csv', 5)).toEqual([])
    // Batch 3113 is known only from that row.
    expect(broken.steps.some((step) => step.kind === 'batch.issue' && step.body.space === 'ACR/3113')).toBe(false)
    expect(broken.summary.steps).toMatchObject({ 'batch.issue': 80, 'credit.retire': 99, 'credit.cancel': 50 })
    checkInvariants(broken)
  })

  it('an issuance row with an unreadable total is refused and describes no project', () => {
    const text = corruptLine(fixtureText('american-carbon-registry', 'issuances.csv'), 2, ',74344,74344,', ',7434A,74344,')
    const broken = planImport('acr', [{ path: 'issuances.csv', text }])
    expect(broken.errors).toEqual([{ path: 'issuances.csv', line: 2, code: 'NUMBER', reason: 'column "Total Credits Issued" "7434A" is not a whole number' }])
    expect(stepsFrom(broken, 'issuances.csv', 2)).toEqual([])
  })

  it('checks the country in the serial against Project Site Country', () => {
    const text = corruptLine(fixtureText('american-carbon-registry', 'retirements.csv'), 2, 'Auvergne-Rhone-Alps,FR,', 'Auvergne-Rhone-Alps,DE,')
    expect(planImport('acr', [{ path: 'retirements.csv', text }]).errors).toEqual([
      { path: 'retirements.csv', line: 2, code: 'MISMATCH', reason: 'country in the serial is "FR" but column "Project Site Country" says "DE"' },
    ])
  })
})
