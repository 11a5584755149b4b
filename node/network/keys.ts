// The node's network identity: an Ed25519 libp2p key, stored as the hex of its libp2p protobuf encoding
// (privateKeyToProtobuf). `tonne testnet` writes one per node; the peer id derives from it.
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { bytesToHex, hexToBytes } from '../../client/wire.ts'

export interface NetworkKey {
  /** privateKeyToProtobuf(key) as lowercase hex. */
  privateKeyHex: string
  /** The libp2p peer id (base58btc, "12D3KooW...") of the key. */
  peerId: string
}

export async function generateNetworkKey(): Promise<NetworkKey> {
  const key = await generateKeyPair('Ed25519')
  return { privateKeyHex: bytesToHex(privateKeyToProtobuf(key)), peerId: peerIdFromPrivateKey(key).toString() }
}

/** Parses a network key; throws a clear error for anything that is not a hex protobuf Ed25519 key. */
export function privateKeyFromHex(privateKeyHex: string): Ed25519PrivateKey {
  if (typeof privateKeyHex !== 'string' || !/^(?:[0-9a-fA-F]{2})+$/.test(privateKeyHex.trim())) {
    throw new Error('network private key must be hex (privateKeyToProtobuf encoding)')
  }
  let key
  try {
    key = privateKeyFromProtobuf(hexToBytes(privateKeyHex.trim().toLowerCase()))
  } catch (error) {
    throw new Error(`network private key is not a libp2p protobuf key: ${(error as Error).message}`)
  }
  if (key.type !== 'Ed25519') throw new Error(`network private key must be Ed25519, got ${key.type}`)
  return key
}

export function peerIdFromPrivateKeyHex(privateKeyHex: string): string {
  return peerIdFromPrivateKey(privateKeyFromHex(privateKeyHex)).toString()
}
