// Shared pieces of the registry importers: the typed parse error, a CSV reader that knows each record's real
// line numbers, value helpers (numbers, dates, caps) and the contract between the planner (index.ts) and the
// per-registry adapters (verra.ts, gold-standard.ts, acr.ts, car.ts, cercarbono.ts).
import { parse } from 'csv-parse/sync'
import type { ProjectRegisterBody, RegistryCode, SerialRange } from '../wire.ts'
import { STRING_FIELD_LENGTH_MAX } from '../wire.ts'

// ---------------------------------------------------------------------------------------------------------
// Errors.

/** Why a serial, a row or a file was refused. Stable codes; the message says the specifics. */
export type ParseErrorReason =
  /** The serial (or a value the row needs) is empty. */
  | 'EMPTY'
  /** The serial does not have the registry's layout (number of fields, separators, prefix). */
  | 'LAYOUT'
  /** One field of the serial has the wrong shape (e.g. a letter where the batch number goes). */
  | 'FIELD'
  /** The block is not a range: end before start, or a first serial below the registry's first number. */
  | 'RANGE'
  /** A required column is missing or empty. */
  | 'MISSING'
  /** A quantity or position does not parse as a whole number. */
  | 'NUMBER'
  /** A date does not parse. */
  | 'DATE'
  /** The serial disagrees with the row's own columns (quantity, project id, vintage, country, buffer flag). */
  | 'MISMATCH'
  /** The same credits (or the same project) appear a second time. */
  | 'DUPLICATE'
  /** The range overlaps credits of another issuance in the same numbering space. */
  | 'OVERLAP'
  /** The range lies outside what its issuance issued. */
  | 'OUTSIDE'
  /** Rows of one batch disagree on its project, vintage or unit type. */
  | 'CONFLICT'
  /** The CSV record itself is malformed (unclosed quote, wrong number of fields). */
  | 'CSV'
  /** The file's role (projects, issuances, ...) cannot be told, or a row's status is unknown. */
  | 'ROLE'
  /** The transaction body would be larger than the wire format allows. */
  | 'TOO_LARGE'

export class ParseError extends Error {
  override readonly name = 'ParseError'
  constructor(
    readonly reason: ParseErrorReason,
    message: string,
  ) {
    super(message)
  }
}

export function fail(reason: ParseErrorReason, message: string): never {
  throw new ParseError(reason, message)
}

// ---------------------------------------------------------------------------------------------------------
// CSV.

export const FILE_ROLES = ['projects', 'issuances', 'transactions', 'retirements', 'cancellations'] as const
export type FileRole = (typeof FILE_ROLES)[number]

export interface CsvRow {
  /** 1-based line on which the record starts (the header is line 1 when the file starts with it). */
  readonly line: number
  /** Line on which the record ends (differs from `line` when a quoted field holds newlines). */
  readonly endLine: number
  /** The trimmed value of a column; '' when the column is absent or empty. */
  get(column: string): string
  /** Columns in header order with their trimmed values. */
  entries(): [string, string][]
}

export interface CsvFile {
  header: string[]
  headerLine: number
  rows: CsvRow[]
  /** Records that could not be read at all. */
  errors: { line: number; reason: ParseErrorReason; message: string }[]
}

/** Column names compare with whitespace collapsed ("Status Effective  (GMT)" is "Status Effective (GMT)"). */
const columnKeys = new Map<string, string>()
export function columnKey(name: string): string {
  let key = columnKeys.get(name)
  if (key === undefined) {
    key = name.replace(/\s+/g, ' ').trim()
    if (columnKeys.size < 10_000) columnKeys.set(name, key)
  }
  return key
}

class Row implements CsvRow {
  constructor(
    readonly line: number,
    readonly endLine: number,
    private readonly header: string[],
    private readonly index: ReadonlyMap<string, number>,
    private readonly values: string[],
  ) {}

  get(column: string): string {
    const index = this.index.get(columnKey(column))
    if (index === undefined) return ''
    return (this.values[index] ?? '').trim()
  }

  entries(): [string, string][] {
    return this.header.map((name, index) => [name, (this.values[index] ?? '').trim()])
  }
}

