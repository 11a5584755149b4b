// Read-only queries over ledger state, for the HTTP API and the tests. They take any StateReader (committed state
// or a StateView) and never write. Every listing is bounded (QUERY_LIMIT_MAX) and pages with an opaque `after`
// cursor: pass a response's `next` back as `after` to get the following page; `next` is null on the last page.
import type { RegistryCode, Role, SerialRange } from '../../client/wire.ts'
import type { RangeOptions, StateReader } from '../state/view.ts'
import { nextNonceOf, readAccount } from './accounts.ts'
import {
  keys,
  PREFIX,
  prefixEnd,
  readRange,
  readRecord,
  type BatchRecord,
  type CashSupplyRecord,
  type EventRecord,
  type HoldingRecord,
  type HoldingStatus,
  type ProjectRecord,
  type SpaceRangeRecord,
} from './keys.ts'
import type { CompositeClassRecord, CompositeUnitRecord, AttestationRecord, FractionRetirementRecord, FractionSerialRecord, PrivateRetirementRecord, RatingRecord } from './keys.ts'
import { invariant } from './result.ts'
import { holdingsOverlapping, unitCount } from './holdings.ts'
import { RECORD_OF_RANGES_SHOWN_MAX, recordOfClipped, recordOfRanges } from './record-of.ts'
import type { RecordOfRecord } from './keys.ts'
import { ACCOUNT_ID_PATTERN, CURRENCY_PATTERN } from './validate.ts'

export const QUERY_LIMIT_DEFAULT = 100
export const QUERY_LIMIT_MAX = 1_000
export const HOLDINGS_QUERY_LIMIT_MAX = 10_000
export const PROVENANCE_EVENTS_MAX = 1_000
/** Page size of internal scans (supply, provenance), so no single read loads an unbounded range. */
export const SCAN_PAGE_ENTRIES = 1_000

export interface Page<T> {
  items: T[]
  /** Cursor for the next page (pass as `after`), null when this is the last page. */
  next: string | null
}

export interface PageOptions {
  limit?: number
  after?: string
}

function pageLimit(limit: number | undefined, maximum = QUERY_LIMIT_MAX): number {
  if (limit === undefined || !Number.isSafeInteger(limit) || limit < 1) return Math.min(QUERY_LIMIT_DEFAULT, maximum)
  return Math.min(limit, maximum)
}

/** Reads one page of `prefix` after the cursor (a key suffix): [key suffix, value] entries and the next cursor. */
async function readPageEntries<T>(reader: StateReader, prefix: string, options: PageOptions, maximum?: number): Promise<{ entries: [string, T][]; next: string | null }> {
  const limit = pageLimit(options.limit, maximum)
  const range: RangeOptions = { lt: prefixEnd(prefix), limit: limit + 1 }
  if (options.after !== undefined && options.after !== '') range.gt = prefix + options.after
  else range.gte = prefix
  const entries = (await readRange<T>(reader, range)).map(([key, value]): [string, T] => [key.slice(prefix.length), value])
  const more = entries.length > limit
  const page = more ? entries.slice(0, limit) : entries
  const last = page[page.length - 1]
  return { entries: page, next: more && last !== undefined ? last[0] : null }
}

async function readPage<T>(reader: StateReader, prefix: string, options: PageOptions, maximum?: number): Promise<Page<T>> {
  const { entries, next } = await readPageEntries<T>(reader, prefix, options, maximum)
  return { items: entries.map(([, value]) => value), next }
}

/** Every entry of a prefix, read in pages. For internal use over ranges bounded by the ledger's own rules. */
async function* scan<T>(reader: StateReader, prefix: string): AsyncGenerator<[string, T]> {
  let after: string | undefined
  for (;;) {
    const range: RangeOptions = { lt: prefixEnd(prefix), limit: SCAN_PAGE_ENTRIES }
    if (after === undefined) range.gte = prefix
    else range.gt = after
    const entries = await readRange<T>(reader, range)
    for (const entry of entries) yield entry
    const last = entries[entries.length - 1]
    if (entries.length < SCAN_PAGE_ENTRIES || last === undefined) return
    after = last[0]
  }
}

