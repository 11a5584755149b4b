// Limits of the p2p layer, with their units in the name. createNetwork takes a Partial<NetworkLimits> and
// fills the rest from DEFAULT_NETWORK_LIMITS.
import { BLOCK_BYTES_MAX, TX_BYTES_MAX, TX_GOSSIP_BYTES_MAX } from '../../client/wire.ts'

const KiB = 1024
const MiB = 1024 * KiB

/** Largest message accepted on the txs topic: a gossip message of signed transactions (TX_GOSSIP_BYTES_MAX). */
export const TX_MESSAGE_BYTES_MAX = TX_GOSSIP_BYTES_MAX
/** Largest message accepted on the consensus topic: a proposal carries a whole block (BLOCK_BYTES_MAX). */
export const CONSENSUS_MESSAGE_BYTES_MAX = 9 * MiB
/** A block sync request (dial, request, response) must complete within this many milliseconds. */
export const SYNC_REQUEST_TIMEOUT_MS = 10_000
/** Largest encoded sync response; the server trims trailing blocks to stay under it. Must hold one full block. */
export const SYNC_RESPONSE_BYTES_MAX = 16 * MiB
/** Block sync requests served concurrently, over all peers; more are answered with a BUSY error. */
export const SYNC_INBOUND_STREAMS_MAX = 16
/** How often every genesis peer without a connection is dialled again, in milliseconds. */
export const REDIAL_INTERVAL_MS = 3_000

// Per-peer rate limits (token buckets: refilled at the per-second rate, holding at most the burst). They
// charge the peer that handed us a message (gossipsub's propagation source, or the direct / sync stream's
// remote peer). Gossip buckets are per peer and author, so a relay's bucket for a flooding author does not
// hold back what it relays for others. A message over a limit is dropped unrelayed; it is an offence when
// the peer is its author (or for direct messages and sync requests), not when the peer only relayed it.
// Honest traffic: a 4-validator chain committing ~1000-transaction blocks gossips one message per
// transaction, and each one reaches us first from one peer; a submitter pushing transactions into one node
// can make that peer hand us several thousand per second. Consensus: per height one proposal and two votes
// per validator per round (heights every ~0.2 s when blocks are empty), plus rebroadcasts every 2 s.
/** Transactions one peer may hand us per second on the txs topic, sustained. */
export const PEER_TX_MESSAGES_PER_SECOND_MAX = 10_000
/** Transactions one peer may hand us at once on the txs topic (a full mempool's worth from a reconnect). */
export const PEER_TX_BURST_MESSAGES_MAX = 20_000
/** Bytes of transactions one peer may hand us per second, sustained (two full blocks a second). */
export const PEER_TX_BYTES_PER_SECOND_MAX = 16 * MiB
/** Bytes of transactions one peer may hand us at once (MEMPOOL_BYTES_MAX). */
export const PEER_TX_BURST_BYTES_MAX = 64 * MiB
/** Consensus messages one peer may hand us per second on the consensus topic, sustained. */
export const PEER_CONSENSUS_MESSAGES_PER_SECOND_MAX = 500
/** Consensus messages one peer may hand us at once on the consensus topic. */
export const PEER_CONSENSUS_BURST_MESSAGES_MAX = 1_000
/** Bytes of consensus messages one peer may hand us per second over gossip, sustained (proposals carry blocks). */
export const PEER_CONSENSUS_BYTES_PER_SECOND_MAX = 32 * MiB
/** Bytes of consensus messages one peer may hand us at once over gossip. */
export const PEER_CONSENSUS_BURST_BYTES_MAX = 64 * MiB
/** Direct consensus messages (big proposals, one per round from its proposer) one peer may send us per second. */
export const PEER_DIRECT_MESSAGES_PER_SECOND_MAX = 10
/** Direct consensus messages one peer may send us at once. */
export const PEER_DIRECT_BURST_MESSAGES_MAX = 20
/** Block sync requests one peer may send us per second, sustained (a catching-up node asks back to back). */
export const PEER_SYNC_REQUESTS_PER_SECOND_MAX = 100
/** Block sync requests one peer may send us at once. */
export const PEER_SYNC_BURST_REQUESTS_MAX = 200

