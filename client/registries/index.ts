// Import planner: turns a registry's own CSV exports into the ordered transactions that reproduce them on the
// ledger (project.register, batch.issue, credit.retire, credit.cancel), or says exactly which rows it refused.
//
// How credits are reconstructed:
// - Every row with a serial gives a numbering space and a range (see each registry module for its space rule).
// - Inside a space, rows belong to one issuance (Verra: the issuance batch number; GS, ACR, CAR: the space's
//   batch; Cercarbono: the batch serial). The ranges of one issuance are merged where they overlap or touch,
//   and each contiguous interval becomes one batch.issue to the registry itself. Ranges of different issuances
//   are never merged, even when adjacent (Verra numbers consecutive issuances contiguously).
// - Each retirement / cancellation row becomes a credit.retire / credit.cancel of its exact range in the batch
//   that contains it.
// - A row that fails any check is reported with its file, real line and reason, and nothing derived from it
//   (range, retirement, project) is in the plan. Checks: the serial parses; it agrees with the row's quantity,
//   project id, vintage (and country / buffer flag where the row has them); no credits are listed, retired or
//   cancelled twice; a range never overlaps another issuance; a range lies inside its issuance when the export
//   has the issuance row (Gold Standard, Cercarbono); rows of one issuance agree on project, vintage and unit;
//   the body fits the ledger (project ids and space segments are ledger identifiers, serials start at 1, the
//   encoded body fits a transaction). Attributes beyond 64 and labels beyond 32 are dropped with a warning.
// - Cercarbono batches whose rows number positions from 0 are shifted to serials 1..N (warning on the row that
//   shows it), so that they match their issuance 1..issued_quantity and the ledger's serials.
// - Order: project registrations (projects files first, then projects known only from other rows), batches in
//   the order their first row was read, then retirements and cancellations in file order. Files are read in
//   role order: projects, issuances, transactions, retirements, cancellations.
import type {
  BatchIssueBody,
  CreditCancelBody,
  CreditRetireBody,
  ProjectRegisterBody,
  RegistryCode,
  SerialRange,
  TxBodies,
} from '../wire.ts'
import { REGISTRY_CODES, TX_BYTES_MAX, encode } from '../wire.ts'
import { adapter as acrAdapter } from './acr.ts'
import { adapter as carAdapter } from './car.ts'
import { adapter as cercarbonoAdapter } from './cercarbono.ts'
import {
  type CsvRow,
  type FileRole,
  type ParseErrorReason,
  type RegistryAdapter,
  type RowRecord,
  type UnitRecord,
  FILE_ROLES,
  LEDGER_LIMITS,
  ParseError,
  cap,
  fail,
  isLedgerIdentifier,
  readCsv,
} from './common.ts'
import { adapter as goldStandardAdapter } from './gold-standard.ts'
import { adapter as verraAdapter } from './verra.ts'

export { ParseError, FILE_ROLES, LEDGER_LIMITS, readCsv }
export type { CsvRow, FileRole, ParseErrorReason, RegistryAdapter }
export { parseSerial as parseVerraSerial } from './verra.ts'
export type { VerraSerial } from './verra.ts'
export { parseSerial as parseGoldStandardSerial } from './gold-standard.ts'
export type { GoldStandardSerial, GoldStandardCdmSerial, GoldStandardParsedSerial } from './gold-standard.ts'
export { parseSerial as parseAcrSerial } from './acr.ts'
export type { AcrSerial } from './acr.ts'
export { parseSerial as parseCarSerial } from './car.ts'
export type { CarSerial } from './car.ts'
export { parseSerial as parseCercarbonoSerial } from './cercarbono.ts'
export type { CercarbonoSerial } from './cercarbono.ts'

// ---------------------------------------------------------------------------------------------------------
// Public types.

export type RegistryName = 'verra' | 'gold-standard' | 'acr' | 'car' | 'cercarbono' | 'american-carbon-registry' | 'climate-action-reserve'

export type ImportKind = 'project.register' | 'batch.issue' | 'credit.retire' | 'credit.cancel'

export interface SourceRef {
  path: string
  /** 1-based line where the row starts; the header is line 1. */
  line: number
}

export type ImportStep = { [K in ImportKind]: { source: SourceRef; kind: K; body: TxBodies[K] } }[ImportKind]

export interface ImportError {
  path: string
  /** 1-based line where the refused row starts (the header line for file-level problems). */
  line: number
  reason: string
  code: ParseErrorReason
}