function countNewlines(text: string): number {
  let count = 0
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) === 10) count++
  return count
}

function leadingNewlines(text: string): number {
  let count = 0
  while (count < text.length && text.charCodeAt(count) === 10) count++
  return count
}

/**
 * Reads a CSV export. Line endings are normalised to \n first (csv-parse miscounts lines for \r\n files with
 * empty lines); each record's start line is its end line (csv-parse's `info.lines`) minus the newlines inside
 * its quoted fields, so multi-line notes do not shift the numbering. Malformed records are reported, not thrown.
 */
export function readCsv(text: string): CsvFile {
  const normalised = text.replace(/\r\n?/g, '\n')
  const errors: CsvFile['errors'] = []
  const records = parse(normalised, {
    bom: true,
    info: true,
    raw: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error, raw) => {
      // The error knows the line it stopped on; the record started as many lines earlier as it holds newlines.
      let body = raw ?? ''
      if (body.endsWith('\n')) body = body.slice(0, -1)
      body = body.slice(leadingNewlines(body))
      const at = error?.['lines']
      const start = typeof at === 'number' ? Math.max(1, at - countNewlines(body)) : 1
      const message = error ? error.message.replace(/\s+/g, ' ') : 'unreadable CSV record'
      errors.push({ line: start, reason: 'CSV', message: `malformed CSV record: ${message}` })
      return undefined
    },
  }) as unknown as { record: string[]; info: { lines: number }; raw: string }[]

  const lines: { line: number; endLine: number; values: string[] }[] = []
  for (const entry of records) {
    let body = entry.raw
    if (body.endsWith('\n')) body = body.slice(0, -1)
    body = body.slice(leadingNewlines(body))
    const endLine = entry.info.lines
    lines.push({ line: endLine - countNewlines(body), endLine, values: entry.record })
  }
  const first = lines.shift()
  if (!first) return { header: [], headerLine: 1, rows: [], errors }
  const header = first.values.map((name, index) => (index === 0 ? name.replace(/^\uFEFF/, '') : name).trim())
  const index = new Map<string, number>()
  header.forEach((name, position) => {
    if (!index.has(columnKey(name))) index.set(columnKey(name), position)
  })
  const rows: CsvRow[] = []
  for (const record of lines) {
    if (record.values.length !== header.length) {
      errors.push({
        line: record.line,
        reason: 'CSV',
        message: `malformed CSV record: ${record.values.length} fields where the header has ${header.length}`,
      })
      continue
    }
    rows.push(new Row(record.line, record.endLine, header, index, record.values))
  }
  errors.sort((a, b) => a.line - b.line)
  return { header, headerLine: first.line, rows, errors }
}

// ---------------------------------------------------------------------------------------------------------
// Values.

/** The value of a column that must not be empty. */
export function required(row: CsvRow, column: string): string {
  const value = row.get(column)
  if (value === '') fail('MISSING', `column "${column}" is empty`)
  return value
}

/** A non-negative whole number as registries print it: "1,454,054", "4212", or pandas' "550369.0". */
export function parseCount(value: string, what: string): number {
  const text = value.trim()
  if (text === '') fail('MISSING', `${what} is empty`)
  let digits: string | undefined
  if (/^\d{1,3}(,\d{3})+$/.test(text)) digits = text.replace(/,/g, '')
  else if (/^\d+(\.0+)?$/.test(text)) digits = text.replace(/\.0+$/, '')
  if (digits === undefined) fail('NUMBER', `${what} ${JSON.stringify(text)} is not a whole number`)
  const number = Number(digits)
  if (!Number.isSafeInteger(number)) fail('NUMBER', `${what} ${JSON.stringify(text)} is too large`)
  return number
}

/** A serial-number field that must be all digits. */
export function parseSerialNumber(value: string, what: string, serial: string): number {
  if (!/^\d+$/.test(value)) fail('FIELD', `${what} ${JSON.stringify(value)} in serial ${JSON.stringify(serial)} is not a number`)
  const number = Number(value)
  if (!Number.isSafeInteger(number)) fail('FIELD', `${what} ${JSON.stringify(value)} in serial ${JSON.stringify(serial)} is too large`)
  return number
}

