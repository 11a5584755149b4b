// Shared helpers for the registry importer tests: fixture loading, row lookup by real line number, text
// corruption, and the invariants every import plan must satisfy.
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import type { CsvRow, ImportFile, ImportPlan, ImportStep } from '../../client/registries/index.ts'
import { ParseError, TX_BODY_BYTES_MAX, readCsv } from '../../client/registries/index.ts'
import { STRING_FIELD_LENGTH_MAX, encode } from '../../client/wire.ts'

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

/** The invariants of any plan: ordering, body shapes, containment, no overlaps, sizes. */
export function checkInvariants(plan: ImportPlan): void {
  const order = { 'project.register': 0, 'batch.issue': 1, 'credit.retire': 2, 'credit.cancel': 2 }
  for (let index = 1; index < plan.steps.length; index++) {
    expect(order[(plan.steps[index] as ImportStep).kind]).toBeGreaterThanOrEqual(order[(plan.steps[index - 1] as ImportStep).kind])
  }
  const projects = new Set<string>()
  const batches = new Map<string, { space: string; start: number; end: number }>()
  const bySpace = new Map<string, { start: number; end: number }[]>()
  const consumed = new Map<string, { start: number; end: number }[]>()
  for (const step of plan.steps) {
    expect(Object.keys(step.body)).toEqual(BODY_KEYS[step.kind])
    expect(encode(step.body).length).toBeLessThanOrEqual(TX_BODY_BYTES_MAX)
    for (const text of strings(step.body)) expect(text.length).toBeLessThanOrEqual(STRING_FIELD_LENGTH_MAX)
    expect(step.source.line).toBeGreaterThanOrEqual(2)
    if (step.kind === 'project.register') {
      expect(step.body.registry).toBe(plan.registry)
      expect(step.body.projectId).not.toBe('')
      expect(projects.has(step.body.projectId), `project ${step.body.projectId} registered twice`).toBe(false)
      projects.add(step.body.projectId)
      for (const value of Object.values(step.body.attributes)) expect(value).not.toBe('')
    } else if (step.kind === 'batch.issue') {
      const body = step.body
      expect(body.registry).toBe(plan.registry)
      expect(body.to).toBe('')
      expect(body.space === plan.registry || body.space.startsWith(`${plan.registry}/`)).toBe(true)
      expect(projects.has(body.projectId), `batch of unregistered project ${body.projectId}`).toBe(true)
      expect(Number.isSafeInteger(body.serialStart) && Number.isSafeInteger(body.serialEnd)).toBe(true)
      expect(body.serialStart).toBeGreaterThanOrEqual(0)
      expect(body.serialEnd).toBeGreaterThanOrEqual(body.serialStart)
      expect(body.originalSerial).not.toBe('')
      for (const date of [body.vintageStart, body.vintageEnd, body.issuanceDate]) if (date !== '') expect(date).toMatch(ISO_DATE)
      if (body.vintageStart !== '' && body.vintageEnd !== '') expect(body.vintageStart <= body.vintageEnd).toBe(true)
      const id = `${body.space}:${body.serialStart}-${body.serialEnd}`
      expect(batches.has(id)).toBe(false)
      batches.set(id, { space: body.space, start: body.serialStart, end: body.serialEnd })
      const list = bySpace.get(body.space) ?? []
      for (const other of list) {
        const overlaps = body.serialStart <= other.end && other.start <= body.serialEnd
        expect(overlaps, `${id} overlaps ${body.space}:${other.start}-${other.end}`).toBe(false)
      }
      list.push({ start: body.serialStart, end: body.serialEnd })
      bySpace.set(body.space, list)
    } else {
      const body = step.body
      expect(body.quantity).toBe(0)
      expect(body.range).not.toBeNull()
      const range = body.range as { start: number; end: number }
      const batch = batches.get(body.batchId)
      expect(batch, `${step.kind} names unknown batch ${body.batchId}`).toBeDefined()
      if (!batch) continue
      expect(range.start).toBeGreaterThanOrEqual(batch.start)
      expect(range.end).toBeLessThanOrEqual(batch.end)
      expect(range.end).toBeGreaterThanOrEqual(range.start)
      const used = consumed.get(batch.space) ?? []
      for (const other of used) expect(range.start <= other.end && other.start <= range.end, `credits ${range.start}-${range.end} of ${batch.space} used twice`).toBe(false)
      used.push(range)
      consumed.set(batch.space, used)
      if (step.kind === 'credit.retire' && step.body.retiredOn !== '') expect(step.body.retiredOn).toMatch(ISO_DATE)
    }
  }
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
