// One simulated validator: the node's real application (ledger + mempool) over the real Store on memory-level,
// the real consensus driver and block sync, wired with node/validator.ts as startNode wires them, on a simulated
// clock. A crash throws away everything in memory (mempool, caches, timers, seen gossip) and keeps the database,
// as kill -9 keeps the disk; a restart opens the application again from it.
import { MemoryLevel } from 'memory-level'
import type { KeyPair } from '../../client/keys.ts'
import { createSigner } from '../../node/crypto/sign.ts'
import {
  blockHash as computeBlockHash,
  bytesToHex,
  decodeBlock,
  decodeConsensusMessage,
  encodeBlock,
  encodeConsensusMessage,
  hexToBytes,
  proposalSignBytes,
  voteSignBytes,
  type ConsensusMessage,
  type Genesis,
  type SyncRequest,
  type SyncResponse,
  encodeTxGossip,
} from '../../client/wire.ts'
import type { ConsensusDriver, DriverOptions, Logger, Verdict } from '../../consensus/driver.ts'
import { Application } from '../../node/app/application.ts'
import { verifySignature } from '../../node/crypto/verify.ts'
import { Store } from '../../node/storage/store.ts'
import { BlockSync, serveBlocks } from '../../node/sync/block-sync.ts'
import { gossipTxsVerdict } from '../../node/mempool/tx-gossip.ts'
import { createConsensusDriver } from '../../node/validator.ts'
import type { NetworkEndpoint, SimNetwork, Topic } from './network.ts'
import { NodeClock, type Rng, type Scheduler } from './scheduler.ts'

/**
 * How a validator behaves. The Byzantine ones run the honest software underneath (they need a correct state to
 * propose) and lie on the wire:
 * - silent: never sends anything (and never relays);
 * - equivocatingProposer: as proposer, signs two different valid blocks and shows each to half of its peers;
 * - doubleVoter: signs a second, different vote for every vote and shows each to half of its peers;
 * - invalidProposer: as proposer, sends a signed block whose app hash is wrong instead of its real proposal;
 * - malformed: honest, plus a stream of garbage: random bytes, truncated and bit-flipped messages, votes signed by a
 *   key outside the validator set, on both gossip topics.
 */
export type Behavior = 'honest' | 'silent' | 'equivocatingProposer' | 'doubleVoter' | 'invalidProposer' | 'malformed'
export const BYZANTINE_BEHAVIORS: readonly Behavior[] = ['silent', 'equivocatingProposer', 'doubleVoter', 'invalidProposer', 'malformed']

/** How often a 'malformed' validator sends a piece of garbage. */
export const GARBAGE_INTERVAL_MS = 150

export interface CommitRecord {
  blockHash: string
  appHash: string
}

export interface SimNodeOptions {
  index: number
  genesis: Genesis
  key: KeyPair
  behavior: Behavior
  timeouts: DriverOptions['timeouts']
  skewMs: number
  scheduler: Scheduler
  network: SimNetwork
  rng: Rng
  /** Called with every error an honest node logs: the simulation fails on any. */
  onError: (index: number, object: unknown, message?: string) => void
}

/** A key outside the validator set (its signatures must never count). */
const outsiderSigner = createSigner(new Uint8Array(32).fill(0x5a))

/** Verified signatures remembered across all simulated nodes (a pure function: the answer is the same each time). */
export const VERIFY_MEMO_ENTRIES_MAX = 200_000
const verifyMemo = new Map<string, boolean>()
function memoizedVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const key = Buffer.from(signature).toString('hex') + Buffer.from(publicKey).toString('hex') + Buffer.from(message).toString('hex')
  let valid = verifyMemo.get(key)
  if (valid === undefined) {
    valid = verifySignature(signature, message, publicKey)
    if (verifyMemo.size >= VERIFY_MEMO_ENTRIES_MAX) verifyMemo.clear()
    verifyMemo.set(key, valid)
  }
  return valid
}

