// The planner's general rules (CSV line numbers, role detection, refusals, caps), on small inputs built from
// real fixture rows.
import { describe, expect, it } from 'vitest'
import { TX_BODY_BYTES_MAX, planImport, readCsv, resolveRegistry, roleFromName } from '../../client/registries/index.ts'
import { checkInvariants, fixtureText, loadSet, stepsFrom, stepsOf } from './helpers.ts'

const verraText = fixtureText('verra', 'transactions.csv')
const verraLines = verraText.split('\n')
const verraHeader = verraLines[0] as string
const line = (index: number) => verraLines[index - 1] as string

describe('readCsv', () => {
  it('gives each record the line it starts on, across quoted newlines, empty lines, CRLF and a BOM', () => {
    const text = '\uFEFFa,b\n1,"two\nlines"\n\n\n3,x\n"4\n\n",y\n5,z'
    const csv = readCsv(text)
    expect(csv.header).toEqual(['a', 'b'])
    expect(csv.rows.map((row) => [row.line, row.endLine, row.get('a')])).toEqual([
      [2, 3, '1'],
      [6, 6, '3'],
      [7, 9, '4'],
      [10, 10, '5'],
    ])
    const crlf = readCsv(text.replace(/\n/g, '\r\n'))
    expect(crlf.rows.map((row) => [row.line, row.endLine])).toEqual([
      [2, 3],
      [6, 6],
      [7, 9],
      [10, 10],
    ])
    expect(crlf.rows[0]?.get('b')).toBe('two\nlines')
  })

  it('matches the physical lines of the Gold Standard retirements, whose notes hold newlines', () => {
    const text = fixtureText('gold-standard', 'retirements.csv')
    const physical = text.split('\n')
    const csv = readCsv(text)
    expect(csv.errors).toEqual([])
    expect(csv.rows).toHaveLength(100)
    expect(csv.rows.filter((row) => row.endLine > row.line).map((row) => row.line)).toEqual([2, 4, 6, 8, 45])
    for (const row of csv.rows) expect(physical[row.line - 1]).toContain(row.get('Serial Number'))
  })

  it('reports malformed records with their line and keeps the others', () => {
    const wrongCount = readCsv('a,b\n1,2\n3,4,5\n6,7\n')
    expect(wrongCount.rows.map((row) => row.line)).toEqual([2, 4])
    expect(wrongCount.errors).toEqual([{ line: 3, reason: 'CSV', message: 'malformed CSV record: 3 fields where the header has 2' }])
    const unclosed = readCsv('a,b\n1,2\n3,"open\n4,5\n')
    expect(unclosed.rows.map((row) => row.line)).toEqual([2])
    expect(unclosed.errors).toHaveLength(1)
    expect(unclosed.errors[0]).toMatchObject({ line: 3, reason: 'CSV' })
    expect(unclosed.errors[0]?.message).toContain('Quote Not Closed')
  })
})

