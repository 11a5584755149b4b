// Review helper: four real nodes (node/node.ts startNode) in this process on loopback, from a generated testnet.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { findFreePortBlock } from '../../cli/cluster.ts'
import { generateTestnet, registryAccountName, type TestnetResult } from '../../cli/testnet.ts'
import { readKeyFile, type KeyPair } from '../../client/keys.ts'
import { startNode, type RunningNode } from '../../node/node.ts'

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

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}
