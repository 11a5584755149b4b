// Gold Standard exports: projects.csv, issuances.csv and retirements.csv (which also lists cancelled blocks,
// Credit Status "Canceled").
//
// Serial layout, '-' separated, 9 fields:
//   GS1 - 1 - ISO-2 country - GS project id (GSxxxx) - project-type code - vintage year - issuance batch -
//   block start - block end
// e.g. GS1-1-UG-GS11236-16-2024-30307-1-19149
// Numbering restarts at 1 in each issuance batch, so each batch is its own space: "GS/30307".
//
// Gold Standard also lists CERs of CDM projects it labels, with the UNFCCC CDM registry's serials: a range
// "RW-5-1463953-2-2-0-7014 - RW-5-1467609-2-2-0-7014" (originating party, unit type 5 = CER, unit serial,
// original commitment period, commitment period, LULUCF activity, CDM project number). CDM unit serials are
// numbered per originating party, so they live in space "GS/CDM-<party>" (one segment: the ledger's spaces are
// "<registry>/<segment>"); each issuance (project + vintage) is its own batch there.
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
  isoDate,
  parseCount,
  parseSerialNumber,
  pickAttributes,
  project,
  required,
  splitList,
  yearBounds,
} from './common.ts'

export interface GoldStandardSerial {
  registry: 'GS'
  layout: 'gs'
  serial: string
  /** "GS/<issuance batch>". */
  space: string
  start: number
  end: number
  quantity: number
  /** "GS1". */
  prefix: string
  /** The field after the prefix ("1"). */
  version: string
  country: string
  /** "GS11236". */
  projectId: string
  projectTypeCode: string
  /** Vintage year, e.g. "2024". */
  vintage: string
  issuanceBatch: string
}

export interface GoldStandardCdmSerial {
  registry: 'GS'
  layout: 'cdm'
  serial: string
  /** "GS/CDM-<originating party>". */
  space: string
  start: number
  end: number
  quantity: number
  originatingParty: string
  unitTypeCode: string
  /** CER, tCER, lCER, AAU, RMU or ERU (from the Kyoto unit type code). */
  unitType: string
  originalCommitmentPeriod: string
  commitmentPeriod: string
  lulucfActivity: string
  /** The CDM project number, not a Gold Standard id. */
  cdmProjectId: string
  /** CDM serials carry neither the Gold Standard project id nor the vintage. */
  projectId: null
  vintage: null
}

export type GoldStandardParsedSerial = GoldStandardSerial | GoldStandardCdmSerial

const KYOTO_UNIT_TYPES: Record<string, string> = { '1': 'AAU', '2': 'RMU', '3': 'ERU', '4': 'ERU', '5': 'CER', '6': 'tCER', '7': 'lCER' }

function parseCdm(text: string): GoldStandardCdmSerial {
  const sides = text.split(/\s+-\s+/)
  if (sides.length !== 2) fail('LAYOUT', `CDM serial range ${JSON.stringify(text)} must be "<first unit> - <last unit>"`)
  const parts = sides.map((side) => side.split('-'))
  const [first, last] = parts as [string[], string[]]
  for (const fields of parts) {
    if (fields.length !== 7 || fields.some((field) => field === '')) {
      fail('LAYOUT', `CDM unit serial ${JSON.stringify(fields.join('-'))} in ${JSON.stringify(text)} must have 7 '-'-separated fields`)
    }
  }
  const [party, unitTypeCode, startText, originalPeriod, period, lulucf, cdmProjectId] = first as [string, string, string, string, string, string, string]
  if (!/^[A-Z]{2}$/.test(party)) fail('FIELD', `originating party ${JSON.stringify(party)} in ${JSON.stringify(text)} is not an ISO-2 code`)
  const unitType = KYOTO_UNIT_TYPES[unitTypeCode]
  if (unitType === undefined) fail('FIELD', `unit type ${JSON.stringify(unitTypeCode)} in ${JSON.stringify(text)} is not a Kyoto unit type code (1-7)`)
  for (const [value, what] of [
    [originalPeriod, 'original commitment period'],
    [period, 'commitment period'],
    [lulucf, 'LULUCF activity'],
    [cdmProjectId, 'CDM project number'],
  ] as const) {
    parseSerialNumber(value, what, text)
  }
  for (const index of [0, 1, 3, 4, 5, 6]) {
    if (first[index] !== last[index]) {
      fail('LAYOUT', `the two ends of CDM range ${JSON.stringify(text)} differ in more than the unit serial (${JSON.stringify(first[index])} vs ${JSON.stringify(last[index])})`)
    }
  }
  const start = parseSerialNumber(startText, 'first unit serial', text)
  const end = parseSerialNumber(last[2] ?? '', 'last unit serial', text)
  checkedRange(start, end, text)
  return {
    registry: 'GS',
    layout: 'cdm',
    serial: text,
    space: `GS/CDM-${party}`,
    start,
    end,
    quantity: end - start + 1,
    originatingParty: party,
    unitTypeCode,
    unitType,
    originalCommitmentPeriod: originalPeriod,
    commitmentPeriod: period,
    lulucfActivity: lulucf,
    cdmProjectId,
    projectId: null,
    vintage: null,
  }
}

