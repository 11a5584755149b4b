// The consensus driver: owns everything the pure core (consensus/core.ts) must not touch — timers, signing,
// persistence of what this validator signed, gossip, and the application. Exactly one routine mutates consensus
// state: every input (peer message, own message, timeout, synced block) goes through one serial queue.
import {
  BLOCK_BYTES_MAX,
  bytesToHex,
  decodeBlock,
  decodeConsensusMessage,
  encode,
  decode,
  encodeCertificate,
  encodeConsensusMessage,
  hexToBytes,
  proposalSignBytes,
  voteSignBytes,
  WireError,
  type CommitCertificate,
  type ConsensusMessage,
  type VoteType,
} from '../client/wire.ts'
import type { Evidence } from '../client/wire.ts'
import type { EquivocationOutput, ProposalEquivocationOutput } from './index.ts'
import { initialState, outputsAfterRestore, proposerIndex, quorumSize, ROUNDS_AHEAD_MAX, step, type ConsensusConfig, type ConsensusInput, type ConsensusOutput, type ConsensusState } from './index.ts'

/** Peer messages waiting in the serial queue, by count and by bytes; beyond either, new ones are ignored. */
export const INPUT_QUEUE_LENGTH_MAX = 10_000
export const INPUT_QUEUE_BYTES_MAX = 64 * 1024 * 1024
/** Messages for heights above the current one, kept until that height starts, by count and by bytes. */
export const FUTURE_MESSAGES_MAX = 2_000
export const FUTURE_MESSAGES_BYTES_MAX = 32 * 1024 * 1024
export const FUTURE_HEIGHTS_AHEAD_MAX = 5
/**
 * Each validator's share of the future-message buffer: FUTURE_MESSAGES_MAX / n messages and FUTURE_MESSAGES_BYTES_MAX
 * / n bytes (but room for one maximal proposal), counted by signer. Without shares one Byzantine validator, which
 * can sign any number of votes for the next heights, fills the buffer and keeps it full, and the honest proposals
 * and votes for the next height that arrive before this validator starts it are dropped.
 */
export const FUTURE_MESSAGE_BYTES_PER_VALIDATOR_MIN = BLOCK_BYTES_MAX + 64 * 1024
/**
 * Own proposal and votes of the current height are re-published at this interval, for peers that missed them,
 * together with the other validators' votes this node holds for the rounds that matter for liveness (the current
 * and previous round, the locked and valid rounds): a Byzantine validator that showed its vote to some validators
 * only never re-sends it, and without a relay the validators that missed it could wait for a polka they never see.
 */
export const REBROADCAST_INTERVAL_MS = 2_000
/**
 * Distinct blocks executed per (height, round). The proposer's first proposal and a few conflicting ones (whose
 * value f+1 validators may support, see consensus/types.ts RoundMessages) are enough; more from one equivocating
 * proposer are ignored unexecuted, so that it cannot make this node execute blocks without bound.
 */
export const PROPOSAL_VALUES_PER_ROUND_MAX = 4

