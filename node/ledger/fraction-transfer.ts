// Rule fraction.transfer: the sender moves `parts` of one batch's fractions it holds to another account, its lowest
// serials first from body.fromSerial on (0: from its lowest), one 'fraction-transfer' event per serial touched.
//
// Rejections, in order of precedence:
//   INVALID_BODY            schema (validate.ts): parts a positive safe integer
//   SELF_TRANSFER           body.to is the sender
//   WRONG_ROLE              body.to is a composite class's custody account (parts enter it only by composite.mint)
//   UNKNOWN_BATCH           no batch with body.batchId
//   FRACTION_LIMIT          the parts are spread over more than FRACTION_SERIALS_PER_TX_MAX serials
//   INSUFFICIENT_FRACTIONS  the sender holds fewer parts of the batch (from fromSerial on)
import type { FractionTransferBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { custodyRejection } from './composites.ts'
import { moveParts, selectParts } from './fractions.ts'
import { keys, readRecord, type BatchRecord } from './keys.ts'
import { ok, reject } from './result.ts'

export async function fractionTransfer(context: RuleContext, body: FractionTransferBody): Promise<TxResult> {
  const { view, sender } = context
  if (body.to === sender) return reject('SELF_TRANSFER', 'the recipient is the sender')
  const custody = await custodyRejection(view, body.to, 'fractions')
  if (custody !== null) return custody
  const batch = await readRecord<BatchRecord>(view, keys.batch(body.batchId))
  if (batch === undefined) return reject('UNKNOWN_BATCH', `no batch ${body.batchId}`)
  const selection = await selectParts(view, sender, batch.batchId, body.parts, body.fromSerial)
  if (!selection.ok) return selection.result
  await moveParts(context, selection.picks, sender, body.to, 'fraction-transfer', {})
  return ok(`transferred ${body.parts} parts of batch ${batch.batchId} (${selection.picks.length} serials) to ${body.to}`)
}
