// The serial-block holding model. A holding is a sub-block of one batch's serials with one owner and one status
// (active, retired, cancelled, locked or fractionalised; only active units are ever selected). The holdings of a batch always partition its serial range exactly: issuance
// creates one holding covering the batch, and every later change replaces a holding by the pieces it splits into,
// so holdings never overlap and no serial is ever without a holding. Adjacent holdings with the same owner and
// status may stay separate; nothing depends on them being merged.
//
// Each holding is stored twice, written and deleted together here and nowhere else:
//   holding/<batchId>/<padded start>            (by batch: "who holds serial s" is a reverse range read)
//   owner/<account>/<batchId>/<padded start>    (by owner: "what does this account hold" is a range read)
import type { CreditSelection, SerialRange, TxResult } from '../../client/wire.ts'
import type { StateReader, StateView } from '../state/view.ts'
import { encodeRecord, keys, prefixRange, readRange, type BatchRecord, type HoldingRecord, type HoldingStatus } from './keys.ts'
import { invariant, reject } from './result.ts'

export function unitCount(range: SerialRange): number {
  return range.end - range.start + 1
}

export function putHolding(view: StateView, holding: HoldingRecord): void {
  invariant(Number.isSafeInteger(holding.start) && holding.start >= 1 && holding.start <= holding.end, `holding ${holding.batchId} [${holding.start}, ${holding.end}] is not a range`)
  invariant((holding.status === 'locked') === (holding.lockId !== undefined), `holding ${holding.batchId} [${holding.start}, ${holding.end}] has a lock id exactly when locked`)
  const record: HoldingRecord = { batchId: holding.batchId, start: holding.start, end: holding.end, owner: holding.owner, status: holding.status }
  if (holding.lockId !== undefined) record.lockId = holding.lockId
  const bytes = encodeRecord(record)
  view.put(keys.holding(holding.batchId, holding.start), bytes)
  view.put(keys.owner(holding.owner, holding.batchId, holding.start), bytes)
}

export function deleteHolding(view: StateView, holding: HoldingRecord): void {
  view.del(keys.holding(holding.batchId, holding.start))
  view.del(keys.owner(holding.owner, holding.batchId, holding.start))
}

/** The holdings of a batch that contain at least one serial of `range`, in serial order. */
export async function holdingsOverlapping(reader: StateReader, batchId: string, range: SerialRange): Promise<HoldingRecord[]> {
  const prefix = keys.holdingPrefix(batchId)
  const startKey = keys.holding(batchId, range.start)
  const out: HoldingRecord[] = []
  // The holding that starts at or before range.start (the only one that can begin before the range).
  const [before] = await readRange<HoldingRecord>(reader, { gte: prefix, lte: startKey, reverse: true, limit: 1 })
  if (before !== undefined && before[1].end >= range.start) out.push(before[1])
  for (const [, holding] of await readRange<HoldingRecord>(reader, { gt: startKey, lte: keys.holding(batchId, range.end) })) out.push(holding)
  return out
}

/** All holdings of one owner in one batch, in serial order. */
export async function holdingsOfOwnerInBatch(reader: StateReader, owner: string, batchId: string): Promise<HoldingRecord[]> {
  return (await readRange<HoldingRecord>(reader, prefixRange(keys.ownerBatchPrefix(owner, batchId)))).map(([, holding]) => holding)
}

/** A part of one existing holding that a transaction changes. */
export interface Piece {
  holding: HoldingRecord
  range: SerialRange
}

export type Selection = { ok: true; pieces: Piece[]; units: number } | { ok: false; result: TxResult }

/**
 * Resolves a credit selection of `batch` to the pieces of holdings it names.
 * - By quantity: the lowest-serial active units that `holder` holds in the batch; INSUFFICIENT_HOLDING if it holds
 *   fewer. `holder` must be given.
 * - By range: INVALID_RANGE unless 1 <= start <= end inside the batch's serials; then every unit must be active
 *   (RETIRED_UNIT, else CANCELLED_UNIT, else LOCKED_UNIT, else FRACTIONALISED_UNIT, naming the first such serial) and, when `holder` is not null, held by
 *   `holder` (INSUFFICIENT_HOLDING). The codes are checked in that order over the whole range, so the most specific
 *   one wins whatever the order of the holdings.
 */
export async function selectUnits(reader: StateReader, batch: BatchRecord, selection: Pick<CreditSelection, 'quantity' | 'range'>, holder: string | null): Promise<Selection> {
  if (selection.range === null) {
    invariant(holder !== null, 'a selection by quantity needs a holder')
    return selectByQuantity(reader, batch, selection.quantity, holder)
  }
  return selectByRange(reader, batch, selection.range, holder)
}

async function selectByQuantity(reader: StateReader, batch: BatchRecord, quantity: number, holder: string): Promise<Selection> {
  invariant(Number.isSafeInteger(quantity) && quantity > 0, `quantity ${quantity}`)
  const pieces: Piece[] = []
  let remaining = quantity
  let available = 0
  for (const holding of await holdingsOfOwnerInBatch(reader, holder, batch.batchId)) {
    if (holding.status !== 'active') continue
    const units = unitCount(holding)
    available += units
    if (remaining === 0) continue
    const take = Math.min(units, remaining)
    pieces.push({ holding, range: { start: holding.start, end: holding.start + take - 1 } })
    remaining -= take
  }
  if (remaining > 0) {
    return { ok: false, result: reject('INSUFFICIENT_HOLDING', `${holder} holds ${available} active units of batch ${batch.batchId}, ${quantity} requested`) }
  }
  return { ok: true, pieces, units: quantity }
}