export interface Clock {
  nowMs(): number
  setTimeout(callback: () => void, delayMs: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/** The application as consensus sees it (node/app/application.ts implements it). */
export interface ConsensusApplication {
  latestHeight(): number
  prepareProposal(height: number, timeMs: number, proposer: Uint8Array): Promise<{ block: Uint8Array; blockHash: string }>
  /**
   * `expectedBlockHash` is the hash the proposer signed. An invalid result carries `blockHash` when the bytes decode
   * to a block, so that bytes which are not the signed block (any relay can swap them) are told apart from an
   * invalid block.
   */
  processProposal(
    block: Uint8Array,
    expectedProposer: Uint8Array,
    nowMs: number | null,
    expectedBlockHash?: string,
  ): Promise<{ valid: true; blockHash: string } | { valid: false; reason: string; blockHash?: string }>
  /** `block` (the decided block's bytes, when the driver has them) lets the application re-execute a block whose
   * execution it no longer has cached. */
  commit(blockHash: string, certificate: Uint8Array, block?: Uint8Array): Promise<unknown>
}

/** What this validator signed last, per kind; persisted (fsynced) before anything signed leaves the process. */
export interface SignerRecord {
  height: number
  round: number
  /** 1 proposal, 2 prevote, 3 precommit */
  step: number
  value: string | null
  signature: string
}

/**
 * What a validator must remember across kill -9: the messages it signed at the current height and the core state
 * (lock, valid value, round, message log) as it was when it last signed. Saved in one fsynced write before the
 * signed message leaves the process.
 */
export interface SignerState {
  records: SignerRecord[]
  coreState: ConsensusState | null
  /**
   * The bytes of the blocks this validator signed a proposal or a non-nil vote for at the records' height. Without
   * them, a cluster that crashes as a whole after precommitting a block (none committed it, so block sync has
   * nothing to fetch) decides it on restart and cannot commit it, nor can a locked proposer re-propose it: the
   * chain halts. Absent in records written before this field existed.
   */
  blocks?: { hash: string; bytes: Uint8Array }[]
}

export interface SignerStore {
  load(): Promise<SignerState>
  save(state: SignerState): Promise<void>
}

export interface Logger {
  info(object: unknown, message?: string): void
  warn(object: unknown, message?: string): void
  debug(object: unknown, message?: string): void
  error(object: unknown, message?: string): void
}

export interface DriverOptions {
  chainId: string
  validatorPublicKeys: Uint8Array[]
  selfIndex: number | null
  sign: ((message: Uint8Array) => Uint8Array) | null
  verify: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean
  timeouts: { timeoutProposeMs: number; timeoutPrevoteMs: number; timeoutPrecommitMs: number; timeoutDeltaMs: number; timeoutCommitMs: number }
  app: ConsensusApplication
  publish: (bytes: Uint8Array) => void
  signerStore: SignerStore
  clock: Clock
  logger: Logger
  /**
   * Called with the evidence of each equivocation the core reports (two conflicting signed votes, or proposals, of one
   * validator; see evidenceFromOutput), inside the serial queue, awaited. The core reports a re-delivered
   * equivocation again, so the callee deduplicates. A failure is logged and changes nothing else.
   */
  onEvidence?: (evidence: Evidence) => void | Promise<unknown>
}

export type Verdict = 'accept' | 'reject' | 'ignore'

const STEP_OF: Record<'proposal' | VoteType, number> = { proposal: 1, prevote: 2, precommit: 3 }

export class ConsensusDriver {
  private state: ConsensusState
  private readonly config: ConsensusConfig
  private queue: Promise<void> = Promise.resolve()
  private queueLength = 0
  private readonly timers = new Set<unknown>()
  private readonly blocks = new Map<string, Uint8Array>()
  private future: { height: number; message: ConsensusMessage; bytes: number; signer: number }[] = []
  private futureBytes = 0
  /** Messages and bytes in `future` by signer (validator index). */
  private futureBySigner = new Map<number, { count: number; bytes: number }>()
  private queuedBytes = 0
  /** Block hashes executed per round of the current height (PROPOSAL_VALUES_PER_ROUND_MAX). */
  private proposalValues = new Map<number, Set<string>>()
  private signed: SignerRecord[] = []
  private ownMessages: Uint8Array[] = []
  private rebroadcastTimer: unknown = null
  private stopped = false
  private started = false
  /** False until startHeight has fed the core; messages of the height that arrive earlier wait in `future`. */
  private heightStarted = false

  constructor(private readonly options: DriverOptions) {
    this.config = {
      validatorCount: options.validatorPublicKeys.length,
      selfIndex: options.selfIndex,
      timeoutProposeMs: options.timeouts.timeoutProposeMs,
      timeoutPrevoteMs: options.timeouts.timeoutPrevoteMs,
      timeoutPrecommitMs: options.timeouts.timeoutPrecommitMs,
      timeoutDeltaMs: options.timeouts.timeoutDeltaMs,
    }
    this.state = initialState(this.config, options.app.latestHeight() + 1)
  }

  get height(): number {
    return this.state.height
  }

  get round(): number {
    return this.state.round
  }

  async start(): Promise<void> {
    const saved = await this.options.signerStore.load()
    this.signed = saved.records
    const savedBlocks = saved.blocks ?? []
    this.started = true
    this.scheduleRebroadcast()
    const nextHeight = this.options.app.latestHeight() + 1
    const restored = saved.coreState
    if (restored !== null && restored.height === nextHeight && restored.config.validatorCount === this.config.validatorCount && restored.config.selfIndex === this.config.selfIndex) {
      // Resume the height where this validator left it: its lock and valid value survive the restart.
      this.enqueue(async () => {
        for (const entry of savedBlocks) this.blocks.set(entry.hash, entry.bytes)
        await this.restore({ ...restored, config: this.config })
      })
    } else {
      this.enqueue(async () => this.startHeight(nextHeight))
    }
  }

  private async restore(state: ConsensusState): Promise<void> {
    this.state = state
    this.heightStarted = true
    this.options.logger.info({ height: state.height, round: state.round, lockedRound: state.lockedRound }, 'consensus state restored')
    for (const output of outputsAfterRestore(state)) await this.perform(output)
    for (const entry of this.takeFuture(state.height)) await this.handleMessage(entry.message)
  }

  stop(): void {
    this.stopped = true
    for (const timer of this.timers) this.options.clock.clearTimeout(timer)
    this.timers.clear()
    if (this.rebroadcastTimer !== null) this.options.clock.clearTimeout(this.rebroadcastTimer)
  }

  /** Waits until every queued input has been processed (tests and shutdown). */
  async idle(): Promise<void> {
    await this.queue
  }

  /**
   * Gossip topic validator: checks structure, validator index and signature. Accepted messages are handed to
   * the serial queue. Never throws.
   */
  receive(bytes: Uint8Array): Verdict {
    let message: ConsensusMessage
    try {
      message = decodeConsensusMessage(bytes)
    } catch (error) {
      this.options.logger.debug({ error: (error as WireError).message }, 'malformed consensus message')
      return 'reject'
    }
    const verdict = this.verifyMessage(message)
    if (verdict !== 'accept') return verdict
    if (this.queueLength >= INPUT_QUEUE_LENGTH_MAX || this.queuedBytes + bytes.length > INPUT_QUEUE_BYTES_MAX) return 'ignore'
    this.queuedBytes += bytes.length
    this.enqueue(async () => {
      this.queuedBytes -= bytes.length
      await this.handleMessage(message, bytes.length)
    })
    return 'accept'
  }

  /** A block fetched by block sync, with its certificate already verified: applied through the same queue. */
  applySyncedBlock(height: number, block: Uint8Array, certificate: CommitCertificate): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false)
    return new Promise((resolve) => {
      this.enqueue(async () => {
        // Settles whatever happens: a failure (logged by enqueue) must not leave block sync waiting forever.
        let applied = false
        try {
          applied = await this.applySynced(height, block, certificate)
        } finally {
          resolve(applied)
        }
      })
    })
  }