// ---------------------------------------------------------------------------------------------------------
// Accounts.

export interface AccountView {
  id: string
  /** Name, role and registry from genesis; null for an account outside genesis (it may still hold credits). */
  name: string | null
  role: Role | null
  registry: RegistryCode | null
  /** The nonce its next transaction must carry. */
  nextNonce: number
}

/** null only for a malformed account id. */
export async function getAccount(reader: StateReader, accountId: string): Promise<AccountView | null> {
  if (!ACCOUNT_ID_PATTERN.test(accountId)) return null
  const account = await readAccount(reader, accountId)
  return {
    id: accountId,
    name: account?.name ?? null,
    role: account?.role ?? null,
    registry: account?.registry ?? null,
    nextNonce: await nextNonceOf(reader, accountId),
  }
}

export interface StatusTotals {
  active: number
  retired: number
  cancelled: number
  /** Collateral or immobilised (node/ledger/locks.ts). */
  locked: number
  /** Divided into parts (node/ledger/fractions.ts): see GET /accounts/:id/fractions and /batches/:batchId/fractions. */
  fractionalised: number
}

function emptyTotals(): StatusTotals {
  return { active: 0, retired: 0, cancelled: 0, locked: 0, fractionalised: 0 }
}

function addUnits(totals: StatusTotals, status: HoldingStatus, units: number): void {
  totals[status] += units
}

/** A serial range and its registry of record (node/ledger/record-of.ts). */
export interface RecordOfRange {
  start: number
  end: number
  registry: RegistryCode
}

export interface BatchHoldings {
  batchId: string
  holdings: HoldingRecord[]
  totals: StatusTotals
  /** The registry of record of the serials of these holdings, by range in serial order (clipped to the holdings). */
  recordOf: RecordOfRange[]
}

/** Appends ranges of record, merging a range with the previous one when they touch and share a registry. */
function appendRecordOf(out: RecordOfRange[], records: RecordOfRecord[]): void {
  for (const record of records) {
    const last = out[out.length - 1]
    if (last !== undefined && last.registry === record.registry && last.end + 1 === record.start) last.end = record.end
    else out.push({ start: record.start, end: record.end, registry: record.registry })
  }
}

export interface AccountHoldings {
  account: string
  batches: BatchHoldings[]
  /** Over the holdings of this page. */
  totals: StatusTotals
  next: string | null
}

/** The holdings of an account, grouped by batch (batches in id order, holdings in serial order). */
export async function holdingsOf(reader: StateReader, accountId: string, options: PageOptions = {}): Promise<AccountHoldings> {
  const page = await readPage<HoldingRecord>(reader, keys.ownerPrefix(accountId), { limit: options.limit ?? HOLDINGS_QUERY_LIMIT_MAX, ...(options.after === undefined ? {} : { after: options.after }) }, HOLDINGS_QUERY_LIMIT_MAX)
  const batches: BatchHoldings[] = []
  const totals = emptyTotals()
  for (const holding of page.items) {
    let group = batches[batches.length - 1]
    if (group === undefined || group.batchId !== holding.batchId) {
      group = { batchId: holding.batchId, holdings: [], totals: emptyTotals(), recordOf: [] }
      batches.push(group)
    }
    group.holdings.push(holding)
    addUnits(group.totals, holding.status, unitCount(holding))
    addUnits(totals, holding.status, unitCount(holding))
  }
  // The registry of record of the held serials: one range read per batch, clipped to each holding (both in serial order).
  for (const group of batches) {
    const first = group.holdings[0]
    const last = group.holdings[group.holdings.length - 1]
    if (first === undefined || last === undefined) continue
    const records = await recordOfClipped(reader, group.batchId, { start: first.start, end: last.end })
    let index = 0
    for (const holding of group.holdings) {
      while (index < records.length && (records[index] as RecordOfRecord).end < holding.start) index += 1
      const clipped: RecordOfRecord[] = []
      for (let next = index; next < records.length && (records[next] as RecordOfRecord).start <= holding.end; next += 1) {
        const record = records[next] as RecordOfRecord
        clipped.push({ ...record, start: Math.max(record.start, holding.start), end: Math.min(record.end, holding.end) })
      }
      appendRecordOf(group.recordOf, clipped)
    }
  }
  return { account: accountId, batches, totals, next: page.next }
}

