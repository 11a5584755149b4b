// Rule trade.accept: the buyer takes a whole offer. In this one transaction the buyer pays quantity x price to the
// seller and the reserved credits move to the buyer, with a settlement record; if any check fails nothing moves.
//
// Rejections, in order of precedence:
//   INVALID_BODY        schema (validate.ts)
//   UNKNOWN_OFFER       no live offer with that id (never made, accepted, cancelled or expired)
//   SELF_TRANSFER       the seller accepts its own offer
//   NOT_OFFER_PARTY     the offer is for another buyer
//   INSUFFICIENT_FUNDS  the buyer holds less of the currency than the payment
import type { TradeAcceptBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { keys, readRecord, type BatchRecord } from './keys.ts'
import { endLock, readLock } from './locks.ts'
import { invariant, ok, reject } from './result.ts'
import { checkFunds, notionalOf, pay, readOffer, recordTrade } from './trades.ts'

export async function tradeAccept(context: RuleContext, body: TradeAcceptBody): Promise<TxResult> {
  const { view, sender } = context
  const offer = await readOffer(view, body.offerId)
  if (offer === undefined) return reject('UNKNOWN_OFFER', `no live offer ${body.offerId}`)
  if (offer.seller === sender) return reject('SELF_TRANSFER', 'the seller cannot accept its own offer (trade.cancel withdraws it)')
  if (offer.buyer !== '' && offer.buyer !== sender) return reject('NOT_OFFER_PARTY', `offer ${offer.id} is for buyer ${offer.buyer}`)
  const notional = notionalOf(offer.quantity, offer.pricePerTonne)
  invariant(notional.ok, `offer ${offer.id} was accepted with an overflowing notional`)
  const short = await checkFunds(view, sender, offer.currency, notional.notional)
  if (short !== null) return short
  const lock = await readLock(view, offer.id)
  const batch = await readRecord<BatchRecord>(view, keys.batch(offer.batchId))
  invariant(lock !== undefined && lock.kind === 'offer' && batch !== undefined, `offer ${offer.id} has no reservation or batch`)
  await pay(context, sender, offer.seller, offer.currency, notional.notional)
  const units = await endLock(context, lock, 'trade', { offerId: offer.id, pricePerTonne: String(offer.pricePerTonne), currency: offer.currency }, sender)
  invariant(units === offer.quantity, `offer ${offer.id} reserved ${units} units, not ${offer.quantity}`)
  await recordTrade(context, batch, { offerId: offer.id, quantity: offer.quantity, pricePerTonne: offer.pricePerTonne, currency: offer.currency, notional: notional.notional, seller: offer.seller, buyer: sender, disclosed: offer.disclosePrice && body.disclosePrice })
  return ok(`bought ${offer.quantity} units of batch ${offer.batchId} for ${notional.notional} ${offer.currency} (offer ${offer.id})`)
}
