// `npm run bench`: a 4-node local cluster, a batch issued to one account, then N pre-signed single-credit
// transfers submitted as fast as the node accepts them. Prints finalized transactions per second and p50/p99
// commit latency (submit -> observed committed, polled every 100 ms, so latencies carry up to ~100 ms of polling).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, readKeyFile, signTx } from '../client/keys.ts'
import * as build from '../client/builders.ts'
import { bytesToHex } from '../client/wire.ts'
import { Cluster } from '../cli/cluster.ts'
import { submitAndWait } from '../cli/submit.ts'
import { registryAccountName } from '../cli/testnet.ts'

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] as number
}

export async function runBench(options: { txs: number }): Promise<number> {
  const out = mkdtempSync(join(tmpdir(), 'tonne-bench-'))
  const cluster = await Cluster.create(out, 4, 'tonne-bench')
  try {
    cluster.startAll()
    await cluster.waitForHeight(1)
    const chainId = cluster.testnet.genesis.chainId
    const registry = readKeyFile(cluster.testnet.accountKeys[registryAccountName('VCS')] as string)
    const client = (cluster.nodes[0] as Cluster['nodes'][number]).client
    const setup = [
      signTx(registry, chainId, 'project.register', 0, build.projectRegister({ registry: 'VCS', projectId: '9999', name: 'Benchmark project' })),
      signTx(registry, chainId, 'batch.issue', 1, build.batchIssue({ registry: 'VCS', projectId: '9999', space: 'VCS', serialStart: 1, serialEnd: options.txs, unitType: 'VCU' })),
    ]
    for (const tx of setup) await client.submit(tx.bytes, { wait: 'commit' })
    const batchId = `VCS:1-${options.txs}`
    const receivers = Array.from({ length: 16 }, () => bytesToHex(generateKeyPair().publicKey))
    const signStarted = performance.now()
    const transfers = Array.from({ length: options.txs }, (_, index) => {
      const signed = signTx(registry, chainId, 'credit.transfer', 2 + index, build.creditTransfer({ batchId, quantity: 1, to: receivers[index % receivers.length] as string }))
      return { id: signed.id, bytes: signed.bytes, label: String(index) }
    })
    const signMs = performance.now() - signStarted
    const started = performance.now()
    const results = await submitAndWait(client, transfers)
    const elapsedS = (performance.now() - started) / 1_000
    const ok = results.filter((result) => result.result.code === 0).length
    const latencies = results.map((result) => result.latencyMs).sort((a, b) => a - b)
    const heights = new Set(results.map((result) => result.height))
    process.stdout.write(
      [
        `bench: ${options.txs} pre-signed transfers (signed in ${signMs.toFixed(0)} ms), 4 validators on loopback`,
        `  committed OK: ${ok}/${options.txs} in ${heights.size} blocks`,
        `  finalized throughput: ${(options.txs / elapsedS).toFixed(1)} tx/s over ${elapsedS.toFixed(2)} s`,
        `  commit latency p50: ${percentile(latencies, 0.5).toFixed(0)} ms, p99: ${percentile(latencies, 0.99).toFixed(0)} ms`,
      ].join('\n') + '\n',
    )
    return ok === options.txs ? 0 : 1
  } finally {
    await cluster.stopAll()
    if (process.env.TONNE_BENCH_KEEP === undefined) rmSync(out, { recursive: true, force: true })
    else process.stdout.write(`  kept ${out}\n`)
  }
}
