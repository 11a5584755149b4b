// Cercarbono exports (from EcoRegistry): projects.csv, issuances.csv (one row per batch serial with its issued
// quantity) and retirements.csv (from/to positions inside a batch).
//
// A Cercarbono serial names a batch, not a range. Layout, '_' separated:
//   CDC _ <project number> _ <code> _ <code> _ <code> _ <sector> [_ further codes] [_ BF | _ BFC] [_ <vintage year>] [_ BF]
// e.g. CDC_1_1_1_321_14_1_2009 (project CDC-1, sector 14, vintage 2009), CDC_1_1_1_321_14_1_2009_BF (its buffer),
// CDC_4_1_1_321_14_R1_XX_CO_1_2_BFC_2022. Older serials use the prefixes CDC_R and IC.
// The project number is the first field after the prefix: every serial listed under project N in projects.csv
// starts with CDC_N_ (or CDC_R_N_, IC_N_).
//
// Numbering space: each batch serial is its own space, "CERCARBONO/<serial>"; a buffer (_BF, _BFC) serial is
// a batch of its own. An issuance covers serials 1..issued_quantity and a retirement its from..to positions,
// except that some older batches number their positions from 0 (their retirement rows run 0..N-1): their
// positions become serials position + 1 (see UnitRecord.positions in common.ts).
import type { ProjectRegisterBody, SerialRange } from '../wire.ts'
import {
  type CsvRow,
  type FileRole,
  type RegistryAdapter,
  type RowRecord,
  attributesOf,
  cap,
  checkedRange,
  expectEqual,
  fail,
  has,
  isoDate,
  parseCount,
  pickAttributes,
  project,
  required,
  yearBounds,
} from './common.ts'

export interface CercarbonoSerial {
  registry: 'CERCARBONO'
  serial: string
  /** "CERCARBONO/<serial>". */
  space: string
  /** Positions inside the batch when given to parseSerial (a serial alone names the whole batch): else null. */
  start: number | null
  end: number | null
  quantity: number | null
  /** "CDC", "CDC_R" or "IC". */
  prefix: string
  projectNumber: string
  /** "CDC-1", as projects.csv's code column has it. */
  projectId: string
  /** The three numeric fields between the project number and the sector, uninterpreted. */
  codes: [string, string, string]
  sectorCode: string
  /** Vintage year when the serial carries one (older serials do not). */
  vintage: string | null
  buffer: boolean
  /** "BF" or "BFC" for buffer serials. */
  bufferMarker: string | null
  /** Further fields, uninterpreted (e.g. ["R1", "XX", "CO", "1", "2"]). */
  segments: string[]
}

export function parseSerial(serial: string, positions?: SerialRange): CercarbonoSerial {
  const text = serial.trim()
  if (text === '') fail('EMPTY', 'the Cercarbono serial is empty')
  const tokens = text.split('_')
  if (tokens.some((token) => token === '')) fail('LAYOUT', `Cercarbono serial ${JSON.stringify(text)} has an empty '_'-separated field`)
  let prefix: string
  let at: number
  if (tokens[0] === 'CDC' && tokens[1] === 'R') {
    prefix = 'CDC_R'
    at = 2
  } else if (tokens[0] === 'CDC' || tokens[0] === 'IC') {
    prefix = tokens[0]
    at = 1
  } else {
    fail('LAYOUT', `Cercarbono serial ${JSON.stringify(text)} does not start with CDC_ (or CDC_R_, IC_)`)
  }
  const head = tokens.slice(at, at + 5)
  if (head.length < 5) fail('LAYOUT', `Cercarbono serial ${JSON.stringify(text)} has too few fields; expected CDC_<project>_<code>_<code>_<code>_<sector>...`)
  const names = ['project number', 'code', 'code', 'code', 'sector']
  head.forEach((token, index) => {
    if (!/^\d+$/.test(token)) fail('FIELD', `${names[index]} ${JSON.stringify(token)} in Cercarbono serial ${JSON.stringify(text)} is not a number`)
  })
  const [projectNumber, code1, code2, code3, sectorCode] = head as [string, string, string, string, string]
  const rest = tokens.slice(at + 5)
  for (const token of rest) {
    if (!/^[A-Z0-9]+$/.test(token)) fail('FIELD', `field ${JSON.stringify(token)} in Cercarbono serial ${JSON.stringify(text)} is not an upper-case code`)
  }
  const markers = rest.filter((token) => token === 'BF' || token === 'BFC')
  if (markers.length > 1) fail('FIELD', `Cercarbono serial ${JSON.stringify(text)} has more than one buffer marker`)
  const unmarked = rest.filter((token) => token !== 'BF' && token !== 'BFC')
  const last = unmarked[unmarked.length - 1]
  const vintage = last !== undefined && /^(19|20)\d{2}$/.test(last) ? last : null
  const segments = vintage === null ? unmarked : unmarked.slice(0, -1)
  let start: number | null = null
  let end: number | null = null
  if (positions) {
    checkedRange(positions.start, positions.end, text, 0)
    start = positions.start
    end = positions.end
  }
  return {
    registry: 'CERCARBONO',
    serial: text,
    space: `CERCARBONO/${text}`,
    start,
    end,
    quantity: start === null || end === null ? null : end - start + 1,
    prefix,
    projectNumber,
    projectId: `CDC-${projectNumber}`,
    codes: [code1, code2, code3],
    sectorCode,
    vintage,
    buffer: markers.length === 1,
    bufferMarker: markers[0] ?? null,
    segments,
  }
}

