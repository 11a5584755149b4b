// Application.submit reads the transaction's result record, then (after an await) the sender's committed nonce.
// A block that commits the transaction in between makes submit answer BAD_NONCE ("nonce already used") for a
// transaction that IS committed: a client that resubmits (after a ?wait=commit timeout, or to a second node)
// is told its transfer was rejected and may sign a replacement with the next nonce - a double transfer.
import { afterAll, describe, expect, it } from 'vitest'
import { buildApi } from '../../node/api/server.ts'
import { cleanup, genesis, openApp, registerProjectTx, validatorKeys } from './helpers.ts'

afterAll(cleanup)

describe('submit racing a commit', () => {
  it('a resubmitted transaction committed during submit is reported committed, not BAD_NONCE', async () => {
    const app = await openApp()
    const tx = registerProjectTx(0)
    expect((await app.submit(tx.bytes)).ok).toBe(true)
    const prepared = await app.prepareProposal(1, genesis.genesisTimeMs + 1_000, validatorKeys[1] as Uint8Array)
    // The commit lands while the resubmission is between its two state reads.
    const state = app.store.state as { get(key: string): Promise<Uint8Array | undefined> }
    const get = state.get.bind(state)
    let intercepted = false
    state.get = async (key: string) => {
      // The first state read of the resubmission: its nonce (when the Application has no cached nonce for the
      // sender) or its result record (when it has: node/app/application.ts keeps committed nonces in memory).
      if (!intercepted && (key.startsWith('nonce/') || key.startsWith('tx/'))) {
        intercepted = true
        await app.commit(prepared.blockHash, new Uint8Array())
      }
      return get(key)
    }
    const api = await buildApi({ app, genesis, nodeId: 'n', validatorName: null, peers: () => [], catchingUp: () => false, onAccepted: () => undefined })
    const response = await api.inject({ method: 'POST', url: '/txs', payload: Buffer.from(tx.bytes), headers: { 'content-type': 'application/octet-stream' } })
    state.get = get
    expect(intercepted).toBe(true)
    expect(app.latest.height).toBe(1)
    expect(response.json()).toMatchObject({ id: tx.id, status: 'committed', height: 1 })
    expect(response.statusCode).toBe(200)
    await api.close()
  })
})
