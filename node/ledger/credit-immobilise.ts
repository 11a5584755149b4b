// Rule credit.immobilise: the registry of record of a serial range (node/ledger/record-of.ts) locks it, whoever holds
// the units (e.g. while they are represented on another registry, or under investigation). No expiry: the registry
// mobilises it. The lock's id is this transaction's id; the lock records the sender's registry, which stays the
// registry of record of those units while they are locked (locked units cannot be ported).
//
// Rejections, in order of precedence:
//   INVALID_BODY            schema (validate.ts)
//   UNKNOWN_BATCH           no batch with body.batchId
//   WRONG_ROLE              the sender is not a registry account
//   WRONG_REGISTRY          the sender's registry neither issued (or imported) the batch nor is of record for any of it
//   INVALID_RANGE           the range is empty or not inside the batch's serials
//   NOT_REGISTRY_OF_RECORD  some unit of the range is of record at another registry
//   RETIRED_UNIT, CANCELLED_UNIT, LOCKED_UNIT   some unit of the range is not active
import type { CreditImmobiliseBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { rangeRejection, selectUnits } from './holdings.ts'
import { keys, readRecord, type BatchRecord } from './keys.ts'
import { newLock, writeLock } from './locks.ts'
import { recordOfRejection, requireBatchRegistry } from './record-of.ts'
import { ok, reject } from './result.ts'

export async function creditImmobilise(context: RuleContext, body: CreditImmobiliseBody): Promise<TxResult> {
  const { view, sender } = context
  const batch = await readRecord<BatchRecord>(view, keys.batch(body.batchId))
  if (batch === undefined) return reject('UNKNOWN_BATCH', `no batch ${body.batchId}`)
  const authorized = await requireBatchRegistry(view, sender, batch, `immobilise credits of batch ${batch.batchId}`)
  if (!authorized.ok) return authorized.result
  const invalid = rangeRejection(batch, body.range)
  if (invalid !== null) return invalid
  const notOfRecord = await recordOfRejection(view, authorized.registry, batch.batchId, [body.range], 'immobilise them')
  if (notOfRecord !== null) return notOfRecord
  const selection = await selectUnits(view, batch, { quantity: 0, range: body.range }, null)
  if (!selection.ok) return selection.result
  const lock = newLock(context, 'immobilised', batch.batchId, selection.pieces, { owner: '', securedParty: '', registry: authorized.registry, expiresAtMs: 0, reason: body.reason })
  writeLock(view, lock, selection.pieces)
  for (const piece of lock.pieces) {
    await appendEvent(context, batch.batchId, { type: 'immobilise', range: { start: piece.start, end: piece.end }, from: piece.owner, to: piece.owner, details: { lockId: lock.id, reason: body.reason } })
  }
  return ok(`immobilised ${selection.units} units of batch ${batch.batchId} (lock ${lock.id})`)
}
