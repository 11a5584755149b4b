// Rule fraction.retire: the sender retires `parts` of one batch's fractions it holds (selected as fraction.transfer
// does) on behalf of a beneficiary. The retirement record fractionretirement/<txId> lists the underlying serials and
// the parts of each; each serial's retiredParts grows and one 'fraction-retire' event per serial is appended to the
// batch's history. Retired parts never move again.
//
// Rejections, in order of precedence:
//   INVALID_BODY            schema (validate.ts)
//   UNKNOWN_BATCH           no batch with body.batchId
//   FRACTION_LIMIT          the parts are spread over more than FRACTION_SERIALS_PER_TX_MAX serials
//   INSUFFICIENT_FRACTIONS  the sender holds fewer parts of the batch (from fromSerial on)
import type { FractionRetireBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { retireParts, selectParts } from './fractions.ts'
import { encodeRecord, keys, readRecord, type BatchRecord, type FractionRetirementRecord } from './keys.ts'
import { invariant, ok, reject } from './result.ts'

export async function fractionRetire(context: RuleContext, body: FractionRetireBody): Promise<TxResult> {
  const { view, sender } = context
  const batch = await readRecord<BatchRecord>(view, keys.batch(body.batchId))
  if (batch === undefined) return reject('UNKNOWN_BATCH', `no batch ${body.batchId}`)
  const selection = await selectParts(view, sender, batch.batchId, body.parts, body.fromSerial)
  if (!selection.ok) return selection.result
  const retirement: Omit<FractionRetirementRecord, 'parts' | 'totalParts'> = {
    txId: context.txId,
    retiredBy: sender,
    beneficiary: body.beneficiary,
    purpose: body.purpose,
    reason: body.reason,
    retiredOn: body.retiredOn,
    compositeClass: '',
    compositeUnits: [],
    height: context.height,
    timeMs: context.timeMs,
  }
  await writeFractionRetirement(context, retirement, selection.picks, sender)
  return ok(`retired ${body.parts} parts of batch ${batch.batchId} (${selection.picks.length} serials)`)
}

/** Retires the parts (held by `from`) and records the retirement under the transaction's id. */
export async function writeFractionRetirement(context: RuleContext, retirement: Omit<FractionRetirementRecord, 'parts' | 'totalParts'>, picks: FractionRetirementRecord['parts'], from: string): Promise<void> {
  const details: Record<string, string> = { retirementId: context.txId, beneficiary: retirement.beneficiary, purpose: retirement.purpose, reason: retirement.reason, retiredOn: retirement.retiredOn }
  if (retirement.compositeClass !== '') details.compositeClass = retirement.compositeClass
  await retireParts(context, picks, from, details)
  const record: FractionRetirementRecord = { ...retirement, totalParts: picks.reduce((sum, pick) => sum + pick.parts, 0), parts: picks.map((pick) => ({ batchId: pick.batchId, serial: pick.serial, parts: pick.parts })) }
  invariant((await context.view.get(keys.fractionRetirement(context.txId))) === undefined, `fractional retirement ${context.txId} already recorded`)
  context.view.put(keys.fractionRetirement(context.txId), encodeRecord(record))
}