/** String values of `key` in a Python-literal list of dicts as the export prints them ("[{'country': 'Colombia', ...}]"). */
export function literalStrings(text: string, key: string): string[] {
  const out: string[] = []
  const pattern = new RegExp(`'${key}':\\s*(?:'((?:[^'\\\\]|\\\\.)*)'|"((?:[^"\\\\]|\\\\.)*)")`, 'g')
  for (const match of text.matchAll(pattern)) {
    const value = (match[1] ?? match[2] ?? '').replace(/\\(.)/g, '$1').trim()
    if (value !== '' && !out.includes(value)) out.push(value)
  }
  return out
}

function flag(value: string, column: string): boolean {
  if (/^true$/i.test(value)) return true
  if (/^false$/i.test(value)) return false
  fail('FIELD', `column "${column}" ${JSON.stringify(value)} is neither True nor False`)
}

function projectFromProjects(row: CsvRow): ProjectRegisterBody {
  const code = required(row, 'code')
  const id = row.get('id')
  if (id !== '') expectEqual('project number', `CDC-${id}`, code, 'code')
  return project({
    registry: 'CERCARBONO',
    program: row.get('standard') || 'Cercarbono',
    projectId: code,
    name: row.get('name'),
    developer: row.get('developer'),
    country: literalStrings(row.get('locations'), 'country').join('; '),
    sector: literalStrings(row.get('sector'), 'description').join('; '),
    methodology: row.get('quantification_method'),
    status: row.get('stage'),
    attributes: attributesOf(row, ['code', 'name', 'developer', 'quantification_method', 'stage', 'standard']),
  })
}

function vintageOfCredits(value: string, year: string): [string, string] {
  if (value === '') return yearBounds(year)
  const match = /^(\S+)\s*\/\s*(\S+)$/.exec(value)
  if (!match) fail('DATE', `column "vintage_of_credits" ${JSON.stringify(value)} is not "<start> / <end>"`)
  const start = isoDate(match[1] ?? '', 'vintage start')
  const end = isoDate(match[2] ?? '', 'vintage end')
  if (end < start) fail('DATE', `column "vintage_of_credits" ${JSON.stringify(value)} ends before it starts`)
  return [start, end]
}

