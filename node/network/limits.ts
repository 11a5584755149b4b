// Limits of the p2p layer, with their units in the name. createNetwork takes a Partial<NetworkLimits> and
// fills the rest from DEFAULT_NETWORK_LIMITS.
import { BLOCK_BYTES_MAX, TX_BYTES_MAX } from '../../client/wire.ts'

const KiB = 1024
const MiB = 1024 * KiB

/** Largest message accepted on the txs topic: a signed transaction (TX_BYTES_MAX + signature + framing). */
export const TX_MESSAGE_BYTES_MAX = 70 * KiB
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

export interface NetworkLimits {
  txMessageBytesMax: number
  consensusMessageBytesMax: number
  syncRequestTimeoutMs: number
  syncResponseBytesMax: number
  syncInboundStreamsMax: number
  redialIntervalMs: number
}

export const DEFAULT_NETWORK_LIMITS: Readonly<NetworkLimits> = Object.freeze({
  txMessageBytesMax: TX_MESSAGE_BYTES_MAX,
  consensusMessageBytesMax: CONSENSUS_MESSAGE_BYTES_MAX,
  syncRequestTimeoutMs: SYNC_REQUEST_TIMEOUT_MS,
  syncResponseBytesMax: SYNC_RESPONSE_BYTES_MAX,
  syncInboundStreamsMax: SYNC_INBOUND_STREAMS_MAX,
  redialIntervalMs: REDIAL_INTERVAL_MS,
})

// The defaults must fit what the wire format allows.
if (TX_MESSAGE_BYTES_MAX < TX_BYTES_MAX + 1 * KiB || TX_MESSAGE_BYTES_MAX > 4 * MiB - 256 * KiB) throw new Error('TX_MESSAGE_BYTES_MAX cannot carry a maximal transaction')
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
  if (limits.txMessageBytesMax > GOSSIP_MESSAGE_BYTES_MAX) {
    throw new RangeError(`network limit txMessageBytesMax cannot exceed ${GOSSIP_MESSAGE_BYTES_MAX}, the largest message gossipsub can send`)
  }
  return limits
}

function stripUndefined(partial: Partial<NetworkLimits>): Partial<NetworkLimits> {
  return Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined)) as Partial<NetworkLimits>
}
