// American Carbon Registry exports: projects.csv, issuances.csv (no serials: one row per issuance with totals),
// retirements.csv and cancellations.csv (e.g. conversion to ARB or Washington Ecology compliance credits).
//
// Serial layout: 'ACR-<ISO-2 country>-<project number>-<vintage>-<issuance batch>-<start> to <end>'
// e.g. ACR-US-1185-2025-3078-1 to 85847
// Numbering restarts at 1 in each issuance batch (the field before the range): space "ACR/3078".
import type { ProjectRegisterBody } from '../wire.ts'
import {
  type CsvRow,
  type FileRole,
  type RegistryAdapter,
  type RowRecord,
  attributesOf,
  checkedRange,
  expectEqual,
  fail,
  has,
  isoFromUsDate,
  parseCount,
  parseSerialNumber,
  pickAttributes,
  project,
  required,
  yearBounds,
  yesLabels,
} from './common.ts'

export interface AcrSerial {
  registry: 'ACR'
  serial: string
  /** "ACR/<issuance batch>". */
  space: string
  start: number
  end: number
  quantity: number
  country: string
  /** "ACR1185": the registry's project id (the serial has the number only). */
  projectId: string
  projectNumber: string
  /** Vintage year. */
  vintage: string
  issuanceBatch: string
}

/** Splits "<prefix>-<start> to <end>" as ACR and CAR print their serials. */
export function splitToRange(text: string, registry: string): { prefix: string; startText: string; endText: string } {
  const match = /^(.+)-(\S+)\s+to\s+(\S+)$/.exec(text)
  if (!match) fail('LAYOUT', `${registry} serial ${JSON.stringify(text)} does not end with "-<start> to <end>"`)
  return { prefix: match[1] ?? '', startText: match[2] ?? '', endText: match[3] ?? '' }
}

export function parseSerial(serial: string): AcrSerial {
  const text = serial.trim()
  if (text === '') fail('EMPTY', 'the ACR serial is empty')
  const { prefix, startText, endText } = splitToRange(text, 'ACR')
  const fields = prefix.split('-')
  if (fields.length !== 5 || fields.some((field) => field === '')) {
    fail('LAYOUT', `ACR serial ${JSON.stringify(text)} has ${fields.length} '-'-separated fields before the range; expected 5 (ACR-country-project-vintage-batch)`)
  }
  const [registry, country, projectNumber, vintage, batch] = fields as [string, string, string, string, string]
  if (registry !== 'ACR') fail('FIELD', `ACR serial ${JSON.stringify(text)} does not start with "ACR-"`)
  if (!/^[A-Z]{2}$/.test(country)) fail('FIELD', `country ${JSON.stringify(country)} in ACR serial ${JSON.stringify(text)} is not an ISO-2 code`)
  parseSerialNumber(projectNumber, 'project number', text)
  if (!/^\d{4}$/.test(vintage)) fail('FIELD', `vintage ${JSON.stringify(vintage)} in ACR serial ${JSON.stringify(text)} is not a year`)
  parseSerialNumber(batch, 'issuance batch', text)
  const start = parseSerialNumber(startText, 'block start', text)
  const end = parseSerialNumber(endText, 'block end', text)
  checkedRange(start, end, text)
  return {
    registry: 'ACR',
    serial: text,
    space: `ACR/${batch}`,
    start,
    end,
    quantity: end - start + 1,
    country,
    projectId: `ACR${projectNumber}`,
    projectNumber,
    vintage,
    issuanceBatch: batch,
  }
}

const PROJECT_COLUMNS = ['Project ID', 'Project Name', 'Project Developer', 'Project Site Country', 'Project Type', 'Project Methodology/Protocol']

function projectFromProjects(row: CsvRow): ProjectRegisterBody {
  const voluntary = row.get('Voluntary Status')
  const statusColumn = voluntary !== '' ? 'Voluntary Status' : 'Compliance Program Status (ARB or Ecology)'
  return project({
    registry: 'ACR',
    program: 'ACR',
    projectId: required(row, 'Project ID'),
    name: row.get('Project Name'),
    developer: row.get('Project Developer'),
    country: row.get('Project Site Country'),
    sector: row.get('Project Type'),
    methodology: row.get('Project Methodology/Protocol'),
    status: row.get(statusColumn),
    attributes: attributesOf(row, [...PROJECT_COLUMNS, statusColumn]),
  })
}

const LABEL_COLUMNS = [
  'ARB Eligible',
  'Ecology Eligible',
  'CORSIA Eligible',
  'Eligible for CORSIA 2021-2023 Compliance Period (Pilot Phase)',
  'Eligible for CORSIA 2024-2026 Compliance Period (First Phase)',
  'CCP Approved',
  'Verified Removal',
]

