// Verra (VCS) exports: projects.csv and transactions.csv (one row per block of VCUs: issued blocks and, with a
// Retirement/Cancellation Date, retired ones).
//
// Serial layout, '-' separated, 13 fields:
//   issuance batch - block start - block end - program (VCS) - unit type (VCU) - VVB id - registry (VER; older
//   MER/APX) - ISO-2 country - sectoral scope - project id - vintage start ddmmyyyy - vintage end ddmmyyyy -
//   additional-certification flag (1 = the block carries a label such as CCB, CORSIA or Article 6)
// e.g. 19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1
// Legacy serials have 12 fields: the same without the program field.
//
// Numbering space: block numbers are global to the registry, so every Verra block lives in space "VCS"; the
// issuance batch number (first field) tells which issuance a block belongs to.
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
  isoFromDdmmyyyy,
  parseCount,
  parseSerialNumber,
  pickAttributes,
  project,
  required,
  splitList,
} from './common.ts'

export interface VerraSerial {
  registry: 'VCS'
  /** 'standard': 13 fields; 'legacy': 12 fields, no program field. */
  layout: 'standard' | 'legacy'
  serial: string
  space: 'VCS'
  start: number
  end: number
  quantity: number
  /** The issuance batch number (first field). */
  issuanceBatch: string
  /** "VCS"; null for legacy serials, which do not carry it. */
  program: string | null
  unitType: string
  vvbId: string
  /** Registry code: VER, or MER / APX for blocks from the older registries. */
  registryCode: string
  country: string
  sectoralScope: string
  /** The project id as the serial has it, e.g. "1340" (VCS1340). */
  projectId: string
  /** ISO dates, YYYY-MM-DD. */
  vintageStart: string
  vintageEnd: string
  /** The flag field: the block carries an additional certification or label. */
  additionalCertification: boolean
}

export function parseSerial(serial: string): VerraSerial {
  const text = serial.trim()
  if (text === '') fail('EMPTY', 'the Verra serial is empty')
  const fields = text.split('-')
  if (fields.some((field) => field === '')) fail('LAYOUT', `Verra serial ${JSON.stringify(text)} has an empty field`)
  let layout: VerraSerial['layout']
  let program: string | null
  let rest: string[]
  if (fields.length === 13) {
    layout = 'standard'
    program = fields[3] ?? ''
    rest = [...fields.slice(0, 3), ...fields.slice(4)]
    if (!/^[A-Z]+$/.test(program)) fail('FIELD', `program ${JSON.stringify(program)} in Verra serial ${JSON.stringify(text)} is not a program code such as VCS`)
  } else if (fields.length === 12) {
    layout = 'legacy'
    program = null
    rest = fields
  } else {
    fail('LAYOUT', `Verra serial ${JSON.stringify(text)} has ${fields.length} '-'-separated fields; expected 13 (or 12 for legacy serials)`)
  }
  const [batch, startText, endText, unitType, vvbId, registryCode, country, scope, projectId, vintageStartText, vintageEndText, flag] =
    rest as [string, string, string, string, string, string, string, string, string, string, string, string]
  parseSerialNumber(batch, 'issuance batch', text)
  const start = parseSerialNumber(startText, 'block start', text)
  const end = parseSerialNumber(endText, 'block end', text)
  checkedRange(start, end, text)
  if (!/^[A-Z]+$/.test(unitType)) fail('FIELD', `unit type ${JSON.stringify(unitType)} in Verra serial ${JSON.stringify(text)} is not a unit code such as VCU`)
  parseSerialNumber(vvbId, 'VVB id', text)
  if (!/^[A-Z]+$/.test(registryCode)) fail('FIELD', `registry code ${JSON.stringify(registryCode)} in Verra serial ${JSON.stringify(text)} is not a code such as VER`)
  if (!/^[A-Z]{2}$/.test(country)) fail('FIELD', `country ${JSON.stringify(country)} in Verra serial ${JSON.stringify(text)} is not an ISO-2 code`)
  parseSerialNumber(scope, 'sectoral scope', text)
  parseSerialNumber(projectId, 'project id', text)
  const vintageStart = isoFromDdmmyyyy(vintageStartText, 'vintage start', text)
  const vintageEnd = isoFromDdmmyyyy(vintageEndText, 'vintage end', text)
  if (vintageEnd < vintageStart) fail('FIELD', `vintage end ${vintageEnd} is before vintage start ${vintageStart} in Verra serial ${JSON.stringify(text)}`)
  if (flag !== '0' && flag !== '1') fail('FIELD', `additional-certification flag ${JSON.stringify(flag)} in Verra serial ${JSON.stringify(text)} is not 0 or 1`)
  return {
    registry: 'VCS',
    layout,
    serial: text,
    space: 'VCS',
    start,
    end,
    quantity: end - start + 1,
    issuanceBatch: batch,
    program,
    unitType,
    vvbId,
    registryCode,
    country,
    sectoralScope: scope,
    projectId,
    vintageStart,
    vintageEnd,
    additionalCertification: flag === '1',
  }
}