// ---------------------------------------------------------------------------------------------------------
// Projects and batches.

export async function getProject(reader: StateReader, registry: string, projectId: string): Promise<ProjectRecord | undefined> {
  return readRecord<ProjectRecord>(reader, keys.project(registry, projectId))
}

/** Projects in (registry, projectId) order, optionally of one registry. The cursor is `${registry}/${projectId}`. */
export async function listProjects(reader: StateReader, limit?: number, after?: string, filter: { registry?: string } = {}): Promise<Page<ProjectRecord>> {
  if (filter.registry === undefined) return readPage<ProjectRecord>(reader, PREFIX.project, { ...(limit === undefined ? {} : { limit }), ...(after === undefined ? {} : { after }) })
  // Cursors are always `${registry}/${projectId}`: strip the registry part for the page read, add it back after.
  const registryPrefix = `${filter.registry}/`
  const afterProject = after !== undefined && after.startsWith(registryPrefix) ? after.slice(registryPrefix.length) : undefined
  const page = await readPage<ProjectRecord>(reader, PREFIX.project + registryPrefix, { ...(limit === undefined ? {} : { limit }), ...(afterProject === undefined ? {} : { after: afterProject }) })
  return { items: page.items, next: page.next === null ? null : registryPrefix + page.next }
}

export async function getBatch(reader: StateReader, batchId: string): Promise<BatchRecord | undefined> {
  return readRecord<BatchRecord>(reader, keys.batch(batchId))
}

export interface BatchRecordOf {
  /** The registry of record of every serial of the batch, by range in serial order (they partition the batch). */
  ranges: RecordOfRange[]
  /** True when the batch has more than RECORD_OF_RANGES_SHOWN_MAX ranges: `ranges` holds the first ones. */
  truncated: boolean
}

/** The ranges of record of a batch (GET /batches/:id). */
export async function batchRecordOf(reader: StateReader, batchId: string): Promise<BatchRecordOf> {
  const records = await recordOfRanges(reader, batchId, RECORD_OF_RANGES_SHOWN_MAX + 1)
  return { ranges: records.slice(0, RECORD_OF_RANGES_SHOWN_MAX).map((record) => ({ start: record.start, end: record.end, registry: record.registry })), truncated: records.length > RECORD_OF_RANGES_SHOWN_MAX }
}

/**
 * Batches in batch id order: all, of one registry, or of one project (registry and projectId). The cursor is a
 * batch id.
 */
export async function listBatches(reader: StateReader, limit?: number, after?: string, filter: { registry?: string; projectId?: string } = {}): Promise<Page<BatchRecord>> {
  const options: PageOptions & { registry?: string; projectId?: string } = { ...filter }
  if (limit !== undefined) options.limit = limit
  if (after !== undefined) options.after = after
  if (options.projectId !== undefined) {
    if (options.registry === undefined) return { items: [], next: null }
    const { entries, next } = await readPageEntries<null>(reader, keys.projectBatchPrefix(options.registry, options.projectId), options)
    const items: BatchRecord[] = []
    for (const [batchId] of entries) {
      const batch = await getBatch(reader, batchId)
      if (batch !== undefined) items.push(batch)
    }
    return { items, next }
  }
  if (options.registry !== undefined) {
    // A batch id starts with its space, which is REGISTRY or REGISTRY/segment, followed by ':'. Between the
    // keys batch/REGISTRY/ and batch/REGISTRY; lie exactly the batches of that registry (see keys.ts).
    const base = `${PREFIX.batch}${options.registry}`
    const limit = pageLimit(options.limit)
    const range: RangeOptions = { lt: `${base};`, limit: limit + 1 }
    if (options.after !== undefined && options.after !== '') range.gt = PREFIX.batch + options.after
    else range.gte = `${base}/`
    const entries = await readRange<BatchRecord>(reader, range)
    const more = entries.length > limit
    const page = more ? entries.slice(0, limit) : entries
    const last = page[page.length - 1]
    return { items: page.map(([, batch]) => batch), next: more && last !== undefined ? last[0].slice(PREFIX.batch.length) : null }
  }
  return readPage<BatchRecord>(reader, PREFIX.batch, options)
}

