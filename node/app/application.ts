// The boundary between consensus and the ledger (ABCI-like): check a transaction for the mempool, prepare a
// proposal, process (validate) a proposal, finalize and commit a block. Consensus never reaches past this.
import {
  BLOCK_BYTES_MAX,
  BLOCK_EVIDENCE_MAX,
  blockHash as computeBlockHash,
  bytesToHex,
  canonicalEvidence,
  decode,
  decodeBlock,
  encode,
  encodeBlock,
  evidenceHashOf,
  evidenceId,
  EVIDENCE_BYTES_MAX,
  hexToBytes,
  txsHash,
  ZERO_HASH,
  type Block,
  type Evidence,
  type Genesis,
  type TxResult,
} from '../../client/wire.ts'
import { checkEvidenceAgainst, type EvidenceRules } from '../ledger/evidence.ts'
import { genesisWrites, nextNonceOf, PREFIX } from '../ledger/index.ts'
import { Mempool, type AddOutcome } from '../mempool/mempool.ts'
import { nextAppHash, type Write } from '../state/view.ts'
import type { LatestCommit, Store } from '../storage/store.ts'
import { EvidencePool } from './evidence-pool.ts'
import { executeTxs, type Execution } from './execute.ts'
import { TxVerifier, type CheckedTx, type SignatureVerifier } from './verified.ts'

/** State key of the chain's genesis record (chain id, genesis time, validators). */
export const GENESIS_CHAIN_KEY = 'chain/genesis'

/**
 * How many transactions this node puts in a block it proposes (blocks of up to BLOCK_TXS_MAX, client/wire.ts, are
 * valid): small
 * enough that building and executing it fits well inside timeoutProposeMs on a loaded machine.
 */
export const PROPOSAL_TXS_MAX = 1_000

/** How far a proposed block's time may be ahead of this node's clock. */
export const BLOCK_TIME_AHEAD_MS_MAX = 10_000
export const EXECUTION_CACHE_ENTRIES_MAX = 16
/**
 * Committed next nonces kept in memory (CheckTx, proposals and the mempool's update after each commit read one per
 * sender); past this many the oldest entries are dropped and read from the store again when needed.
 */
export const NONCE_CACHE_ENTRIES_MAX = 100_000

export interface CommittedEvent {
  height: number
  blockHash: string
  txIds: string[]
  results: TxResult[]
  /** Ids of the evidence items the block committed. */
  evidenceIds: string[]
}

/** Answer of addEvidence: `added` is false when the pool already had it (or another item for its slot) or is full. */
export type AddEvidenceOutcome = { ok: true; id: string; added: boolean } | { ok: false; id: string; reason: string }

export type SubmitOutcome = AddOutcome | { ok: false; code: string; message: string }

interface CachedExecution {
  block: Block
  blockBytes: Uint8Array
  checked: CheckedTx[]
  execution: Execution
}

export class Application {
  readonly mempool: Mempool
  readonly verifier: TxVerifier
  readonly evidencePool = new EvidencePool()
  readonly evidenceRules: EvidenceRules
  private latestCommit: LatestCommit
  private readonly executions = new Map<string, CachedExecution>()
  private readonly commitListeners = new Set<(event: CommittedEvent) => void>()
  /**
   * Committed next nonce by sender, exact: filled from the store on a miss and updated from each committed block's
   * nonce writes. A store read that overlapped a commit is not cached (it may predate the block's writes).
   */
  private readonly nonces = new Map<string, number>()
  private committing = false
  private commits = 0

  private constructor(
    readonly genesis: Genesis,
    readonly store: Store,
    latest: LatestCommit,
    mempool: Mempool,
    verify: SignatureVerifier | undefined,
  ) {
    this.latestCommit = latest
    this.mempool = mempool
    this.verifier = new TxVerifier(genesis.chainId, undefined, verify)
    this.evidenceRules = { chainId: genesis.chainId, validatorKeys: genesis.validators.map((validator) => hexToBytes(validator.publicKey)) }
  }

