// Shared helpers for the registry importer tests: fixture loading, row lookup by real line number, text
// corruption, and the invariants every import plan must satisfy.
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import type { CsvRow, ImportFile, ImportPlan, ImportStep } from '../../client/registries/index.ts'
import { ParseError, TX_BODY_BYTES_MAX, readCsv } from '../../client/registries/index.ts'
import { STRING_FIELD_LENGTH_MAX, encode } from '../../client/wire.ts'
import { validateBody } from '../../node/ledger/validate.ts'

export const FIXTURES = fileURLToPath(new URL('../fixtures/registries/', import.meta.url))

export type Folder = 'verra' | 'gold-standard' | 'american-carbon-registry' | 'climate-action-reserve' | 'cercarbono'

export function fixtureText(folder: Folder, name: string): string {
  return readFileSync(`${FIXTURES}${folder}/${name}`, 'utf8')
}

/** Every CSV of a fixture folder, as planImport takes them, paths like "verra/transactions.csv". */
export function loadSet(folder: Folder): ImportFile[] {
  return readdirSync(`${FIXTURES}${folder}`)
    .filter((name) => name.endsWith('.csv'))
    .sort()
    .map((name) => ({ path: `${folder}/${name}`, text: fixtureText(folder, name) }))
}

/** The data row of a fixture file that starts on `line` (1-based; the header is line 1). */
export function rowAt(folder: Folder, name: string, line: number): CsvRow {
  const row = readCsv(fixtureText(folder, name)).rows.find((candidate) => candidate.line === line)
  if (!row) throw new Error(`no row starts on line ${line} of ${folder}/${name}`)
  return row
}

export function rows(folder: Folder, name: string): CsvRow[] {
  return readCsv(fixtureText(folder, name)).rows
}

/** Replaces `from` with `to` on one physical line (1-based) of a text; fails if `from` is not on that line. */
export function corruptLine(text: string, line: number, from: string, to: string): string {
  const lines = text.split('\n')
  const target = lines[line - 1]
  if (target === undefined || !target.includes(from)) throw new Error(`line ${line} does not contain ${JSON.stringify(from)}`)
  lines[line - 1] = target.replace(from, to)
  return lines.join('\n')
}

export function replaceFile(files: ImportFile[], path: string, text: string): ImportFile[] {
  return files.map((file) => (file.path === path ? { ...file, text } : file))
}

/** Runs `action` and returns the ParseError it throws (failing the test if it throws nothing or something else). */
export function parseErrorOf(action: () => unknown): ParseError {
  try {
    action()
  } catch (error) {
    if (error instanceof ParseError) return error
    throw error
  }
  throw new Error('expected a ParseError, nothing was thrown')
}

const BODY_KEYS: Record<ImportStep['kind'], string[]> = {
  'project.register': ['registry', 'program', 'projectId', 'name', 'developer', 'country', 'sector', 'methodology', 'status', 'attributes'],
  'batch.issue': [
    'registry',
    'projectId',
    'space',
    'serialStart',
    'serialEnd',
    'vintageStart',
    'vintageEnd',
    'unitType',
    'labels',
    'correspondingAdjustment',
    'originalSerial',
    'issuanceDate',
    'to',
  ],
  'credit.retire': ['batchId', 'quantity', 'range', 'beneficiary', 'purpose', 'reason', 'retiredOn'],
  'credit.cancel': ['batchId', 'quantity', 'range', 'reason'],
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(strings)
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => [key, ...strings(inner)])
  return []
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/

