// Shared harness for the review tests: a 4-validator genesis, real Applications over real LevelDB stores in a
// temporary folder, real consensus drivers with a manual clock, and signers for proposals, votes and certificates.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, sign, signTx, type KeyPair } from '../../client/keys.ts'
import * as build from '../../client/builders.ts'
import {
  bytesToHex,
  encodeBlock,
  encodeConsensusMessage,
  hexToBytes,
  proposalSignBytes,
  txsHash,
  evidenceHashOf,
  voteSignBytes,
  blockHash as computeBlockHash,
  type Block,
  type CommitCertificate,
  type Genesis,
  type VoteType,
} from '../../client/wire.ts'
import { ConsensusDriver, type Clock, type ConsensusApplication, type SignerRecord, type SignerState, type SignerStore } from '../../consensus/driver.ts'
import { Application } from '../../node/app/application.ts'
import { verifySignature } from '../../node/crypto/verify.ts'
import { nextAppHash } from '../../node/state/view.ts'
import { Store } from '../../node/storage/store.ts'

export const chainId = 'review-test'
export const validators: KeyPair[] = Array.from({ length: 4 }, () => generateKeyPair())
export const validatorKeys = validators.map((key) => key.publicKey)
export const registry = generateKeyPair()

export const genesis: Genesis = {
  chainId,
  genesisTimeMs: 1_700_000_000_000,
  validators: validators.map((key, index) => ({ name: `v${index}`, publicKey: bytesToHex(key.publicKey), peerId: `peer${index}`, address: '/ip4/127.0.0.1/tcp/1' })),
  accounts: [{ name: 'registry-vcs', publicKey: bytesToHex(registry.publicKey), role: 'registry', registry: 'VCS' }],
}

export const timeouts = { timeoutProposeMs: 1_000, timeoutPrevoteMs: 500, timeoutPrecommitMs: 500, timeoutDeltaMs: 500, timeoutCommitMs: 100 }

export const logs: { level: string; object: unknown; message?: string }[] = []
export const recordingLogger = {
  info: (object: unknown, message?: string) => void logs.push({ level: 'info', object, message }),
  warn: (object: unknown, message?: string) => void logs.push({ level: 'warn', object, message }),
  debug: (object: unknown, message?: string) => void logs.push({ level: 'debug', object, message }),
  error: (object: unknown, message?: string) => void logs.push({ level: 'error', object, message }),
}

export class ManualClock implements Clock {
  nowMsValue = genesis.genesisTimeMs + 60_000
  private timers: { at: number; callback: () => void; id: number }[] = []
  private nextId = 0
  nowMs(): number {
    return this.nowMsValue
  }
  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++
    this.timers.push({ at: this.nowMsValue + delayMs, callback, id })
    return id
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle)
  }
  get pending(): number {
    return this.timers.length
  }
  fireNext(): boolean {
    this.timers.sort((a, b) => a.at - b.at || a.id - b.id)
    const timer = this.timers.shift()
    if (timer === undefined) return false
    this.nowMsValue = Math.max(this.nowMsValue, timer.at)
    timer.callback()
    return true
  }
}

export class MemorySignerStore implements SignerStore {
  records: SignerRecord[] = []
  coreState: SignerState['coreState'] = null
  blocks: NonNullable<SignerState['blocks']> = []
  async load(): Promise<SignerState> {
    return { records: this.records.map((record) => ({ ...record })), coreState: this.coreState === null ? null : structuredClone(this.coreState), blocks: this.blocks.map((entry) => ({ ...entry })) }
  }
  async save(state: SignerState): Promise<void> {
    this.records = state.records.map((record) => ({ ...record }))
    this.coreState = state.coreState === null ? null : structuredClone(state.coreState)
    this.blocks = (state.blocks ?? []).map((entry) => ({ ...entry }))
  }
}

const dirs: string[] = []
const stores: Store[] = []

export async function openApp(): Promise<Application> {
  const dir = mkdtempSync(join(tmpdir(), 'tonne-review-'))
  dirs.push(dir)
  const store = await Store.open(join(dir, 'data'))
  stores.push(store)
  return Application.open(genesis, store)
}

