// Review helper: four real nodes (node/node.ts startNode) in this process on loopback, from a generated testnet.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { findFreePortBlock } from '../../cli/cluster.ts'
import { generateTestnet, registryAccountName, type TestnetResult } from '../../cli/testnet.ts'
import { readKeyFile, type KeyPair } from '../../client/keys.ts'
import { startNode, type RunningNode } from '../../node/node.ts'
import { waitFor as waitForWithin } from '../network/hostile-helpers.ts'

export interface InProcessCluster {
  testnet: TestnetResult
  nodes: RunningNode[]
  registry: KeyPair
  stop(): Promise<void>
}

export async function startInProcessCluster(count = 4): Promise<InProcessCluster> {
  const out = mkdtempSync(join(tmpdir(), 'review-gossip-'))
  const base = await findFreePortBlock(count * 2)
  const testnet = await generateTestnet({ nodes: count, out: join(out, 'testnet'), chainId: 'review-gossip', p2pPort: base, apiPort: base + count, hostTemplate: '127.0.0.1', bindHost: '127.0.0.1', genesisTimeMs: Date.now() })
  const nodes = await Promise.all(testnet.nodeHomes.map((home) => startNode(home, { logger: pino({ level: 'silent' }) })))
  const registry = readKeyFile(testnet.accountKeys[registryAccountName('VCS')] as string)
  return {
    testnet,
    nodes,
    registry,
    async stop() {
      await Promise.all(nodes.map((node) => node.close()))
      rmSync(out, { recursive: true, force: true })
    },
  }
}

export { sleep } from '../network/hostile-helpers.ts'

/** hostile-helpers' waitFor, with a longer default: a whole cluster of real nodes starts here. */
export const waitFor = (what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> => waitForWithin(what, predicate, timeoutMs)