/** The invariants of any plan: ordering, body shapes, containment, no overlaps, sizes. Lists every breach. */
export function checkInvariants(plan: ImportPlan): void {
  const problems: string[] = []
  const check = (ok: boolean, problem: string): void => {
    if (!ok) problems.push(problem)
  }
  const rank = { 'project.register': 0, 'batch.issue': 1, 'credit.retire': 2, 'credit.cancel': 2 }
  const projects = new Set<string>()
  const batches = new Map<string, { space: string; start: number; end: number }>()
  const bySpace = new Map<string, { start: number; end: number }[]>()
  const consumed = new Map<string, { start: number; end: number }[]>()
  plan.steps.forEach((step, index) => {
    const at = `step ${index} (${step.kind} from ${step.source.path} line ${step.source.line})`
    const previous = plan.steps[index - 1]
    if (previous) check(rank[step.kind] >= rank[previous.kind], `${at} comes after a ${previous.kind}`)
    check(JSON.stringify(Object.keys(step.body)) === JSON.stringify(BODY_KEYS[step.kind]), `${at} has keys ${Object.keys(step.body).join(',')}`)
    check(encode(step.body).length <= TX_BODY_BYTES_MAX, `${at} is too large`)
    for (const text of strings(step.body)) check(text.length <= STRING_FIELD_LENGTH_MAX, `${at} has a string of ${text.length} characters`)
    check(step.source.line >= 2, `${at} comes from the header line`)
    // The ledger's own body schema accepts it.
    const validation = validateBody(step.kind, step.body)
    check(validation.ok, `${at} is refused by the ledger: ${validation.ok ? '' : validation.message}`)
    if (step.kind === 'project.register') {
      const body = step.body
      check(body.registry === plan.registry, `${at} is for registry ${body.registry}`)
      check(body.projectId !== '', `${at} has no project id`)
      check(!projects.has(body.projectId), `${at} registers ${body.projectId} twice`)
      projects.add(body.projectId)
      for (const [key, value] of Object.entries(body.attributes)) check(value !== '', `${at} has empty attribute ${key}`)
    } else if (step.kind === 'batch.issue') {
      const body = step.body
      check(body.registry === plan.registry, `${at} is for registry ${body.registry}`)
      check(body.to === '', `${at} issues to ${body.to}`)
      check(body.space === plan.registry || body.space.startsWith(`${plan.registry}/`), `${at} has space ${body.space}`)
      check(projects.has(body.projectId), `${at} is for unregistered project ${body.projectId}`)
      check(Number.isSafeInteger(body.serialStart) && Number.isSafeInteger(body.serialEnd), `${at} has non-integer serials`)
      check(body.serialStart >= 1 && body.serialEnd >= body.serialStart, `${at} has range ${body.serialStart}-${body.serialEnd}`)
      check(body.originalSerial !== '', `${at} has no original serial`)
      for (const date of [body.vintageStart, body.vintageEnd, body.issuanceDate]) check(date === '' || ISO_DATE.test(date), `${at} has date ${date}`)
      check(body.vintageStart === '' || body.vintageEnd === '' || body.vintageStart <= body.vintageEnd, `${at} has vintage ${body.vintageStart}..${body.vintageEnd}`)
      const id = `${body.space}:${body.serialStart}-${body.serialEnd}`
      check(!batches.has(id), `${at} issues ${id} twice`)
      batches.set(id, { space: body.space, start: body.serialStart, end: body.serialEnd })
      const list = bySpace.get(body.space) ?? []
      for (const other of list) check(!(body.serialStart <= other.end && other.start <= body.serialEnd), `${at}: ${id} overlaps ${body.space}:${other.start}-${other.end}`)
      list.push({ start: body.serialStart, end: body.serialEnd })
      bySpace.set(body.space, list)
    } else {
      const body = step.body
      check(body.quantity === 0 && body.range !== null, `${at} does not name an explicit range`)
      const range = body.range ?? { start: 0, end: -1 }
      const batch = batches.get(body.batchId)
      check(batch !== undefined, `${at} names unknown batch ${body.batchId}`)
      if (!batch) return
      check(batch.start <= range.start && range.end <= batch.end && range.start <= range.end, `${at}: ${range.start}-${range.end} is not inside ${body.batchId}`)
      const used = consumed.get(batch.space) ?? []
      for (const other of used) check(!(range.start <= other.end && other.start <= range.end), `${at}: ${range.start}-${range.end} of ${batch.space} used twice`)
      used.push(range)
      consumed.set(batch.space, used)
      if (step.kind === 'credit.retire') check(step.body.retiredOn === '' || ISO_DATE.test(step.body.retiredOn), `${at} retired on ${step.body.retiredOn}`)
    }
  })
  expect(problems).toEqual([])
  const counts = { 'project.register': 0, 'batch.issue': 0, 'credit.retire': 0, 'credit.cancel': 0 }
  for (const step of plan.steps) counts[step.kind]++
  expect(plan.summary.steps).toEqual({ ...counts, total: plan.steps.length })
  expect(plan.summary.errors).toBe(plan.errors.length)
  const issued = plan.steps.reduce((sum, step) => (step.kind === 'batch.issue' ? sum + step.body.serialEnd - step.body.serialStart + 1 : sum), 0)
  expect(plan.summary.credits.issued).toBe(issued)
}

/** Steps that came from one row. */
export function stepsFrom(plan: ImportPlan, path: string, line: number): ImportStep[] {
  return plan.steps.filter((step) => step.source.path === path && step.source.line === line)
}

export function stepsOf<K extends ImportStep['kind']>(plan: ImportPlan, kind: K): Extract<ImportStep, { kind: K }>[] {
  return plan.steps.filter((step): step is Extract<ImportStep, { kind: K }> => step.kind === kind)
}