describe('planImport: files and roles', () => {
  it('accepts registry codes and names', () => {
    expect(['VCS', 'verra', 'Verra', 'GS', 'gold-standard', 'ACR', 'american-carbon-registry', 'car', 'climate-action-reserve', 'CERCARBONO', 'cercarbono'].map(resolveRegistry)).toEqual([
      'VCS',
      'VCS',
      'VCS',
      'GS',
      'GS',
      'ACR',
      'ACR',
      'CAR',
      'CAR',
      'CERCARBONO',
      'CERCARBONO',
    ])
    expect(() => resolveRegistry('art-trees')).toThrow(/unknown registry "art-trees"/)
  })

  it('tells the role from the file name or, failing that, the header row', () => {
    expect(['projects.csv', 'x/verra-transactions.CSV', 'gs_issuances_2026.csv', 'retirements.csv', 'Cancellations.csv', 'export.csv'].map(roleFromName)).toEqual([
      'projects',
      'transactions',
      'issuances',
      'retirements',
      'cancellations',
      undefined,
    ])
    const renamed = planImport('gold-standard', [
      { path: 'export-1.csv', text: fixtureText('gold-standard', 'issuances.csv') },
      { path: 'export-2.csv', text: fixtureText('gold-standard', 'retirements.csv') },
    ])
    expect(renamed.errors).toEqual([])
    expect(renamed.summary.files.map((file) => file.role)).toEqual(['issuances', 'retirements'])
    expect(renamed.summary.steps['credit.retire']).toBe(94)
  })

  it('refuses a file whose name and header disagree, or that it cannot place, naming its header line', () => {
    const plan = planImport('gold-standard', [
      { path: 'retirements.csv', text: fixtureText('gold-standard', 'issuances.csv') },
      { path: 'notes.csv', text: 'a,b\n1,2\n' },
      { path: 'transactions.csv', text: fixtureText('verra', 'transactions.csv') },
    ])
    expect(plan.errors).toEqual([
      { path: 'retirements.csv', line: 1, code: 'ROLE', reason: 'the file name says retirements but the header row is that of a GS issuances export' },
      { path: 'notes.csv', line: 1, code: 'ROLE', reason: 'cannot tell whether this is a GS projects / issuances / retirements export from its name or header row' },
      { path: 'transactions.csv', line: 1, code: 'ROLE', reason: 'GS exports have no transactions file (they come as projects, issuances, retirements)' },
    ])
    expect(plan.steps).toEqual([])
    // An explicit role overrides the detection.
    const forced = planImport('gold-standard', [{ path: 'retirements.csv', text: fixtureText('gold-standard', 'issuances.csv'), role: 'issuances' }])
    expect(forced.errors).toEqual([])
    expect(forced.summary.steps['batch.issue']).toBe(100)
  })

  it('refuses a file that lacks a required column before reading its rows', () => {
    const text = verraText.replace('Quantity Issued', 'Qty')
    expect(planImport('verra', [{ path: 'transactions.csv', text }]).errors).toEqual([
      { path: 'transactions.csv', line: 1, code: 'MISSING', reason: 'a VCS transactions file needs the column(s) "Quantity Issued"' },
    ])
  })
})

describe('planImport: what a refused row leaves out', () => {
  it('a row without a project id is refused and its project is not invented', () => {
    // Line 2 is project 1340's only row; blank its ID.
    const text = [verraHeader, line(2).replace(',1340,Bale', ',,Bale'), line(3)].join('\n')
    const plan = planImport('verra', [{ path: 'transactions.csv', text }])
    expect(plan.errors).toEqual([{ path: 'transactions.csv', line: 2, code: 'MISSING', reason: 'column "ID" is empty' }])
    expect(plan.steps.some((step) => step.kind === 'project.register' && step.body.projectId === '1340')).toBe(false)
    expect(plan.steps.map((step) => [step.kind, step.source.line])).toEqual([
      ['project.register', 3],
      ['batch.issue', 3],
      ['credit.retire', 3],
    ])
  })

  it('an unparsable number is refused', () => {
    const text = [verraHeader, line(4).replace('"28,571"', '"28.571"')].join('\n')
    expect(planImport('verra', [{ path: 'transactions.csv', text }]).errors).toEqual([
      { path: 'transactions.csv', line: 2, code: 'NUMBER', reason: 'column "Quantity Issued" "28.571" is not a whole number' },
    ])
  })

  it('a block of another issuance inside a listed range is refused; issuances never merge even when they touch', () => {
    // Line 20 (issuance 19310) starts right after line 19 (issuance 19309): two batches.
    const touching = planImport('verra', [{ path: 't.csv', text: [verraHeader, line(19), line(20)].join('\n'), role: 'transactions' }])
    expect(touching.errors).toEqual([])
    expect(stepsOf(touching, 'batch.issue').map((step) => step.body.originalSerial.split('-').slice(0, 3).join('-'))).toEqual([
      '19309-936494741-936494871',
      '19310-937603490-937614362',
    ])
    // The same range claimed by a different issuance number is a double count.
    const forged = line(20).replace('19310-937603490-937614362', '19999-937603490-937614362')
    const clash = planImport('verra', [{ path: 't.csv', text: [verraHeader, line(20), forged].join('\n'), role: 'transactions' }])
    expect(clash.errors).toEqual([
      { path: 't.csv', line: 3, code: 'DUPLICATE', reason: 'credits 937603490-937614362 of VCS were already retired by t.csv line 2 (same range)' },
    ])
  })

  it('overlapping issuance rows of one batch are refused, exact copies as duplicates', () => {
    const issuances = fixtureText('gold-standard', 'issuances.csv').split('\n')
    const original = issuances[1] as string
    const overlapping = original.replace('30307-1-19149', '30307-100-200').replace(',19149,', ',101,')
    const plan = planImport('gold-standard', [{ path: 'issuances.csv', text: [issuances[0], original, overlapping, original].join('\n') }])
    expect(plan.errors).toEqual([
      { path: 'issuances.csv', line: 3, code: 'OVERLAP', reason: 'credits 100-200 of GS/30307 overlap the issuance GS1-1-UG-GS11236-16-2024-30307-1-19149 at issuances.csv line 2' },
      { path: 'issuances.csv', line: 4, code: 'DUPLICATE', reason: 'credits 1-19149 of GS/30307 were already issued by issuances.csv line 2' },
    ])
    expect(stepsOf(plan, 'batch.issue')).toHaveLength(1)
  })

  it('a project listed twice is refused on the second listing', () => {
    const projects = fixtureText('verra', 'projects.csv').split('\n')
    const plan = planImport('verra', [{ path: 'projects.csv', text: [projects[0], projects[1], projects[2], projects[1]].join('\n') }])
    expect(plan.errors).toEqual([{ path: 'projects.csv', line: 4, code: 'DUPLICATE', reason: 'project 5962 is already listed at projects.csv line 2' }])
    expect(plan.steps).toHaveLength(2)
  })
})

