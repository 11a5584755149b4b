// Micro-benchmark: execute one block of N single-credit transfers (from one sender) against in-memory state.
// Run: node --import tsx bench/execute-block.ts [N] [memory|level]
import '../polyfill.ts'
import { generateKeyPair } from '../client/keys.ts'
import * as build from '../client/builders.ts'
import { bytesToHex, type Genesis, type Tx } from '../client/wire.ts'
import { applyTx, genesisWrites } from '../node/ledger/index.ts'
import { MemoryState, StateView, type StateReader } from '../node/state/view.ts'
import { Store } from '../node/storage/store.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const count = Number(process.argv[2] ?? 2000)
const registry = generateKeyPair()
const genesis: Genesis = { chainId: 'bench', genesisTimeMs: 0, validators: [], accounts: [{ name: 'registry-vcs', publicKey: bytesToHex(registry.publicKey), role: 'registry', registry: 'VCS' }] }
const backend = process.argv[3] ?? 'memory'
const memory = new MemoryState()
const dir = mkdtempSync(join(tmpdir(), 'tonne-exec-'))
const store = backend === 'level' ? await Store.open(join(dir, 'db')) : null
const state: StateReader = store?.state ?? memory
let height = 0
async function applyWrites(writes: ReturnType<StateView['writes']>): Promise<void> {
  height += 1
  if (store === null) memory.apply(writes)
  else await store.commitBlock({ height, blockHash: new Uint8Array(32), block: new Uint8Array(), certificate: new Uint8Array(), results: new Uint8Array(), appHash: new Uint8Array(32), timeMs: height, writes })
}
await applyWrites(genesisWrites(genesis))
const tx = <K extends Tx['kind']>(kind: K, nonce: number, body: Tx<K>['body']): Tx => ({ chainId: 'bench', kind, sender: registry.publicKey, nonce, body })
const setup = new StateView(state)
await applyTx(setup, tx('project.register', 0, build.projectRegister({ registry: 'VCS', projectId: '1', name: 'p' })), 'a', { height: 1, timeMs: 1, txIndex: 0 })
await applyTx(setup, tx('batch.issue', 1, build.batchIssue({ registry: 'VCS', projectId: '1', space: 'VCS', serialStart: 1, serialEnd: count })), 'b', { height: 1, timeMs: 1, txIndex: 1 })
await applyWrites(setup.writes())
const receivers = Array.from({ length: 16 }, () => bytesToHex(generateKeyPair().publicKey))
const view = new StateView(state)
const started = performance.now()
for (let index = 0; index < count; index += 1) {
  const result = await applyTx(view, tx('credit.transfer', 2 + index, build.creditTransfer({ batchId: `VCS:1-${count}`, quantity: 1, to: receivers[index % 16] as string })), `t${index}`, { height: 2, timeMs: 2, txIndex: index })
  if (result.code !== 0) throw new Error(result.message)
}
const elapsedMs = performance.now() - started
await store?.close()
rmSync(dir, { recursive: true, force: true })
process.stdout.write(`${backend}: executed ${count} transfers in one block: ${elapsedMs.toFixed(0)} ms (${((count / elapsedMs) * 1000).toFixed(0)} tx/s), ${view.writes().length} writes\n`)