export interface ImportWarning {
  path: string
  line: number
  message: string
}

export interface ImportFile {
  path: string
  text: string
  /** Overrides role detection. */
  role?: FileRole
}

export interface ImportSummary {
  registry: RegistryCode
  files: { path: string; role: FileRole | null; rows: number; errors: number }[]
  /** Data rows read, over all files. */
  rows: number
  /** Distinct rows (file + line) with at least one error. */
  rowsWithErrors: number
  steps: Record<ImportKind, number> & { total: number }
  projects: { listed: number; derived: number }
  credits: { issued: number; retired: number; cancelled: number }
  errors: number
  warnings: number
}

export interface ImportPlan {
  registry: RegistryCode
  /** project.register steps, then batch.issue, then credit.retire / credit.cancel. */
  steps: ImportStep[]
  errors: ImportError[]
  warnings: ImportWarning[]
  summary: ImportSummary
}

/** Room left for a body inside a transaction once the envelope (chain id, kind, sender, nonce) is added. */
export const TX_BODY_BYTES_MAX = TX_BYTES_MAX - 512

export const ADAPTERS: Record<RegistryCode, RegistryAdapter> = {
  VCS: verraAdapter,
  GS: goldStandardAdapter,
  ACR: acrAdapter,
  CAR: carAdapter,
  CERCARBONO: cercarbonoAdapter,
}

const ALIASES: Record<string, RegistryCode> = {
  vcs: 'VCS',
  verra: 'VCS',
  gs: 'GS',
  'gold-standard': 'GS',
  goldstandard: 'GS',
  'gold standard': 'GS',
  acr: 'ACR',
  'american-carbon-registry': 'ACR',
  car: 'CAR',
  'climate-action-reserve': 'CAR',
  cercarbono: 'CERCARBONO',
}

/** "verra", "VCS", "gold-standard", ... -> the registry code. Throws on an unknown name. */
export function resolveRegistry(name: string): RegistryCode {
  const code = ALIASES[name.trim().toLowerCase()]
  if (code) return code
  if ((REGISTRY_CODES as readonly string[]).includes(name)) return name as RegistryCode
  throw new Error(`unknown registry ${JSON.stringify(name)}; expected one of ${[...REGISTRY_CODES, ...Object.keys(ALIASES)].join(', ')}`)
}

/** The id of the batch a batch.issue creates: "<space>:<serialStart>-<serialEnd>". */
export function batchId(space: string, start: number, end: number): string {
  return `${space}:${start}-${end}`
}

/** Role from a file name: "retirements.csv" -> retirements; undefined unless exactly one role word matches. */
export function roleFromName(path: string): FileRole | undefined {
  const base = (path.split(/[\\/]/).pop() ?? '').toLowerCase().replace(/\.[^.]*$/, '')
  const patterns: [FileRole, RegExp][] = [
    ['projects', /project/],
    ['issuances', /issu/],
    ['transactions', /transaction/],
    ['retirements', /retire/],
    ['cancellations', /cancel/],
  ]
  const found = patterns.filter(([, pattern]) => pattern.test(base)).map(([role]) => role)
  return found.length === 1 ? found[0] : undefined
}

// ---------------------------------------------------------------------------------------------------------
// Planning.

interface Pending {
  rec: RowRecord
  src: SourceRef
  order: number
}

interface Placed {
  unit: UnitRecord
  src: SourceRef
  order: number
  groupKey: string
}

interface Group {
  space: string
  identity: string
  first: Placed
  issuance: boolean
  members: Placed[]
}

interface Interval {
  start: number
  end: number
  id: string
}

const ROLE_ORDER: FileRole[] = ['issuances', 'transactions', 'retirements', 'cancellations']

function where(src: SourceRef): string {
  return `${src.path} line ${src.line}`
}

function rangeText(range: SerialRange): string {
  return range.start === range.end ? `${range.start}` : `${range.start}-${range.end}`
}

/**
 * Disjoint ranges sorted by start, in chunks so that inserting into a space with many rows (Verra's single
 * space "VCS") stays cheap: each chunk is a small sorted array, chunks are ordered and split when they grow.
 */
class SortedRanges {
  private static readonly CHUNK = 512
  private readonly chunks: Placed[][] = []