describe('planImport: attributes and sizes', () => {
  it('keeps long texts but caps them at 4096 characters, and drops empty and placeholder columns', () => {
    const long = 'x'.repeat(10_000)
    const text = `GSID,Project Name,Status,Description,Blank,Unnamed: 9\n42,Big,Listed,${long},,\n`
    const plan = planImport('gold-standard', [{ path: 'projects.csv', text }])
    expect(plan.errors).toEqual([])
    const body = stepsOf(plan, 'project.register')[0]?.body
    expect(body?.projectId).toBe('GS42')
    expect(Object.keys(body?.attributes ?? {})).toEqual(['Description'])
    expect(body?.attributes['Description']).toHaveLength(4096)
    expect(body?.attributes['Description']?.endsWith('…')).toBe(true)
  })

  it('refuses a project too large for one transaction, then builds it from a row that references it', () => {
    const columns = Array.from({ length: 8 }, (_, index) => `Note ${index}`)
    const huge = '€'.repeat(4_000)
    const projects = `GSID,Project Name,${columns.join(',')}\n11236,Huge,${columns.map(() => huge).join(',')}\n`
    const issuances = fixtureText('gold-standard', 'issuances.csv').split('\n').slice(0, 2).join('\n')
    const plan = planImport('gold-standard', [
      { path: 'projects.csv', text: projects },
      { path: 'issuances.csv', text: issuances },
    ])
    expect(plan.errors).toHaveLength(1)
    expect(plan.errors[0]).toMatchObject({ path: 'projects.csv', line: 2, code: 'TOO_LARGE' })
    expect(plan.errors[0]?.reason).toContain(`more than ${TX_BODY_BYTES_MAX}`)
    expect(stepsFrom(plan, 'issuances.csv', 2).map((step) => step.kind)).toEqual(['project.register', 'batch.issue'])
    expect(stepsFrom(plan, 'issuances.csv', 2)[0]?.body).toMatchObject({ projectId: 'GS11236', name: expect.stringContaining('BioLite') })
  })
})

