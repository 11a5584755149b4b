// Genesis state of the ledger: the accounts and their roles. A registry account carries the registry code it
// may register projects, issue and cancel for. A bad genesis is a configuration error and throws.
import { REGISTRY_CODES, ROLES, type Genesis } from '../../client/wire.ts'
import { MemoryState, StateView, type Write } from '../state/view.ts'
import { encodeRecord, keys, type AccountRecord } from './keys.ts'
import { ACCOUNT_ID_PATTERN } from './validate.ts'

export const GENESIS_ACCOUNTS_MAX = 10_000

export class GenesisError extends Error {
  override readonly name = 'GenesisError'
}

/** The account records of a genesis, validated. */
export function genesisAccounts(genesis: Genesis): AccountRecord[] {
  if (!Array.isArray(genesis.accounts)) throw new GenesisError('genesis.accounts must be an array')
  if (genesis.accounts.length > GENESIS_ACCOUNTS_MAX) throw new GenesisError(`genesis has ${genesis.accounts.length} accounts, more than ${GENESIS_ACCOUNTS_MAX}`)
  const seen = new Set<string>()
  return genesis.accounts.map((account, index) => {
    const where = `genesis.accounts[${index}] (${JSON.stringify(account.name)})`
    if (typeof account.publicKey !== 'string' || !ACCOUNT_ID_PATTERN.test(account.publicKey)) throw new GenesisError(`${where}: publicKey must be 64 lowercase hex characters`)
    if (seen.has(account.publicKey)) throw new GenesisError(`${where}: publicKey ${account.publicKey} appears twice`)
    seen.add(account.publicKey)
    if (!(ROLES as readonly string[]).includes(account.role)) throw new GenesisError(`${where}: unknown role ${JSON.stringify(account.role)}`)
    if (account.role === 'registry') {
      if (account.registry === undefined || !(REGISTRY_CODES as readonly string[]).includes(account.registry)) {
        throw new GenesisError(`${where}: a registry account needs a registry code, one of ${REGISTRY_CODES.join(', ')}`)
      }
    } else if (account.registry !== undefined) {
      throw new GenesisError(`${where}: only a registry account carries a registry code`)
    }
    return { id: account.publicKey, name: String(account.name), role: account.role, registry: account.role === 'registry' ? (account.registry ?? null) : null }
  })
}

/** Writes the genesis state into a view (outside any transaction layer). */
export function applyGenesis(view: StateView, genesis: Genesis): void {
  for (const account of genesisAccounts(genesis)) view.put(keys.account(account.id), encodeRecord(account))
}

/** The genesis state as sorted writes: the input of the genesis app hash (nextAppHash(ZERO_HASH, writes)). */
export function genesisWrites(genesis: Genesis): Write[] {
  const view = new StateView(new MemoryState())
  applyGenesis(view, genesis)
  return view.writes()
}
