// Offtake / prepayment agreements. A financier and a project developer agree (offtake-agree.ts, both sign) that the
// developer delivers `quantity` tonnes from the next batches its registry issues to it for a project, by `dueAtMs`,
// at `pricePerTonne`. At agreement the financier pays `prepaid` to the developer and puts the rest of the price,
// quantity x pricePerTonne - prepaid, in escrow (cash.ts escrowIn: it stays in the currency's supply, in no
// balance), so that paying for a delivery can never fail.
//
// Delivery (deliverOfftakes, called by batch-issue.ts in the issuing transaction itself): when a batch of
// (registry, projectId) is issued to an account, that account's open agreements as developer of the project, oldest
// first (key order of offtakeopen/..., i.e. agreement height then position in its block), at most
// OFFTAKES_PER_ISSUE_MAX of them, each receive their outstanding tonnes from the new batch, lowest serials first, as
// far as the batch goes. Each delivery moves the serials to the financier (an 'offtake' provenance event) and pays
// the developer out of the escrow. Prepaid is credited first: after d tonnes delivered in total the developer is owed
//   max(0, d x pricePerTonne - prepaid)
// from the escrow, and a delivery pays that minus what was paid already. So the escrow of an open agreement is always
//   quantity x pricePerTonne - max(prepaid, delivered x pricePerTonne),
// it reaches exactly 0 when the last tonne is delivered (status 'delivered'), and every amount is a safe integer
// (delivered <= quantity and quantity x pricePerTonne was checked at agreement).
//
// Default (defaultOverdueOfftakes, at the block boundary, block.ts): at the first block whose time is after dueAtMs,
// an agreement still open becomes 'defaulted': its escrow (the price of the undelivered tonnes not covered by the
// prepayment) returns to the financier, and the record keeps the shortfall (tonnes not delivered) and the prepayment
// not covered by deliveries (max(0, prepaid - delivered x pricePerTonne)): the financier's claim on the developer,
// outside the ledger. A block whose time is at dueAtMs still delivers; deliveries skip an agreement past its due
// date that the boundary has not yet defaulted (more than DEFAULTED_OFFTAKES_PER_BLOCK_MAX due at once).
//
// Cancellation (offtake-cancel.ts): both parties end an open agreement (the financier sends it, the developer
// co-signs): the escrow returns to the financier and the developer pays back the refund they agreed; the record keeps
// the shortfall and the uncovered prepayment like a default does, and the refund.
//
// Offtake deliveries are not DvP trades: they are not written as trade/ records and do not enter GET /prices, whose
// figures are spot prices. An offtake price was fixed at agreement, possibly years before the delivery, and includes
// the financing (the prepayment); the agreement and its deliveries are queryable instead (GET /offtakes/:id).
import type { StateReader, StateView } from '../state/view.ts'
import type { BlockContext, RuleContext } from './context.ts'
import { escrowOut } from './cash.ts'
import { appendEvent } from './events.ts'
import { holdingsOverlapping, rewritePieces } from './holdings.ts'
import { encodeRecord, keys, padInteger, PREFIX, prefixEnd, readRange, readRecord, type BatchRecord, type OfftakeDeliveryRecord, type OfftakeRecord } from './keys.ts'
import { invariant } from './result.ts'

/** The latest due date an agreement may have, after the block that agrees it: ten years of 365.25 days. */
export const OFFTAKE_DURATION_MS_MAX = 10 * 365.25 * 24 * 60 * 60 * 1000
/** Open agreements one batch issuance delivers to at most (oldest first); later ones wait for the next batch. */
export const OFFTAKES_PER_ISSUE_MAX = 100
/** Overdue agreements defaulted at one block boundary at most; later ones wait for the next block (still overdue). */
export const DEFAULTED_OFFTAKES_PER_BLOCK_MAX = 1_000
/** Deliveries GET /offtakes/:id lists at most (the first ones; `deliveriesTruncated` says when there are more). */
export const OFFTAKE_DELIVERIES_SHOWN_MAX = 1_000

export async function readOfftake(reader: StateReader, offtakeId: string): Promise<OfftakeRecord | undefined> {
  return readRecord<OfftakeRecord>(reader, keys.offtake(offtakeId))
}

/** What the developer is owed out of the escrow once `delivered` tonnes are delivered in total. */
export function paymentDue(record: Pick<OfftakeRecord, 'pricePerTonne' | 'prepaid'>, delivered: number): number {
  const value = delivered * record.pricePerTonne
  invariant(Number.isSafeInteger(value), `${delivered} x ${record.pricePerTonne} is not a safe integer`)
  return Math.max(0, value - record.prepaid)
}

/** The escrow an open agreement must hold: quantity x price - max(prepaid, delivered x price). */
export function escrowRequired(record: Pick<OfftakeRecord, 'quantity' | 'pricePerTonne' | 'prepaid' | 'delivered'>): number {
  return record.quantity * record.pricePerTonne - Math.max(record.prepaid, record.delivered * record.pricePerTonne)
}

