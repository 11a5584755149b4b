// Per-peer rate limits, offence counting and bans (see the PEER_* limits in limits.ts).
//
// Every message or request a remote peer hands us is charged to that peer (for gossip: the propagation
// source, the peer the message came from, not its author). Gossip buckets are kept per source *and author*:
// an honest peer relaying a flood authored by a rogue exhausts only its bucket for that author, so its own
// messages and those it relays for other validators still pass. Over a rate limit the message is dropped;
// for the peer's own messages that is an offence, for relayed ones it is not (an honest relay cannot tell a
// flood from a burst). A peer whose message our validator rejects commits an offence, as does one that
// sends a malformed or oversized request. Offences drain a per-peer token bucket; when it is empty the peer is banned: the
// network closes its connections and refuses it (gater, redial, message and stream handlers) until the ban
// expires. State is kept only for peers that passed the connection gater (genesis validators), so it is
// bounded by the validator count; bans live in memory only.
import type { NetworkLimits } from './limits.ts'
import type { NetworkLogger } from './types.ts'

/** A token bucket: holds at most `capacity` tokens, refilled at `ratePerSecond`; starts full. */
export class TokenBucket {
  private tokens: number
  private updatedMs: number

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    nowMs: number,
  ) {
    this.tokens = capacity
    this.updatedMs = nowMs
  }

  /** Takes `cost` tokens if there are that many; returns whether it did. */
  take(cost: number, nowMs: number): boolean {
    this.refill(nowMs)
    if (this.tokens < cost) return false
    this.tokens -= cost
    return true
  }

  /** Whether `cost` tokens could be taken now. */
  has(cost: number, nowMs: number): boolean {
    this.refill(nowMs)
    return this.tokens >= cost
  }

  /** Tokens taken and not yet refilled. */
  used(nowMs: number): number {
    this.refill(nowMs)
    return this.capacity - this.tokens
  }

  private refill(nowMs: number): void {
    const elapsedMs = Math.max(0, nowMs - this.updatedMs)
    this.updatedMs = Math.max(this.updatedMs, nowMs)
    this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs * this.ratePerSecond) / 1000)
  }
}

export type GossipKind = 'tx' | 'consensus'

/** Why a peer was charged an offence (logged, and counted per reason for tests and operators). */
export type OffenceReason =
  | 'gossip-rejected'
  | 'gossip-rate-limited'
  /** Not an offence: a message the peer relayed for another author, over its bucket for that author. */
  | 'gossip-relay-rate-limited'
  | 'direct-rejected'
  | 'direct-malformed'
  | 'direct-rate-limited'
  | 'sync-malformed'
  | 'sync-rate-limited'
  /** gossipsub's score of the peer fell under GOSSIP_SCORE_BAN_THRESHOLD (invalid messages it dropped itself). */
  | 'gossip-score'

export interface PeerBan {
  peerId: string
  untilMs: number
  reason: OffenceReason
}

interface GossipBuckets {
  messages: TokenBucket
  bytes: TokenBucket
}

interface PeerState {
  /** Keyed by `${kind} ${author}`; authors are genesis validators (checked before), so this is bounded. */
  gossip: Map<string, GossipBuckets>
  directMessages: TokenBucket
  syncRequests: TokenBucket
  offences: TokenBucket
  offenceCounts: Map<OffenceReason, number>
}

export interface PeerGuardOptions {
  limits: NetworkLimits
  log: NetworkLogger
  /** Called once when a peer is banned: close its connections. Must not throw. */
  onBan: (ban: PeerBan) => void
  nowMs?: () => number
}

export class PeerGuard {
  private readonly peers = new Map<string, PeerState>()
  private readonly bans = new Map<string, PeerBan>()
  private readonly limits: NetworkLimits
  private readonly log: NetworkLogger
  private readonly onBan: (ban: PeerBan) => void
  private readonly now: () => number

  constructor(options: PeerGuardOptions) {
    this.limits = options.limits
    this.log = options.log
    this.onBan = options.onBan
    this.now = options.nowMs ?? Date.now
  }

