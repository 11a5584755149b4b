// Rule credit.transfer: the sender moves active credits of one batch to another account, either a quantity
// (its lowest active serials first) or an explicit serial sub-range. Moving part of a holding splits it.
//
// Rejections, in order of precedence:
//   INVALID_BODY          schema (validate.ts): bad account id, both or neither of quantity and range, ...
//   SELF_TRANSFER         body.to is the sender
//   UNKNOWN_BATCH         no batch with body.batchId
//   INVALID_RANGE         the range is empty or not inside the batch's serials
//   RETIRED_UNIT          some unit of the range is retired (retired units never move again)
//   CANCELLED_UNIT        some unit of the range is cancelled
//   INSUFFICIENT_HOLDING  some unit of the range is not the sender's, or the sender holds fewer active units
//                         than the quantity
import type { CreditTransferBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { contiguousRuns, rewritePieces, selectUnits } from './holdings.ts'
import { keys, readRecord, type BatchRecord } from './keys.ts'
import { ok, reject } from './result.ts'

export async function creditTransfer(context: RuleContext, body: CreditTransferBody): Promise<TxResult> {
  const { view, sender } = context
  if (body.to === sender) return reject('SELF_TRANSFER', 'the recipient is the sender')
  const batch = await readRecord<BatchRecord>(view, keys.batch(body.batchId))
  if (batch === undefined) return reject('UNKNOWN_BATCH', `no batch ${body.batchId}`)
  const selection = await selectUnits(view, batch, body, sender)
  if (!selection.ok) return selection.result
  const runs = contiguousRuns(selection.pieces)
  rewritePieces(view, selection.pieces, () => ({ owner: body.to, status: 'active' }))
  for (const run of runs) await appendEvent(context, batch.batchId, { type: 'transfer', range: run.range, from: run.owner, to: body.to, details: {} })
  return ok(`transferred ${selection.units} units of batch ${batch.batchId} to ${body.to}`)
}