  /** Index of the first chunk whose last range ends at or after `start`. */
  private firstChunk(start: number): number {
    let low = 0
    let high = this.chunks.length
    while (low < high) {
      const mid = (low + high) >>> 1
      const chunk = this.chunks[mid] as Placed[]
      if ((chunk[chunk.length - 1] as Placed).unit.range.end < start) low = mid + 1
      else high = mid
    }
    return low
  }

  /** Entries that overlap `range`, in start order. */
  overlapping(range: SerialRange): Placed[] {
    const out: Placed[] = []
    for (let index = this.firstChunk(range.start); index < this.chunks.length; index++) {
      const chunk = this.chunks[index] as Placed[]
      let low = 0
      let high = chunk.length
      while (low < high) {
        const mid = (low + high) >>> 1
        if ((chunk[mid] as Placed).unit.range.end < range.start) low = mid + 1
        else high = mid
      }
      for (let position = low; position < chunk.length; position++) {
        const entry = chunk[position] as Placed
        if (entry.unit.range.start > range.end) return out
        out.push(entry)
      }
    }
    return out
  }

  insert(entry: Placed): void {
    const start = entry.unit.range.start
    if (this.chunks.length === 0) {
      this.chunks.push([entry])
      return
    }
    let index = this.firstChunk(start)
    if (index === this.chunks.length) index -= 1
    const chunk = this.chunks[index] as Placed[]
    let low = 0
    let high = chunk.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if ((chunk[mid] as Placed).unit.range.start < start) low = mid + 1
      else high = mid
    }
    chunk.splice(low, 0, entry)
    if (chunk.length > 2 * SortedRanges.CHUNK) this.chunks.splice(index, 1, chunk.slice(0, SortedRanges.CHUNK), chunk.slice(SortedRanges.CHUNK))
  }
}

const VERB: Record<UnitRecord['kind'], string> = { issuance: 'issued', block: 'listed', retire: 'retired', cancel: 'cancelled' }

function encodedSize(body: unknown): number {
  return encode(body).length
}