  /**
   * Charges one gossip message of `bytes` bytes, authored by `author` (a genesis validator), to the peer
   * that handed it to us, as `messages` messages against the message bucket (a gossip message of transactions
   * counts as many as it carries); false: over a limit.
   */
  allowGossip(peerId: string, author: string, kind: GossipKind, bytes: number, messages = 1): boolean {
    const state = this.state(peerId)
    const now = this.now()
    const key = `${kind} ${author}`
    let buckets = state.gossip.get(key)
    if (buckets === undefined) {
      const l = this.limits
      buckets =
        kind === 'tx'
          ? { messages: new TokenBucket(l.peerTxMessagesPerSecondMax, l.peerTxBurstMessagesMax, now), bytes: new TokenBucket(l.peerTxBytesPerSecondMax, l.peerTxBurstBytesMax, now) }
          : {
              messages: new TokenBucket(l.peerConsensusMessagesPerSecondMax, l.peerConsensusBurstMessagesMax, now),
              bytes: new TokenBucket(l.peerConsensusBytesPerSecondMax, l.peerConsensusBurstBytesMax, now),
            }
      state.gossip.set(key, buckets)
    }
    // Check both before taking from either, so a refused message costs nothing.
    if (!buckets.messages.has(messages, now) || !buckets.bytes.has(bytes, now)) return false
    return buckets.messages.take(messages, now) && buckets.bytes.take(bytes, now)
  }

  /** Counts a dropped message against a peer without penalising it (see 'gossip-relay-rate-limited'). */
  drop(peerId: string, reason: OffenceReason): void {
    if (this.isBanned(peerId)) return
    const counts = this.state(peerId).offenceCounts
    counts.set(reason, (counts.get(reason) ?? 0) + 1)
  }

  allowDirect(peerId: string): boolean {
    return this.state(peerId).directMessages.take(1, this.now())
  }

  allowSyncRequest(peerId: string): boolean {
    return this.state(peerId).syncRequests.take(1, this.now())
  }

  /** Records an offence; bans the peer when it has too many within the window. Returns true if it banned it now. */
  offence(peerId: string, reason: OffenceReason, detail: Record<string, unknown> = {}): boolean {
    if (this.isBanned(peerId)) return false
    const state = this.state(peerId)
    state.offenceCounts.set(reason, (state.offenceCounts.get(reason) ?? 0) + 1)
    const now = this.now()
    if (state.offences.take(1, now)) {
      this.log.debug({ peer: peerId, reason, ...detail }, 'peer offence')
      return false
    }
    this.ban(peerId, reason, { offences: Object.fromEntries(state.offenceCounts), ...detail })
    return true
  }

  /** Bans a peer now: closes its connections (onBan) and refuses it for peerBanDurationMs. */
  ban(peerId: string, reason: OffenceReason, detail: Record<string, unknown> = {}): void {
    const ban: PeerBan = { peerId, untilMs: this.now() + this.limits.peerBanDurationMs, reason }
    this.bans.set(peerId, ban)
    this.log.warn(
      { peer: peerId, reason, banMs: this.limits.peerBanDurationMs, ...detail },
      `banned a misbehaving peer for ${this.limits.peerBanDurationMs} ms`,
    )
    try {
      this.onBan(ban)
    } catch (error) {
      this.log.error({ peer: peerId, err: error instanceof Error ? error.message : String(error) }, 'closing a banned peer failed')
    }
  }

  isBanned(peerId: string): boolean {
    const ban = this.bans.get(peerId)
    if (ban === undefined) return false
    if (ban.untilMs > this.now()) return true
    this.bans.delete(peerId)
    // A returning peer starts with fresh buckets and counts.
    this.peers.delete(peerId)
    this.log.info({ peer: peerId }, 'peer ban expired')
    return false
  }

  /** Peers banned right now. */
  banned(): PeerBan[] {
    return [...this.bans.keys()].filter((peerId) => this.isBanned(peerId)).map((peerId) => ({ ...(this.bans.get(peerId) as PeerBan) }))
  }

  /** Offences within the current window (the bucket's deficit): 0 for a well-behaved peer. */
  offenceLevel(peerId: string): number {
    return this.peers.get(peerId)?.offences.used(this.now()) ?? 0
  }

  /**
   * Messages charged to the peer per reason since its state was created (kept during a ban, cleared when it
   * expires): offences, and the non-penalised 'gossip-relay-rate-limited' drops.
   */
  offenceCounts(peerId: string): Partial<Record<OffenceReason, number>> {
    return Object.fromEntries(this.peers.get(peerId)?.offenceCounts ?? [])
  }

  private state(peerId: string): PeerState {
    let state = this.peers.get(peerId)
    if (state === undefined) {
      const l = this.limits
      const now = this.now()
      state = {
        gossip: new Map(),
        directMessages: new TokenBucket(l.peerDirectMessagesPerSecondMax, l.peerDirectBurstMessagesMax, now),
        syncRequests: new TokenBucket(l.peerSyncRequestsPerSecondMax, l.peerSyncBurstRequestsMax, now),
        // Refills PEER_OFFENCES_MAX per window: the offence after PEER_OFFENCES_MAX within one window finds it empty.
        offences: new TokenBucket((l.peerOffencesMax * 1000) / l.peerOffenceWindowMs, l.peerOffencesMax, now),
        offenceCounts: new Map(),
      }
      this.peers.set(peerId, state)
    }
    return state
  }
}