// Penalties. An offence is a gossip message our validator rejected, a message or request over a rate limit,
// or a malformed / oversized sync request or direct message. Offences drain a per-peer bucket that refills
// at PEER_OFFENCES_MAX per PEER_OFFENCE_WINDOW_MS; a peer with more than PEER_OFFENCES_MAX offences in
// that window (the bucket empty) is disconnected and refused, in both directions, for PEER_BAN_DURATION_MS.
// A handful of accidental rejects (a stale or duplicate message from an honest validator) never bans.
/** Offences a peer may commit within PEER_OFFENCE_WINDOW_MS before it is banned. */
export const PEER_OFFENCES_MAX = 100
/** The window PEER_OFFENCES_MAX is counted over, in milliseconds. */
export const PEER_OFFENCE_WINDOW_MS = 10_000
/** How long a banned peer is disconnected and refused, in milliseconds. Bans are in memory: a restart clears them. */
export const PEER_BAN_DURATION_MS = 5 * 60_000

export interface NetworkLimits {
  txMessageBytesMax: number
  consensusMessageBytesMax: number
  syncRequestTimeoutMs: number
  syncResponseBytesMax: number
  syncInboundStreamsMax: number
  redialIntervalMs: number
  peerTxMessagesPerSecondMax: number
  peerTxBurstMessagesMax: number
  peerTxBytesPerSecondMax: number
  peerTxBurstBytesMax: number
  peerConsensusMessagesPerSecondMax: number
  peerConsensusBurstMessagesMax: number
  peerConsensusBytesPerSecondMax: number
  peerConsensusBurstBytesMax: number
  peerDirectMessagesPerSecondMax: number
  peerDirectBurstMessagesMax: number
  peerSyncRequestsPerSecondMax: number
  peerSyncBurstRequestsMax: number
  peerOffencesMax: number
  peerOffenceWindowMs: number
  peerBanDurationMs: number
}

export const DEFAULT_NETWORK_LIMITS: Readonly<NetworkLimits> = Object.freeze({
  txMessageBytesMax: TX_MESSAGE_BYTES_MAX,
  consensusMessageBytesMax: CONSENSUS_MESSAGE_BYTES_MAX,
  syncRequestTimeoutMs: SYNC_REQUEST_TIMEOUT_MS,
  syncResponseBytesMax: SYNC_RESPONSE_BYTES_MAX,
  syncInboundStreamsMax: SYNC_INBOUND_STREAMS_MAX,
  redialIntervalMs: REDIAL_INTERVAL_MS,
  peerTxMessagesPerSecondMax: PEER_TX_MESSAGES_PER_SECOND_MAX,
  peerTxBurstMessagesMax: PEER_TX_BURST_MESSAGES_MAX,
  peerTxBytesPerSecondMax: PEER_TX_BYTES_PER_SECOND_MAX,
  peerTxBurstBytesMax: PEER_TX_BURST_BYTES_MAX,
  peerConsensusMessagesPerSecondMax: PEER_CONSENSUS_MESSAGES_PER_SECOND_MAX,
  peerConsensusBurstMessagesMax: PEER_CONSENSUS_BURST_MESSAGES_MAX,
  peerConsensusBytesPerSecondMax: PEER_CONSENSUS_BYTES_PER_SECOND_MAX,
  peerConsensusBurstBytesMax: PEER_CONSENSUS_BURST_BYTES_MAX,
  peerDirectMessagesPerSecondMax: PEER_DIRECT_MESSAGES_PER_SECOND_MAX,
  peerDirectBurstMessagesMax: PEER_DIRECT_BURST_MESSAGES_MAX,
  peerSyncRequestsPerSecondMax: PEER_SYNC_REQUESTS_PER_SECOND_MAX,
  peerSyncBurstRequestsMax: PEER_SYNC_BURST_REQUESTS_MAX,
  peerOffencesMax: PEER_OFFENCES_MAX,
  peerOffenceWindowMs: PEER_OFFENCE_WINDOW_MS,
  peerBanDurationMs: PEER_BAN_DURATION_MS,
})

