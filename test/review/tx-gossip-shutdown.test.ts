// Review check (passes): a transaction a node accepted over HTTP just before a graceful close (SIGTERM: RunningNode.close) still
// reaches the other nodes. The mempool is in memory only, so a transaction that was not gossiped before the close
// is gone, although its client was told it was accepted.
import { afterAll, expect, it } from 'vitest'
import * as build from '../../client/builders.ts'
import { TonneClient } from '../../client/http.ts'
import { signTx } from '../../client/keys.ts'
import { startInProcessCluster, waitFor, sleep, type InProcessCluster } from './tx-gossip-cluster-helpers.ts'

let cluster: InProcessCluster | undefined
afterAll(async () => {
  await cluster?.stop()
})

it('gossips a transaction accepted right before the node is closed', async () => {
  cluster = await startInProcessCluster(4)
  const { nodes, registry, testnet } = cluster
  await waitFor('a full mesh', () => nodes.every((node) => node.network.connectedPeers().length === 3))
  await waitFor('height 1', () => nodes.every((node) => node.app.latest.height >= 1))
  const client = new TonneClient(nodes[0]!.apiUrl)
  // Warm-up: a transaction well before the close reaches everyone (gossip works).
  const warm = signTx(registry, testnet.genesis.chainId, 'project.register', 0, build.projectRegister({ registry: 'VCS', projectId: 'W-0', name: 'warm' }))
  await client.submit(warm.bytes, { wait: 'commit' })
  const tx = signTx(registry, testnet.genesis.chainId, 'project.register', 1, build.projectRegister({ registry: 'VCS', projectId: 'W-1', name: 'last' }))
  const answer = await client.submit(tx.bytes)
  expect(answer).toMatchObject({ id: tx.id })
  // The operator stops node 0 right after its client got the answer.
  await nodes[0]!.close()
  const others = nodes.slice(1)
  await sleep(2_000)
  const holders = others.filter((node) => node.app.mempool.has(tx.id)).length
  const committed = await Promise.all(others.map(async (node) => (await node.app.store.state.get('tx/' + tx.id)) !== undefined))
  expect({ holders, committed: committed.some(Boolean) }).not.toEqual({ holders: 0, committed: false })
}, 90_000)