/** The batch whose serial range in `space` contains `serial`, if any. */
export async function findBatchBySerial(reader: StateReader, space: string, serial: number): Promise<BatchRecord | undefined> {
  if (!Number.isSafeInteger(serial) || serial < 1) return undefined
  const [predecessor] = await readRange<SpaceRangeRecord>(reader, { gte: keys.spacePrefix(space), lte: keys.space(space, serial), reverse: true, limit: 1 })
  if (predecessor === undefined || predecessor[1].end < serial) return undefined
  return getBatch(reader, predecessor[1].batchId)
}

// ---------------------------------------------------------------------------------------------------------
// Supply and provenance.

export interface BatchSupply extends StatusTotals {
  /** From the batch record: serialEnd - serialStart + 1. Always active + retired + cancelled + locked + fractionalised. */
  issued: number
  holdings: number
}

/** The units of a batch by status, summed over its holdings. */
export async function batchSupply(reader: StateReader, batchId: string): Promise<BatchSupply | undefined> {
  const batch = await getBatch(reader, batchId)
  if (batch === undefined) return undefined
  const supply: BatchSupply = { issued: batch.serialEnd - batch.serialStart + 1, holdings: 0, ...emptyTotals() }
  for await (const [, holding] of scan<HoldingRecord>(reader, keys.holdingPrefix(batchId))) {
    supply.holdings += 1
    addUnits(supply, holding.status, unitCount(holding))
  }
  return supply
}

/** Every holding of a batch in serial order (they partition the batch's serial range). */
export async function batchHoldings(reader: StateReader, batchId: string): Promise<HoldingRecord[]> {
  const out: HoldingRecord[] = []
  for await (const [, holding] of scan<HoldingRecord>(reader, keys.holdingPrefix(batchId))) out.push(holding)
  return out
}

export interface Provenance {
  batch: BatchRecord
  project: ProjectRecord | undefined
  range: SerialRange
  /** Every event that touched a serial of `range`, in ledger order: issuance, each transfer, retirement, ... */
  events: EventRecord[]
  /** True when more than PROVENANCE_EVENTS_MAX events touched the range; `events` holds the first ones. */
  truncated: boolean
  /** Who holds the serials of `range` now, and in which status. */
  holdings: HoldingRecord[]
  /** The registry of record of the serials of `range` now, by range (a 'port' event records each change). */
  recordOf: RecordOfRange[]
}

export type ProvenanceQuery = { space: string; serial: number } | { batchId: string; range: SerialRange }

/**
 * The history of serials: { space, serial } for one serial of a numbering space, or { batchId, range } for a
 * sub-range of a batch (clipped to the batch's serials). undefined when no batch has those serials.
 */
export async function provenance(reader: StateReader, query: ProvenanceQuery): Promise<Provenance | undefined> {
  let batch: BatchRecord | undefined
  let range: SerialRange
  if ('space' in query) {
    batch = await findBatchBySerial(reader, query.space, query.serial)
    range = { start: query.serial, end: query.serial }
  } else {
    batch = await getBatch(reader, query.batchId)
    range = { start: query.range.start, end: query.range.end }
    if (batch !== undefined) range = { start: Math.max(range.start, batch.serialStart), end: Math.min(range.end, batch.serialEnd) }
  }
  if (batch === undefined || range.start > range.end) return undefined
  const events: EventRecord[] = []
  let truncated = false
  for await (const [, event] of scan<EventRecord>(reader, keys.eventPrefix(batch.batchId))) {
    if (event.range.end < range.start || event.range.start > range.end) continue
    if (events.length >= PROVENANCE_EVENTS_MAX) {
      truncated = true
      break
    }
    events.push(event)
  }
  return {
    batch,
    project: await getProject(reader, batch.registry, batch.projectId),
    range,
    events,
    truncated,
    holdings: await holdingsOverlapping(reader, batch.batchId, range),
    recordOf: (await recordOfClipped(reader, batch.batchId, range)).map((record) => ({ start: record.start, end: record.end, registry: record.registry })),
  }
}