describe('planImport: the ledger\'s limits', () => {
  it('refuses a project id the ledger cannot key, and what depends on it', () => {
    const projects = 'ID,Name,Proponent\n12/34,Slash,Someone\n5962,Fine,Someone\n'
    const plan = planImport('verra', [{ path: 'projects.csv', text: projects }])
    expect(plan.errors).toEqual([
      { path: 'projects.csv', line: 2, code: 'FIELD', reason: 'project id "12/34" is not a ledger identifier (letters, digits, _ . -, at most 128)' },
    ])
    expect(plan.steps.map((step) => step.body)).toMatchObject([{ projectId: '5962' }])
  })

  it('keeps at most 64 attributes and 32 labels, saying what it left out', () => {
    const columns = Array.from({ length: 70 }, (_, index) => `Column ${index + 1}`)
    const projects = `ID,Name,${columns.join(',')}\n1340,Bale,${columns.map((_, index) => `v${index + 1}`).join(',')}\n`
    const labels = Array.from({ length: 40 }, (_, index) => `Label ${index + 1}`).join('; ')
    const transaction = line(2).replace('CCB-No Distinction', labels)
    const plan = planImport('verra', [
      { path: 'projects.csv', text: projects },
      { path: 'transactions.csv', text: [verraHeader, transaction].join('\n') },
    ])
    expect(plan.errors).toEqual([])
    const project = stepsOf(plan, 'project.register')[0]?.body
    expect(Object.keys(project?.attributes ?? {})).toHaveLength(64)
    expect(project?.attributes['Column 64']).toBe('v64')
    expect(project?.attributes['Column 65']).toBeUndefined()
    const batch = stepsOf(plan, 'batch.issue')[0]?.body
    expect(batch?.labels).toHaveLength(32)
    expect(batch?.labels[31]).toBe('Label 32')
    expect(plan.warnings).toEqual([
      {
        path: 'projects.csv',
        line: 2,
        message: 'project 1340 has 70 attributes; the ledger keeps 64, so "Column 65", "Column 66", "Column 67", "Column 68", "Column 69", "Column 70" are left out',
      },
      { path: 'transactions.csv', line: 2, message: 'batch VCS:941467007-941467431 has 40 labels; the ledger keeps the first 32' },
    ])
    checkInvariants(plan)
  })

  it('a Cercarbono batch numbered from 0 that also uses position N overflows its issuance', () => {
    const issuances = 'verification,serial,issued_quantity,issuance_date,year,is_buffer\n1,CDC_2_1_1_321_14_1,10,2019-03-07T18:33:46.000Z,2012,False\n'
    const header = 'project_name,project_id,serial,vintage,quantity,from,to'
    const retirements = [header, 'X,2,CDC_2_1_1_321_14_1,2012,5,0,4', 'X,2,CDC_2_1_1_321_14_1,2012,6,5,10'].join('\n')
    const plan = planImport('cercarbono', [
      { path: 'issuances.csv', text: issuances },
      { path: 'retirements.csv', text: retirements },
    ])
    expect(plan.errors).toEqual([
      {
        path: 'retirements.csv',
        line: 3,
        code: 'OUTSIDE',
        reason: 'credits 6-11 of CERCARBONO/CDC_2_1_1_321_14_1 lie outside what CDC_2_1_1_321_14_1 issued (1-10, issuances.csv line 2)',
      },
    ])
    expect(stepsOf(plan, 'credit.retire').map((step) => step.body.range)).toEqual([{ start: 1, end: 5 }])
  })
})

describe('planImport: every fixture set together', () => {
  it('satisfies the plan invariants for each registry, with no errors', () => {
    const sets = [
      ['verra', 'verra'],
      ['gold-standard', 'gold-standard'],
      ['acr', 'american-carbon-registry'],
      ['car', 'climate-action-reserve'],
      ['cercarbono', 'cercarbono'],
    ] as const
    const totals: Record<string, number> = {}
    for (const [name, folder] of sets) {
      const plan = planImport(name, loadSet(folder))
      expect(plan.errors, folder).toEqual([])
      checkInvariants(plan)
      totals[plan.registry] = plan.summary.steps.total
    }
    expect(totals).toEqual({ VCS: 323, GS: 381, ACR: 382, CAR: 447, CERCARBONO: 250 })
  })
})
