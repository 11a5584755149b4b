// Public types of the network layer.
import type { SyncRequest, SyncResponse } from '../../client/wire.ts'
import type { NetworkLimits } from './limits.ts'

/** What a topic validator decides: deliver and forward, drop and penalise the sender, or just drop. */
export type ValidationResult = 'accept' | 'reject' | 'ignore'

/** A pino-compatible logger: pino's Logger satisfies this. */
export interface NetworkLogger {
  debug(object: Record<string, unknown>, message: string): void
  info(object: Record<string, unknown>, message: string): void
  warn(object: Record<string, unknown>, message: string): void
  error(object: Record<string, unknown>, message: string): void
}

export interface NetworkPeer {
  /** libp2p peer id, "12D3KooW..." */
  peerId: string
  /** Multiaddr it listens on, e.g. /ip4/10.0.0.2/tcp/26656 (a trailing /p2p/<peerId> is allowed). */
  address: string
}

export interface NetworkOptions {
  /** The node's network key: privateKeyToProtobuf hex, see generateNetworkKey. */
  privateKeyHex: string
  /** Multiaddr to listen on, e.g. /ip4/0.0.0.0/tcp/26656 (tcp/0 picks a free port; see Network.addresses). */
  listenAddress: string
  /** The genesis validators other than this node; a peer equal to this node is ignored. */
  peers: NetworkPeer[]
  /** Peer ids of all genesis validators. Nobody else may connect, in either direction, or author gossip. */
  allowedPeerIds: string[]
  /** Namespaces topics and the sync protocol; the chain id. */
  topicPrefix: string
  limits?: Partial<NetworkLimits>
  logger?: NetworkLogger
}

/**
 * Application callbacks. fromPeerId is the peer id of the message's author (gossipsub signs every message
 * with its author's network key and verifies it before the validator runs), not of the relaying peer.
 * The validator runs exactly once per message; only accepted messages reach onTx / onConsensus, each
 * once, and only they are forwarded. A handler that throws or rejects is logged and never crashes the
 * process; a throwing validator counts as 'ignore'. Messages a node publishes itself are not delivered
 * back to it.
 */
export interface NetworkHandlers {
  validateTx(bytes: Uint8Array, fromPeerId: string): ValidationResult | Promise<ValidationResult>
  /**
   * How many transactions a tx-topic message carries, charged against the per-peer message bucket before it is
   * validated (read from the message's header, without decoding it); 1 when absent.
   */
  txMessageCost?(bytes: Uint8Array): number
  onTx(bytes: Uint8Array, fromPeerId: string): void | Promise<void>
  validateConsensus(bytes: Uint8Array, fromPeerId: string): ValidationResult | Promise<ValidationResult>
  onConsensus(bytes: Uint8Array, fromPeerId: string): void | Promise<void>
  /** Serves a block sync request (already decoded and validated; count is at most SYNC_BLOCKS_PER_RESPONSE_MAX). */
  serveBlocks(request: SyncRequest, fromPeerId: string): Promise<SyncResponse>
}

export interface Network {
  /** This node's peer id. */
  readonly peerId: string
  /** Multiaddrs this node listens on, each ending in /p2p/<peerId>. */
  addresses(): string[]
  /** Peer ids with an open connection (all of them in allowedPeerIds). */
  connectedPeers(): string[]
  /** Peers banned right now for misbehaving (see PEER_OFFENCES_MAX), with the expiry and the last offence. */
  bannedPeers(): { peerId: string; untilMs: number; reason: string }[]
  /** gossipsub's score of a peer (negative after invalid messages; 0 for an unknown peer). */
  peerScore(peerId: string): number
  /**
   * Messages charged to a peer, per reason, since its last ban expired: offences (rejected, rate-limited,
   * malformed...) and 'gossip-relay-rate-limited' drops, which are not penalised.
   */
  peerOffences(peerId: string): Partial<Record<string, number>>
  /**
   * Gossips a signed transaction; resolves with the number of peers it was sent to (0 when none is
   * connected: that is logged, never thrown). Rejects with NetworkError MESSAGE_TOO_LARGE for a message
   * over the topic limit, which every peer would reject anyway.
   */
  publishTx(bytes: Uint8Array): Promise<number>
  /** As publishTx, on the consensus topic. */
  publishConsensus(bytes: Uint8Array): Promise<number>
  /** Asks one peer for blocks; rejects with a NetworkError (see NetworkErrorCode) on any failure. */
  requestBlocks(peerId: string, request: SyncRequest, options?: { signal?: AbortSignal }): Promise<SyncResponse>
  /** Closes every connection and stops listening. Idempotent. */
  stop(): Promise<void>
}

export type NetworkErrorCode =
  /** publish: the message is over the topic's size limit. */
  | 'MESSAGE_TOO_LARGE'
  /** requestBlocks: the peer id is not in allowedPeerIds (the connection gater would deny it). */
  | 'PEER_NOT_ALLOWED'
  /** requestBlocks: the peer is banned for misbehaving (for peerBanDurationMs). */
  | 'PEER_BANNED'
  /** requestBlocks: could not dial the peer or open the protocol stream. */
  | 'UNREACHABLE'
  /** requestBlocks: no complete response within syncRequestTimeoutMs. */
  | 'TIMEOUT'
  /** requestBlocks: the caller's signal aborted the request. */
  | 'ABORTED'
  /** requestBlocks: the response is over syncResponseBytesMax. */
  | 'RESPONSE_TOO_LARGE'
  /** requestBlocks: the response does not decode as a SyncResponse. */
  | 'MALFORMED_RESPONSE'
  /** requestBlocks: the peer answered with an error; see remoteCode (MALFORMED_REQUEST, BUSY, SERVER_ERROR). */
  | 'REMOTE_ERROR'
  /** The network was stopped. */
  | 'STOPPED'

export class NetworkError extends Error {
  override readonly name = 'NetworkError'
  constructor(
    readonly code: NetworkErrorCode,
    message: string,
    /** For REMOTE_ERROR: the code the peer sent. */
    readonly remoteCode?: string,
  ) {
    super(message)
  }
}
