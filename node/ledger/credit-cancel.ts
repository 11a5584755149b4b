// Rule credit.cancel: the registry of a batch cancels credits of it (e.g. a correction, a reversal, a conversion to
// another program). With a quantity: from the registry account's own active holdings, lowest serials first. With a
// range: the units may be held by anyone, but every one must be active. Cancelled units stay with their holder,
// frozen: they never move again.
//
// Rejections, in order of precedence:
//   INVALID_BODY          schema (validate.ts)
//   UNKNOWN_BATCH         no batch with body.batchId
//   WRONG_ROLE            the sender is not a registry account
//   WRONG_REGISTRY        the sender is the registry account of another registry than the batch's
//   INVALID_RANGE         the range is empty or not inside the batch's serials
//   RETIRED_UNIT          some unit of the range is retired
//   CANCELLED_UNIT        some unit of the range is already cancelled
//   INSUFFICIENT_HOLDING  (quantity only) the registry holds fewer active units of the batch than the quantity
import type { CreditCancelBody, TxResult } from '../../client/wire.ts'
import { requireRegistry } from './accounts.ts'
import type { RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { contiguousRuns, rewritePieces, selectUnits } from './holdings.ts'
import { keys, readRecord, type BatchRecord } from './keys.ts'
import { ok, reject } from './result.ts'

export async function creditCancel(context: RuleContext, body: CreditCancelBody): Promise<TxResult> {
  const { view, sender } = context
  const batch = await readRecord<BatchRecord>(view, keys.batch(body.batchId))
  if (batch === undefined) return reject('UNKNOWN_BATCH', `no batch ${body.batchId}`)
  const authorized = await requireRegistry(view, sender, batch.registry, `cancel credits of ${batch.registry}`)
  if (!authorized.ok) return authorized.result
  const selection = await selectUnits(view, batch, body, body.range === null ? sender : null)
  if (!selection.ok) return selection.result
  const runs = contiguousRuns(selection.pieces)
  rewritePieces(view, selection.pieces, (holding) => ({ owner: holding.owner, status: 'cancelled' }))
  for (const run of runs) await appendEvent(context, batch.batchId, { type: 'cancel', range: run.range, from: run.owner, to: null, details: { reason: body.reason } })
  return ok(`cancelled ${selection.units} units of batch ${batch.batchId}`)
}
