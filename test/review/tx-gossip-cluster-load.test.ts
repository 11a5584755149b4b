// Review check (passes): four real nodes (startNode) in a full mesh; 1500 transactions submitted over HTTP, spread
// over the nodes and out of nonce order within each burst, all commit everywhere, and no node charges another.
import { afterAll, expect, it } from 'vitest'
import * as build from '../../client/builders.ts'
import { TonneClient } from '../../client/http.ts'
import { signTx } from '../../client/keys.ts'
import { startInProcessCluster, waitFor, type InProcessCluster } from './tx-gossip-cluster-helpers.ts'

let cluster: InProcessCluster | undefined
afterAll(async () => {
  await cluster?.stop()
})

it('commits a burst of HTTP transactions on every node without any offence', async () => {
  cluster = await startInProcessCluster(4)
  const { nodes, registry, testnet } = cluster
  await waitFor('a full mesh', () => nodes.every((node) => node.network.connectedPeers().length === 3))
  const clients = nodes.map((node) => new TonneClient(node.apiUrl))
  const COUNT = 1500
  const txs = Array.from({ length: COUNT }, (_, nonce) => signTx(registry, testnet.genesis.chainId, 'project.register', nonce, build.projectRegister({ registry: 'VCS', projectId: `B-${nonce}`, name: 'load' })))
  for (let start = 0; start < COUNT; start += 300) {
    const chunk = txs.slice(start, start + 300).reverse()
    await Promise.all(chunk.map((tx, i) => clients[i % 4]!.submit(tx.bytes)))
  }
  const last = txs[COUNT - 1]!
  await waitFor('all committed everywhere', async () => (await Promise.all(nodes.map(async (node) => (await node.app.store.state.get('tx/' + last.id)) !== undefined))).every(Boolean), 120_000)
  for (const tx of txs) for (const node of nodes) expect(await node.app.store.state.get('tx/' + tx.id)).toBeDefined()
  for (const node of nodes) for (const other of nodes) if (other !== node) expect(node.network.peerOffences(other.network.peerId)).toEqual({})
}, 180_000)