  private async applySynced(height: number, block: Uint8Array, certificate: CommitCertificate): Promise<boolean> {
    if (height !== this.options.app.latestHeight() + 1) return false
    const roundProposer = this.options.validatorPublicKeys[proposerIndex(height, certificate.round, this.config.validatorCount)]
    if (roundProposer === undefined) return false
    // The decided block may have been built in an earlier round than the certificate's (a re-proposal).
    const proposer = this.headerProposer(block, height, certificate.round, roundProposer)
    const processed = await this.options.app.processProposal(block, proposer, null, bytesToHex(certificate.blockHash))
    if (!processed.valid || processed.blockHash !== bytesToHex(certificate.blockHash)) {
      this.options.logger.warn({ height, reason: processed.valid ? 'hash mismatch' : processed.reason }, 'synced block rejected')
      return false
    }
    // Store only the signatures verifyCertificate checked: the first one of each validator.
    const counted = new Set<number>()
    const signatures = certificate.signatures.filter((entry) => {
      if (counted.has(entry.validatorIndex)) return false
      counted.add(entry.validatorIndex)
      return true
    })
    await this.options.app.commit(processed.blockHash, encodeCertificate({ ...certificate, signatures }))
    this.options.logger.info({ height }, 'committed synced block')
    await this.startHeight(height + 1)
    return true
  }

  /**
   * The proposer a block's header must name. A block first proposed in round r and re-proposed later (with a
   * polRound) keeps its header, so its proposer is that of some round <= latestRound, not necessarily the
   * proposer of the round at hand. Returns that validator's key when the header names one, else `fallback`.
   */
  private headerProposer(block: Uint8Array, height: number, latestRound: number, fallback: Uint8Array): Uint8Array {
    let named: Uint8Array
    try {
      named = decodeBlock(block).header.proposer
    } catch {
      return fallback
    }
    const { validatorCount } = this.config
    for (let round = 0; round <= latestRound && round < validatorCount; round += 1) {
      const key = this.options.validatorPublicKeys[proposerIndex(height, round, validatorCount)]
      if (key !== undefined && bytesToHex(key) === bytesToHex(named)) return key
    }
    return fallback
  }