/** Checks start <= end and start >= first; returns the range. */
export function checkedRange(start: number, end: number, serial: string, first = 1): SerialRange {
  if (start < first) fail('RANGE', `block start ${start} in serial ${JSON.stringify(serial)} is below ${first}`)
  if (end < start) fail('RANGE', `block end ${end} is before block start ${start} in serial ${JSON.stringify(serial)}`)
  return { start, end }
}

function isoFromParts(year: number, month: number, day: number, text: string, what: string): string {
  const date = new Date(Date.UTC(year, month - 1, day))
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    fail('DATE', `${what} ${JSON.stringify(text)} is not a calendar date`)
  }
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/** "2026-04-13", "2026-04-13T12:35:58.842275", "2022-02-24 20:20:59", "2019-03-07T18:33:46.000Z" -> "2026-04-13". */
export function isoDate(value: string, what: string): string {
  const text = value.trim()
  if (text === '') return ''
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+Z?)?$/.exec(text)
  if (!match) fail('DATE', `${what} ${JSON.stringify(text)} is not an ISO date`)
  return isoFromParts(Number(match[1]), Number(match[2]), Number(match[3]), text, what)
}

/** US month-first dates: "11/3/2025 7:10:41 PM", "03/19/2026" -> "2025-11-03". */
export function isoFromUsDate(value: string, what: string): string {
  const text = value.trim()
  if (text === '') return ''
  const match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?$/i.exec(text)
  if (!match) fail('DATE', `${what} ${JSON.stringify(text)} is not a month/day/year date`)
  return isoFromParts(Number(match[3]), Number(match[1]), Number(match[2]), text, what)
}

/** ddmmyyyy as in Verra serials: "01012020" -> "2020-01-01". */
export function isoFromDdmmyyyy(value: string, what: string, serial: string): string {
  const match = /^(\d{2})(\d{2})(\d{4})$/.exec(value)
  if (!match) fail('FIELD', `${what} ${JSON.stringify(value)} in serial ${JSON.stringify(serial)} is not ddmmyyyy`)
  return isoFromParts(Number(match[3]), Number(match[2]), Number(match[1]), value, `${what} in serial ${JSON.stringify(serial)}`)
}

/** Calendar bounds of a vintage year: "2024" -> ["2024-01-01", "2024-12-31"]. */
export function yearBounds(year: string): [string, string] {
  return [`${year}-01-01`, `${year}-12-31`]
}

/** Caps a text at the wire format's string limit, marking the cut with an ellipsis. */
export function cap(text: string, max = STRING_FIELD_LENGTH_MAX): string {
  if (text.length <= max) return text
  let end = max - 1
  const code = text.charCodeAt(end - 1)
  if (code >= 0xd800 && code <= 0xdbff) end -= 1
  return `${text.slice(0, end)}…`
}

// ---------------------------------------------------------------------------------------------------------
// What the ledger accepts (node/ledger/validate.ts and the batch.issue rule), mirrored here so that a plan never
// carries a body the ledger would refuse. Keep in step with the ledger.
export const LEDGER_LIMITS = {
  /** Project ids and the segment of a numbering space after "<registry>/". */
  identifierPattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
  identifierLengthMax: 128,
  labelsMax: 32,
  attributesMax: 64,
  attributeKeyLengthMax: 128,
  /** Serials start at 1. */
  serialMin: 1,
} as const

export function isLedgerIdentifier(value: string): boolean {
  return value.length <= LEDGER_LIMITS.identifierLengthMax && LEDGER_LIMITS.identifierPattern.test(value)
}

/** Columns CarbonPlan's scrape adds that carry nothing: pandas' unnamed index columns and "View" link texts. */
function isPlaceholder(column: string, value: string): boolean {
  if (/^Unnamed: \d+$/.test(column)) return true
  return (column === 'Documents' || column === 'Data') && value === 'View'
}

/** Every non-empty column not in `consumed`, trimmed and capped, in header order. */
export function attributesOf(row: CsvRow, consumed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  const skip = new Set(consumed.map(columnKey))
  for (const [column, value] of row.entries()) {
    if (value === '' || skip.has(columnKey(column)) || isPlaceholder(column, value)) continue
    out[cap(column, LEDGER_LIMITS.attributeKeyLengthMax)] = cap(value)
  }
  return out
}

