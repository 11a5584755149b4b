// Rule credit.cancel: the registry of record of credits (node/ledger/record-of.ts: the issuing or importing registry,
// or the registry they were ported to) cancels them (e.g. a correction, a reversal, a conversion to another program).
// With a quantity: from the registry account's own active holdings, lowest serials first; every unit taken must be of
// record at the sender's registry. With a range: the units may be held by anyone, but every one must be active and
// of record at the sender's registry. Cancelled units stay with their holder, frozen: they never move again.
//
// Rejections, in order of precedence:
//   INVALID_BODY            schema (validate.ts)
//   UNKNOWN_BATCH           no batch with body.batchId
//   WRONG_ROLE              the sender is not a registry account
//   WRONG_REGISTRY          the sender's registry neither issued (or imported) the batch nor is of record for any of it
//   INVALID_RANGE           the range is empty or not inside the batch's serials
//   NOT_REGISTRY_OF_RECORD  (range) some unit of the range is of record at another registry
//   RETIRED_UNIT            some unit of the range is retired
//   CANCELLED_UNIT          some unit of the range is already cancelled
//   LOCKED_UNIT             some unit of the range is locked
//   INSUFFICIENT_HOLDING    (quantity only) the registry holds fewer active units of the batch than the quantity
//   NOT_REGISTRY_OF_RECORD  (quantity) some of the units taken are of record at another registry
import type { CreditCancelBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { contiguousRuns, rangeRejection, rewritePieces, selectUnits } from './holdings.ts'
import { keys, readRecord, type BatchRecord } from './keys.ts'
import { recordOfRejection, requireBatchRegistry } from './record-of.ts'
import { ok, reject } from './result.ts'

export async function creditCancel(context: RuleContext, body: CreditCancelBody): Promise<TxResult> {
  const { view, sender } = context
  const batch = await readRecord<BatchRecord>(view, keys.batch(body.batchId))
  if (batch === undefined) return reject('UNKNOWN_BATCH', `no batch ${body.batchId}`)
  const authorized = await requireBatchRegistry(view, sender, batch, `cancel credits of batch ${batch.batchId}`)
  if (!authorized.ok) return authorized.result
  if (body.range !== null) {
    const invalid = rangeRejection(batch, body.range)
    if (invalid !== null) return invalid
    const notOfRecord = await recordOfRejection(view, authorized.registry, batch.batchId, [body.range], 'cancel them')
    if (notOfRecord !== null) return notOfRecord
  }
  const selection = await selectUnits(view, batch, body, body.range === null ? sender : null)
  if (!selection.ok) return selection.result
  if (body.range === null) {
    const notOfRecord = await recordOfRejection(view, authorized.registry, batch.batchId, selection.pieces.map((piece) => piece.range), 'cancel them')
    if (notOfRecord !== null) return notOfRecord
  }
  const runs = contiguousRuns(selection.pieces)
  rewritePieces(view, selection.pieces, (holding) => ({ owner: holding.owner, status: 'cancelled' }))
  for (const run of runs) await appendEvent(context, batch.batchId, { type: 'cancel', range: run.range, from: run.owner, to: null, details: { reason: body.reason } })
  return ok(`cancelled ${selection.units} units of batch ${batch.batchId}`)
}
