// Network faults with four real node processes under a client load. Partitions are made by the nodes' test-only
// partition switch (TONNE_TEST_PARTITION_FILE, node/network/partition.ts): the connection gater of each node cuts
// the peers its file lists, below consensus and the application. Also: SIGSTOP/SIGCONT of a validator, and a
// client resubmitting the same signed transaction to several nodes, before and after its commit and across a
// partition.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpError } from '../../client/http.ts'
import { readKeyFile, signTx, type KeyPair } from '../../client/keys.ts'
import * as build from '../../client/builders.ts'
import { registryAccountName } from '../../cli/testnet.ts'
import { bytesToHex, type RegistryCode } from '../../client/wire.ts'
import {
  TransferLoad,
  expectHalted,
  expectHealthy,
  expectHeight,
  heightOf,
  maxHeight,
  quickClient,
  sleep,
  waitForPeers,
  startFaultCluster,
  type FaultCluster,
} from './faults-helpers.ts'

const ALL = [0, 1, 2, 3]
/** How long a halted cluster is watched for a commit that must not happen. */
const HALT_WATCH_MS = 4_000
/** Time for messages already delivered when the connections closed to be processed (not an assertion). */
const PARTITION_SETTLE_MS = 1_000

const fullMesh = (): Map<number, number[]> => new Map(ALL.map((index) => [index, ALL.filter((other) => other !== index)]))