export class SimNode implements NetworkEndpoint {
  readonly index: number
  readonly db = new MemoryLevel<string, Uint8Array>({ keyEncoding: 'utf8', valueEncoding: 'view' })
  /** Every block this node committed, by height, across all its lives (the observer's record, not the node's). */
  readonly commits = new Map<number, CommitRecord>()
  /** Heights this node committed twice with different blocks: must stay empty. */
  readonly conflicts: string[] = []
  store: Store | null = null
  app: Application | null = null
  driver: ConsensusDriver | null = null
  private sync: BlockSync | null = null
  private generation = 0
  private up = false
  restarts = 0
  /** How many times this node logged each warning (equivocations seen, invalid proposals, ...), across its lives. */
  readonly warnings = new Map<string, number>()
  /** Gossip messages this node's validators rejected (malformed, badly signed). */
  rejected = 0
  private readonly signer: (message: Uint8Array) => Uint8Array

  constructor(private readonly options: SimNodeOptions) {
    this.index = options.index
    this.signer = createSigner(options.key.secretKey)
  }

  get behavior(): Behavior {
    return this.options.behavior
  }

  get honest(): boolean {
    return this.options.behavior === 'honest'
  }

  isUp(): boolean {
    return this.up
  }

  /** Which life of the node this is: a crash and a restart each change it (messages to an older life are lost). */
  get incarnation(): number {
    return this.generation
  }

  get height(): number {
    return this.app?.latest.height ?? 0
  }

  async start(): Promise<void> {
    if (this.up) return
    if (this.options.behavior === 'silent') return
    this.generation += 1
    const generation = this.generation
    const { genesis, scheduler, network, timeouts } = this.options
    const store = await Store.fromDatabase(this.db)
    const app = await Application.open(genesis, store, undefined, { verify: memoizedVerify })
    app.onCommit((event) => {
      const record = { blockHash: event.blockHash, appHash: bytesToHex(app.latest.appHash) }
      const previous = this.commits.get(event.height)
      if (previous !== undefined && (previous.blockHash !== record.blockHash || previous.appHash !== record.appHash)) {
        this.conflicts.push(`height ${event.height}: ${previous.blockHash} then ${record.blockHash}`)
      }
      this.commits.set(event.height, record)
    })
    const clock = new NodeClock(scheduler, this.options.skewMs, () => this.generation)
    const logger = this.logger()
    const driver = createConsensusDriver({
      genesis,
      app,
      store,
      validatorKey: this.options.key,
      timeouts,
      publish: (bytes) => {
        if (this.generation === generation && this.up) this.publishConsensus(bytes)
      },
      clock,
      logger,
      verify: memoizedVerify,
    })
    const sync = new BlockSync(
      driver,
      {
        connectedPeers: () => network.peersOf(this.index).map(String),
        requestBlocks: (peer: string, request: SyncRequest) => network.request(this.index, Number(peer), request),
      },
      () => app.latest.height,
      logger,
      clock,
    )
    this.store = store
    this.app = app
    this.driver = driver
    this.sync = sync
    network.forget(this.index)
    this.up = true
    await driver.start()
    sync.start()
    if (this.options.behavior === 'malformed') this.scheduleGarbage(generation)
  }

  /** kill -9: memory is gone, the database stays. */
  crash(): void {
    if (!this.up) return
    this.up = false
    this.generation += 1
    this.driver?.stop()
    this.sync?.stop()
    this.driver = null
    this.sync = null
    this.app = null
    this.store = null
    this.restarts += 1
  }

  /** A client's submission through this node's API: CheckTx, then gossip when new. */
  async submit(bytes: Uint8Array): Promise<boolean> {
    const app = this.app
    if (!this.up || app === null) return false
    const outcome = await app.submit(bytes)
    // As node.ts gossips them (one transaction per message here: the simulated clients send one at a time).
    if (outcome.ok && !outcome.alreadyPending && this.up && this.app === app) this.options.network.publish(this.index, 'tx', encodeTxGossip([bytes]))
    return outcome.ok
  }