function recordFromRow(role: FileRole, row: CsvRow): RowRecord {
  if (role === 'issuances') {
    const serial = parseSerial(required(row, 'serial'))
    const issued = parseCount(row.get('issued_quantity'), 'column "issued_quantity"')
    if (issued < 1) fail('RANGE', `issued_quantity is ${issued}: nothing was issued`)
    const year = required(row, 'year')
    if (!/^\d{4}$/.test(year)) fail('FIELD', `column "year" ${JSON.stringify(year)} is not a year`)
    if (serial.vintage !== null) expectEqual('vintage', serial.vintage, year, 'year')
    const bufferColumn = row.get('is_buffer')
    if (bufferColumn !== '') expectEqual('buffer flag', serial.buffer ? 'True' : 'False', flag(bufferColumn, 'is_buffer') ? 'True' : 'False', 'is_buffer')
    const [vintageStart, vintageEnd] = vintageOfCredits(row.get('vintage_of_credits'), year)
    const labels = literalStrings(row.get('elegible'), 'description')
    if (serial.buffer) labels.push('Buffer')
    return {
      project: project({
        registry: 'CERCARBONO',
        program: 'Cercarbono',
        projectId: serial.projectId,
        name: '',
        developer: '',
        country: '',
        sector: '',
        methodology: '',
        status: '',
      }),
      unit: {
        kind: 'issuance',
        space: serial.space,
        group: serial.serial,
        identity: `project ${serial.projectId}, vintage ${year}`,
        range: { start: 1, end: issued },
        serial: serial.serial,
        batch: {
          projectId: serial.projectId,
          vintageStart,
          vintageEnd,
          unitType: serial.prefix.replace(/_R$/, ''),
          labels,
          correspondingAdjustment: '',
          issuanceDate: isoDate(row.get('issuance_date'), 'column "issuance_date"'),
        },
      },
    }
  }
  if (role !== 'retirements') fail('ROLE', `Cercarbono exports have no ${role} file`)
  const from = parseCount(row.get('from'), 'column "from"')
  const to = parseCount(row.get('to'), 'column "to"')
  const serial = parseSerial(required(row, 'serial'), checkedRange(from, to, row.get('serial'), 0))
  expectEqual('project number', serial.projectNumber, parseCount(required(row, 'project_id'), 'column "project_id"'), 'project_id')
  const vintage = required(row, 'vintage')
  if (!/^\d{4}$/.test(vintage)) fail('FIELD', `column "vintage" ${JSON.stringify(vintage)} is not a year`)
  if (serial.vintage !== null) expectEqual('vintage', serial.vintage, vintage, 'vintage')
  expectEqual('quantity', to - from + 1, parseCount(row.get('quantity'), 'column "quantity"'), 'quantity')
  const [vintageStart, vintageEnd] = yearBounds(vintage)
  const passive = row.get('passive_subject')
  return {
    project: project({
      registry: 'CERCARBONO',
      program: 'Cercarbono',
      projectId: serial.projectId,
      name: row.get('project_name'),
      developer: '',
      country: '',
      sector: '',
      methodology: '',
      status: '',
      attributes: pickAttributes(row, ['public_consult']),
    }),
    unit: {
      kind: 'retire',
      space: serial.space,
      group: serial.serial,
      identity: `project ${serial.projectId}, vintage ${vintage}`,
      range: { start: from, end: to },
      positions: true,
      serial: serial.serial,
      batch: {
        projectId: serial.projectId,
        vintageStart,
        vintageEnd,
        unitType: serial.prefix.replace(/_R$/, ''),
        labels: serial.buffer ? ['Buffer'] : [],
        correspondingAdjustment: '',
        issuanceDate: '',
      },
      retire: {
        beneficiary: row.get('end_user'),
        purpose: passive === '' ? '' : cap(`passive subject: ${passive}`),
        reason: row.get('certificate_destination'),
        retiredOn: isoDate(row.get('date'), 'column "date"'),
      },
    },
  }
}

export const adapter: RegistryAdapter = {
  code: 'CERCARBONO',
  roles: ['projects', 'issuances', 'retirements'],
  requiredColumns: {
    projects: ['code', 'name'],
    issuances: ['serial', 'issued_quantity', 'year'],
    retirements: ['serial', 'project_id', 'vintage', 'quantity', 'from', 'to'],
  },
  roleFromHeader(header) {
    if (has(header, 'serial', 'from', 'to')) return 'retirements'
    if (has(header, 'serial', 'issued_quantity')) return 'issuances'
    if (has(header, 'code', 'serials')) return 'projects'
    return undefined
  },
  project: projectFromProjects,
  record: recordFromRow,
}