/** Proposes the mempool's transactions as the next block at `timeMs` (round-robin proposer of `proposers`) and commits it. */
export async function commitBlock(app: Application, timeMs: number, proposers: Uint8Array[] = validatorKeys): Promise<void> {
  const height = app.latest.height + 1
  const prepared = await app.prepareProposal(height, timeMs, proposers[height % proposers.length] as Uint8Array)
  await app.commit(prepared.blockHash, new Uint8Array())
}

export async function cleanup(): Promise<void> {
  for (const store of stores.splice(0)) await store.close().catch(() => undefined)
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

export function consensusApp(app: Application): ConsensusApplication {
  return {
    latestHeight: () => app.latest.height,
    prepareProposal: (height, timeMs, proposer) => app.prepareProposal(height, timeMs, proposer),
    processProposal: (block, proposer, nowMs, expectedBlockHash) => app.processProposal(block, proposer, nowMs, expectedBlockHash),
    commit: (...args: Parameters<ConsensusApplication['commit']>) => (app.commit as (...a: unknown[]) => Promise<unknown>)(...args),
  }
}

export function makeDriver(app: ConsensusApplication, selfIndex: number | null, clock: Clock, publish: (bytes: Uint8Array) => void = () => undefined, signerStore: SignerStore = new MemorySignerStore()): ConsensusDriver {
  return new ConsensusDriver({
    chainId,
    validatorPublicKeys: validatorKeys,
    selfIndex,
    sign: selfIndex === null ? null : (message) => sign(message, (validators[selfIndex] as KeyPair).secretKey),
    verify: verifySignature,
    timeouts,
    app,
    publish,
    signerStore,
    clock,
    logger: recordingLogger,
  })
}

export async function settle(drivers: ConsensusDriver[]): Promise<void> {
  for (let pass = 0; pass < 5; pass += 1) {
    await Promise.all(drivers.map((driver) => driver.idle()))
    await new Promise((resolve) => setImmediate(resolve))
  }
}

export function proposalMessage(height: number, round: number, polRound: number, block: Uint8Array, blockHashHex: string, validatorIndex: number): Uint8Array {
  const fields = { height, round, polRound, blockHash: hexToBytes(blockHashHex) }
  const signature = sign(proposalSignBytes(chainId, fields), (validators[validatorIndex] as KeyPair).secretKey)
  return encodeConsensusMessage({ type: 'proposal', proposal: { ...fields, validatorIndex, signature }, block })
}

export function voteMessage(type: VoteType, height: number, round: number, blockHashHex: string | null, validatorIndex: number): Uint8Array {
  const fields = { type, height, round, blockHash: blockHashHex === null ? null : hexToBytes(blockHashHex) }
  const signature = sign(voteSignBytes(chainId, fields), (validators[validatorIndex] as KeyPair).secretKey)
  return encodeConsensusMessage({ type: 'vote', vote: { ...fields, validatorIndex, signature } })
}

export function certificateFor(height: number, round: number, blockHashHex: string, signers: number[]): CommitCertificate {
  const blockHash = hexToBytes(blockHashHex)
  return {
    height,
    round,
    blockHash,
    signatures: signers.map((validatorIndex) => ({
      validatorIndex,
      signature: sign(voteSignBytes(chainId, { type: 'precommit', height, round, blockHash }), (validators[validatorIndex] as KeyPair).secretKey),
    })),
  }
}

/** A valid block with no transactions on top of `app`'s latest commit (anyone can build one). */
export function emptyBlock(app: Application, timeMs: number, proposer: Uint8Array): { bytes: Uint8Array; hash: string } {
  const latest = app.latest
  const txs: Uint8Array[] = []
  const block: Block = {
    header: {
      chainId,
      height: latest.height + 1,
      timeMs,
      previousBlockHash: latest.blockHash,
      txsHash: txsHash(txs),
      appHash: nextAppHash(latest.appHash, []),
      proposer,
      evidenceHash: evidenceHashOf([]),
    },
    txs,
    evidence: [],
  }
  return { bytes: encodeBlock(block), hash: bytesToHex(computeBlockHash(block.header)) }
}

export function registerProjectTx(nonce: number, projectId = String(nonce), signer: KeyPair = registry) {
  return signTx(signer, chainId, 'project.register', nonce, build.projectRegister({ registry: 'VCS', projectId, name: `project ${projectId}` }))
}