describe('network faults of real node processes under load', { timeout: 120_000 }, () => {
  let fault: FaultCluster
  let load: TransferLoad

  beforeAll(async () => {
    fault = await startFaultCluster('faults-net', { testPartitions: true })
    load = new TransferLoad(fault, 2)
    load.start()
    await load.committedMore(10)
  }, 90_000)

  afterAll(async () => {
    await load?.stop()
    await fault?.dispose()
  })

  const key = (registry: RegistryCode): KeyPair => readKeyFile(fault.cluster.testnet.accountKeys[registryAccountName(registry)] as string)

  /** Every block of node `index`, as the ids of its transactions. */
  async function txIdsOfChain(index: number): Promise<string[]> {
    const client = quickClient(fault.cluster, index)
    const top = (await client.status()).height
    const ids: string[] = []
    for (let height = 1; height <= top; height += 1) ids.push(...((await client.block(height)) as { txs: { id: string }[] }).txs.map((tx) => tx.id))
    return ids
  }

  it('3-1 partition: the three keep committing, the one cut off commits nothing; after healing it catches up', async () => {
    fault.cluster.partition([[0, 1, 2], [3]])
    await waitForPeers(
      fault.cluster,
      new Map([
        [0, [1, 2]],
        [1, [0, 2]],
        [2, [0, 1]],
        [3, []],
      ]),
    )
    load.targets = [0, 1, 2]
    await sleep(PARTITION_SETTLE_MS)
    const isolatedAt = (await heightOf(fault.cluster, 3)) as number
    const before = await maxHeight(fault.cluster, [0, 1, 2])
    await expectHeight(fault.cluster, [0, 1, 2], before + 3)
    await load.committedMore(5)
    expect(await heightOf(fault.cluster, 3)).toBe(isolatedAt)
    // Still cut off: the gater keeps refusing the redials of both sides.
    expect((await quickClient(fault.cluster, 3).status()).peers).toEqual([])

    fault.cluster.heal()
    await waitForPeers(fault.cluster, fullMesh())
    await expectHeight(fault.cluster, [3], await maxHeight(fault.cluster, [0, 1, 2]))
    await expectHealthy(fault, load)
  })

  it('2-2 partition: no node commits while split, no fork; all resume after healing; a tx sent to both sides commits once', async () => {
    fault.cluster.partition([
      [0, 1],
      [2, 3],
    ])
    await waitForPeers(
      fault.cluster,
      new Map([
        [0, [1]],
        [1, [0]],
        [2, [3]],
        [3, [2]],
      ]),
    )
    await sleep(PARTITION_SETTLE_MS)
    // The same signed transaction, sent to one node of each side while split.
    const acr = key('ACR')
    const tx = signTx(acr, fault.chainId, 'project.register', 0, build.projectRegister({ registry: 'ACR', projectId: 'ACR-SPLIT-1', name: 'sent to both sides' }))
    const answers = await Promise.all([quickClient(fault.cluster, 0).submit(tx.bytes), quickClient(fault.cluster, 3).submit(tx.bytes)])
    expect(answers).toEqual([
      { id: tx.id, status: 'pending' },
      { id: tx.id, status: 'pending' },
    ])

    const halted = await expectHalted(fault.cluster, ALL, HALT_WATCH_MS)
    // A split at most one commit apart (the last precommits may reach one side only), never a fork.
    expect(Math.max(...halted) - Math.min(...halted)).toBeLessThanOrEqual(1)
    for (const index of [0, 3]) expect((await quickClient(fault.cluster, index).tx(tx.id)).status).toBe('pending')

    fault.cluster.heal()
    await waitForPeers(fault.cluster, fullMesh())
    await expectHeight(fault.cluster, ALL, Math.max(...halted) + 2)
    const status = await quickClient(fault.cluster, 1).waitForCommit(tx.id, 30_000)
    expect(status.result.name).toBe('OK')
    for (const index of ALL) expect(await quickClient(fault.cluster, index).tx(tx.id)).toEqual(status)
    expect((await txIdsOfChain(2)).filter((id) => id === tx.id)).toHaveLength(1)
    await expectHealthy(fault, load)
  })

  it('resubmission: the same signed tx sent to two nodes and again after its commit is committed once, and its status is the truth', async () => {
    const gs = key('GS')
    const tx = signTx(gs, fault.chainId, 'project.register', 0, build.projectRegister({ registry: 'GS', projectId: 'GS-RESUBMIT-1', name: 'resubmitted' }))
    const unknown = signTx(gs, fault.chainId, 'project.register', 1, build.projectRegister({ registry: 'GS', projectId: 'GS-NEVER-SENT', name: 'never sent' }))
    expect(await quickClient(fault.cluster, 0).tx(unknown.id)).toEqual({ id: unknown.id, status: 'unknown' })

    const first = await Promise.all([quickClient(fault.cluster, 0).submit(tx.bytes), quickClient(fault.cluster, 1).submit(tx.bytes)])
    for (const answer of first) expect(answer.id).toBe(tx.id)
    const committed = await quickClient(fault.cluster, 2).waitForCommit(tx.id, 30_000)
    expect(committed.result.name).toBe('OK')

    // After its commit: answered with the commit, not a nonce error, by every node, with or without waiting.
    const again = await quickClient(fault.cluster, 3).submit(tx.bytes)
    expect(again).toMatchObject({ id: tx.id, status: 'committed', height: committed.height, result: { name: 'OK' } })
    const waited = await fault.cluster.nodes[0]!.client.submit(tx.bytes, { wait: 'commit' })
    expect(waited).toMatchObject({ id: tx.id, status: 'committed', height: committed.height })

    // A different transaction with the used nonce is refused and changes nothing.
    const conflicting = signTx(gs, fault.chainId, 'project.register', 0, build.projectRegister({ registry: 'GS', projectId: 'GS-RESUBMIT-2', name: 'same nonce' }))
    const refused = await quickClient(fault.cluster, 1)
      .submit(conflicting.bytes)
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(HttpError)
    expect((refused as HttpError).code).toBe('BAD_NONCE')

    await expectHeight(fault.cluster, ALL, await maxHeight(fault.cluster, ALL))
    for (const index of ALL) {
      const client = quickClient(fault.cluster, index)
      expect(await client.tx(tx.id)).toEqual(committed)
      expect(await client.tx(conflicting.id)).toEqual({ id: conflicting.id, status: 'unknown' })
      expect((await client.account(bytesToHex(gs.publicKey))).nextNonce).toBe(1)
    }
    const ids = await txIdsOfChain(0)
    expect(ids.filter((id) => id === tx.id)).toHaveLength(1)
    expect(ids).not.toContain(conflicting.id)
  })

  it('SIGSTOP of a validator: the others keep committing; after SIGCONT it catches up', async () => {
    const victim = 2
    const rest = ALL.filter((index) => index !== victim)
    fault.cluster.pause(victim)
    load.targets = rest
    try {
      const before = await maxHeight(fault.cluster, rest)
      await expectHeight(fault.cluster, rest, before + 3)
      await load.committedMore(5)
      // A frozen process answers nothing.
      expect(await heightOf(fault.cluster, victim)).toBeNull()
    } finally {
      fault.cluster.resume(victim)
    }
    await expectHeight(fault.cluster, [victim], await maxHeight(fault.cluster, rest))
    await expectHealthy(fault, load)
  })
})
