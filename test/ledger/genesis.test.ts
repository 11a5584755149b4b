import { describe, expect, it } from 'vitest'
import { decode, ZERO_HASH, type Genesis } from '../../client/wire.ts'
import { genesisWrites, GenesisError, keys, readAccount } from '../../node/ledger/index.ts'
import { MemoryState, nextAppHash } from '../../node/state/view.ts'
import { BANK, GENESIS, GOLD, VERRA } from './helpers.ts'

describe('genesis', () => {
  it('stores every account with its role, and the registry code of registry accounts', async () => {
    const state = new MemoryState()
    state.apply(genesisWrites(GENESIS))
    expect(await readAccount(state, VERRA.id)).toEqual({ id: VERRA.id, name: 'verra', role: 'registry', registry: 'VCS' })
    expect(await readAccount(state, GOLD.id)).toEqual({ id: GOLD.id, name: 'gold-standard', role: 'registry', registry: 'GS' })
    expect(await readAccount(state, BANK.id)).toEqual({ id: BANK.id, name: 'bank', role: 'bank', registry: null })
    expect(state.entries.size).toBe(GENESIS.accounts.length)
  })

  it('gives sorted writes and the same app hash whatever the order of accounts', () => {
    const writes = genesisWrites(GENESIS)
    const keysInOrder = writes.map(([key]) => key)
    expect(keysInOrder).toEqual([...keysInOrder].sort())
    expect(keysInOrder[0]).toBe(keys.account(VERRA.id))
    const reversed: Genesis = { ...GENESIS, accounts: [...GENESIS.accounts].reverse() }
    expect(nextAppHash(ZERO_HASH, genesisWrites(reversed))).toEqual(nextAppHash(ZERO_HASH, writes))
    expect(decode(writes[0]?.[1] as Uint8Array)).toMatchObject({ role: 'registry' })
  })

  it.each([
    ['a registry account without a registry code', { name: 'r', publicKey: 'aa'.repeat(32), role: 'registry' }],
    ['an unknown registry code', { name: 'r', publicKey: 'aa'.repeat(32), role: 'registry', registry: 'XYZ' }],
    ['a registry code on a bank', { name: 'b', publicKey: 'aa'.repeat(32), role: 'bank', registry: 'VCS' }],
    ['an unknown role', { name: 'x', publicKey: 'aa'.repeat(32), role: 'king' }],
    ['an uppercase public key', { name: 'x', publicKey: 'AA'.repeat(32), role: 'bank' }],
    ['a short public key', { name: 'x', publicKey: 'aa', role: 'bank' }],
    ['a duplicate public key', { name: 'dup', publicKey: VERRA.id, role: 'bank' }],
  ])('refuses %s', (_, account) => {
    const genesis = { ...GENESIS, accounts: [...GENESIS.accounts, account] } as Genesis
    expect(() => genesisWrites(genesis)).toThrow(GenesisError)
  })
})
