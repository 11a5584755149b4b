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
import type { CreditRetireBody, CreditSelection, SerialRange, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { contiguousRuns, rewritePieces, selectUnits } from './holdings.ts'
import { keys, readRecord, type BatchRecord } from './keys.ts'
import { ok, reject } from './result.ts'

export async function creditRetire(context: RuleContext, body: CreditRetireBody): Promise<TxResult> {
  const retired = await retireSelected(context, body, { beneficiary: body.beneficiary, purpose: body.purpose, reason: body.reason, retiredOn: body.retiredOn })
  if (!retired.ok) return retired.result
  return ok(`retired ${retired.units} units of batch ${retired.batchId}`)
}

/**
 * What every retirement does (credit.retire, credit.retire-private): select the sender's active units of the batch,
 * mark them retired, and append one 'retire' event with `details` per contiguous run. Returns the events' ranges and
 * sequence numbers, or the rejection (UNKNOWN_BATCH, then selectUnits' codes) before any write.
 */
export async function retireSelected(
  context: RuleContext,
  body: CreditSelection,
  details: Record<string, string>,
): Promise<{ ok: true; batchId: string; units: number; events: { range: SerialRange; seq: number }[] } | { ok: false; result: TxResult }> {
  const { view, sender } = context
  const batch = await readRecord<BatchRecord>(view, keys.batch(body.batchId))
  if (batch === undefined) return { ok: false, result: reject('UNKNOWN_BATCH', `no batch ${body.batchId}`) }
  const selection = await selectUnits(view, batch, body, sender)
  if (!selection.ok) return selection
  const runs = contiguousRuns(selection.pieces)
  rewritePieces(view, selection.pieces, (holding) => ({ owner: holding.owner, status: 'retired' }))
  const events: { range: SerialRange; seq: number }[] = []
  for (const run of runs) {
    const event = await appendEvent(context, batch.batchId, { type: 'retire', range: run.range, from: run.owner, to: null, details })
    events.push({ range: { start: run.range.start, end: run.range.end }, seq: event.seq })
  }
  return { ok: true, batchId: batch.batchId, units: selection.units, events }
}
