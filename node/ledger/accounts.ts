// Accounts, roles and nonces. Roles are assigned at genesis (genesis.ts) and read from state here; nonces are
// per sender and start at 0 for any key, known or not (a holder that only received credits can still move them).
import type { RegistryCode, TxResult } from '../../client/wire.ts'
import type { StateReader, StateView } from '../state/view.ts'
import { encodeRecord, keys, readRecord, type AccountRecord } from './keys.ts'
import { invariant, reject } from './result.ts'

export async function readAccount(reader: StateReader, accountId: string): Promise<AccountRecord | undefined> {
  return readRecord<AccountRecord>(reader, keys.account(accountId))
}

/** The nonce the sender's next transaction must carry: 0 for a sender never seen. */
export async function nextNonceOf(reader: StateReader, accountId: string): Promise<number> {
  const nonce = await readRecord<number>(reader, keys.nonce(accountId))
  if (nonce === undefined) return 0
  invariant(Number.isSafeInteger(nonce) && nonce > 0, `nonce of ${accountId} is ${String(nonce)}`)
  return nonce
}

export function writeNextNonce(view: StateView, accountId: string, nonce: number): void {
  invariant(Number.isSafeInteger(nonce) && nonce > 0, `cannot store nonce ${String(nonce)}`)
  view.put(keys.nonce(accountId), encodeRecord(nonce))
}

/**
 * The sender acting as the registry `registry`: WRONG_ROLE unless the sender has role 'registry', WRONG_REGISTRY
 * unless it is the registry account of that code.
 */
export async function requireRegistry(reader: StateReader, sender: string, registry: RegistryCode, action: string): Promise<{ ok: true; account: AccountRecord } | { ok: false; result: TxResult }> {
  const account = await readAccount(reader, sender)
  if (account === undefined || account.role !== 'registry') {
    const role = account === undefined ? 'no role' : `role ${account.role}`
    return { ok: false, result: reject('WRONG_ROLE', `only a registry account may ${action}; sender ${sender} has ${role}`) }
  }
  if (account.registry !== registry) {
    return { ok: false, result: reject('WRONG_REGISTRY', `sender is the registry account of ${String(account.registry)}, not of ${registry}; it may not ${action}`) }
  }
  return { ok: true, account }
}

/** The sender acting as a bank: WRONG_ROLE unless it has role 'bank' in genesis. */
export async function requireBank(reader: StateReader, sender: string, action: string): Promise<{ ok: true; account: AccountRecord } | { ok: false; result: TxResult }> {
  const account = await readAccount(reader, sender)
  if (account === undefined || account.role !== 'bank') {
    const role = account === undefined ? 'no role' : `role ${account.role}`
    return { ok: false, result: reject('WRONG_ROLE', `only a bank account may ${action}; sender ${sender} has ${role}`) }
  }
  return { ok: true, account }
}
