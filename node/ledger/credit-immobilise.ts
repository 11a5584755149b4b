// Rule credit.immobilise: the registry of a batch locks a serial range of it, whoever holds the units (e.g. while
// they are represented on another registry, or under investigation). No expiry: the registry mobilises it.
// The lock's id is this transaction's id.
//
// Rejections, in order of precedence:
//   INVALID_BODY    schema (validate.ts)
//   UNKNOWN_BATCH   no batch with body.batchId
//   WRONG_ROLE      the sender is not a registry account
//   WRONG_REGISTRY  the sender is the registry account of another registry than the batch's
//   INVALID_RANGE   the range is empty or not inside the batch's serials
//   RETIRED_UNIT, CANCELLED_UNIT, LOCKED_UNIT   some unit of the range is not active
import type { CreditImmobiliseBody, TxResult } from '../../client/wire.ts'
import { requireRegistry } from './accounts.ts'
import type { RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { selectUnits } from './holdings.ts'
import { keys, readRecord, type BatchRecord } from './keys.ts'
import { newLock, writeLock } from './locks.ts'
import { ok, reject } from './result.ts'

export async function creditImmobilise(context: RuleContext, body: CreditImmobiliseBody): Promise<TxResult> {
  const { view, sender } = context
  const batch = await readRecord<BatchRecord>(view, keys.batch(body.batchId))
  if (batch === undefined) return reject('UNKNOWN_BATCH', `no batch ${body.batchId}`)
  const authorized = await requireRegistry(view, sender, batch.registry, `immobilise credits of ${batch.registry}`)
  if (!authorized.ok) return authorized.result
  const selection = await selectUnits(view, batch, { quantity: 0, range: body.range }, null)
  if (!selection.ok) return selection.result
  const lock = newLock(context, 'immobilised', batch.batchId, selection.pieces, { owner: '', securedParty: '', registry: batch.registry, expiresAtMs: 0, reason: body.reason })
  writeLock(view, lock, selection.pieces)
  for (const piece of lock.pieces) {
    await appendEvent(context, batch.batchId, { type: 'immobilise', range: { start: piece.start, end: piece.end }, from: piece.owner, to: piece.owner, details: { lockId: lock.id, reason: body.reason } })
  }
  return ok(`immobilised ${selection.units} units of batch ${batch.batchId} (lock ${lock.id})`)
}
