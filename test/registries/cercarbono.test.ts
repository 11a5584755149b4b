import { describe, expect, it } from 'vitest'
import { literalStrings, parseSerial } from '../../client/registries/cercarbono.ts'
import { planImport } from '../../client/registries/index.ts'
import { checkInvariants, corruptLine, fixtureText, loadSet, parseErrorOf, replaceFile, rowAt, rows, stepsFrom, stepsOf } from './helpers.ts'

describe('Cercarbono parseSerial', () => {
  it('parses a real batch serial without a vintage (issuances.csv line 2)', () => {
    expect(parseSerial(rowAt('cercarbono', 'issuances.csv', 2).get('serial'))).toEqual({
      registry: 'CERCARBONO',
      serial: 'CDC_1_1_1_321_14_1',
      space: 'CERCARBONO/CDC_1_1_1_321_14_1',
      start: null,
      end: null,
      quantity: null,
      prefix: 'CDC',
      projectNumber: '1',
      projectId: 'CDC-1',
      codes: ['1', '1', '321'],
      sectorCode: '14',
      vintage: null,
      buffer: false,
      bufferMarker: null,
      segments: ['1'],
    })
  })

  it('parses real buffer serials: _BF after the vintage (line 5) and _BFC before it (line 23)', () => {
    const row = rowAt('cercarbono', 'issuances.csv', 5)
    expect([row.get('is_buffer'), row.get('year')]).toEqual(['True', '2008'])
    expect(parseSerial(row.get('serial'))).toMatchObject({
      serial: 'CDC_1_1_1_321_14_1_2008_BF',
      space: 'CERCARBONO/CDC_1_1_1_321_14_1_2008_BF',
      projectId: 'CDC-1',
      vintage: '2008',
      buffer: true,
      bufferMarker: 'BF',
      segments: ['1'],
    })
    expect(parseSerial(rowAt('cercarbono', 'issuances.csv', 23).get('serial'))).toEqual({
      registry: 'CERCARBONO',
      serial: 'CDC_4_1_1_321_14_R1_XX_CO_1_2_BFC_2022',
      space: 'CERCARBONO/CDC_4_1_1_321_14_R1_XX_CO_1_2_BFC_2022',
      start: null,
      end: null,
      quantity: null,
      prefix: 'CDC',
      projectNumber: '4',
      projectId: 'CDC-4',
      codes: ['1', '1', '321'],
      sectorCode: '14',
      vintage: '2022',
      buffer: true,
      bufferMarker: 'BFC',
      segments: ['R1', 'XX', 'CO', '1', '2'],
    })
  })

  it('takes positions from a retirement row (retirements.csv line 2)', () => {
    const row = rowAt('cercarbono', 'retirements.csv', 2)
    const serial = parseSerial(row.get('serial'), { start: Number(row.get('from')), end: Number(row.get('to')) })
    expect(serial).toMatchObject({ serial: 'CDC_1_1_1_321_14_1_2009', start: 4426, end: 4971, quantity: 546, vintage: '2009', projectId: 'CDC-1' })
    expect(row.get('quantity')).toBe('546')
  })

  it('reads the older CDC_R_ and IC_ prefixes listed in projects.csv', () => {
    const listed = rows('cercarbono', 'projects.csv')
    const serials = listed.flatMap((row) => literalStrings(row.get('serials'), 'serial'))
    expect(serials).toContain('CDC_R_16_3_5_323_1_CO_1_1_2011')
    expect(serials).toContain('IC_15_1_1_321_14_CO_1_1_2008')
    expect(parseSerial('CDC_R_16_3_5_323_1_CO_1_1_2011')).toMatchObject({ prefix: 'CDC_R', projectId: 'CDC-16', codes: ['3', '5', '323'], sectorCode: '1', vintage: '2011' })
    expect(parseSerial('IC_15_1_1_321_14_CO_1_1_2008')).toMatchObject({ prefix: 'IC', projectId: 'CDC-15', vintage: '2008', buffer: false })
    // Every serial a project lists parses and names that project.
    for (const row of listed) {
      for (const serial of literalStrings(row.get('serials'), 'serial')) expect(parseSerial(serial).projectId, serial).toBe(row.get('code'))
    }
  })

  it('refuses malformed serials with a typed reason and a clear message', () => {
    const cases: [string, SerialRangeInput, string, string][] = [
      ['', undefined, 'EMPTY', 'empty'],
      ['VCS_1_1_1_321_14_1', undefined, 'LAYOUT', 'does not start with CDC_'],
      ['CDC_1_1_1_321', undefined, 'LAYOUT', 'too few fields'],
      ['CDC_1__1_321_14_1', undefined, 'LAYOUT', "empty '_'-separated field"],
      ['CDC_x_1_1_321_14_1', undefined, 'FIELD', 'project number "x"'],
      ['CDC_1_1_1_321_14_1_2009_bf', undefined, 'FIELD', 'field "bf"'],
      ['CDC_1_1_1_321_14_BFC_2009_BF', undefined, 'FIELD', 'more than one buffer marker'],
      ['CDC_1_1_1_321_14_1_2009', { start: 10, end: 9 }, 'RANGE', 'block end 9 is before block start 10'],
    ]
    for (const [serial, positions, reason, message] of cases) {
      const error = parseErrorOf(() => parseSerial(serial, positions))
      expect(error.reason, serial).toBe(reason)
      expect(error.message, serial).toContain(message)
    }
  })
})

