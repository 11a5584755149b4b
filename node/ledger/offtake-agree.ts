// Rule offtake.agree: an offtake / prepayment agreement signed by both parties (offtakes.ts). The financier sends it;
// the developer's ed25519 signature over offtakeSignBytes(chainId, terms) (client/wire.ts) travels in the body. The
// financier pays `prepaid` to the developer and puts quantity x pricePerTonne - prepaid in escrow, in this
// transaction; later batches the registry issues to the developer for the project deliver to it (batch-issue.ts).
// The agreement's id is the hex of the sign bytes, so the same signed terms agree at most once, and only in blocks
// up to their expiresAtMs.
//
// Rejections, in order of precedence:
//   INVALID_BODY           schema (validate.ts)
//   SELF_TRANSFER          the financier is the developer
//   NOT_OFFTAKE_PARTY      the terms name another financier than the sender
//   OFFTAKE_NOT_VALID      the block time is past expiresAtMs, or these terms were agreed already
//   BAD_COUNTERSIGNATURE   the developer's signature does not verify for these terms on this chain
//   INVALID_EXPIRY         dueAtMs is not after the block time, or more than OFFTAKE_DURATION_MS_MAX after it
//   NOTIONAL_OVERFLOW      quantity x pricePerTonne is not a safe integer
//   PREPAID_EXCEEDS_PRICE  prepaid > quantity x pricePerTonne
//   UNKNOWN_PROJECT        (registry, projectId) is not registered
//   INSUFFICIENT_FUNDS     the financier holds less of the currency than quantity x pricePerTonne (prepaid + escrow)
import { bytesToHex, hexToBytes, offtakeSignBytes, type OfftakeAgreeBody, type TxResult } from '../../client/wire.ts'
import { verifySignature } from '../crypto/verify.ts'
import { balanceOf, escrowIn, money } from './cash.ts'
import type { RuleContext } from './context.ts'
import { keys, type OfftakeRecord } from './keys.ts'
import { OFFTAKE_DURATION_MS_MAX, readOfftake, writeNewOfftake } from './offtakes.ts'
import { ok, reject } from './result.ts'
import { notionalOf, pay } from './trades.ts'

export async function offtakeAgree(context: RuleContext, body: OfftakeAgreeBody): Promise<TxResult> {
  const { view, sender, chainId } = context
  if (body.financier === body.developer) return reject('SELF_TRANSFER', 'the financier is the developer')
  if (body.financier !== sender) return reject('NOT_OFFTAKE_PARTY', `the terms name financier ${body.financier}; only it may send them`)
  if (context.timeMs > body.expiresAtMs) return reject('OFFTAKE_NOT_VALID', `the terms could be agreed until ${body.expiresAtMs} (expiresAtMs; the CLI and builders default it to the due date), the block time is ${context.timeMs}`)
  const signBytes = offtakeSignBytes(chainId, body)
  const offtakeId = bytesToHex(signBytes)
  if ((await readOfftake(view, offtakeId)) !== undefined) return reject('OFFTAKE_NOT_VALID', `offtake ${offtakeId} was agreed already`)
  if (!verifySignature(body.developerSignature, signBytes, hexToBytes(body.developer))) return reject('BAD_COUNTERSIGNATURE', `the developer's signature does not verify for these terms on chain ${chainId}`)
  if (!(body.dueAtMs > context.timeMs && body.dueAtMs - context.timeMs <= OFFTAKE_DURATION_MS_MAX)) {
    return reject('INVALID_EXPIRY', `dueAtMs ${body.dueAtMs} must be after the block time ${context.timeMs} and at most ${OFFTAKE_DURATION_MS_MAX} ms after it`)
  }
  const notional = notionalOf(body.quantity, body.pricePerTonne)
  if (!notional.ok) return notional.result
  const total = notional.notional
  if (body.prepaid > total) return reject('PREPAID_EXCEEDS_PRICE', `prepaid ${body.prepaid} is more than the price ${total} (${body.quantity} tonnes at ${body.pricePerTonne})`)
  if ((await view.get(keys.project(body.registry, body.projectId))) === undefined) return reject('UNKNOWN_PROJECT', `project ${body.registry}/${body.projectId} is not registered`)
  const balance = await balanceOf(view, sender, body.currency)
  if (balance < total) return reject('INSUFFICIENT_FUNDS', `the financier holds ${money(balance, body.currency)}; the prepayment ${body.prepaid} and the escrow ${total - body.prepaid} need ${total}`)
  if (body.prepaid > 0) await pay(context, sender, body.developer, body.currency, body.prepaid)
  const escrowed = total - body.prepaid
  if (escrowed > 0) await escrowIn(view, sender, body.currency, escrowed)
  const record: OfftakeRecord = {
    id: offtakeId,
    financier: body.financier,
    developer: body.developer,
    registry: body.registry,
    projectId: body.projectId,
    quantity: body.quantity,
    pricePerTonne: body.pricePerTonne,
    currency: body.currency,
    prepaid: body.prepaid,
    dueAtMs: body.dueAtMs,
    expiresAtMs: body.expiresAtMs,
    status: 'open',
    delivered: 0,
    paidOnDelivery: 0,
    escrowed,
    deliveries: 0,
    shortfall: 0,
    prepaidUncovered: 0,
    refunded: 0,
    developerRefund: 0,
    createdHeight: context.height,
    createdTimeMs: context.timeMs,
    createdTxIndex: context.txIndex,
    txId: context.txId,
    closedHeight: 0,
    closedTimeMs: 0,
  }
  writeNewOfftake(view, record)
  return ok(`offtake ${offtakeId}: ${body.quantity} t of ${body.registry}/${body.projectId} at ${money(body.pricePerTonne, body.currency)} per tonne due at ${body.dueAtMs} ms; ${body.prepaid} prepaid, ${escrowed} in escrow`)
}
