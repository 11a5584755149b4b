// The p2p layer of a tonne node. See network.ts (gossip, gater, redial) and sync.ts (block sync protocol).
export { createNetwork, GOSSIP_SCORE_BAN_THRESHOLD } from './network.ts'
export { PeerGuard, TokenBucket, type OffenceReason, type PeerBan } from './peer-guard.ts'
export { generateNetworkKey, peerIdFromPrivateKeyHex, type NetworkKey } from './keys.ts'
export {
  CONSENSUS_MESSAGE_BYTES_MAX,
  DEFAULT_NETWORK_LIMITS,
  PEER_BAN_DURATION_MS,
  PEER_CONSENSUS_BURST_MESSAGES_MAX,
  PEER_CONSENSUS_MESSAGES_PER_SECOND_MAX,
  PEER_OFFENCES_MAX,
  PEER_OFFENCE_WINDOW_MS,
  PEER_SYNC_REQUESTS_PER_SECOND_MAX,
  PEER_TX_BURST_MESSAGES_MAX,
  PEER_TX_MESSAGES_PER_SECOND_MAX,
  REDIAL_INTERVAL_MS,
  SYNC_INBOUND_STREAMS_MAX,
  SYNC_REQUEST_TIMEOUT_MS,
  SYNC_RESPONSE_BYTES_MAX,
  TX_MESSAGE_BYTES_MAX,
  type NetworkLimits,
} from './limits.ts'
export {
  NetworkError,
  type Network,
  type NetworkErrorCode,
  type NetworkHandlers,
  type NetworkLogger,
  type NetworkOptions,
  type NetworkPeer,
  type ValidationResult,
} from './types.ts'
