// Climate Action Reserve exports: projects.csv, issuances.csv (no serials: one row per issuance with totals),
// retirements.csv and cancellations.csv (compliance conversions: ARB, WA ECO).
//
// Serial layout:
//   'CAR-<unit type>-<country>-<project number>-<project type>-<developer id>-<state>-<vintage>-<issuance batch>-<start> to <end>'
// e.g. CAR-1-US-1335-31-983-KS-2025-9205-1 to 5000 (unit type 1 = CRT, ROC = compliance offset credit)
// Numbering restarts at 1 in each issuance batch (the field before the range): space "CAR/9205".
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
  splitList,
  yearBounds,
  yesLabels,
} from './common.ts'
import { splitToRange } from './acr.ts'

export interface CarSerial {
  registry: 'CAR'
  serial: string
  /** "CAR/<issuance batch>". */
  space: string
  start: number
  end: number
  quantity: number
  /** The unit type field as printed: "1" or "ROC". */
  unitTypeCode: string
  /** "CRT" for code 1, "ROC" for ROC, otherwise the code itself. */
  unitType: string
  country: string
  /** "CAR1335": the registry's project id (the serial has the number only). */
  projectId: string
  projectNumber: string
  projectTypeCode: string
  developerId: string
  state: string
  /** Vintage year. */
  vintage: string
  issuanceBatch: string
}

const UNIT_TYPES: Record<string, string> = { '1': 'CRT', ROC: 'ROC' }

export function parseSerial(serial: string): CarSerial {
  const text = serial.trim()
  if (text === '') fail('EMPTY', 'the CAR serial is empty')
  const { prefix, startText, endText } = splitToRange(text, 'CAR')
  const fields = prefix.split('-')
  if (fields.length !== 9 || fields.some((field) => field === '')) {
    fail(
      'LAYOUT',
      `CAR serial ${JSON.stringify(text)} has ${fields.length} '-'-separated fields before the range; expected 9 (CAR-unit-country-project-type-developer-state-vintage-batch)`,
    )
  }
  const [registry, unitTypeCode, country, projectNumber, projectTypeCode, developerId, state, vintage, batch] = fields as [
    string, string, string, string, string, string, string, string, string,
  ]
  if (registry !== 'CAR') fail('FIELD', `CAR serial ${JSON.stringify(text)} does not start with "CAR-"`)
  if (!/^[A-Z0-9]+$/.test(unitTypeCode)) fail('FIELD', `unit type ${JSON.stringify(unitTypeCode)} in CAR serial ${JSON.stringify(text)} is not a unit code such as 1 or ROC`)
  if (!/^[A-Z]{2}$/.test(country)) fail('FIELD', `country ${JSON.stringify(country)} in CAR serial ${JSON.stringify(text)} is not an ISO-2 code`)
  parseSerialNumber(projectNumber, 'project number', text)
  parseSerialNumber(projectTypeCode, 'project-type code', text)
  parseSerialNumber(developerId, 'developer id', text)
  if (!/^[A-Z0-9]+$/.test(state)) fail('FIELD', `state ${JSON.stringify(state)} in CAR serial ${JSON.stringify(text)} is not a state code`)
  if (!/^\d{4}$/.test(vintage)) fail('FIELD', `vintage ${JSON.stringify(vintage)} in CAR serial ${JSON.stringify(text)} is not a year`)
  parseSerialNumber(batch, 'issuance batch', text)
  const start = parseSerialNumber(startText, 'block start', text)
  const end = parseSerialNumber(endText, 'block end', text)
  checkedRange(start, end, text)
  return {
    registry: 'CAR',
    serial: text,
    space: `CAR/${batch}`,
    start,
    end,
    quantity: end - start + 1,
    unitTypeCode,
    unitType: UNIT_TYPES[unitTypeCode] ?? unitTypeCode,
    country,
    projectId: `CAR${projectNumber}`,
    projectNumber,
    projectTypeCode,
    developerId,
    state,
    vintage,
    issuanceBatch: batch,
  }
}

const PROJECT_COLUMNS = ['Project ID', 'Project Name', 'Project Developer', 'Project Site Country', 'Project Type', 'Status']

function projectFromProjects(row: CsvRow): ProjectRegisterBody {
  return project({
    registry: 'CAR',
    program: 'CAR',
    projectId: required(row, 'Project ID'),
    name: row.get('Project Name'),
    developer: row.get('Project Developer'),
    country: row.get('Project Site Country'),
    sector: row.get('Project Type'),
    methodology: '',
    status: row.get('Status'),
    attributes: attributesOf(row, PROJECT_COLUMNS),
  })
}