  /** Verifies a commit certificate: 2f+1 distinct validators' precommit signatures for the block at that height. */
  verifyCertificate(certificate: CommitCertificate): boolean {
    const seen = new Set<number>()
    for (const entry of certificate.signatures) {
      if (seen.has(entry.validatorIndex)) continue
      const publicKey = this.options.validatorPublicKeys[entry.validatorIndex]
      if (publicKey === undefined) return false
      const message = voteSignBytes(this.options.chainId, { type: 'precommit', height: certificate.height, round: certificate.round, blockHash: certificate.blockHash })
      if (!this.options.verify(entry.signature, message, publicKey)) return false
      seen.add(entry.validatorIndex)
    }
    return seen.size >= quorumSize(this.config.validatorCount)
  }

  private verifyMessage(message: ConsensusMessage): Verdict {
    const { chainId, validatorPublicKeys } = this.options
    if (message.type === 'proposal') {
      const { proposal } = message
      const publicKey = validatorPublicKeys[proposal.validatorIndex]
      if (publicKey === undefined) return 'reject'
      if (proposal.validatorIndex !== proposerIndex(proposal.height, proposal.round, validatorPublicKeys.length)) return 'reject'
      if (!this.options.verify(proposal.signature, proposalSignBytes(chainId, proposal), publicKey)) return 'reject'
      return 'accept'
    }
    const { vote } = message
    const publicKey = validatorPublicKeys[vote.validatorIndex]
    if (publicKey === undefined) return 'reject'
    if (!this.options.verify(vote.signature, voteSignBytes(chainId, vote), publicKey)) return 'reject'
    return 'accept'
  }

  private enqueue(task: () => Promise<void>): void {
    this.queueLength += 1
    this.queue = this.queue
      .then(async () => {
        if (this.stopped) return
        await task()
      })
      .catch((error: unknown) => {
        this.options.logger.error({ error: (error as Error).stack ?? String(error) }, 'consensus input failed')
      })
      .finally(() => {
        this.queueLength -= 1
      })
  }

  private messageHeight(message: ConsensusMessage): number {
    return message.type === 'proposal' ? message.proposal.height : message.vote.height
  }

  private async handleMessage(message: ConsensusMessage, size = 0): Promise<void> {
    const height = this.messageHeight(message)
    // Below the current height, or the current height already committed (startHeight of the next one pending).
    if (height < this.state.height || height <= this.options.app.latestHeight()) return
    if (height > this.state.height || !this.heightStarted) {
      const bytes = size > 0 ? size : message.type === 'proposal' ? message.block.length : 0
      const signer = message.type === 'proposal' ? message.proposal.validatorIndex : message.vote.validatorIndex
      const share = this.futureBySigner.get(signer) ?? { count: 0, bytes: 0 }
      const validatorCount = Math.max(1, this.config.validatorCount)
      const countShare = Math.max(1, Math.floor(FUTURE_MESSAGES_MAX / validatorCount))
      const bytesShare = Math.max(FUTURE_MESSAGE_BYTES_PER_VALIDATOR_MIN, Math.floor(FUTURE_MESSAGES_BYTES_MAX / validatorCount))
      if (
        height <= this.state.height + FUTURE_HEIGHTS_AHEAD_MAX &&
        this.future.length < FUTURE_MESSAGES_MAX &&
        this.futureBytes + bytes <= FUTURE_MESSAGES_BYTES_MAX &&
        share.count < countShare &&
        share.bytes + bytes <= bytesShare
      ) {
        this.future.push({ height, message, bytes, signer })
        this.futureBytes += bytes
        this.futureBySigner.set(signer, { count: share.count + 1, bytes: share.bytes + bytes })
      }
      return
    }
    if (message.type === 'proposal') {
      const { proposal, block } = message
      // The core ignores rounds this far ahead; executing their blocks would only cost CPU and memory.
      if (proposal.round > this.state.round + ROUNDS_AHEAD_MAX) return
      const value = bytesToHex(proposal.blockHash)
      const executed = this.proposalValues.get(proposal.round) ?? new Set<string>()
      if (!executed.has(value)) {
        if (executed.size >= PROPOSAL_VALUES_PER_ROUND_MAX) {
          this.options.logger.debug({ height, round: proposal.round }, 'more conflicting proposals in one round than PROPOSAL_VALUES_PER_ROUND_MAX: ignored')
          return
        }
        executed.add(value)
        this.proposalValues.set(proposal.round, executed)
      }
      const signer = this.options.validatorPublicKeys[proposal.validatorIndex] as Uint8Array
      // A re-proposal (polRound >= 0) carries a block built by the proposer of some round <= polRound.
      const proposer = proposal.polRound < 0 ? signer : this.headerProposer(block, proposal.height, proposal.polRound, signer)
      const processStartedMs = this.options.clock.nowMs()
      const processed = await this.options.app.processProposal(block, proposer, processStartedMs, value)
      this.options.logger.debug({ height, round: proposal.round, validatorIndex: proposal.validatorIndex, bytes: block.length, valid: processed.valid, tookMs: this.options.clock.nowMs() - processStartedMs }, 'proposal processed')
      // The signature covers the block hash, not the bytes that travel with it: bytes that are not the signed block
      // (any relay can swap them) are not this proposal, and must not make the proposer's value count as invalid.
      if (processed.blockHash !== value) {
        this.options.logger.debug({ height, round: proposal.round }, 'proposal whose block does not match its signed hash ignored')
        return
      }
      const valid = processed.valid
      if (!processed.valid) this.options.logger.warn({ height, round: proposal.round, reason: processed.reason }, 'invalid proposal')
      if (valid && !this.blocks.has(value)) this.blocks.set(value, block)
      await this.feed({
        type: 'proposal',
        height: proposal.height,
        round: proposal.round,
        polRound: proposal.polRound,
        value,
        validatorIndex: proposal.validatorIndex,
        signature: bytesToHex(proposal.signature),
        valid,
      })
      return
    }
    const { vote } = message
    await this.feed({
      type: 'vote',
      voteType: vote.type,
      height: vote.height,
      round: vote.round,
      value: vote.blockHash === null ? null : bytesToHex(vote.blockHash),
      validatorIndex: vote.validatorIndex,
      signature: bytesToHex(vote.signature),
    })
  }