/** Only the listed columns, when non-empty. */
export function pickAttributes(row: CsvRow, columns: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const column of columns) {
    const value = row.get(column)
    if (value !== '' && !isPlaceholder(column, value)) out[column] = cap(value)
  }
  return out
}

export function splitList(value: string, separator: string | RegExp): string[] {
  return value
    .split(separator)
    .map((part) => part.trim())
    .filter((part) => part !== '')
}

/** Yes/No flag columns that become labels (the column name is the label) when they say Yes. */
export function yesLabels(row: CsvRow, columns: readonly string[]): string[] {
  return columns.filter((column) => /^(yes|true)$/i.test(row.get(column)))
}

export function project(input: Omit<ProjectRegisterBody, 'attributes'> & { attributes?: Record<string, string> }): ProjectRegisterBody {
  return {
    registry: input.registry,
    program: cap(input.program),
    projectId: cap(input.projectId),
    name: cap(input.name),
    developer: cap(input.developer),
    country: cap(input.country),
    sector: cap(input.sector),
    methodology: cap(input.methodology),
    status: cap(input.status),
    attributes: { ...(input.attributes ?? {}) },
  }
}

export function expectEqual(what: string, inSerial: string | number, inColumn: string | number, column: string): void {
  if (String(inSerial) !== String(inColumn)) {
    fail('MISMATCH', `${what} in the serial is ${JSON.stringify(String(inSerial))} but column "${column}" says ${JSON.stringify(String(inColumn))}`)
  }
}

// ---------------------------------------------------------------------------------------------------------
// The contract between the planner and a registry adapter.

/** What a batch.issue needs besides its space and range. */
export interface BatchFacts {
  projectId: string
  vintageStart: string
  vintageEnd: string
  unitType: string
  labels: string[]
  correspondingAdjustment: string
  issuanceDate: string
}

/**
 * One row's credits.
 * - 'issuance': a whole issuance (Gold Standard, Cercarbono issuance rows); other rows of its batch must lie inside.
 * - 'block': a block of issued credits that is not retired (Verra transactions without a retirement date).
 * - 'retire' / 'cancel': a retired or cancelled block.
 */
export interface UnitRecord {
  kind: 'issuance' | 'block' | 'retire' | 'cancel'
  space: string
  /** The issuance this block belongs to inside its space (Verra: the issuance batch number). */
  group: string
  /** What rows of one group must agree on, in words (project, vintage, unit type). */
  identity: string
  range: SerialRange
  /** The registry's serial string, as in the row. */
  serial: string
  batch: BatchFacts
  /**
   * The range gives positions inside a named batch (Cercarbono retirement rows). Serials start at 1 on the
   * ledger, as the issuance 1..issued_quantity does; a batch whose rows number positions from 0 has all its
   * positions imported as serials position + 1 (the planner says so in a warning).
   */
  positions?: boolean
  retire?: { beneficiary: string; purpose: string; reason: string; retiredOn: string }
  cancel?: { reason: string }
}

export interface RowRecord {
  /** The project as this row describes it; registered only if projects.csv does not list it. */
  project: ProjectRegisterBody
  /** Null for rows that carry no serial (ACR and CAR issuance exports). */
  unit: UnitRecord | null
}

export interface RegistryAdapter {
  code: RegistryCode
  /** The file roles this registry's exports come in. */
  roles: readonly FileRole[]
  /** Columns a file of each role must have. */
  requiredColumns: Partial<Record<FileRole, readonly string[]>>
  /** Tells a file's role from its header row, when it can. */
  roleFromHeader(header: readonly string[]): FileRole | undefined
  /** A projects.csv row. Throws ParseError. */
  project(row: CsvRow): ProjectRegisterBody
  /** A row of any other role. Throws ParseError. */
  record(role: FileRole, row: CsvRow): RowRecord
}

export function has(header: readonly string[], ...columns: string[]): boolean {
  const keys = new Set(header.map(columnKey))
  return columns.every((column) => keys.has(columnKey(column)))
}
