// Rule credit.mobilise: the registry that immobilised credits releases them; they are active again, with their owners.
// That registry is the lock's (lock.registry): it was their registry of record when it immobilised them and still is,
// since locked units cannot be ported (credit-port.ts; the simulation's invariants check it).
//
// Rejections, in order of precedence:
//   INVALID_BODY    schema (validate.ts)
//   UNKNOWN_LOCK    no live lock with that id
//   NOT_LOCK_PARTY  the lock is a collateral lock (its secured party releases it)
//   WRONG_ROLE, WRONG_REGISTRY   the sender is not the registry account of the lock's registry
import type { CreditMobiliseBody, RegistryCode, TxResult } from '../../client/wire.ts'
import { requireRegistry } from './accounts.ts'
import type { RuleContext } from './context.ts'
import { describeLock, endLock, readLock } from './locks.ts'
import { ok, reject } from './result.ts'

export async function creditMobilise(context: RuleContext, body: CreditMobiliseBody): Promise<TxResult> {
  const lock = await readLock(context.view, body.lockId)
  if (lock === undefined) return reject('UNKNOWN_LOCK', `no live lock ${body.lockId}`)
  if (lock.kind !== 'immobilised') return reject('NOT_LOCK_PARTY', describeLock(lock))
  const authorized = await requireRegistry(context.view, context.sender, lock.registry as RegistryCode, `mobilise credits of ${lock.registry}`)
  if (!authorized.ok) return authorized.result
  const units = await endLock(context, lock, 'mobilise')
  return ok(`mobilised ${units} units of batch ${lock.batchId} (lock ${lock.id})`)
}