  static async open(genesis: Genesis, store: Store, mempool = new Mempool(), options: { verify?: SignatureVerifier } = {}): Promise<Application> {
    let latest = await store.latest()
    if (latest === undefined) {
      // The genesis state: the ledger's accounts plus the chain id, genesis time and validator set, so the app hash
      // of two nodes started from different genesis files differs from height 0.
      const chainRecord: Write = [GENESIS_CHAIN_KEY, encode([genesis.chainId, genesis.genesisTimeMs, genesis.validators.map((validator) => [validator.name, validator.publicKey, validator.peerId, validator.address])])]
      const writes = [...genesisWrites(genesis), chainRecord].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      latest = { height: 0, appHash: nextAppHash(ZERO_HASH, writes), blockHash: ZERO_HASH, timeMs: genesis.genesisTimeMs }
      await store.writeGenesis(writes, latest)
    }
    return new Application(genesis, store, latest, mempool, options.verify)
  }

  get latest(): LatestCommit {
    return this.latestCommit
  }

  onCommit(listener: (event: CommittedEvent) => void): () => void {
    this.commitListeners.add(listener)
    return () => this.commitListeners.delete(listener)
  }

  async nextNonce(senderHex: string): Promise<number> {
    const cached = this.nonces.get(senderHex)
    if (cached !== undefined) return cached
    const commits = this.commits
    const nonce = await nextNonceOf(this.store.state, senderHex)
    if (!this.committing && commits === this.commits) this.rememberNonce(senderHex, nonce)
    return nonce
  }

  private rememberNonce(senderHex: string, nonce: number): void {
    this.nonces.delete(senderHex)
    while (this.nonces.size >= NONCE_CACHE_ENTRIES_MAX) {
      const oldest = this.nonces.keys().next()
      if (oldest.done === true) break
      this.nonces.delete(oldest.value)
    }
    this.nonces.set(senderHex, nonce)
  }

  /** CheckTx: verify envelope and signature (once), check the nonce against committed state, add to the mempool. */
  async submit(bytes: Uint8Array): Promise<SubmitOutcome & { checked?: CheckedTx }> {
    // A transaction already committed is answered before its signature is checked: its id (over txBytes) is in the
    // store whatever signature this copy carries, so replaying committed transactions costs a read, not a check.
    const opened = this.verifier.envelope(bytes)
    if (opened.ok && (await this.store.state.get('tx/' + opened.id)) !== undefined) return { ok: true, id: opened.id, alreadyPending: true }
    const result = this.verifier.check(bytes, opened)
    if (!result.ok) return result
    const { checked } = result
    // The nonce first, then the result record: a block committing this transaction between the two reads is then
    // seen by the second one, instead of making a committed transaction look like a BAD_NONCE.
    const nonce = await this.nextNonce(checked.senderHex)
    const committed = await this.store.state.get('tx/' + checked.id)
    if (committed !== undefined) return { ok: true, id: checked.id, alreadyPending: true, checked }
    const outcome = this.mempool.add(checked, nonce)
    return { ...outcome, checked }
  }

  /**
   * Evidence of equivocation observed by this node (the consensus driver's onEvidence): checked by the ledger's rule
   * as it would be in the next block, then kept in the pool until a block commits it. Bad evidence changes nothing.
   */
  async addEvidence(evidence: Evidence): Promise<AddEvidenceOutcome> {
    const canonical = canonicalEvidence(evidence)
    const id = evidenceId(canonical)
    // Already pending, or another item for the same offence: nothing to verify (a Byzantine validator can sign many).
    if (this.evidencePool.has(id) || this.evidencePool.hasSlot(canonical)) return { ok: true, id, added: false }
    const checked = await checkEvidenceAgainst(this.store.state, canonical, this.evidenceRules, this.latestCommit.height + 1)
    if (!checked.ok) return { ok: false, id, reason: checked.reason }
    return { ok: true, id, added: this.evidencePool.add(canonical).added }
  }

