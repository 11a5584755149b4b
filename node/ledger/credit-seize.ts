// Rule credit.seize: on default, the secured party of a collateral lock takes the locked units: they move to it,
// active, and the lock ends.
//
// Rejections, in order of precedence:
//   INVALID_BODY    schema (validate.ts)
//   UNKNOWN_LOCK    no live lock with that id (never created, already released, seized or expired; a lock past its
//                   expiry that the block boundary has not released yet, when more than EXPIRED_LOCKS_PER_BLOCK_MAX
//                   fell due at once, counts as expired too)
//   NOT_LOCK_PARTY  the lock is an immobilisation, or the sender is not its secured party
import type { CreditSeizeBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { describeLock, endLock, pastExpiry, readLock } from './locks.ts'
import { ok, reject } from './result.ts'

export async function creditSeize(context: RuleContext, body: CreditSeizeBody): Promise<TxResult> {
  const lock = await readLock(context.view, body.lockId)
  if (lock === undefined) return reject('UNKNOWN_LOCK', `no live lock ${body.lockId}`)
  if (pastExpiry(lock, context.timeMs)) return reject('UNKNOWN_LOCK', `lock ${lock.id} expired at ${lock.expiresAtMs} (the ledger releases it at a block boundary)`)
  if (lock.kind !== 'collateral') return reject('NOT_LOCK_PARTY', describeLock(lock))
  if (lock.securedParty !== context.sender) return reject('NOT_LOCK_PARTY', `only the secured party ${lock.securedParty} may seize lock ${lock.id}`)
  const units = await endLock(context, lock, 'seize')
  return ok(`seized ${units} units of batch ${lock.batchId} (lock ${lock.id})`)
}