  /** Removes and returns the buffered messages of `height`, dropping those of heights below it. */
  private takeFuture(height: number): { height: number; message: ConsensusMessage }[] {
    const ready = this.future.filter((entry) => entry.height === height)
    this.future = this.future.filter((entry) => entry.height > height)
    this.futureBytes = this.future.reduce((sum, entry) => sum + entry.bytes, 0)
    this.futureBySigner = new Map()
    for (const entry of this.future) {
      const share = this.futureBySigner.get(entry.signer) ?? { count: 0, bytes: 0 }
      this.futureBySigner.set(entry.signer, { count: share.count + 1, bytes: share.bytes + entry.bytes })
    }
    return ready
  }

  private async startHeight(height: number): Promise<void> {
    if (height <= this.options.app.latestHeight()) return
    for (const timer of this.timers) this.options.clock.clearTimeout(timer)
    this.timers.clear()
    this.blocks.clear()
    this.proposalValues.clear()
    this.ownMessages = []
    await this.feed({ type: 'startHeight', height })
    this.heightStarted = true
    for (const entry of this.takeFuture(height)) await this.handleMessage(entry.message)
  }

  private async feed(input: ConsensusInput): Promise<void> {
    const result = step(this.state, input)
    this.state = result.state
    for (const output of result.outputs) await this.perform(output)
  }