// ---------------------------------------------------------------------------------------------------------
// Cash.

export interface CashBalance {
  currency: string
  /** Minor units (integer). */
  amount: number
}

export interface AccountBalances {
  account: string
  /** Every currency the account holds (non-zero balances only), in currency code order. */
  balances: CashBalance[]
  /** Cursor (a currency code) for the next page, null on the last one. */
  next: string | null
}

/** The cash balances of an account, a page of up to QUERY_LIMIT_MAX currencies (all of them, in practice). */
export async function balancesOf(reader: StateReader, accountId: string, options: PageOptions = {}): Promise<AccountBalances> {
  const { entries, next } = await readPageEntries<number>(reader, keys.balancePrefix(accountId), { limit: options.limit ?? QUERY_LIMIT_MAX, ...(options.after === undefined ? {} : { after: options.after }) })
  return { account: accountId, balances: entries.map(([currency, amount]) => ({ currency, amount })), next }
}

/** A currency's supply and number of holders; undefined for a currency never minted (or a malformed code). */
export async function cashSupply(reader: StateReader, currency: string): Promise<CashSupplyRecord | undefined> {
  if (!CURRENCY_PATTERN.test(currency)) return undefined
  return readRecord<CashSupplyRecord>(reader, keys.cashSupply(currency))
}

// Quality information (ratings and MRV attestations) and private retirements.

/** Ratings (of each kind: current, history) and attestations shown for one project at most. */
export const QUALITY_ENTRIES_MAX = 1_000

export interface RatingView extends RatingRecord {
  /** The agency's genesis name, null if it has none. */
  agencyName: string | null
  /** False for the agency's latest rating of the project, true once a later one by the same agency superseded it. */
  superseded: boolean
}

export interface AttestationView extends AttestationRecord {
  verifierName: string | null
}

export interface ProjectQuality {
  /** The current rating of each agency (its latest), in agency id order. */
  ratings: RatingView[]
  /** Every rating, superseded ones included, in ledger order (height, then position in the block). */
  ratingHistory: RatingView[]
  /** MRV attestations in ledger order. */
  attestations: AttestationView[]
  /** True when a list holds only its first QUALITY_ENTRIES_MAX entries. */
  truncated: boolean
}

export async function projectQuality(reader: StateReader, registry: string, projectId: string): Promise<ProjectQuality> {
  const names = new Map<string, string | null>()
  const nameOf = async (account: string): Promise<string | null> => {
    if (!names.has(account)) names.set(account, (await readAccount(reader, account))?.name ?? null)
    return names.get(account) ?? null
  }
  // Current ratings: the last rating under each agency's prefix, skipping from one agency to the next.
  const ratingPrefix = keys.ratingPrefix(registry, projectId)
  const current: RatingRecord[] = []
  let truncated = false
  let from = ratingPrefix
  for (;;) {
    const [first] = await readRange<RatingRecord>(reader, { gte: from, lt: prefixEnd(ratingPrefix), limit: 1 })
    if (first === undefined) break
    if (current.length >= QUALITY_ENTRIES_MAX) {
      truncated = true
      break
    }
    const agencyPrefix = keys.ratingAgencyPrefix(registry, projectId, first[1].agency)
    const [last] = await readRange<RatingRecord>(reader, { gte: agencyPrefix, lt: prefixEnd(agencyPrefix), reverse: true, limit: 1 })
    current.push((last ?? first)[1])
    from = prefixEnd(agencyPrefix)
  }
  const latestSeq = new Map(current.map((rating) => [rating.agency, rating.seq]))
  const ratingView = async (rating: RatingRecord): Promise<RatingView> => ({ ...rating, agencyName: await nameOf(rating.agency), superseded: latestSeq.get(rating.agency) !== rating.seq })
  const history = await readRange<RatingRecord>(reader, { gte: ratingPrefix, lt: prefixEnd(ratingPrefix), limit: QUALITY_ENTRIES_MAX + 1 })
  if (history.length > QUALITY_ENTRIES_MAX) truncated = true
  const ratingHistory = history.slice(0, QUALITY_ENTRIES_MAX).map(([, rating]) => rating)
  ratingHistory.sort((a, b) => a.height - b.height || a.txIndex - b.txIndex)
  const attestationPrefix = keys.attestationPrefix(registry, projectId)
  const attestations = await readRange<AttestationRecord>(reader, { gte: attestationPrefix, lt: prefixEnd(attestationPrefix), limit: QUALITY_ENTRIES_MAX + 1 })
  if (attestations.length > QUALITY_ENTRIES_MAX) truncated = true
  const ratings: RatingView[] = []
  for (const rating of current) ratings.push(await ratingView(rating))
  const historyViews: RatingView[] = []
  for (const rating of ratingHistory) historyViews.push(await ratingView(rating))
  const attestationViews: AttestationView[] = []
  for (const [, attestation] of attestations.slice(0, QUALITY_ENTRIES_MAX)) attestationViews.push({ ...attestation, verifierName: await nameOf(attestation.verifier) })
  return { ratings, ratingHistory: historyViews, attestations: attestationViews, truncated }
}