type SerialRangeInput = { start: number; end: number } | undefined

describe('Cercarbono planImport on the fixture set', () => {
  const files = loadSet('cercarbono')
  const plan = planImport('cercarbono', files)
  const issuances = rows('cercarbono', 'issuances.csv')
  const retirements = rows('cercarbono', 'retirements.csv')

  it('has no errors, one batch per issued serial, one retirement per row', () => {
    expect(plan.errors).toEqual([])
    checkInvariants(plan)
    expect(plan.summary.steps).toEqual({ 'project.register': 50, 'batch.issue': issuances.length, 'credit.retire': retirements.length, 'credit.cancel': 0, total: 250 })
    expect(plan.summary.projects).toEqual({ listed: 50, derived: 0 })
    expect(plan.summary.credits).toEqual({
      issued: issuances.reduce((sum, row) => sum + Number(row.get('issued_quantity')), 0),
      retired: retirements.reduce((sum, row) => sum + Number(row.get('quantity')), 0),
      cancelled: 0,
    })
    expect(plan.summary.credits).toEqual({ issued: 2_166_860, retired: 639_718, cancelled: 0 })
  })

  it('real data: five older batches number their positions from 0; they become serials position + 1, with a warning', () => {
    // Retirement lines 9, 10, 11, 17 and 22 run from position 0 (to - from + 1 = quantity; the batches retired
    // in full end at issued_quantity - 1). The ledger's serials start at 1 and the issuance covers
    // 1..issued_quantity, so these batches' positions p are imported as serials p + 1.
    const witness = (serial: string) => `${serial} numbers its positions from 0 (this row starts at 0): its positions p are imported as serials p + 1`
    expect(plan.warnings).toEqual([
      { path: 'cercarbono/retirements.csv', line: 9, message: witness('CDC_1_1_1_321_14_1') },
      { path: 'cercarbono/retirements.csv', line: 10, message: witness('CDC_2_1_1_321_14_1') },
      { path: 'cercarbono/retirements.csv', line: 11, message: witness('CDC_3_1_1_321_14_1') },
      { path: 'cercarbono/retirements.csv', line: 17, message: witness('CDC_4_1_1_321_14_1') },
      { path: 'cercarbono/retirements.csv', line: 22, message: witness('CDC_5_1_1_321_14_1') },
    ])
    expect([rowAt('cercarbono', 'retirements.csv', 10).get('from'), rowAt('cercarbono', 'retirements.csv', 10).get('to')]).toEqual(['0', '9515'])
    expect(rowAt('cercarbono', 'issuances.csv', 8).get('issued_quantity')).toBe('9516')
    const batch = stepsOf(plan, 'batch.issue').find((step) => step.body.space === 'CERCARBONO/CDC_1_1_1_321_14_1')
    expect(batch).toEqual({
      source: { path: 'cercarbono/issuances.csv', line: 2 },
      kind: 'batch.issue',
      body: {
        registry: 'CERCARBONO',
        projectId: 'CDC-1',
        space: 'CERCARBONO/CDC_1_1_1_321_14_1',
        serialStart: 1,
        serialEnd: 62740,
        vintageStart: '2010-01-01',
        vintageEnd: '2018-09-30',
        unitType: 'CDC',
        labels: ['Colombian Carbon Tax', 'Voluntary compensation'],
        correspondingAdjustment: '',
        originalSerial: 'CDC_1_1_1_321_14_1',
        issuanceDate: '2019-03-07',
        to: '',
      },
    })
    // Positions 0-999 and 1000-62739 of that batch.
    expect(stepsFrom(plan, 'cercarbono/retirements.csv', 9)[0]?.body).toEqual({
      batchId: 'CERCARBONO/CDC_1_1_1_321_14_1:1-62740',
      quantity: 0,
      range: { start: 1, end: 1000 },
      beneficiary: 'Not public',
      purpose: 'passive subject: PRIMAX COLOMBIA S.A.',
      reason: 'Colombian Carbon Tax',
      retiredOn: '2019-03-07',
    })
    const rest = stepsOf(plan, 'credit.retire').filter((step) => step.body.batchId === 'CERCARBONO/CDC_1_1_1_321_14_1:1-62740')
    expect(rest.map((step) => [step.source.line, step.body.range])).toEqual([
      [8, { start: 1001, end: 62740 }],
      [9, { start: 1, end: 1000 }],
    ])
    // CDC_2 was retired in full: positions 0-9515 are serials 1-9516, its whole issuance.
    expect(stepsFrom(plan, 'cercarbono/retirements.csv', 10)[0]?.body).toMatchObject({ batchId: 'CERCARBONO/CDC_2_1_1_321_14_1:1-9516', range: { start: 1, end: 9516 } })
    // Batches numbered from 1 keep their positions as serials.
    expect(stepsOf(plan, 'batch.issue').find((step) => step.body.space === 'CERCARBONO/CDC_1_1_1_321_14_1_2009')?.body).toMatchObject({ serialStart: 1, serialEnd: 4971 })
    expect(stepsFrom(plan, 'cercarbono/retirements.csv', 2)[0]?.body).toMatchObject({ range: { start: 4426, end: 4971 } })
  })

  it('buffer serials are batches of their own, labelled Buffer', () => {
    const buffer = stepsOf(plan, 'batch.issue').find((step) => step.body.space === 'CERCARBONO/CDC_1_1_1_321_14_1_2008_BF')
    expect(buffer?.body).toMatchObject({ serialStart: 1, serialEnd: 226, labels: ['Voluntary compensation', 'Buffer'], vintageStart: '2008-01-16', vintageEnd: '2008-12-31' })
  })

  it('projects come from projects.csv with country and sector read out of the JSON-like columns', () => {
    expect(plan.steps[0]?.body).toMatchObject({
      registry: 'CERCARBONO',
      program: 'Cercarbono',
      projectId: 'CDC-1',
      name: 'Carbono Agroporvanda',
      developer: 'Forestry Consulting Group S.A.S.',
      country: 'Colombia',
      sector: 'Land use (AFOLU)',
      methodology: 'CDM - AR-ACM0003: Afforestation and reforestation of lands except wetlands',
      status: 'Certified',
    })
  })

  it('a broken row on line 5 is reported on line 5 and contributes nothing', () => {
    const quantityOff = corruptLine(fixtureText('cercarbono', 'retirements.csv'), 5, ',1656,2261,', ',1656,2262,')
    const broken = planImport('cercarbono', replaceFile(files, 'cercarbono/retirements.csv', quantityOff))
    expect(broken.errors).toEqual([
      { path: 'cercarbono/retirements.csv', line: 5, code: 'MISMATCH', reason: 'quantity in the serial is "607" but column "quantity" says "606"' },
    ])
    expect(stepsFrom(broken, 'cercarbono/retirements.csv', 5)).toEqual([])
    expect(broken.summary.steps['credit.retire']).toBe(99)

    const badSerial = corruptLine(fixtureText('cercarbono', 'issuances.csv'), 5, 'CDC_1_1_1_321_14_1_2008_BF', 'CDC_1_1_1_321_14_1_2008_bf')
    const brokenIssuance = planImport('cercarbono', replaceFile(files, 'cercarbono/issuances.csv', badSerial))
    expect(brokenIssuance.errors).toEqual([
      { path: 'cercarbono/issuances.csv', line: 5, code: 'FIELD', reason: 'field "bf" in Cercarbono serial "CDC_1_1_1_321_14_1_2008_bf" is not an upper-case code' },
    ])
    expect(stepsFrom(brokenIssuance, 'cercarbono/issuances.csv', 5)).toEqual([])
    expect(brokenIssuance.summary.steps['batch.issue']).toBe(99)
    checkInvariants(brokenIssuance)
  })

  it('a retirement beyond what its batch issued is refused', () => {
    const beyond = corruptLine(corruptLine(fixtureText('cercarbono', 'retirements.csv'), 2, ',4426,4971,', ',4426,4972,'), 2, ',546,', ',547,')
    const planned = planImport('cercarbono', replaceFile(files, 'cercarbono/retirements.csv', beyond))
    expect(planned.errors).toEqual([
      {
        path: 'cercarbono/retirements.csv',
        line: 2,
        code: 'OUTSIDE',
        reason: 'credits 4426-4972 of CERCARBONO/CDC_1_1_1_321_14_1_2009 lie outside what CDC_1_1_1_321_14_1_2009 issued (1-4971, cercarbono/issuances.csv line 4)',
      },
    ])
  })

  it('without the issuance file, batches are the merged retirement ranges', () => {
    const only = planImport('cercarbono', files.filter((file) => file.path.endsWith('retirements.csv')))
    expect(only.errors).toEqual([])
    expect(only.warnings.map((warning) => warning.line)).toEqual([9, 10, 11, 17, 22])
    checkInvariants(only)
    expect(only.summary.steps['credit.retire']).toBe(100)
    expect(stepsOf(only, 'batch.issue').find((step) => step.body.space === 'CERCARBONO/CDC_1_1_1_321_14_1')?.body).toMatchObject({
      serialStart: 1,
      serialEnd: 62740,
      vintageStart: '2015-01-01',
      vintageEnd: '2015-12-31',
      issuanceDate: '',
    })
  })
})
