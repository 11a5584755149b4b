// The p2p layer of a tonne node. See network.ts (gossip, gater, redial) and sync.ts (block sync protocol).
export { createNetwork } from './network.ts'
export { generateNetworkKey, peerIdFromPrivateKeyHex, type NetworkKey } from './keys.ts'
export {
  CONSENSUS_MESSAGE_BYTES_MAX,
  DEFAULT_NETWORK_LIMITS,
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