export interface PrivateRetirementView extends PrivateRetirementRecord {
  /** The retire events the transaction appended, each with details.beneficiaryCommitment. */
  events: EventRecord[]
}

/** A credit.retire-private by its transaction id, with its events; undefined for any other transaction. */
export async function getPrivateRetirement(reader: StateReader, txId: string): Promise<PrivateRetirementView | undefined> {
  const record = await readRecord<PrivateRetirementRecord>(reader, keys.privateRetirement(txId))
  if (record === undefined) return undefined
  const events: EventRecord[] = []
  for (const run of record.runs) {
    const event = await readRecord<EventRecord>(reader, keys.event(record.batchId, run.eventSeq))
    invariant(event !== undefined && event.txId === txId && event.details.beneficiaryCommitment === record.beneficiaryCommitment, `private retirement ${txId} names event ${run.eventSeq} of ${record.batchId}, which is not its retire event`)
    events.push(event)
  }
  return { ...record, events }
}

// ---------------------------------------------------------------------------------------------------------
// Fractions (node/ledger/fractions.ts).

export interface FractionHolding {
  batchId: string
  serial: number
  /** Parts of FRACTION_PARTS_PER_TONNE. */
  parts: number
}

export interface AccountFractions {
  account: string
  fractions: FractionHolding[]
  /** Total parts on this page. */
  totalParts: number
  /** Cursor (`${batchId}/${padded serial}`) for the next page, null on the last one. */
  next: string | null
}

/** The fractions an account holds, by batch and serial. */
export async function fractionsOf(reader: StateReader, accountId: string, options: PageOptions = {}): Promise<AccountFractions> {
  const { entries, next } = await readPageEntries<number>(reader, keys.fractionOwnerPrefix(accountId), options)
  const fractions = entries.map(([suffix, parts]) => {
    const slash = suffix.lastIndexOf('/')
    return { batchId: suffix.slice(0, slash), serial: Number(suffix.slice(slash + 1)), parts }
  })
  return { account: accountId, fractions, totalParts: fractions.reduce((sum, entry) => sum + entry.parts, 0), next }
}

export interface SerialFractions {
  batchId: string
  serial: number
  fractionalisedBy: string
  fractionalisedHeight: number
  /** Who holds its parts (composite custodies included), in account order. */
  holders: { account: string; parts: number }[]
  heldParts: number
  retiredParts: number
  /** The holders list is cut at QUERY_LIMIT_MAX entries. */
  truncated: boolean
}

