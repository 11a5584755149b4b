// Rule offtake.cancel: both parties end an open offtake agreement (offtakes.ts) before it is delivered or defaults.
// The financier sends it; the developer's ed25519 signature over offtakeCancelSignBytes(chainId, { offtakeId, refund })
// (client/wire.ts) travels in the body. The escrow returns to the financier, the developer pays it `refund` (what
// they agreed; 0 for nothing), and the agreement is 'cancelled' with its shortfall and uncovered prepayment on record.
// Tonnes already delivered stay with the financier. An agreement is cancelled at most once (it is no longer open).
//
// Rejections, in order of precedence:
//   INVALID_BODY          schema (validate.ts)
//   UNKNOWN_OFFTAKE       no agreement with that id
//   NOT_OFFTAKE_PARTY     the sender is not the agreement's financier
//   OFFTAKE_CLOSED        the agreement is delivered, defaulted or cancelled already, or past its due date
//   BAD_COUNTERSIGNATURE  the developer's signature does not verify for this id and refund on this chain
//   INSUFFICIENT_FUNDS    the developer holds less of the currency than the refund
import { hexToBytes, offtakeCancelSignBytes, type OfftakeCancelBody, type TxResult } from '../../client/wire.ts'
import { verifySignature } from '../crypto/verify.ts'
import { balanceOf, escrowOut, money } from './cash.ts'
import type { RuleContext } from './context.ts'
import { closeIndexes, escrowRequired, pastDue, readOfftake, writeOfftake } from './offtakes.ts'
import { invariant, ok, reject } from './result.ts'
import { pay } from './trades.ts'

export async function offtakeCancel(context: RuleContext, body: OfftakeCancelBody): Promise<TxResult> {
  const { view, sender, chainId } = context
  const record = await readOfftake(view, body.offtakeId)
  if (record === undefined) return reject('UNKNOWN_OFFTAKE', `no offtake agreement ${body.offtakeId}`)
  if (record.financier !== sender) return reject('NOT_OFFTAKE_PARTY', `only the financier ${record.financier} of offtake ${body.offtakeId} may send its cancellation`)
  if (record.status !== 'open') return reject('OFFTAKE_CLOSED', `offtake ${body.offtakeId} is ${record.status}`)
  // Past its due date it is in default, even while the block boundary has not marked it yet (a backlog of more than
  // DEFAULTED_OFFTAKES_PER_BLOCK_MAX agreements due at once).
  if (pastDue(record, context.timeMs)) return reject('OFFTAKE_CLOSED', `offtake ${body.offtakeId} is past its due date ${record.dueAtMs}: it is in default`)
  if (!verifySignature(body.developerSignature, offtakeCancelSignBytes(chainId, body), hexToBytes(record.developer))) return reject('BAD_COUNTERSIGNATURE', `the developer's signature does not verify for cancelling ${body.offtakeId} with refund ${body.refund} on chain ${chainId}`)
  const balance = await balanceOf(view, record.developer, record.currency)
  if (balance < body.refund) return reject('INSUFFICIENT_FUNDS', `the developer holds ${money(balance, record.currency)}, the refund is ${body.refund}`)
  invariant(record.escrowed === escrowRequired(record), `agreement ${record.id} escrows ${record.escrowed}, not ${escrowRequired(record)}`)
  if (record.escrowed > 0) await escrowOut(view, record.financier, record.currency, record.escrowed)
  if (body.refund > 0) await pay(context, record.developer, record.financier, record.currency, body.refund)
  closeIndexes(view, record)
  writeOfftake(view, {
    ...record,
    status: 'cancelled',
    escrowed: 0,
    refunded: record.escrowed,
    developerRefund: body.refund,
    shortfall: record.quantity - record.delivered,
    prepaidUncovered: Math.max(0, record.prepaid - record.delivered * record.pricePerTonne),
    closedHeight: context.height,
    closedTimeMs: context.timeMs,
  })
  return ok(`offtake ${record.id} cancelled: ${money(record.escrowed, record.currency)} of escrow back to the financier, ${body.refund} refunded by the developer, ${record.delivered} of ${record.quantity} t delivered`)
}