export function writeOfftake(view: StateView, record: OfftakeRecord): void {
  view.put(keys.offtake(record.id), encodeRecord(record))
}

/** Removes a closing agreement from the indexes of open ones (delivery, default, cancellation). */
export function closeIndexes(view: StateView, record: OfftakeRecord): void {
  view.del(keys.offtakeOpen(record.registry, record.projectId, record.developer, record.createdHeight, record.createdTxIndex))
  view.del(keys.offtakeDue(record.dueAtMs, record.id))
}

/** Writes a new agreement with its indexes (offtake-agree.ts has moved the cash). */
export function writeNewOfftake(view: StateView, record: OfftakeRecord): void {
  writeOfftake(view, record)
  const position = [record.createdHeight, record.createdTxIndex] as const
  view.put(keys.offtakeOpen(record.registry, record.projectId, record.developer, ...position), encodeRecord(record.id))
  view.put(keys.offtakeDue(record.dueAtMs, record.id), encodeRecord(null))
  view.put(keys.offtakeParty(record.financier, ...position), encodeRecord(record.id))
  view.put(keys.offtakeParty(record.developer, ...position), encodeRecord(record.id))
  view.put(keys.offtakeProject(record.registry, record.projectId, ...position), encodeRecord(record.id))
}

/**
 * After `batch` was issued (in this transaction) to batch.issuedTo: delivers its serials to the open agreements of
 * that developer for the batch's project, oldest first. Returns the tonnes delivered.
 */
export async function deliverOfftakes(context: RuleContext, batch: BatchRecord): Promise<number> {
  const { view } = context
  const developer = batch.issuedTo
  const prefix = keys.offtakeOpenPrefix(batch.registry, batch.projectId, developer)
  const open = await readRange<string>(view, { gte: prefix, lt: prefixEnd(prefix), limit: OFFTAKES_PER_ISSUE_MAX })
  let cursor = batch.serialStart
  for (const [key, offtakeId] of open) {
    if (cursor > batch.serialEnd) break
    const record = await readOfftake(view, offtakeId)
    invariant(record !== undefined && record.status === 'open' && record.developer === developer, `open-offtake index ${key} names ${offtakeId}, which is not an open agreement of ${developer}`)
    // Past its due date but not yet defaulted (the boundary's limit was reached): it takes nothing any more.
    if (pastDue(record, context.timeMs)) continue
    const outstanding = record.quantity - record.delivered
    invariant(outstanding > 0, `open agreement ${offtakeId} has nothing outstanding`)
    const units = Math.min(outstanding, batch.serialEnd - cursor + 1)
    const range = { start: cursor, end: cursor + units - 1 }
    cursor += units
    const holdings = await holdingsOverlapping(view, batch.batchId, range)
    const pieces = holdings.map((holding) => {
      invariant(holding.owner === developer && holding.status === 'active', `serials ${holding.start}-${holding.end} of the new batch ${batch.batchId} are not the developer's active units`)
      return { holding, range: { start: Math.max(holding.start, range.start), end: Math.min(holding.end, range.end) } }
    })
    rewritePieces(view, pieces, () => ({ owner: record.financier, status: 'active' }))
    const delivered = record.delivered + units
    const payment = paymentDue(record, delivered) - record.paidOnDelivery
    invariant(payment >= 0 && payment <= record.escrowed, `delivery to ${offtakeId} pays ${payment} from an escrow of ${record.escrowed}`)
    if (payment > 0) await escrowOut(view, developer, record.currency, payment)
    await appendEvent(context, batch.batchId, { type: 'offtake', range, from: developer, to: record.financier, details: { offtakeId, pricePerTonne: String(record.pricePerTonne), currency: record.currency, payment: String(payment) } })
    const delivery: OfftakeDeliveryRecord = { offtakeId, seq: record.deliveries, batchId: batch.batchId, range, units, payment, height: context.height, timeMs: context.timeMs, txIndex: context.txIndex, txId: context.txId }
    view.put(keys.offtakeDelivery(offtakeId, delivery.seq), encodeRecord(delivery))
    const next: OfftakeRecord = { ...record, delivered, paidOnDelivery: record.paidOnDelivery + payment, escrowed: record.escrowed - payment, deliveries: record.deliveries + 1 }
    if (delivered === record.quantity) {
      invariant(next.escrowed === 0, `fully delivered agreement ${offtakeId} keeps ${next.escrowed} in escrow`)
      next.status = 'delivered'
      next.closedHeight = context.height
      next.closedTimeMs = context.timeMs
      closeIndexes(view, record)
    }
    invariant(next.escrowed === (next.status === 'open' ? escrowRequired(next) : 0), `agreement ${offtakeId} escrows ${next.escrowed}`)
    writeOfftake(view, next)
  }
  return cursor - batch.serialStart
}