function rowProject(row: CsvRow, projectId: string): ProjectRegisterBody {
  return project({
    registry: 'ACR',
    program: 'ACR',
    projectId,
    name: row.get('Project Name'),
    developer: row.get('Project Developer'),
    country: row.get('Project Site Country'),
    sector: row.get('Project Type'),
    methodology: row.get('Project Methodology/Protocol'),
    status: '',
    attributes: pickAttributes(row, [
      'Methodology/Protocol Version',
      'Project VVB',
      'Project Site Location',
      'Project Site State',
      'Sustainable Development Goal(s)',
      'Project Website',
      'Project Crediting Period Start Date',
    ]),
  })
}

function recordFromRow(role: FileRole, row: CsvRow): RowRecord {
  if (role === 'issuances') {
    // ACR's issuance export has no serials: the row names the project and totals, not a numbered batch.
    const projectId = required(row, 'Project ID')
    parseCount(row.get('Total Credits Issued'), 'column "Total Credits Issued"')
    required(row, 'Vintage')
    isoFromUsDate(row.get('Date Issued (GMT)'), 'column "Date Issued (GMT)"')
    return { project: rowProject(row, projectId), unit: null }
  }
  if (role !== 'retirements' && role !== 'cancellations') fail('ROLE', `ACR exports have no ${role} file`)
  const serial = parseSerial(required(row, 'Credit Serial Numbers'))
  expectEqual('project id', serial.projectId, required(row, 'Project ID'), 'Project ID')
  expectEqual('vintage', serial.vintage, required(row, 'Vintage'), 'Vintage')
  expectEqual('quantity', serial.quantity, parseCount(row.get('Quantity of Credits'), 'column "Quantity of Credits"'), 'Quantity of Credits')
  const country = row.get('Project Site Country')
  if (country !== '') expectEqual('country', serial.country, country, 'Project Site Country')
  let vintageStart = isoFromUsDate(row.get('Vintage Assignment Period Start Date'), 'column "Vintage Assignment Period Start Date"')
  let vintageEnd = isoFromUsDate(row.get('Vintage Assignment Period End Date'), 'column "Vintage Assignment Period End Date"')
  if (vintageStart === '' && vintageEnd === '') [vintageStart, vintageEnd] = yearBounds(serial.vintage)
  const effective = isoFromUsDate(row.get('Status Effective (GMT)'), 'column "Status Effective (GMT)"')
  const details = row.get('Cancellation Details')
  return {
    project: rowProject(row, serial.projectId),
    unit: {
      kind: role === 'retirements' ? 'retire' : 'cancel',
      space: serial.space,
      group: serial.issuanceBatch,
      identity: `project ${serial.projectId}, vintage ${serial.vintage}, unit ERT`,
      range: { start: serial.start, end: serial.end },
      serial: serial.serial,
      batch: {
        projectId: serial.projectId,
        vintageStart,
        vintageEnd,
        unitType: 'ERT',
        labels: yesLabels(row, LABEL_COLUMNS),
        correspondingAdjustment: '',
        issuanceDate: isoFromUsDate(row.get('Date Issued (GMT)'), 'column "Date Issued (GMT)"'),
      },
      ...(role === 'retirements'
        ? {
            retire: {
              beneficiary: row.get('Retired on Behalf of'),
              purpose: row.get('Purpose of Retirement'),
              reason: row.get('Retirement Reason'),
              retiredOn: effective,
            },
          }
        : { cancel: { reason: [row.get('Cancellation Type'), details].filter((part) => part !== '').join(': ') } }),
    },
  }
}

export const adapter: RegistryAdapter = {
  code: 'ACR',
  roles: ['projects', 'issuances', 'retirements', 'cancellations'],
  requiredColumns: {
    projects: ['Project ID', 'Project Name'],
    issuances: ['Project ID', 'Vintage', 'Total Credits Issued'],
    retirements: ['Credit Serial Numbers', 'Project ID', 'Vintage', 'Quantity of Credits'],
    cancellations: ['Credit Serial Numbers', 'Project ID', 'Vintage', 'Quantity of Credits'],
  },
  roleFromHeader(header) {
    if (has(header, 'Credit Serial Numbers', 'Cancellation Type')) return 'cancellations'
    if (has(header, 'Credit Serial Numbers', 'Retired on Behalf of')) return 'retirements'
    if (has(header, 'Total Credits Issued')) return 'issuances'
    if (has(header, 'Project ID', 'Voluntary Status')) return 'projects'
    return undefined
  },
  project: projectFromProjects,
  record: recordFromRow,
}