/** A fractionalised serial: its holders and its retired parts; undefined when it is not fractionalised. */
export async function serialFractions(reader: StateReader, batchId: string, serial: number): Promise<SerialFractions | undefined> {
  if (!Number.isSafeInteger(serial) || serial < 1) return undefined
  const record = await readRecord<FractionSerialRecord>(reader, keys.fractionSerial(batchId, serial))
  if (record === undefined) return undefined
  const prefix = keys.fractionSerialHoldersPrefix(batchId, serial)
  const entries = await readRange<number>(reader, { gte: prefix, lt: prefixEnd(prefix), limit: QUERY_LIMIT_MAX + 1 })
  const holders = entries.slice(0, QUERY_LIMIT_MAX).map(([key, parts]) => ({ account: key.slice(prefix.length), parts }))
  return {
    batchId,
    serial,
    fractionalisedBy: record.fractionalisedBy,
    fractionalisedHeight: record.height,
    holders,
    heldParts: holders.reduce((sum, holder) => sum + holder.parts, 0),
    retiredParts: record.retiredParts,
    truncated: entries.length > QUERY_LIMIT_MAX,
  }
}

export interface BatchFractions {
  batchId: string
  /** The batch's fractionalised serials on this page, with holders and retired parts. */
  serials: SerialFractions[]
  next: string | null
}

/** The fractionalised serials of a batch, a page at a time (cursor: a padded serial). */
export async function batchFractions(reader: StateReader, batchId: string, options: PageOptions = {}): Promise<BatchFractions> {
  const { entries, next } = await readPageEntries<FractionSerialRecord>(reader, keys.fractionSerialPrefix(batchId), { limit: Math.min(options.limit ?? QUERY_LIMIT_DEFAULT, QUERY_LIMIT_DEFAULT), ...(options.after === undefined ? {} : { after: options.after }) }, QUERY_LIMIT_DEFAULT)
  const serials: SerialFractions[] = []
  for (const [, record] of entries) {
    const view = await serialFractions(reader, batchId, record.serial)
    invariant(view !== undefined, `fractionserial ${batchId} #${record.serial} disappeared while read`)
    serials.push(view)
  }
  return { batchId, serials, next }
}

/** A fractional retirement (fraction.retire, composite.retire) by its transaction id. */
export async function getFractionRetirement(reader: StateReader, txId: string): Promise<FractionRetirementRecord | undefined> {
  return readRecord<FractionRetirementRecord>(reader, keys.fractionRetirement(txId))
}

// ---------------------------------------------------------------------------------------------------------
// Composites (node/ledger/composites.ts): classes, units and their look-through to projects and serials.

/** A component of a composite unit with what it is: the batch's registry, project, vintage and the project's attributes. */
export interface ComponentView {
  batchId: string
  serial: number
  parts: number
  registry: string
  projectId: string
  projectName: string
  country: string
  methodology: string
  vintageStart: string
  originalSerial: string
}

export interface CompositeUnitView extends Omit<CompositeUnitRecord, 'components'> {
  components: ComponentView[]
  /** Sum of the components' parts: FRACTION_PARTS_PER_TONNE for every unit. */
  totalParts: number
}

async function lookThrough(reader: StateReader, unit: CompositeUnitRecord, cache: Map<string, { batch: BatchRecord | undefined; project: ProjectRecord | undefined }>): Promise<CompositeUnitView> {
  const components: ComponentView[] = []
  for (const component of unit.components) {
    let known = cache.get(component.batchId)
    if (known === undefined) {
      const batch = await getBatch(reader, component.batchId)
      known = { batch, project: batch === undefined ? undefined : await getProject(reader, batch.registry, batch.projectId) }
      cache.set(component.batchId, known)
    }
    components.push({
      batchId: component.batchId,
      serial: component.serial,
      parts: component.parts,
      registry: known.batch?.registry ?? '',
      projectId: known.batch?.projectId ?? '',
      projectName: known.project?.name ?? '',
      country: known.project?.country ?? '',
      methodology: known.project?.methodology ?? '',
      vintageStart: known.batch?.vintageStart ?? '',
      originalSerial: known.batch?.originalSerial ?? '',
    })
  }
  return { ...unit, components, totalParts: unit.components.reduce((sum, component) => sum + component.parts, 0) }
}