/**
 * Whether an agreement is past its due date at block time `timeMs` (a block at exactly dueAtMs still delivers): the
 * boundary defaults exactly these (defaultOverdueOfftakes); one it has not reached yet (more than
 * DEFAULTED_OFFTAKES_PER_BLOCK_MAX due at once) takes no delivery and cannot be cancelled.
 */
export function pastDue(record: Pick<OfftakeRecord, 'dueAtMs'>, timeMs: number): boolean {
  return record.dueAtMs < timeMs
}

/**
 * The block boundary: every open agreement whose due date is before the block time defaults (at most
 * DEFAULTED_OFFTAKES_PER_BLOCK_MAX, in due date then id order): its escrow returns to the financier.
 */
export async function defaultOverdueOfftakes(view: StateView, block: Pick<BlockContext, 'height' | 'timeMs'>): Promise<number> {
  const due = await readRange<null>(view, { gte: PREFIX.offtakeDue, lt: PREFIX.offtakeDue + padInteger(block.timeMs), limit: DEFAULTED_OFFTAKES_PER_BLOCK_MAX })
  for (const [key] of due) {
    const offtakeId = key.slice(key.lastIndexOf('/') + 1)
    const record = await readOfftake(view, offtakeId)
    invariant(record !== undefined && record.status === 'open', `due index ${key} names ${offtakeId}, which is not an open agreement`)
    invariant(record.escrowed === escrowRequired(record), `agreement ${offtakeId} escrows ${record.escrowed}, not ${escrowRequired(record)}`)
    if (record.escrowed > 0) await escrowOut(view, record.financier, record.currency, record.escrowed)
    closeIndexes(view, record)
    writeOfftake(view, {
      ...record,
      status: 'defaulted',
      escrowed: 0,
      refunded: record.escrowed,
      shortfall: record.quantity - record.delivered,
      prepaidUncovered: Math.max(0, record.prepaid - record.delivered * record.pricePerTonne),
      closedHeight: block.height,
      closedTimeMs: block.timeMs,
    })
  }
  return due.length
}

// ---------------------------------------------------------------------------------------------------------
// Queries (read only, for the API).

export interface OfftakeView extends OfftakeRecord {
  /** Its deliveries in order (the first OFFTAKE_DELIVERIES_SHOWN_MAX). */
  deliveryRecords: OfftakeDeliveryRecord[]
  deliveriesTruncated: boolean
}

export async function getOfftake(reader: StateReader, offtakeId: string): Promise<OfftakeView | undefined> {
  const record = await readOfftake(reader, offtakeId)
  if (record === undefined) return undefined
  const prefix = keys.offtakeDeliveryPrefix(offtakeId)
  const deliveries = await readRange<OfftakeDeliveryRecord>(reader, { gte: prefix, lt: prefixEnd(prefix), limit: OFFTAKE_DELIVERIES_SHOWN_MAX })
  return { ...record, deliveryRecords: deliveries.map(([, delivery]) => delivery), deliveriesTruncated: record.deliveries > deliveries.length }
}

export interface OfftakePage {
  offtakes: OfftakeRecord[]
  /** Cursor for the next page (pass as `after`), null on the last page. */
  next: string | null
}

/** A page of the agreements under an index prefix (party or project), oldest first; the cursor is `<height>/<txIndex>`. */
async function offtakePage(reader: StateReader, prefix: string, limit: number, after: string | undefined): Promise<OfftakePage> {
  const range = after === undefined || after === '' ? { gte: prefix, lt: prefixEnd(prefix), limit: limit + 1 } : { gt: prefix + after, lt: prefixEnd(prefix), limit: limit + 1 }
  const entries = await readRange<string>(reader, range)
  const page = entries.slice(0, limit)
  const offtakes: OfftakeRecord[] = []
  for (const [key, offtakeId] of page) {
    const record = await readOfftake(reader, offtakeId)
    invariant(record !== undefined, `offtake index ${key} names ${offtakeId}, which does not exist`)
    offtakes.push(record)
  }
  const last = page[page.length - 1]
  return { offtakes, next: entries.length > limit && last !== undefined ? last[0].slice(prefix.length) : null }
}

/** Agreements an account is financier or developer of, oldest first. */
export function offtakesOfAccount(reader: StateReader, account: string, limit: number, after?: string): Promise<OfftakePage> {
  return offtakePage(reader, keys.offtakePartyPrefix(account), limit, after)
}

/** Agreements on a project, oldest first. */
export function offtakesOfProject(reader: StateReader, registry: string, projectId: string, limit: number, after?: string): Promise<OfftakePage> {
  return offtakePage(reader, keys.offtakeProjectPrefix(registry, projectId), limit, after)
}