  private async perform(output: ConsensusOutput): Promise<void> {
    const { clock } = this.options
    switch (output.type) {
      case 'scheduleTimeout': {
        const timer = clock.setTimeout(() => {
          this.timers.delete(timer)
          this.enqueue(async () => {
            if (output.height === this.state.height && output.round === this.state.round) this.options.logger.debug({ height: output.height, round: output.round, step: output.step }, 'timeout')
            await this.feed({ type: 'timeout', step: output.step, height: output.height, round: output.round })
          })
        }, output.durationMs)
        this.timers.add(timer)
        return
      }
      case 'getValue': {
        const selfIndex = this.options.selfIndex
        if (selfIndex === null) return
        const proposer = this.options.validatorPublicKeys[selfIndex] as Uint8Array
        const prepareStartedMs = clock.nowMs()
        const prepared = await this.options.app.prepareProposal(output.height, prepareStartedMs, proposer)
        this.options.logger.debug({ height: output.height, round: output.round, bytes: prepared.block.length, tookMs: clock.nowMs() - prepareStartedMs }, 'proposal prepared')
        this.blocks.set(prepared.blockHash, prepared.block)
        await this.feed({ type: 'proposeValue', height: output.height, round: output.round, value: prepared.blockHash })
        return
      }
      case 'broadcastProposal': {
        const block = this.blocks.get(output.value)
        const selfIndex = this.options.selfIndex
        if (block === undefined || selfIndex === null || this.options.sign === null) return
        const fields = { height: output.height, round: output.round, polRound: output.polRound, blockHash: hexToBytes(output.value) }
        const signature = await this.signOnce(output.height, output.round, STEP_OF.proposal, output.value, proposalSignBytes(this.options.chainId, fields))
        if (signature === null) return
        const message: ConsensusMessage = { type: 'proposal', proposal: { ...fields, validatorIndex: selfIndex, signature }, block }
        this.sendOwn(encodeConsensusMessage(message))
        await this.handleMessage(message)
        return
      }
      case 'broadcastVote': {
        const selfIndex = this.options.selfIndex
        if (selfIndex === null || this.options.sign === null) return
        const fields = { type: output.voteType, height: output.height, round: output.round, blockHash: output.value === null ? null : hexToBytes(output.value) }
        const signature = await this.signOnce(output.height, output.round, STEP_OF[output.voteType], output.value, voteSignBytes(this.options.chainId, fields))
        if (signature === null) return
        const message: ConsensusMessage = { type: 'vote', vote: { ...fields, validatorIndex: selfIndex, signature } }
        this.sendOwn(encodeConsensusMessage(message))
        await this.handleMessage(message)
        return
      }
      case 'decide': {
        const certificate: CommitCertificate = {
          height: output.height,
          round: output.round,
          blockHash: hexToBytes(output.value),
          signatures: output.precommits.map((entry) => ({ validatorIndex: entry.validatorIndex, signature: hexToBytes(entry.signature) })),
        }
        const block = this.blocks.get(output.value)
        if (block === undefined) {
          // Decided on a proposal this node saw before it restarted: the core state came back from disk, the block's
          // bytes (kept only in memory) did not. The peers that committed it serve it, with its certificate, to
          // block sync, which commits it through this queue and starts the next height.
          this.options.logger.warn({ height: output.height, block: output.value.slice(0, 16) }, 'decided a block whose bytes this node no longer has; block sync will fetch it')
          return
        }
        await this.options.app.commit(output.value, encodeCertificate(certificate), block)
        this.options.logger.debug({ height: output.height, round: output.round, block: output.value.slice(0, 16) }, 'committed')
        const nextHeight = output.height + 1
        const timer = clock.setTimeout(() => {
          this.timers.delete(timer)
          this.enqueue(async () => this.startHeight(nextHeight))
        }, this.options.timeouts.timeoutCommitMs)
        this.timers.add(timer)
        return
      }
      case 'equivocation':
      case 'proposalEquivocation': {
        this.options.logger.warn({ type: output.type, first: output.first, second: output.second }, 'equivocation observed')
        if (this.options.onEvidence === undefined) return
        try {
          await this.options.onEvidence(evidenceFromOutput(output))
        } catch (error) {
          this.options.logger.warn({ error: (error as Error).message }, 'evidence handler failed')
        }
        return
      }
      default:
        return
    }
  }

  /**
   * Signs at most one message per (height, round, step). The record is fsynced before the signature is returned,
   * so a restarted validator re-sends the same signature instead of signing something conflicting.
   */
  private async signOnce(height: number, round: number, stepNumber: number, value: string | null, message: Uint8Array): Promise<Uint8Array | null> {
    const previous = this.signed.find((record) => record.height === height && record.round === round && record.step === stepNumber)
    if (previous !== undefined) {
      if (previous.value === value) return hexToBytes(previous.signature)
      this.options.logger.warn({ height, round, step: stepNumber }, 'refusing to sign a conflicting message')
      return null
    }
    const signature = (this.options.sign as (message: Uint8Array) => Uint8Array)(message)
    const records = [...this.signed.filter((record) => record.height >= height), { height, round, step: stepNumber, value, signature: bytesToHex(signature) }]
    // The blocks a restart needs: the locked and valid values (a re-proposal, or a decision on an earlier round's
    // precommits, is of one of them) and what this validator signs in this round. Not every round's value, so that
    // a height of many rounds does not rewrite many blocks at each signature.
    const needed = [this.state.lockedValue, this.state.validValue, ...records.filter((record) => record.height === height && record.round === round).map((record) => record.value)]
    const blocks: { hash: string; bytes: Uint8Array }[] = []
    for (const hash of new Set(needed.filter((value): value is string => value !== null))) {
      const bytes = this.blocks.get(hash)
      if (bytes !== undefined) blocks.push({ hash, bytes })
    }
    await this.options.signerStore.save({ records, coreState: this.state, blocks })
    this.signed = records
    return signature
  }

