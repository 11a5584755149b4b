// Rule trade.cancel: the seller withdraws a live offer; its reserved credits are active again.
//
// Rejections, in order of precedence:
//   INVALID_BODY     schema (validate.ts)
//   UNKNOWN_OFFER    no live offer with that id
//   NOT_OFFER_PARTY  the sender is not the offer's seller
import type { TradeCancelBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { endLock, readLock } from './locks.ts'
import { invariant, ok, reject } from './result.ts'
import { readOffer } from './trades.ts'

export async function tradeCancel(context: RuleContext, body: TradeCancelBody): Promise<TxResult> {
  const offer = await readOffer(context.view, body.offerId)
  if (offer === undefined) return reject('UNKNOWN_OFFER', `no live offer ${body.offerId}`)
  if (offer.seller !== context.sender) return reject('NOT_OFFER_PARTY', `only the seller ${offer.seller} may cancel offer ${offer.id}`)
  const lock = await readLock(context.view, offer.id)
  invariant(lock !== undefined && lock.kind === 'offer', `offer ${offer.id} has no reservation`)
  const units = await endLock(context, lock, 'release', { offerId: offer.id, cancelled: 'true' })
  return ok(`cancelled offer ${offer.id}; ${units} units of batch ${offer.batchId} released`)
}
