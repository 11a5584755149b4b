// Rule credit.fractionalise: the sender turns whole active units of one batch it holds (a quantity, lowest serials
// first, or a range) into FRACTION_PARTS_PER_TONNE parts each, held by itself (node/ledger/fractions.ts). The units'
// holdings get status 'fractionalised' (frozen for every whole-unit rule) and keep their serials and attributes.
//
// Rejections, in order of precedence:
//   INVALID_BODY          schema (validate.ts): exactly one of quantity and range
//   FRACTION_LIMIT        more than FRACTIONALISE_UNITS_PER_TX_MAX units
//   UNKNOWN_BATCH         no batch with body.batchId
//   INVALID_RANGE         the range is empty or not inside the batch's serials
//   RETIRED_UNIT, CANCELLED_UNIT, LOCKED_UNIT, FRACTIONALISED_UNIT   some unit of the range is not active
//   INSUFFICIENT_HOLDING  some unit of the range is not the sender's, or it holds fewer active units than the quantity
import { FRACTION_PARTS_PER_TONNE, type CreditFractionaliseBody, type TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { addParts, FRACTIONALISE_UNITS_PER_TX_MAX } from './fractions.ts'
import { contiguousRuns, rewritePieces, selectUnits } from './holdings.ts'
import { encodeRecord, keys, readRecord, type BatchRecord, type FractionSerialRecord } from './keys.ts'
import { invariant, ok, reject } from './result.ts'

export async function creditFractionalise(context: RuleContext, body: CreditFractionaliseBody): Promise<TxResult> {
  const { view, sender } = context
  const units = body.range === null ? body.quantity : body.range.end - body.range.start + 1
  if (units > FRACTIONALISE_UNITS_PER_TX_MAX) return reject('FRACTION_LIMIT', `${units} units, more than FRACTIONALISE_UNITS_PER_TX_MAX (${FRACTIONALISE_UNITS_PER_TX_MAX}) in one transaction`)
  const batch = await readRecord<BatchRecord>(view, keys.batch(body.batchId))
  if (batch === undefined) return reject('UNKNOWN_BATCH', `no batch ${body.batchId}`)
  const selection = await selectUnits(view, batch, body, sender)
  if (!selection.ok) return selection.result
  const runs = contiguousRuns(selection.pieces)
  rewritePieces(view, selection.pieces, () => ({ owner: sender, status: 'fractionalised' }))
  for (const run of runs) {
    for (let serial = run.range.start; serial <= run.range.end; serial += 1) {
      invariant((await view.get(keys.fractionSerial(batch.batchId, serial))) === undefined, `serial ${serial} of ${batch.batchId} was active and already fractionalised`)
      const record: FractionSerialRecord = { batchId: batch.batchId, serial, fractionalisedBy: sender, retiredParts: 0, height: context.height, timeMs: context.timeMs, txId: context.txId }
      view.put(keys.fractionSerial(batch.batchId, serial), encodeRecord(record))
      await addParts(view, batch.batchId, serial, sender, FRACTION_PARTS_PER_TONNE)
    }
    const parts = (run.range.end - run.range.start + 1) * FRACTION_PARTS_PER_TONNE
    await appendEvent(context, batch.batchId, { type: 'fractionalise', range: run.range, from: sender, to: sender, details: { parts: String(parts), partsPerUnit: String(FRACTION_PARTS_PER_TONNE) } })
  }
  return ok(`fractionalised ${selection.units} units of batch ${batch.batchId} into ${selection.units * FRACTION_PARTS_PER_TONNE} parts`)
}