export function planImport(registry: RegistryCode | RegistryName, files: ImportFile[]): ImportPlan {
  const code = resolveRegistry(registry)
  const adapter = ADAPTERS[code]
  const errors: (ImportError & { fileIndex: number })[] = []
  const warnings: ImportWarning[] = []
  const fileIndex = new Map<string, number>()
  files.forEach((file, index) => {
    if (!fileIndex.has(file.path)) fileIndex.set(file.path, index)
  })
  const report = (src: SourceRef, reason: ParseErrorReason, message: string): void => {
    errors.push({ path: src.path, line: src.line, reason: message, code: reason, fileIndex: fileIndex.get(src.path) ?? 0 })
  }
  const reportCaught = (src: SourceRef, error: unknown): void => {
    if (error instanceof ParseError) report(src, error.reason, error.message)
    else throw error
  }

  // Read every file and tell its role.
  const read = files.map((file) => {
    const csv = readCsv(file.text)
    for (const problem of csv.errors) report({ path: file.path, line: problem.line }, problem.reason, problem.message)
    const headerSrc = { path: file.path, line: csv.headerLine }
    let role: FileRole | null = null
    if (csv.header.length === 0) {
      report(headerSrc, 'EMPTY', 'the file has no header row')
    } else {
      const fromHeader = adapter.roleFromHeader(csv.header)
      const fromName = roleFromName(file.path)
      if (file.role) role = file.role
      else if (fromHeader && fromName && fromHeader !== fromName) {
        report(headerSrc, 'ROLE', `the file name says ${fromName} but the header row is that of a ${code} ${fromHeader} export`)
      } else role = fromHeader ?? fromName ?? null
      if (role === null && !errors.some((error) => error.path === file.path && error.code === 'ROLE')) {
        report(headerSrc, 'ROLE', `cannot tell whether this is a ${code} ${adapter.roles.join(' / ')} export from its name or header row`)
      }
      if (role !== null && !adapter.roles.includes(role)) {
        report(headerSrc, 'ROLE', `${code} exports have no ${role} file (they come as ${adapter.roles.join(', ')})`)
        role = null
      }
      if (role !== null) {
        const present = new Set(csv.header.map((name) => name.replace(/\s+/g, ' ').trim()))
        const missing = (adapter.requiredColumns[role] ?? []).filter((column) => !present.has(column))
        if (missing.length > 0) {
          report(headerSrc, 'MISSING', `a ${code} ${role} file needs the column(s) ${missing.map((column) => JSON.stringify(column)).join(', ')}`)
          role = null
        }
      }
    }
    return { file, csv, role }
  })

  // Projects listed in projects files.
  const projectSteps: ImportStep[] = []
  const projectSource = new Map<string, SourceRef>()
  let listed = 0
  let derived = 0
  const checkSize = (body: ProjectRegisterBody): void => {
    if (!isLedgerIdentifier(body.projectId)) {
      fail('FIELD', `project id ${JSON.stringify(body.projectId)} is not a ledger identifier (letters, digits, _ . -, at most ${LEDGER_LIMITS.identifierLengthMax})`)
    }
    const size = encodedSize(body)
    if (size > TX_BODY_BYTES_MAX) fail('TOO_LARGE', `project ${body.projectId} would be ${size} bytes encoded, more than ${TX_BODY_BYTES_MAX}`)
  }
  const addProject = (body: ProjectRegisterBody, src: SourceRef): void => {
    checkSize(body)
    const names = Object.keys(body.attributes)
    if (names.length > LEDGER_LIMITS.attributesMax) {
      const dropped = names.slice(LEDGER_LIMITS.attributesMax)
      for (const name of dropped) delete body.attributes[name]
      warnings.push({ ...src, message: `project ${body.projectId} has ${names.length} attributes; the ledger keeps ${LEDGER_LIMITS.attributesMax}, so ${dropped.map((name) => JSON.stringify(name)).join(', ')} are left out` })
    }
    projectSource.set(body.projectId, src)
    projectSteps.push({ source: src, kind: 'project.register', body })
  }
  for (const { file, csv, role } of read) {
    if (role !== 'projects') continue
    for (const row of csv.rows) {
      const src = { path: file.path, line: row.line }
      try {
        const body = adapter.project(row)
        const earlier = projectSource.get(body.projectId)
        if (earlier) fail('DUPLICATE', `project ${body.projectId} is already listed at ${where(earlier)}`)
        addProject(body, src)
        listed++
      } catch (error) {
        reportCaught(src, error)
      }
    }
  }

  // Every other row, read in role order: issuances first so that their ranges bound what follows.
  const pending: Pending[] = []
  let order = 0
  for (const role of ROLE_ORDER) {
    for (const { file, csv, role: fileRole } of read) {
      if (fileRole !== role) continue
      for (const row of csv.rows) {
        const src = { path: file.path, line: row.line }
        try {
          pending.push({ rec: adapter.record(role, row), src, order: order++ })
        } catch (error) {
          reportCaught(src, error)
        }
      }
    }
  }

  // Positions inside a named batch (Cercarbono): a batch whose rows start at position 0 numbers 0..N-1, and
  // the ledger's serials start at 1, so every position of that batch becomes serial position + 1.
  const zeroBased = new Map<string, Pending>()
  for (const entry of pending) {
    const unit = entry.rec.unit
    if (unit?.positions && unit.range.start === 0) {
      const key = `${unit.space}\u0000${unit.group}`
      if (!zeroBased.has(key)) zeroBased.set(key, entry)
    }
  }
  for (const witness of zeroBased.values()) {
    warnings.push({
      path: witness.src.path,
      line: witness.src.line,
      message: `${witness.rec.unit?.serial ?? ''} numbers its positions from 0 (this row starts at 0): its positions p are imported as serials p + 1`,
    })
  }
  if (zeroBased.size > 0) {
    for (const entry of pending) {
      const unit = entry.rec.unit
      if (unit?.positions && zeroBased.has(`${unit.space}\u0000${unit.group}`)) unit.range = { start: unit.range.start + 1, end: unit.range.end + 1 }
    }
  }

  // Place every range, refusing duplicates, overlaps and ranges outside their issuance.
  const spaces = new Map<string, { issued: SortedRanges; used: SortedRanges }>()
  const groups = new Map<string, Group>()
  const accepted: Placed[] = []
  const place = (entry: Pending, unit: UnitRecord): void => {
    if (unit.space !== code) {
      const segment = unit.space.startsWith(`${code}/`) ? unit.space.slice(code.length + 1) : ''
      if (!isLedgerIdentifier(segment)) fail('FIELD', `numbering space ${JSON.stringify(unit.space)} is not "${code}" or "${code}/<letters, digits, _ . ->"`)
    }
    if (unit.range.start < LEDGER_LIMITS.serialMin) fail('RANGE', `serial ${unit.range.start} of ${unit.space} is below ${LEDGER_LIMITS.serialMin}`)
    const groupKey = `${unit.space}\u0000${unit.group}`
    const placed: Placed = { unit, src: entry.src, order: entry.order, groupKey }
    let space = spaces.get(unit.space)
    if (!space) {
      space = { issued: new SortedRanges(), used: new SortedRanges() }
      spaces.set(unit.space, space)
    }
    const group = groups.get(groupKey)
    if (group && group.identity !== unit.identity) {
      fail('CONFLICT', `${unit.serial} belongs to the issuance first seen at ${where(group.first.src)} (${group.identity}) but this row says ${unit.identity}`)
    }
    const what = `credits ${rangeText(unit.range)} of ${unit.space}`
    if (unit.kind === 'issuance') {
      const hit = space.issued.overlapping(unit.range)[0]
      if (hit) {
        const same = hit.groupKey === groupKey && hit.unit.range.start === unit.range.start && hit.unit.range.end === unit.range.end
        fail(same ? 'DUPLICATE' : 'OVERLAP', same ? `${what} were already issued by ${where(hit.src)}` : `${what} overlap the issuance ${hit.unit.serial} at ${where(hit.src)}`)
      }
      const foreign = space.used.overlapping(unit.range).find((used) => used.groupKey !== groupKey)
      if (foreign) fail('OVERLAP', `${what} overlap ${foreign.unit.serial} of another issuance at ${where(foreign.src)}`)
    } else {
      const used = space.used.overlapping(unit.range)[0]
      if (used) {
        const same = used.unit.range.start === unit.range.start && used.unit.range.end === unit.range.end
        fail('DUPLICATE', `${what} were already ${VERB[used.unit.kind]} by ${where(used.src)}${same ? ' (same range)' : ` (${used.unit.serial})`}`)
      }
      const issued = space.issued.overlapping(unit.range)
      const foreign = issued.find((entry) => entry.groupKey !== groupKey)
      if (foreign) fail('OVERLAP', `${what} lie in the issuance ${foreign.unit.serial} at ${where(foreign.src)}, not in ${unit.serial}`)
      if (group?.issuance) {
        let cursor = unit.range.start
        for (const entry of issued) {
          if (entry.unit.range.start > cursor) break
          cursor = Math.max(cursor, entry.unit.range.end + 1)
        }
        if (cursor <= unit.range.end) {
          const bounds = group.members
            .filter((member) => member.unit.kind === 'issuance')
            .map((member) => rangeText(member.unit.range))
            .join(', ')
          fail('OUTSIDE', `${what} lie outside what ${unit.serial} issued (${bounds}, ${where(group.first.src)})`)
        }
      }
    }
    (unit.kind === 'issuance' ? space.issued : space.used).insert(placed)
    if (group) {
      group.members.push(placed)
      if (unit.kind === 'issuance') group.issuance = true
    } else {
      groups.set(groupKey, { space: unit.space, identity: unit.identity, first: placed, issuance: unit.kind === 'issuance', members: [placed] })
    }
    accepted.push(placed)
  }
  for (const entry of pending) {
    try {
      // A project this row would introduce must fit in a transaction before the row's credits are placed.
      const newProject = !projectSource.has(entry.rec.project.projectId)
      if (newProject) checkSize(entry.rec.project)
      if (entry.rec.unit) place(entry, entry.rec.unit)
      if (newProject) {
        addProject(entry.rec.project, entry.src)
        derived++
      }
    } catch (error) {
      reportCaught(entry.src, error)
    }
  }

  // Batches: the contiguous intervals of each issuance.
  const intervalsOf = new Map<string, Interval[]>()
  const batchSteps: { order: number; start: number; step: ImportStep }[] = []
  let issued = 0
  for (const [key, group] of groups) {
    const members = [...group.members].sort((a, b) => a.unit.range.start - b.unit.range.start || a.order - b.order)
    const merged: { start: number; end: number; members: Placed[] }[] = []
    for (const member of members) {
      const last = merged[merged.length - 1]
      if (last && member.unit.range.start <= last.end + 1) {
        last.end = Math.max(last.end, member.unit.range.end)
        last.members.push(member)
      } else {
        merged.push({ start: member.unit.range.start, end: member.unit.range.end, members: [member] })
      }
    }
    const intervals: Interval[] = []
    for (const interval of merged) {
      const byOrder = [...interval.members].sort((a, b) => a.order - b.order)
      const primary = byOrder.find((member) => member.unit.kind === 'issuance') ?? (byOrder[0] as Placed)
      const facts = primary.unit.batch
      const id = batchId(group.space, interval.start, interval.end)
      const labels = [...new Set(facts.labels.map((label) => cap(label, 256)))]
      if (labels.length > LEDGER_LIMITS.labelsMax) {
        warnings.push({ ...primary.src, message: `batch ${id} has ${labels.length} labels; the ledger keeps the first ${LEDGER_LIMITS.labelsMax}` })
        labels.length = LEDGER_LIMITS.labelsMax
      }
      intervals.push({ start: interval.start, end: interval.end, id })
      issued += interval.end - interval.start + 1
      const body: BatchIssueBody = {
        registry: code,
        projectId: facts.projectId,
        space: group.space,
        serialStart: interval.start,
        serialEnd: interval.end,
        vintageStart: facts.vintageStart,
        vintageEnd: facts.vintageEnd,
        unitType: cap(facts.unitType, 64),
        labels,
        correspondingAdjustment: cap(facts.correspondingAdjustment),
        originalSerial: cap(primary.unit.serial),
        issuanceDate: facts.issuanceDate,
        to: '',
      }
      batchSteps.push({ order: primary.order, start: interval.start, step: { source: primary.src, kind: 'batch.issue', body } })
    }
    intervalsOf.set(key, intervals)
  }
  batchSteps.sort((a, b) => a.order - b.order || a.start - b.start)

  // Retirements and cancellations, in file order.
  const creditSteps: ImportStep[] = []
  let retired = 0
  let cancelled = 0
  for (const placed of accepted) {
    const unit = placed.unit
    if (unit.kind !== 'retire' && unit.kind !== 'cancel') continue
    const intervals = intervalsOf.get(placed.groupKey) ?? []
    let low = 0
    let high = intervals.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if ((intervals[mid] as Interval).end < unit.range.start) low = mid + 1
      else high = mid
    }
    const interval = intervals[low] !== undefined && (intervals[low] as Interval).start <= unit.range.start && unit.range.end <= (intervals[low] as Interval).end ? intervals[low] : undefined
    if (!interval) throw new Error(`internal: no batch contains ${unit.serial}`)
    const range = { start: unit.range.start, end: unit.range.end }
    const count = range.end - range.start + 1
    if (unit.kind === 'retire') {
      const details = unit.retire ?? { beneficiary: '', purpose: '', reason: '', retiredOn: '' }
      const body: CreditRetireBody = {
        batchId: interval.id,
        quantity: 0,
        range,
        beneficiary: cap(details.beneficiary),
        purpose: cap(details.purpose),
        reason: cap(details.reason),
        retiredOn: details.retiredOn,
      }
      creditSteps.push({ source: placed.src, kind: 'credit.retire', body })
      retired += count
    } else {
      const body: CreditCancelBody = { batchId: interval.id, quantity: 0, range, reason: cap(unit.cancel?.reason ?? '') }
      creditSteps.push({ source: placed.src, kind: 'credit.cancel', body })
      cancelled += count
    }
  }

  const steps: ImportStep[] = [...projectSteps, ...batchSteps.map((entry) => entry.step), ...creditSteps]
  errors.sort((a, b) => a.fileIndex - b.fileIndex || a.line - b.line)
  const publicErrors: ImportError[] = errors.map(({ path, line, reason, code: errorCode }) => ({ path, line, reason, code: errorCode }))
  const count = (kind: ImportKind): number => steps.filter((step) => step.kind === kind).length
  const stepCounts = {
    'project.register': count('project.register'),
    'batch.issue': count('batch.issue'),
    'credit.retire': count('credit.retire'),
    'credit.cancel': count('credit.cancel'),
    total: steps.length,
  }
  const errorLines = new Set(publicErrors.map((error) => `${error.path}\u0000${error.line}`))
  return {
    registry: code,
    steps,
    errors: publicErrors,
    warnings,
    summary: {
      registry: code,
      files: read.map(({ file, csv, role }) => ({
        path: file.path,
        role,
        rows: csv.rows.length + csv.errors.length,
        errors: publicErrors.filter((error) => error.path === file.path).length,
      })),
      rows: read.reduce((sum, { csv }) => sum + csv.rows.length + csv.errors.length, 0),
      rowsWithErrors: errorLines.size,
      steps: stepCounts,
      projects: { listed, derived },
      credits: { issued, retired, cancelled },
      errors: publicErrors.length,
      warnings: warnings.length,
    },
  }
}
