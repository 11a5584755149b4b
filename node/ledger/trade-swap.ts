// Rule trade.swap: a trade signed by both counterparties in one transaction. The buyer sends it; the seller's
// ed25519 signature over swapSignBytes(chainId, terms) (client/wire.ts) travels in the body. Credits of the seller's
// move to the buyer and the payment to the seller, with a settlement record, or nothing moves. A signed swap settles
// at most once (swapused/<id>, id = sha256 hex of its sign bytes) and only in blocks up to its expiry.
//
// Rejections, in order of precedence:
//   INVALID_BODY          schema (validate.ts)
//   SELF_TRANSFER         the seller is the buyer
//   NOT_OFFER_PARTY       the terms name another buyer than the sender
//   SWAP_NOT_VALID        the block time is past expiresAtMs, or this signed swap has settled already
//   BAD_COUNTERSIGNATURE  the seller's signature does not verify for these terms on this chain
//   NOTIONAL_OVERFLOW     quantity x pricePerTonne is not a safe integer
//   UNKNOWN_BATCH, INVALID_RANGE, RETIRED_UNIT, CANCELLED_UNIT, LOCKED_UNIT, INSUFFICIENT_HOLDING   the seller's credits
//   INSUFFICIENT_FUNDS    the buyer holds less of the currency than the payment
import { bytesToHex, hexToBytes, swapSignBytes, type TradeSwapBody, type TxResult } from '../../client/wire.ts'
import { verifySignature } from '../crypto/verify.ts'
import { money } from './cash.ts'
import type { RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { contiguousRuns, rewritePieces, selectUnits } from './holdings.ts'
import { encodeRecord, keys, padInteger, readRecord, type BatchRecord } from './keys.ts'
import { ok, reject } from './result.ts'
import { checkFunds, notionalOf, pay, recordTrade } from './trades.ts'

export async function tradeSwap(context: RuleContext, body: TradeSwapBody): Promise<TxResult> {
  const { view, sender, chainId } = context
  if (body.seller === body.buyer) return reject('SELF_TRANSFER', 'the seller is the buyer')
  if (body.buyer !== sender) return reject('NOT_OFFER_PARTY', `the swap's buyer is ${body.buyer}; only it may send it`)
  if (context.timeMs > body.expiresAtMs) return reject('SWAP_NOT_VALID', `the swap expired at ${body.expiresAtMs}; the block time is ${context.timeMs}`)
  const signBytes = swapSignBytes(chainId, body)
  const swapId = bytesToHex(signBytes)
  if ((await view.get(keys.swapUsed(swapId))) !== undefined) return reject('SWAP_NOT_VALID', `swap ${swapId} has settled already`)
  if (!verifySignature(body.sellerSignature, signBytes, hexToBytes(body.seller))) return reject('BAD_COUNTERSIGNATURE', `the seller's signature does not verify for these terms on chain ${chainId}`)
  const quantity = body.range === null ? body.quantity : body.range.end - body.range.start + 1
  const notional = notionalOf(quantity, body.pricePerTonne)
  if (!notional.ok) return notional.result
  const batch = await readRecord<BatchRecord>(view, keys.batch(body.batchId))
  if (batch === undefined) return reject('UNKNOWN_BATCH', `no batch ${body.batchId}`)
  const selection = await selectUnits(view, batch, body, body.seller)
  if (!selection.ok) return selection.result
  const short = await checkFunds(view, sender, body.currency, notional.notional)
  if (short !== null) return short
  await pay(context, sender, body.seller, body.currency, notional.notional)
  const runs = contiguousRuns(selection.pieces)
  rewritePieces(view, selection.pieces, () => ({ owner: sender, status: 'active' }))
  for (const run of runs) await appendEvent(context, batch.batchId, { type: 'trade', range: run.range, from: run.owner, to: sender, details: { swapId, pricePerTonne: String(body.pricePerTonne), currency: body.currency } })
  view.put(keys.swapUsed(swapId), encodeRecord(padInteger(context.height)))
  await recordTrade(context, batch, { offerId: '', quantity: selection.units, pricePerTonne: body.pricePerTonne, currency: body.currency, notional: notional.notional, seller: body.seller, buyer: sender, disclosed: body.discloseSeller && body.discloseBuyer })
  return ok(`swapped ${selection.units} units of batch ${batch.batchId} for ${money(notional.notional, body.currency)} (swap ${swapId})`)
}