export function parseSerial(serial: string): GoldStandardParsedSerial {
  const text = serial.trim()
  if (text === '') fail('EMPTY', 'the Gold Standard serial is empty')
  if (/\s-\s/.test(text)) return parseCdm(text)
  const fields = text.split('-')
  if (fields.length !== 9 || fields.some((field) => field === '')) {
    fail('LAYOUT', `Gold Standard serial ${JSON.stringify(text)} has ${fields.length} '-'-separated fields; expected 9 (GS1-1-country-GSid-type-vintage-batch-start-end)`)
  }
  const [prefix, version, country, projectId, typeCode, vintage, batch, startText, endText] = fields as [
    string, string, string, string, string, string, string, string, string,
  ]
  if (!/^GS\d+$/.test(prefix)) fail('FIELD', `prefix ${JSON.stringify(prefix)} in Gold Standard serial ${JSON.stringify(text)} is not GS1`)
  parseSerialNumber(version, 'version field', text)
  if (!/^[A-Z]{2}$/.test(country)) fail('FIELD', `country ${JSON.stringify(country)} in Gold Standard serial ${JSON.stringify(text)} is not an ISO-2 code`)
  if (!/^GS\d+$/.test(projectId)) fail('FIELD', `project id ${JSON.stringify(projectId)} in Gold Standard serial ${JSON.stringify(text)} is not GS<number>`)
  parseSerialNumber(typeCode, 'project-type code', text)
  if (!/^\d{4}$/.test(vintage)) fail('FIELD', `vintage ${JSON.stringify(vintage)} in Gold Standard serial ${JSON.stringify(text)} is not a year`)
  parseSerialNumber(batch, 'issuance batch', text)
  const start = parseSerialNumber(startText, 'block start', text)
  const end = parseSerialNumber(endText, 'block end', text)
  checkedRange(start, end, text)
  return {
    registry: 'GS',
    layout: 'gs',
    serial: text,
    space: `GS/${batch}`,
    start,
    end,
    quantity: end - start + 1,
    prefix,
    version,
    country,
    projectId,
    projectTypeCode: typeCode,
    vintage,
    issuanceBatch: batch,
  }
}

/** "11236" or "11236.0" -> "GS11236". */
function gsId(value: string, column: string): string {
  return `GS${parseCount(value, `column "${column}"`)}`
}

const PROJECT_COLUMNS = ['GSID', 'Project Name', 'Project Developer Name', 'Country', 'Project Type', 'Methodology', 'Status']

function projectFromProjects(row: CsvRow): ProjectRegisterBody {
  return project({
    registry: 'GS',
    program: 'Gold Standard',
    projectId: gsId(required(row, 'GSID'), 'GSID'),
    name: row.get('Project Name'),
    developer: row.get('Project Developer Name'),
    country: row.get('Country'),
    sector: row.get('Project Type'),
    methodology: row.get('Methodology'),
    status: row.get('Status'),
    attributes: attributesOf(row, PROJECT_COLUMNS),
  })
}

/** The vintage year, narrowed to the monitoring period when the row gives one. */
function vintageDates(row: CsvRow, vintage: string): [string, string] {
  if (!/^\d{4}$/.test(vintage)) fail('FIELD', `column "Vintage" ${JSON.stringify(vintage)} is not a year`)
  let [start, end] = yearBounds(vintage)
  const periodStart = isoDate(row.get('Monitoring Period Start'), 'column "Monitoring Period Start"')
  const periodEnd = isoDate(row.get('Monitoring Period End'), 'column "Monitoring Period End"')
  if (periodStart !== '' && periodStart > start) start = periodStart
  if (periodEnd !== '' && periodEnd < end) end = periodEnd
  if (end < start) {
    fail('MISMATCH', `vintage ${vintage} lies outside the monitoring period ${periodStart || '?'}..${periodEnd || '?'}`)
  }
  return [start, end]
}

