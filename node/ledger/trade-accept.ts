// Rule trade.accept: the buyer takes an offer, whole (quantity 0) or in part (quantity units, the lowest reserved
// serials first). In this one transaction the buyer pays quantity x price to the seller and those reserved credits
// move to the buyer, with a settlement record; if any check fails nothing moves. After a partial fill the offer
// stays live with the rest, on the same terms and expiry (its record counts what was filled).
//
// Rejections, in order of precedence:
//   INVALID_BODY        schema (validate.ts)
//   UNKNOWN_OFFER       no live offer with that id (never made, accepted, cancelled or expired; an offer past its
//                       expiry that the block boundary has not released yet counts as expired)
//   SELF_TRANSFER       the seller accepts its own offer
//   NOT_OFFER_PARTY     the offer is for another buyer
//   OFFER_QUANTITY_EXCEEDED  quantity is above what the offer still has
//   INSUFFICIENT_FUNDS  the buyer holds less of the currency than the payment
import type { TradeAcceptBody, TxResult } from '../../client/wire.ts'
import { money } from './cash.ts'
import type { RuleContext } from './context.ts'
import { encodeRecord, keys, readRecord, type BatchRecord } from './keys.ts'
import { endLock, pastExpiry, readLock, takeFromLock } from './locks.ts'
import { invariant, ok, reject } from './result.ts'
import { checkFunds, notionalOf, pay, readOffer, recordTrade } from './trades.ts'

export async function tradeAccept(context: RuleContext, body: TradeAcceptBody): Promise<TxResult> {
  const { view, sender } = context
  const offer = await readOffer(view, body.offerId)
  if (offer === undefined) return reject('UNKNOWN_OFFER', `no live offer ${body.offerId}`)
  if (pastExpiry(offer, context.timeMs)) return reject('UNKNOWN_OFFER', `offer ${offer.id} expired at ${offer.expiresAtMs} (the ledger releases its credits at a block boundary)`)
  if (offer.seller === sender) return reject('SELF_TRANSFER', 'the seller cannot accept its own offer (trade.cancel withdraws it)')
  if (offer.buyer !== '' && offer.buyer !== sender) return reject('NOT_OFFER_PARTY', `offer ${offer.id} is for buyer ${offer.buyer}`)
  if (body.quantity > offer.quantity) return reject('OFFER_QUANTITY_EXCEEDED', `offer ${offer.id} has ${offer.quantity} units left, ${body.quantity} asked`)
  const quantity = body.quantity === 0 ? offer.quantity : body.quantity
  const notional = notionalOf(quantity, offer.pricePerTonne)
  invariant(notional.ok, `offer ${offer.id} was accepted with an overflowing notional`)
  const short = await checkFunds(view, sender, offer.currency, notional.notional)
  if (short !== null) return short
  const lock = await readLock(view, offer.id)
  const batch = await readRecord<BatchRecord>(view, keys.batch(offer.batchId))
  invariant(lock !== undefined && lock.kind === 'offer' && batch !== undefined, `offer ${offer.id} has no reservation or batch`)
  await pay(context, sender, offer.seller, offer.currency, notional.notional)
  const details = { offerId: offer.id, pricePerTonne: String(offer.pricePerTonne), currency: offer.currency }
  if (quantity === offer.quantity) {
    const units = await endLock(context, lock, 'trade', details, sender)
    invariant(units === offer.quantity, `offer ${offer.id} reserved ${units} units, not ${offer.quantity}`)
  } else {
    await takeFromLock(context, lock, quantity, sender, details)
    view.put(keys.offer(offer.id), encodeRecord({ ...offer, quantity: offer.quantity - quantity, filled: offer.filled + quantity }))
  }
  await recordTrade(context, batch, { offerId: offer.id, quantity, pricePerTonne: offer.pricePerTonne, currency: offer.currency, notional: notional.notional, seller: offer.seller, buyer: sender, disclosed: offer.disclosePrice && body.disclosePrice })
  const rest = offer.quantity - quantity
  return ok(`bought ${quantity} units of batch ${offer.batchId} for ${money(notional.notional, offer.currency)} (offer ${offer.id}${rest > 0 ? `, ${rest} units still offered` : ''})`)
}