// The defaults must fit what the wire format allows.
if (TX_MESSAGE_BYTES_MAX < TX_BYTES_MAX + 1 * KiB || TX_MESSAGE_BYTES_MAX < TX_GOSSIP_BYTES_MAX || TX_MESSAGE_BYTES_MAX > 4 * MiB - 256 * KiB) throw new Error('TX_MESSAGE_BYTES_MAX cannot carry a maximal transaction')
if (CONSENSUS_MESSAGE_BYTES_MAX < BLOCK_BYTES_MAX + 64 * KiB) throw new Error('CONSENSUS_MESSAGE_BYTES_MAX cannot carry a maximal block')
if (SYNC_RESPONSE_BYTES_MAX < BLOCK_BYTES_MAX + 256 * KiB) throw new Error('SYNC_RESPONSE_BYTES_MAX cannot carry a maximal block')

// Internal limits, not worth configuring.
/** A sync request is [fromHeight, count] in msgpack: a few dozen bytes. */
export const SYNC_REQUEST_BYTES_MAX = 256
/** Bytes the server buffers while reading a request, so a somewhat oversized one still gets an error frame. */
export const SYNC_REQUEST_BUFFER_BYTES_MAX = 64 * KiB
/** Concurrent sync streams one connection may open to us (libp2p enforces it per protocol and connection). */
export const SYNC_INBOUND_STREAMS_PER_CONNECTION_MAX = 4
/** The server side gives a requester this long to send its request, in milliseconds. */
export const SYNC_SERVE_READ_TIMEOUT_MS = 5_000
/**
 * Largest gossipsub RPC frame. @libp2p/gossipsub 17.1.1 length-prefixes outbound RPCs with
 * it-length-prefixed's default 4 MiB cap and offers no option to raise it (libp2p/js-libp2p#3427), so a
 * bigger message is silently not sent. The inbound limit is set to the same value.
 */
export const GOSSIP_RPC_BYTES_MAX = 4 * MiB
/**
 * Consensus messages up to this size are gossiped; larger ones (proposals with big blocks) are sent
 * straight to every connected peer over the direct consensus protocol (direct.ts). Leaves room for the
 * RPC envelope and piggybacked control messages.
 */
export const GOSSIP_MESSAGE_BYTES_MAX = GOSSIP_RPC_BYTES_MAX - 256 * KiB
/** How many maximal RPCs may queue for one slow peer before its gossip stream is reset (and reopened). */
export const GOSSIP_OUTBOUND_BUFFER_RPCS_MAX = 4
/** Sending or receiving one direct consensus message must complete within this many milliseconds. */
export const DIRECT_CONSENSUS_TIMEOUT_MS = 30_000
/** Concurrent direct consensus streams one connection may open to us. */
export const DIRECT_CONSENSUS_INBOUND_STREAMS_PER_CONNECTION_MAX = 2
/** libp2p's per-host inbound connection rate limit (connections per second); all local testnet nodes share 127.0.0.1. */
export const INBOUND_CONNECTIONS_PER_HOST_PER_SECOND_MAX = 50

export function resolveLimits(partial: Partial<NetworkLimits> | undefined): NetworkLimits {
  const limits: NetworkLimits = { ...DEFAULT_NETWORK_LIMITS, ...stripUndefined(partial ?? {}) }
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`network limit ${name} must be a positive integer, got ${String(value)}`)
    }
  }
  // A burst must hold at least one maximal message, or such a message could never pass.
  if (limits.peerTxBurstBytesMax < limits.txMessageBytesMax) {
    throw new RangeError('network limit peerTxBurstBytesMax must be at least txMessageBytesMax')
  }
  if (limits.peerConsensusBurstBytesMax < Math.min(limits.consensusMessageBytesMax, GOSSIP_MESSAGE_BYTES_MAX)) {
    throw new RangeError('network limit peerConsensusBurstBytesMax must hold the largest gossiped consensus message')
  }
  if (limits.txMessageBytesMax > GOSSIP_MESSAGE_BYTES_MAX) {
    throw new RangeError(`network limit txMessageBytesMax cannot exceed ${GOSSIP_MESSAGE_BYTES_MAX}, the largest message gossipsub can send`)
  }
  return limits
}

function stripUndefined(partial: Partial<NetworkLimits>): Partial<NetworkLimits> {
  return Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined)) as Partial<NetworkLimits>
}