const LABEL_COLUMNS = [
  'ARB Eligible',
  'WA ECO Eligible',
  'Eligible for CORSIA 2021-2023 Compliance Period',
  'Eligible for CORSIA 2024-2026 Compliance Period',
  'CCP Approved',
]

function rowProject(row: CsvRow, projectId: string): ProjectRegisterBody {
  return project({
    registry: 'CAR',
    program: 'CAR',
    projectId,
    name: row.get('Project Name'),
    developer: row.get('Project Developer'),
    country: row.get('Project Site Country'),
    sector: row.get('Project Type'),
    methodology: row.get('Protocol and Version'),
    status: '',
    attributes: pickAttributes(row, [
      'Project Owner',
      'Cooperative/ Aggregate ID',
      'Reduction/Removal',
      'Reversible/Non-Reversible',
      'Project Site Location',
      'Project Site State',
      'Activity Area Type',
      'Verification Body',
      'Project Website',
    ]),
  })
}

function recordFromRow(role: FileRole, row: CsvRow): RowRecord {
  if (role === 'issuances') {
    // CAR's issuance export has no serials: the row names the project and totals, not a numbered batch.
    const projectId = required(row, 'Project ID')
    parseCount(row.get('Total Offset Credits Issued'), 'column "Total Offset Credits Issued"')
    required(row, 'Vintage')
    isoFromUsDate(row.get('Date Issued'), 'column "Date Issued"')
    return { project: rowProject(row, projectId), unit: null }
  }
  if (role !== 'retirements' && role !== 'cancellations') fail('ROLE', `CAR exports have no ${role} file`)
  const serial = parseSerial(required(row, 'Offset Credit Serial Numbers'))
  expectEqual('project id', serial.projectId, required(row, 'Project ID'), 'Project ID')
  expectEqual('vintage', serial.vintage, required(row, 'Vintage'), 'Vintage')
  expectEqual(
    'quantity',
    serial.quantity,
    parseCount(row.get('Quantity of Offset Credits'), 'column "Quantity of Offset Credits"'),
    'Quantity of Offset Credits',
  )
  const country = row.get('Project Site Country')
  if (country !== '') expectEqual('country', serial.country, country, 'Project Site Country')
  const [vintageStart, vintageEnd] = yearBounds(serial.vintage)
  const effective = isoFromUsDate(row.get('Status Effective'), 'column "Status Effective"')
  return {
    project: rowProject(row, serial.projectId),
    unit: {
      kind: role === 'retirements' ? 'retire' : 'cancel',
      space: serial.space,
      group: serial.issuanceBatch,
      identity: `project ${serial.projectId}, vintage ${serial.vintage}, unit ${serial.unitType}`,
      range: { start: serial.start, end: serial.end },
      serial: serial.serial,
      batch: {
        projectId: serial.projectId,
        vintageStart,
        vintageEnd,
        unitType: serial.unitType,
        labels: [...splitList(row.get('Additional Certification(s)'), ';'), ...yesLabels(row, LABEL_COLUMNS)],
        correspondingAdjustment: row.get('Corresponding Adjustment'),
        issuanceDate: '',
      },
      ...(role === 'retirements'
        ? {
            retire: {
              beneficiary: '',
              purpose: row.get('Retirement Reason Details'),
              reason: row.get('Retirement Reason'),
              retiredOn: effective,
            },
          }
        : {
            cancel: {
              reason: [row.get('Cancellation Reason'), row.get('Export Notes')].filter((part) => part !== '').join(': '),
            },
          }),
    },
  }
}

export const adapter: RegistryAdapter = {
  code: 'CAR',
  roles: ['projects', 'issuances', 'retirements', 'cancellations'],
  requiredColumns: {
    projects: ['Project ID', 'Project Name'],
    issuances: ['Project ID', 'Vintage', 'Total Offset Credits Issued'],
    retirements: ['Offset Credit Serial Numbers', 'Project ID', 'Vintage', 'Quantity of Offset Credits'],
    cancellations: ['Offset Credit Serial Numbers', 'Project ID', 'Vintage', 'Quantity of Offset Credits'],
  },
  roleFromHeader(header) {
    if (has(header, 'Offset Credit Serial Numbers', 'Cancellation Reason')) return 'cancellations'
    if (has(header, 'Offset Credit Serial Numbers', 'Retirement Reason')) return 'retirements'
    if (has(header, 'Total Offset Credits Issued')) return 'issuances'
    if (has(header, 'Project ID', 'Project Listed Date')) return 'projects'
    return undefined
  },
  project: projectFromProjects,
  record: recordFromRow,
}
