// Rule credit.lock: the sender locks active credits of one batch (a quantity, lowest serials first, or a range) in
// favour of a secured party until a block time. The lock's id is this transaction's id (node/ledger/locks.ts).
//
// Rejections, in order of precedence:
//   INVALID_BODY          schema (validate.ts)
//   SELF_TRANSFER         the secured party is the sender
//   INVALID_EXPIRY        expiresAtMs is not after the block time, or more than LOCK_DURATION_MS_MAX after it
//   UNKNOWN_BATCH         no batch with body.batchId
//   INVALID_RANGE         the range is empty or not inside the batch's serials
//   RETIRED_UNIT, CANCELLED_UNIT, LOCKED_UNIT   some unit of the range is not active
//   INSUFFICIENT_HOLDING  some unit of the range is not the sender's, or it holds fewer active units than the quantity
import type { CreditLockBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { selectUnits } from './holdings.ts'
import { keys, readRecord, type BatchRecord } from './keys.ts'
import { expiryRejection, newLock, writeLock } from './locks.ts'
import { ok, reject } from './result.ts'

export async function creditLock(context: RuleContext, body: CreditLockBody): Promise<TxResult> {
  const { view, sender } = context
  if (body.securedParty === sender) return reject('SELF_TRANSFER', 'the secured party is the sender')
  const badExpiry = expiryRejection(context, body.expiresAtMs)
  if (badExpiry !== null) return badExpiry
  const batch = await readRecord<BatchRecord>(view, keys.batch(body.batchId))
  if (batch === undefined) return reject('UNKNOWN_BATCH', `no batch ${body.batchId}`)
  const selection = await selectUnits(view, batch, body, sender)
  if (!selection.ok) return selection.result
  const lock = newLock(context, 'collateral', batch.batchId, selection.pieces, { owner: sender, securedParty: body.securedParty, registry: '', expiresAtMs: body.expiresAtMs, reason: '' })
  writeLock(view, lock, selection.pieces)
  for (const piece of lock.pieces) {
    await appendEvent(context, batch.batchId, { type: 'lock', range: { start: piece.start, end: piece.end }, from: piece.owner, to: piece.owner, details: { lockId: lock.id, securedParty: body.securedParty, expiresAtMs: String(body.expiresAtMs) } })
  }
  return ok(`locked ${selection.units} units of batch ${batch.batchId} in favour of ${body.securedParty} until ${body.expiresAtMs} (lock ${lock.id})`)
}