function recordFromRow(role: FileRole, row: CsvRow): RowRecord {
  const serial = parseSerial(required(row, 'Serial Number'))
  const projectId = gsId(required(row, 'GSID'), 'GSID')
  const vintage = required(row, 'Vintage')
  expectEqual('quantity', serial.quantity, parseCount(row.get('Quantity'), 'column "Quantity"'), 'Quantity')
  const productType = row.get('Product Type')
  let unitType = productType
  if (serial.layout === 'gs') {
    expectEqual('project id', serial.projectId, projectId, 'GSID')
    expectEqual('vintage', serial.vintage, vintage, 'Vintage')
  } else {
    if (productType !== '') expectEqual('unit type', serial.unitType, productType, 'Product Type')
    unitType = serial.unitType
  }
  const [vintageStart, vintageEnd] = vintageDates(row, vintage)
  const labels = splitList(row.get('Label'), ',')
  const authorization = row.get('Article Six Authorization')
  if (authorization !== '' && !/^not applicable$/i.test(authorization)) labels.push(`Article 6 authorization: ${authorization}`)

  let kind: 'issuance' | 'retire' | 'cancel' = 'issuance'
  if (role === 'retirements') {
    const status = required(row, 'Credit Status')
    if (/^retired$/i.test(status)) kind = 'retire'
    else if (/^cancell?ed$/i.test(status)) kind = 'cancel'
    else fail('ROLE', `Credit Status ${JSON.stringify(status)} is neither Retired nor Canceled`)
  } else if (role !== 'issuances') {
    fail('ROLE', `Gold Standard exports have no ${role} file`)
  }
  const note = row.get('Note')
  return {
    project: project({
      registry: 'GS',
      program: 'Gold Standard',
      projectId,
      name: row.get('Project Name'),
      developer: row.get('Project Developer'),
      country: row.get('Country'),
      sector: row.get('Project Type'),
      methodology: row.get('Methodology'),
      status: '',
      attributes: pickAttributes(row, ['Programme of Activities', 'POA GSID']),
    }),
    unit: {
      kind,
      space: serial.space,
      group: serial.layout === 'gs' ? serial.issuanceBatch : `${serial.cdmProjectId}/${vintage}`,
      identity: `project ${projectId}, vintage ${vintage}, unit ${unitType || '(none)'}`,
      range: { start: serial.start, end: serial.end },
      serial: serial.serial,
      batch: {
        projectId,
        vintageStart,
        vintageEnd,
        unitType,
        labels,
        correspondingAdjustment: '',
        issuanceDate: isoDate(row.get('Issuance Date'), 'column "Issuance Date"'),
      },
      ...(kind === 'retire'
        ? {
            retire: {
              beneficiary: row.get('Using Entity') || row.get('Aeroplane Operator Name'),
              purpose: note,
              reason: row.get('Use Case'),
              retiredOn: isoDate(row.get('Retirement Date'), 'column "Retirement Date"'),
            },
          }
        : {}),
      ...(kind === 'cancel' ? { cancel: { reason: note || 'Canceled' } } : {}),
    },
  }
}

export const adapter: RegistryAdapter = {
  code: 'GS',
  roles: ['projects', 'issuances', 'retirements'],
  requiredColumns: {
    projects: ['GSID', 'Project Name'],
    issuances: ['Serial Number', 'Quantity', 'GSID', 'Vintage'],
    retirements: ['Serial Number', 'Quantity', 'GSID', 'Vintage', 'Credit Status'],
  },
  roleFromHeader(header) {
    if (has(header, 'GSID', 'Serial Number', 'Retirement Date')) return 'retirements'
    if (has(header, 'GSID', 'Serial Number', 'Issuance Date')) return 'issuances'
    if (has(header, 'GSID', 'Project Name') && !has(header, 'Serial Number')) return 'projects'
    return undefined
  },
  project: projectFromProjects,
  record: recordFromRow,
}