/** INVALID_RANGE unless 1 <= start <= end inside the batch's serials; else null. */
export function rangeRejection(batch: BatchRecord, range: SerialRange): TxResult | null {
  if (range.start < 1 || range.start > range.end) return reject('INVALID_RANGE', `range [${range.start}, ${range.end}] is empty or starts below 1`)
  if (range.start < batch.serialStart || range.end > batch.serialEnd) {
    return reject('INVALID_RANGE', `range [${range.start}, ${range.end}] is outside batch ${batch.batchId} (serials ${batch.serialStart} to ${batch.serialEnd})`)
  }
  return null
}

async function selectByRange(reader: StateReader, batch: BatchRecord, range: SerialRange, holder: string | null): Promise<Selection> {
  const invalid = rangeRejection(batch, range)
  if (invalid !== null) return { ok: false, result: invalid }
  const holdings = await holdingsOverlapping(reader, batch.batchId, range)
  // The holdings of a batch partition it, so they cover the range with no gap.
  let expected = range.start
  for (const holding of holdings) {
    invariant(holding.start <= expected && holding.end >= expected, `holdings of ${batch.batchId} leave serial ${expected} uncovered`)
    expected = holding.end + 1
  }
  invariant(expected > range.end, `holdings of ${batch.batchId} end before serial ${range.end}`)
  const pieces = holdings.map((holding) => ({ holding, range: { start: Math.max(holding.start, range.start), end: Math.min(holding.end, range.end) } }))
  const firstWith = (status: HoldingStatus): Piece | undefined => pieces.find((piece) => piece.holding.status === status)
  const retired = firstWith('retired')
  if (retired !== undefined) return { ok: false, result: reject('RETIRED_UNIT', `serial ${retired.range.start} of batch ${batch.batchId} is retired and can never move again`) }
  const cancelled = firstWith('cancelled')
  if (cancelled !== undefined) return { ok: false, result: reject('CANCELLED_UNIT', `serial ${cancelled.range.start} of batch ${batch.batchId} is cancelled`) }
  const locked = firstWith('locked')
  if (locked !== undefined) return { ok: false, result: reject('LOCKED_UNIT', `serial ${locked.range.start} of batch ${batch.batchId} is locked (lock ${locked.holding.lockId ?? '?'})`) }
  const fractionalised = firstWith('fractionalised')
  if (fractionalised !== undefined) {
    return { ok: false, result: reject('FRACTIONALISED_UNIT', `serial ${fractionalised.range.start} of batch ${batch.batchId} is fractionalised: its parts move with fraction.transfer, and credit.recombine makes it whole again`) }
  }
  if (holder !== null) {
    const foreign = pieces.find((piece) => piece.holding.owner !== holder)
    if (foreign !== undefined) return { ok: false, result: reject('INSUFFICIENT_HOLDING', `serial ${foreign.range.start} of batch ${batch.batchId} is not held by ${holder}`) }
  }
  return { ok: true, pieces, units: unitCount(range) }
}

/**
 * Replaces the holding of each piece by up to three holdings: the part before the piece and the part after it keep
 * their owner and status, the piece itself gets `change`. Pieces must lie in distinct holdings.
 */
export function rewritePieces(view: StateView, pieces: Piece[], change: (holding: HoldingRecord) => { owner: string; status: HoldingStatus; lockId?: string }): void {
  for (const { holding, range } of pieces) {
    invariant(holding.start <= range.start && range.start <= range.end && range.end <= holding.end, `piece [${range.start}, ${range.end}] is not inside its holding`)
    const next = change(holding)
    invariant((next.status === 'locked') === (next.lockId !== undefined), `a holding has a lock id exactly when it is locked (status ${next.status})`)
    deleteHolding(view, holding)
    if (holding.start < range.start) putHolding(view, { ...holding, end: range.start - 1 })
    const changed: HoldingRecord = { batchId: holding.batchId, start: range.start, end: range.end, owner: next.owner, status: next.status }
    if (next.lockId !== undefined) changed.lockId = next.lockId
    putHolding(view, changed)
    if (range.end < holding.end) putHolding(view, { ...holding, start: range.end + 1 })
  }
}

/**
 * Groups pieces (in serial order) into contiguous runs with the same previous owner: one provenance event each.
 */
export function contiguousRuns(pieces: Piece[]): { owner: string; range: SerialRange }[] {
  const runs: { owner: string; range: SerialRange }[] = []
  for (const { holding, range } of pieces) {
    const last = runs[runs.length - 1]
    if (last !== undefined && last.owner === holding.owner && last.range.end + 1 === range.start) last.range.end = range.end
    else runs.push({ owner: holding.owner, range: { start: range.start, end: range.end } })
  }
  return runs
}
