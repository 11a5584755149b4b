// Rule credit.retire: the sender retires active credits it holds (a quantity, lowest serials first, or an explicit
// sub-range) on behalf of a beneficiary. A retired unit stays with the account that retired it and never moves
// again: any later transfer, retirement or cancellation that touches it is rejected with RETIRED_UNIT.
//
// Rejections, in order of precedence:
//   INVALID_BODY          schema (validate.ts)
//   UNKNOWN_BATCH         no batch with body.batchId
//   INVALID_RANGE         the range is empty or not inside the batch's serials
//   RETIRED_UNIT          some unit of the range is already retired
//   CANCELLED_UNIT        some unit of the range is cancelled
//   INSUFFICIENT_HOLDING  some unit of the range is not the sender's, or the sender holds fewer active units
//                         than the quantity
import type { CreditRetireBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { contiguousRuns, rewritePieces, selectUnits } from './holdings.ts'
import { keys, readRecord, type BatchRecord } from './keys.ts'
import { ok, reject } from './result.ts'

export async function creditRetire(context: RuleContext, body: CreditRetireBody): Promise<TxResult> {
  const { view, sender } = context
  const batch = await readRecord<BatchRecord>(view, keys.batch(body.batchId))
  if (batch === undefined) return reject('UNKNOWN_BATCH', `no batch ${body.batchId}`)
  const selection = await selectUnits(view, batch, body, sender)
  if (!selection.ok) return selection.result
  const runs = contiguousRuns(selection.pieces)
  rewritePieces(view, selection.pieces, (holding) => ({ owner: holding.owner, status: 'retired' }))
  const details = { beneficiary: body.beneficiary, purpose: body.purpose, reason: body.reason, retiredOn: body.retiredOn }
  for (const run of runs) await appendEvent(context, batch.batchId, { type: 'retire', range: run.range, from: run.owner, to: null, details })
  return ok(`retired ${selection.units} units of batch ${batch.batchId}`)
}