  private sendOwn(bytes: Uint8Array): void {
    this.ownMessages.push(bytes)
    try {
      this.options.publish(bytes)
    } catch (error) {
      this.options.logger.debug({ error: (error as Error).message }, 'publish failed')
    }
  }

  /** Other validators' votes held for the rounds that matter for liveness (see REBROADCAST_INTERVAL_MS). */
  private heldVotesToRelay(): Uint8Array[] {
    const state = this.state
    if (!this.heightStarted || state.decision !== null) return []
    const rounds = new Set([state.round, state.round - 1, state.lockedRound, state.validRound].filter((round) => round >= 0))
    const out: Uint8Array[] = []
    for (const messages of state.rounds) {
      if (!rounds.has(messages.round)) continue
      for (const vote of [...messages.prevotes, ...messages.precommits, ...messages.supportedConflictingVotes]) {
        if (vote.validatorIndex === this.options.selfIndex) continue
        const relayed: ConsensusMessage = {
          type: 'vote',
          vote: { type: vote.voteType, height: vote.height, round: vote.round, blockHash: vote.value === null ? null : hexToBytes(vote.value), validatorIndex: vote.validatorIndex, signature: hexToBytes(vote.signature) },
        }
        out.push(encodeConsensusMessage(relayed))
      }
    }
    return out
  }

  private scheduleRebroadcast(): void {
    if (this.stopped || !this.started) return
    this.rebroadcastTimer = this.options.clock.setTimeout(() => {
      for (const bytes of [...this.ownMessages, ...this.heldVotesToRelay()]) {
        try {
          this.options.publish(bytes)
        } catch {
          // peers may be gone; the next interval tries again
        }
      }
      this.scheduleRebroadcast()
    }, REBROADCAST_INTERVAL_MS)
  }
}

/** The wire evidence (client/wire.ts) of an equivocation reported by the core: both signed messages, in full. */
export function evidenceFromOutput(output: EquivocationOutput | ProposalEquivocationOutput): Evidence {
  if (output.type === 'equivocation') {
    const vote = (entry: EquivocationOutput['first']) => ({
      type: entry.voteType,
      height: entry.height,
      round: entry.round,
      blockHash: entry.value === null ? null : hexToBytes(entry.value),
      validatorIndex: entry.validatorIndex,
      signature: hexToBytes(entry.signature),
    })
    return { kind: 'duplicateVote', first: vote(output.first), second: vote(output.second) }
  }
  const proposal = (entry: ProposalEquivocationOutput['first']) => ({
    height: entry.height,
    round: entry.round,
    polRound: entry.polRound,
    blockHash: hexToBytes(entry.value),
    validatorIndex: entry.validatorIndex,
    signature: hexToBytes(entry.signature),
  })
  return { kind: 'duplicateProposal', first: proposal(output.first), second: proposal(output.second) }
}

export function encodeSignerState(state: SignerState): Uint8Array {
  return encode([
    state.records.map((record) => [record.height, record.round, record.step, record.value, record.signature]),
    state.coreState === null ? null : JSON.stringify(state.coreState),
    (state.blocks ?? []).map((entry) => [entry.hash, entry.bytes]),
  ])
}

export function decodeSignerState(bytes: Uint8Array): SignerState {
  const [records, coreState, blocks] = decode(bytes) as [[number, number, number, string | null, string][], string | null, [string, Uint8Array][] | undefined]
  return {
    records: records.map(([height, round, stepNumber, recordValue, signature]) => ({ height, round, step: stepNumber, value: recordValue, signature })),
    coreState: coreState === null ? null : (JSON.parse(coreState) as ConsensusState),
    blocks: (blocks ?? []).map(([hash, blockBytes]) => ({ hash, bytes: new Uint8Array(blockBytes) })),
  }
}

