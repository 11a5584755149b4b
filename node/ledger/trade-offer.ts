// Rule trade.offer: the seller offers credits of one batch at a price per tonne, to one buyer or to anyone, until a
// block time. The credits are reserved at once (a lock of kind 'offer' with the offer's id, this transaction's id):
// they cannot be transferred, retired or offered again until the offer is accepted, cancelled or expires (the
// ledger releases it at the first block boundary at or after expiresAtMs, like a collateral lock).
//
// Rejections, in order of precedence:
//   INVALID_BODY          schema (validate.ts)
//   SELF_TRANSFER         the buyer is the seller
//   INVALID_EXPIRY        expiresAtMs not after the block time, or more than LOCK_DURATION_MS_MAX after it
//   NOTIONAL_OVERFLOW     quantity x pricePerTonne is not a safe integer (by range: the range's size)
//   UNKNOWN_BATCH, INVALID_RANGE, RETIRED_UNIT, CANCELLED_UNIT, LOCKED_UNIT, INSUFFICIENT_HOLDING   as credit.lock
import type { TradeOfferBody, TxResult } from '../../client/wire.ts'
import { money } from './cash.ts'
import type { RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { selectUnits } from './holdings.ts'
import { encodeRecord, keys, readRecord, type BatchRecord, type OfferRecord } from './keys.ts'
import { expiryRejection, newLock, writeLock } from './locks.ts'
import { ok, reject } from './result.ts'
import { notionalOf } from './trades.ts'

export async function tradeOffer(context: RuleContext, body: TradeOfferBody): Promise<TxResult> {
  const { view, sender } = context
  if (body.buyer === sender) return reject('SELF_TRANSFER', 'the buyer is the seller')
  const badExpiry = expiryRejection(context, body.expiresAtMs)
  if (badExpiry !== null) return badExpiry
  const quantity = body.range === null ? body.quantity : body.range.end - body.range.start + 1
  const notional = notionalOf(quantity, body.pricePerTonne)
  if (!notional.ok) return notional.result
  const batch = await readRecord<BatchRecord>(view, keys.batch(body.batchId))
  if (batch === undefined) return reject('UNKNOWN_BATCH', `no batch ${body.batchId}`)
  const selection = await selectUnits(view, batch, body, sender)
  if (!selection.ok) return selection.result
  const lock = newLock(context, 'offer', batch.batchId, selection.pieces, { owner: sender, securedParty: '', registry: '', expiresAtMs: body.expiresAtMs, reason: '' })
  writeLock(view, lock, selection.pieces)
  const offer: OfferRecord = {
    id: context.txId,
    seller: sender,
    batchId: batch.batchId,
    quantity: selection.units,
    filled: 0,
    pricePerTonne: body.pricePerTonne,
    currency: body.currency,
    buyer: body.buyer,
    expiresAtMs: body.expiresAtMs,
    disclosePrice: body.disclosePrice,
    createdHeight: context.height,
    createdTimeMs: context.timeMs,
  }
  view.put(keys.offer(offer.id), encodeRecord(offer))
  for (const piece of lock.pieces) {
    await appendEvent(context, batch.batchId, { type: 'lock', range: { start: piece.start, end: piece.end }, from: piece.owner, to: piece.owner, details: { lockId: lock.id, offer: 'true', expiresAtMs: String(body.expiresAtMs) } })
  }
  return ok(`offered ${selection.units} units of batch ${batch.batchId} at ${money(body.pricePerTonne, body.currency)} per tonne (offer ${offer.id})`)
}