const PROJECT_COLUMNS = ['ID', 'Name', 'Proponent', 'Country/Area', 'Project Type', 'Methodology', 'Status']

function projectFromProjects(row: CsvRow): ProjectRegisterBody {
  return project({
    registry: 'VCS',
    program: 'VCS',
    projectId: required(row, 'ID'),
    name: row.get('Name'),
    developer: row.get('Proponent'),
    country: row.get('Country/Area'),
    sector: row.get('Project Type'),
    methodology: row.get('Methodology'),
    status: row.get('Status'),
    attributes: attributesOf(row, PROJECT_COLUMNS),
  })
}

function recordFromTransaction(row: CsvRow): RowRecord {
  const serial = parseSerial(required(row, 'Serial Number'))
  expectEqual('project id', serial.projectId, required(row, 'ID'), 'ID')
  expectEqual('quantity', serial.quantity, parseCount(row.get('Quantity Issued'), 'column "Quantity Issued"'), 'Quantity Issued')
  const vintageStart = isoDate(row.get('Vintage Start'), 'column "Vintage Start"')
  const vintageEnd = isoDate(row.get('Vintage End'), 'column "Vintage End"')
  if (vintageStart !== '') expectEqual('vintage start', serial.vintageStart, vintageStart, 'Vintage Start')
  if (vintageEnd !== '') expectEqual('vintage end', serial.vintageEnd, vintageEnd, 'Vintage End')
  const labels = splitList(row.get('Additional Certifications'), ';')
  if (serial.additionalCertification !== labels.length > 0) {
    fail(
      'MISMATCH',
      `the serial's additional-certification flag is ${serial.additionalCertification ? 1 : 0} but column "Additional Certifications" is ${labels.length > 0 ? JSON.stringify(row.get('Additional Certifications')) : 'empty'}`,
    )
  }
  const issuanceDate = isoDate(row.get('Issuance Date'), 'column "Issuance Date"')
  const retiredOn = isoDate(row.get('Retirement/Cancellation Date'), 'column "Retirement/Cancellation Date"')
  return {
    project: project({
      registry: 'VCS',
      program: 'VCS',
      projectId: serial.projectId,
      name: row.get('Name'),
      developer: '',
      country: row.get('Country/Area'),
      sector: row.get('Project Type'),
      methodology: row.get('Methodology'),
      status: '',
      attributes: pickAttributes(row, ['Sustainable Development Goals']),
    }),
    unit: {
      kind: retiredOn === '' ? 'block' : 'retire',
      space: serial.space,
      group: serial.issuanceBatch,
      identity: `project ${serial.projectId}, vintage ${serial.vintageStart}..${serial.vintageEnd}, unit ${serial.unitType}`,
      range: { start: serial.start, end: serial.end },
      serial: serial.serial,
      batch: {
        projectId: serial.projectId,
        vintageStart: serial.vintageStart,
        vintageEnd: serial.vintageEnd,
        unitType: serial.unitType,
        labels,
        correspondingAdjustment: '',
        issuanceDate,
      },
      ...(retiredOn === ''
        ? {}
        : {
            retire: {
              beneficiary: row.get('Retirement Beneficiary'),
              purpose: row.get('Retirement Details'),
              reason: row.get('Retirement Reason'),
              retiredOn,
            },
          }),
    },
  }
}

export const adapter: RegistryAdapter = {
  code: 'VCS',
  roles: ['projects', 'transactions'],
  requiredColumns: {
    projects: ['ID', 'Name'],
    transactions: ['Serial Number', 'ID', 'Quantity Issued', 'Retirement/Cancellation Date'],
  },
  roleFromHeader(header) {
    if (has(header, 'Serial Number', 'Retirement/Cancellation Date')) return 'transactions'
    if (has(header, 'ID', 'Proponent') && !has(header, 'Serial Number')) return 'projects'
    return undefined
  },
  project: projectFromProjects,
  record(role: FileRole, row: CsvRow): RowRecord {
    if (role !== 'transactions') fail('ROLE', `Verra exports have no ${role} file`)
    return recordFromTransaction(row)
  },
}