  validate(topic: Topic, bytes: Uint8Array): Verdict | Promise<Verdict> {
    if (!this.up) return 'ignore'
    const count = (verdict: Verdict): Verdict => {
      if (verdict === 'reject') this.rejected += 1
      return verdict
    }
    if (topic === 'consensus') return this.driver === null ? 'ignore' : count(this.driver.receive(bytes))
    const app = this.app
    if (app === null) return 'ignore'
    return gossipTxsVerdict(bytes, (signedTx) => app.submit(signedTx)).then(count)
  }

  serveBlocks(request: SyncRequest): Promise<SyncResponse> {
    const store = this.store
    const app = this.app
    if (store === null || app === null) return Promise.reject(new Error('node is down'))
    return serveBlocks(store, app.latest.height, request)
  }

  private logger(): Logger {
    const onError = this.options.onError
    const honest = this.honest
    const index = this.index
    return {
      info: () => undefined,
      debug: () => undefined,
      warn: (_object: unknown, message?: string) => {
        const key = message ?? ''
        this.warnings.set(key, (this.warnings.get(key) ?? 0) + 1)
      },
      error: (object: unknown, message?: string) => {
        if (honest) onError(index, object, message)
      },
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // What goes on the wire, honest or not.

  private publishConsensus(bytes: Uint8Array): void {
    const { network } = this.options
    switch (this.options.behavior) {
      case 'honest':
      case 'malformed':
        network.publish(this.index, 'consensus', bytes)
        return
      case 'silent':
        return
      case 'doubleVoter':
        this.doubleVote(bytes)
        return
      case 'equivocatingProposer':
        this.equivocate(bytes)
        return
      case 'invalidProposer':
        this.proposeInvalid(bytes)
        return
    }
  }

  /** Shows `first` to even-indexed peers and `second` to odd-indexed ones (relays then spread both). */
  private split(first: Uint8Array, second: Uint8Array): void {
    const { network } = this.options
    for (let peer = 0; peer < network.size; peer += 1) {
      if (peer === this.index) continue
      network.sendTo(this.index, peer, 'consensus', peer % 2 === 0 ? first : second)
    }
  }

  private doubleVote(bytes: Uint8Array): void {
    const message = decodeConsensusMessage(bytes)
    if (message.type !== 'vote') {
      this.options.network.publish(this.index, 'consensus', bytes)
      return
    }
    const { vote } = message
    const otherHash = vote.blockHash === null ? this.options.rng.bytes(32) : null
    const fields = { type: vote.type, height: vote.height, round: vote.round, blockHash: otherHash }
    const signature = this.signer(voteSignBytes(this.options.genesis.chainId, fields))
    const conflicting = encodeConsensusMessage({ type: 'vote', vote: { ...fields, validatorIndex: vote.validatorIndex, signature } })
    this.split(bytes, conflicting)
  }

  private equivocate(bytes: Uint8Array): void {
    const message = decodeConsensusMessage(bytes)
    const app = this.app
    if (message.type !== 'proposal' || message.proposal.polRound !== -1 || app === null) {
      this.options.network.publish(this.index, 'consensus', bytes)
      return
    }
    const { proposal } = message
    const generation = this.generation
    // A second valid block for the same height: the same transactions one millisecond later.
    const original = decodeBlock(message.block)
    void app
      .prepareProposal(proposal.height, original.header.timeMs + 1, this.options.key.publicKey)
      .then((prepared) => {
        if (this.generation !== generation || prepared.blockHash === bytesToHex(proposal.blockHash)) {
          this.options.network.publish(this.index, 'consensus', bytes)
          return
        }
        const second = this.signedProposal(message, prepared.block, hexToBytes(prepared.blockHash))
        this.split(bytes, second)
      })
      .catch(() => this.options.network.publish(this.index, 'consensus', bytes))
  }

  private proposeInvalid(bytes: Uint8Array): void {
    const message = decodeConsensusMessage(bytes)
    if (message.type !== 'proposal' || message.proposal.polRound !== -1) {
      this.options.network.publish(this.index, 'consensus', bytes)
      return
    }
    const block = decodeBlock(message.block)
    const invalid = { ...block, header: { ...block.header, appHash: this.options.rng.bytes(32) } }
    const invalidBytes = encodeBlock(invalid)
    this.options.network.publish(this.index, 'consensus', this.signedProposal(message, invalidBytes, computeBlockHash(invalid.header)))
  }

  private signedProposal(message: Extract<ConsensusMessage, { type: 'proposal' }>, block: Uint8Array, hash: Uint8Array): Uint8Array {
    const { proposal } = message
    const fields = { height: proposal.height, round: proposal.round, polRound: proposal.polRound, blockHash: hash }
    const signature = this.signer(proposalSignBytes(this.options.genesis.chainId, fields))
    return encodeConsensusMessage({ type: 'proposal', proposal: { ...fields, validatorIndex: proposal.validatorIndex, signature }, block })
  }

  private scheduleGarbage(generation: number): void {
    const { scheduler, network, rng } = this.options
    scheduler.schedule(GARBAGE_INTERVAL_MS, () => {
      if (this.generation !== generation || !this.up) return
      const peer = rng.pick(network.peersOf(this.index).length > 0 ? network.peersOf(this.index) : [this.index === 0 ? 1 : 0])
      let bytes: Uint8Array
      try {
        bytes = this.garbage()
      } catch {
        bytes = rng.bytes(64)
      }
      network.sendTo(this.index, peer, rng.chance(0.5) ? 'consensus' : 'tx', bytes)
      this.scheduleGarbage(generation)
    })
  }

  private garbage(): Uint8Array {
    const { rng, genesis } = this.options
    const height = this.height + 1
    switch (rng.int(5)) {
      case 0:
        return rng.bytes(rng.between(0, 300))
      case 1: {
        // A well-formed vote signed by a key outside the validator set, claiming a validator's index.
        const fields = { type: 'prevote' as const, height, round: 0, blockHash: rng.bytes(32) }
        const signature = outsiderSigner(voteSignBytes(genesis.chainId, fields))
        return encodeConsensusMessage({ type: 'vote', vote: { ...fields, validatorIndex: rng.int(genesis.validators.length), signature } })
      }
      case 2: {
        // A vote with an out-of-range validator index.
        const fields = { type: 'precommit' as const, height, round: 0, blockHash: null }
        const signature = this.signer(voteSignBytes(genesis.chainId, fields))
        return encodeConsensusMessage({ type: 'vote', vote: { ...fields, validatorIndex: genesis.validators.length + rng.int(5), signature } })
      }
      case 3: {
        // Its own genuine vote, truncated or with a flipped bit.
        const fields = { type: 'prevote' as const, height, round: rng.int(3), blockHash: null }
        const signature = this.signer(voteSignBytes(genesis.chainId, fields))
        const bytes = encodeConsensusMessage({ type: 'vote', vote: { ...fields, validatorIndex: this.index, signature } })
        if (rng.chance(0.5)) return bytes.slice(0, rng.int(bytes.length))
        const flipped = bytes.slice()
        const at = rng.int(flipped.length)
        flipped[at] = (flipped[at] as number) ^ (1 << rng.int(8))
        return flipped
      }
      default: {
        // msgpack of the wrong shape.
        return encodeConsensusMessage({ type: 'vote', vote: { type: 'prevote', height: -1, round: 0, blockHash: null, validatorIndex: 0, signature: new Uint8Array(64) } }).slice(1)
      }
    }
  }
}