  /** PrepareProposal: a block of mempool transactions on top of the latest commit, executed to get its app hash. */
  async prepareProposal(height: number, timeMs: number, proposer: Uint8Array): Promise<{ block: Uint8Array; blockHash: string }> {
    this.assertNextHeight(height)
    const blockTimeMs = Math.max(timeMs, this.latestCommit.timeMs + 1)
    const nonces = new Map<string, number>()
    for (const senderHex of this.mempool.senderHexes()) nonces.set(senderHex, await this.nextNonce(senderHex))
    // Room for the header and the evidence too, so the block stays within BLOCK_BYTES_MAX.
    const candidates = this.mempool.reap(PROPOSAL_TXS_MAX, BLOCK_BYTES_MAX - 64 * 1024 - BLOCK_EVIDENCE_MAX * EVIDENCE_BYTES_MAX, (senderHex) => nonces.get(senderHex) ?? 0)
    const evidenceCandidates = this.evidencePool.pending(BLOCK_EVIDENCE_MAX).map((entry) => entry.evidence)
    const executed = await executeTxs(this.store.state, candidates, { height, timeMs: blockTimeMs }, this.latestCommit.appHash, 'propose', { items: evidenceCandidates, rules: this.evidenceRules })
    if ('invalid' in executed) throw new Error(`proposal execution failed: ${executed.invalid}`)
    const execution = executed
    const checked = execution.included
    const txs = checked.map((entry) => entry.bytes)
    const block: Block = {
      header: {
        chainId: this.genesis.chainId,
        height,
        timeMs: blockTimeMs,
        previousBlockHash: this.latestCommit.blockHash,
        txsHash: txsHash(txs),
        appHash: execution.appHash,
        proposer,
        evidenceHash: evidenceHashOf(execution.evidence),
      },
      txs,
      evidence: execution.evidence,
    }
    const blockBytes = encodeBlock(block)
    const hash = bytesToHex(computeBlockHash(block.header))
    this.cache(hash, { block, blockBytes, checked, execution })
    return { block: blockBytes, blockHash: hash }
  }

  /**
   * ProcessProposal: is this block a valid next block? Checks header links, proposer, time, every transaction's
   * signature, then executes it and compares the app hash. `nowMs` is null when replaying committed blocks.
   * `expectedBlockHash`, the hash the proposer signed, stops at once on other bytes. Once the block decodes, an
   * invalid answer carries its hash.
   */
  async processProposal(
    blockBytes: Uint8Array,
    expectedProposer: Uint8Array,
    nowMs: number | null,
    expectedBlockHash?: string,
  ): Promise<{ valid: true; blockHash: string } | { valid: false; reason: string; blockHash?: string }> {
    let block: Block
    try {
      block = decodeBlock(blockBytes)
    } catch (error) {
      return { valid: false, reason: (error as Error).message }
    }
    const hash = bytesToHex(computeBlockHash(block.header))
    if (expectedBlockHash !== undefined && hash !== expectedBlockHash) return { valid: false, reason: 'block does not match the signed block hash', blockHash: hash }
    // Only the very bytes already checked: the block hash covers transaction ids, not their signatures.
    const cached = this.executions.get(hash)
    if (cached !== undefined && sameBytes(cached.blockBytes, blockBytes)) return { valid: true, blockHash: hash }
    const { header } = block
    const latest = this.latestCommit
    if (header.chainId !== this.genesis.chainId) return { valid: false, reason: 'wrong chain id', blockHash: hash }
    if (header.height !== latest.height + 1) return { valid: false, reason: `height ${header.height}, expected ${latest.height + 1}`, blockHash: hash }
    if (!equalBytes(header.previousBlockHash, latest.blockHash)) return { valid: false, reason: 'previous block hash does not match', blockHash: hash }
    if (!equalBytes(header.proposer, expectedProposer)) return { valid: false, reason: 'block proposer is not the proposer of this round', blockHash: hash }
    if (header.timeMs <= latest.timeMs) return { valid: false, reason: 'block time is not after the previous block time', blockHash: hash }
    if (nowMs !== null && header.timeMs > nowMs + BLOCK_TIME_AHEAD_MS_MAX) return { valid: false, reason: 'block time is too far in the future', blockHash: hash }
    // Transactions that do not match the header's txsHash are not the block that hash names (a relay may have
    // altered them): no block hash is reported, so the proposal they came with is ignored, not judged invalid.
    if (!equalBytes(txsHash(block.txs), header.txsHash)) return { valid: false, reason: 'transactions do not match the header txs hash' }
    if (!equalBytes(evidenceHashOf(block.evidence), header.evidenceHash)) return { valid: false, reason: 'evidence does not match the header evidence hash' }
    const checked: CheckedTx[] = []
    for (const [index, bytes] of block.txs.entries()) {
      const result = this.verifier.check(bytes)
      if (!result.ok) return { valid: false, reason: `transaction ${index}: ${result.code}: ${result.message}`, blockHash: hash }
      checked.push(result.checked)
    }
    const execution = await executeTxs(this.store.state, checked, { height: header.height, timeMs: header.timeMs }, latest.appHash, 'validate', { items: block.evidence, rules: this.evidenceRules })
    if ('invalid' in execution) return { valid: false, reason: execution.invalid, blockHash: hash }
    if (!equalBytes(execution.appHash, header.appHash)) return { valid: false, reason: `app hash mismatch: block says ${bytesToHex(header.appHash)}, executing it gives ${bytesToHex(execution.appHash)}`, blockHash: hash }
    this.cache(hash, { block, blockBytes, checked, execution })
    return { valid: true, blockHash: hash }
  }