export interface CompositeView extends CompositeClassRecord {
  /** The projects behind the live units: parts per (registry, projectId), in key order. */
  projects: { registry: string; projectId: string; parts: number }[]
  /** True when `projects` was summed over the first COMPOSITE_LOOK_THROUGH_UNITS_MAX live units only. */
  truncated: boolean
}

/** Live units a class summary looks through at most (each unit is one read plus its batches). */
export const COMPOSITE_LOOK_THROUGH_UNITS_MAX = 1_000

/** A composite class with its rules, counts and the projects behind its live units. */
export async function getComposite(reader: StateReader, classId: string): Promise<CompositeView | undefined> {
  const record = await readRecord<CompositeClassRecord>(reader, keys.composite(classId))
  if (record === undefined) return undefined
  const byProject = new Map<string, { registry: string; projectId: string; parts: number }>()
  const batches = new Map<string, BatchRecord | undefined>()
  let seen = 0
  let truncated = false
  for await (const [, unit] of scan<CompositeUnitRecord>(reader, keys.compositeUnitPrefix(classId))) {
    if (unit.status !== 'active') continue
    if (seen >= COMPOSITE_LOOK_THROUGH_UNITS_MAX) {
      truncated = true
      break
    }
    seen += 1
    for (const component of unit.components) {
      if (!batches.has(component.batchId)) batches.set(component.batchId, await getBatch(reader, component.batchId))
      const batch = batches.get(component.batchId)
      const key = `${batch?.registry ?? ''}/${batch?.projectId ?? ''}`
      const entry = byProject.get(key) ?? { registry: batch?.registry ?? '', projectId: batch?.projectId ?? '', parts: 0 }
      entry.parts += component.parts
      byProject.set(key, entry)
    }
  }
  const projects = [...byProject.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry)
  return { ...record, projects, truncated }
}

/** One unit of a class (live, redeemed or retired) with the full look-through of its components. */
export async function getCompositeUnit(reader: StateReader, classId: string, n: number): Promise<CompositeUnitView | undefined> {
  if (!Number.isSafeInteger(n) || n < 1) return undefined
  const unit = await readRecord<CompositeUnitRecord>(reader, keys.compositeUnit(classId, n))
  return unit === undefined ? undefined : lookThrough(reader, unit, new Map())
}

/** A page of a class's units in number order (cursor: a padded unit number), each with its look-through. */
export async function compositeUnits(reader: StateReader, classId: string, options: PageOptions = {}): Promise<Page<CompositeUnitView>> {
  const page = await readPage<CompositeUnitRecord>(reader, keys.compositeUnitPrefix(classId), options, QUERY_LIMIT_DEFAULT)
  const cache = new Map<string, { batch: BatchRecord | undefined; project: ProjectRecord | undefined }>()
  const items: CompositeUnitView[] = []
  for (const unit of page.items) items.push(await lookThrough(reader, unit, cache))
  return { items, next: page.next }
}

export interface AccountComposites {
  account: string
  /** The live composite units the account holds, with their look-through. */
  units: CompositeUnitView[]
  next: string | null
}

/** The live composite units an account holds (cursor: `${classId}/${padded n}`). */
export async function compositesOf(reader: StateReader, accountId: string, options: PageOptions = {}): Promise<AccountComposites> {
  const { entries, next } = await readPageEntries<null>(reader, keys.compositeOwnerPrefix(accountId), options, QUERY_LIMIT_DEFAULT)
  const cache = new Map<string, { batch: BatchRecord | undefined; project: ProjectRecord | undefined }>()
  const units: CompositeUnitView[] = []
  for (const [suffix] of entries) {
    const slash = suffix.lastIndexOf('/')
    const unit = await readRecord<CompositeUnitRecord>(reader, keys.compositeUnit(suffix.slice(0, slash), Number(suffix.slice(slash + 1))))
    invariant(unit !== undefined && unit.owner === accountId && unit.status === 'active', `composite owner index ${suffix} of ${accountId} names no live unit of it`)
    units.push(await lookThrough(reader, unit, cache))
  }
  return { account: accountId, units, next }
}