  /**
   * FinalizeBlock + Commit: one atomic write of block, certificate, results and state changes. `decidedBlock` lets a
   * block whose execution was evicted from the cache (more than EXECUTION_CACHE_ENTRIES_MAX proposals at this
   * height) be executed again instead of failing the commit.
   */
  async commit(blockHashHex: string, certificate: Uint8Array, decidedBlock?: Uint8Array): Promise<CommittedEvent> {
    let cached = this.executions.get(blockHashHex)
    if (cached === undefined && decidedBlock !== undefined) {
      const header = decodeBlock(decidedBlock).header
      const processed = await this.processProposal(decidedBlock, header.proposer, null)
      if (processed.valid && processed.blockHash === blockHashHex) cached = this.executions.get(blockHashHex)
    }
    if (cached === undefined) throw new Error(`commit of block ${blockHashHex} that was never processed`)
    const { block, blockBytes, checked, execution } = cached
    this.assertNextHeight(block.header.height)
    this.committing = true
    try {
      await this.store.commitBlock({
        height: block.header.height,
        blockHash: computeBlockHash(block.header),
        block: blockBytes,
        certificate,
        results: encode(execution.results),
        appHash: execution.appHash,
        timeMs: block.header.timeMs,
        writes: execution.writes,
      })
      for (const [key, value] of execution.writes) {
        if (!key.startsWith(PREFIX.nonce)) continue
        const senderHex = key.slice(PREFIX.nonce.length)
        if (value === null) this.nonces.delete(senderHex)
        else this.rememberNonce(senderHex, decode(value) as number)
      }
    } catch (error) {
      // Unknown what reached the store: forget every cached nonce.
      this.nonces.clear()
      throw error
    } finally {
      this.commits += 1
      this.committing = false
    }
    this.latestCommit = { height: block.header.height, appHash: execution.appHash, blockHash: computeBlockHash(block.header), timeMs: block.header.timeMs }
    this.executions.clear()
    const ids = checked.map((entry) => entry.id)
    const nonces = new Map<string, number>()
    for (const senderHex of this.mempool.senderHexes()) nonces.set(senderHex, await this.nextNonce(senderHex))
    this.mempool.update(ids, (senderHex) => nonces.get(senderHex) ?? 0)
    for (const id of ids) this.verifier.forget(id)
    this.evidencePool.update(block.header.height, execution.evidence)
    const event: CommittedEvent = { height: block.header.height, blockHash: blockHashHex, txIds: ids, results: execution.results, evidenceIds: execution.evidence.map(evidenceId) }
    for (const listener of this.commitListeners) {
      try {
        listener(event)
      } catch {
        // a listener's failure never affects the commit
      }
    }
    return event
  }

  private assertNextHeight(height: number): void {
    if (height !== this.latestCommit.height + 1) throw new Error(`expected height ${this.latestCommit.height + 1}, got ${height}`)
  }

  private cache(hash: string, entry: CachedExecution): void {
    if (this.executions.size >= EXECUTION_CACHE_ENTRIES_MAX) {
      const oldest = this.executions.keys().next()
      if (oldest.done !== true) this.executions.delete(oldest.value)
    }
    this.executions.set(hash, entry)
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false
  return true
}
