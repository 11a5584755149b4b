// The direct consensus protocol: consensus messages too large for gossipsub (see GOSSIP_MESSAGE_BYTES_MAX)
// are sent by their author straight to every connected peer, one message per stream:
//
//   author -> peer   one length-prefixed frame (unsigned varint length) holding the message; then close.
//
// The receiver runs the same validateConsensus / onConsensus handlers as for gossip, with the
// authenticated remote peer as author. There is no relaying: in a permissioned network every validator
// keeps a connection to every other, and one that missed a proposal catches up through block sync.
import type { Connection, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { DIRECT_CONSENSUS_TIMEOUT_MS, type NetworkLimits } from './limits.ts'
import type { PeerGuard } from './peer-guard.ts'
import type { NetworkHandlers, NetworkLogger, ValidationResult } from './types.ts'

export function directConsensusProtocolId(topicPrefix: string): string {
  return `/${topicPrefix}/tonne/consensus-direct/1`
}

const FRAME_SLACK_BYTES = 64

/** Sends one message over a new stream on an existing connection; resolves true when it was handed over. */
export async function sendDirect(connection: Connection, protocol: string, bytes: Uint8Array, log: NetworkLogger): Promise<boolean> {
  const signal = AbortSignal.timeout(DIRECT_CONSENSUS_TIMEOUT_MS)
  let stream: Stream | undefined
  try {
    stream = await connection.newStream(protocol, { signal })
    await lpStream(stream).write(bytes, { signal })
    await stream.close({ signal })
    return true
  } catch (error) {
    stream?.abort(error instanceof Error ? error : new Error(String(error)))
    log.warn({ peer: connection.remotePeer.toString(), bytes: bytes.length, err: (error as Error).message }, 'direct consensus send failed')
    return false
  }
}

export function createDirectConsensusHandler(
  handlers: Pick<NetworkHandlers, 'validateConsensus' | 'onConsensus'>,
  limits: NetworkLimits,
  deliver: (author: string, bytes: Uint8Array) => void,
  log: NetworkLogger,
  guard: Pick<PeerGuard, 'isBanned' | 'allowDirect' | 'offence'>,
): (stream: Stream, connection: Connection) => Promise<void> {
  return async (stream, connection) => {
    const author = connection.remotePeer.toString()
    if (guard.isBanned(author)) {
      stream.abort(new Error('peer is banned'))
      return
    }
    if (!guard.allowDirect(author)) {
      guard.offence(author, 'direct-rate-limited')
      stream.abort(new Error('too many direct consensus messages'))
      return
    }
    let bytes: Uint8Array
    try {
      const lp = lpStream(stream, {
        maxDataLength: limits.consensusMessageBytesMax,
        maxBufferSize: limits.consensusMessageBytesMax + FRAME_SLACK_BYTES,
      })
      bytes = (await lp.read({ signal: AbortSignal.timeout(DIRECT_CONSENSUS_TIMEOUT_MS) })).subarray()
      await stream.close()
    } catch (error) {
      const name = error instanceof Error ? error.name : ''
      // Oversized or garbled framing is the sender's fault; a timeout or reset may be the network's.
      if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError' || name === 'StreamBufferError') {
        guard.offence(author, 'direct-malformed', { err: (error as Error).message })
      }
      log.debug({ peer: author, err: (error as Error).message }, 'direct consensus message not received')
      stream.abort(error instanceof Error ? error : new Error(String(error)))
      return
    }
    let result: ValidationResult
    try {
      result = await handlers.validateConsensus(bytes, author)
    } catch (error) {
      log.warn({ peer: author, err: (error as Error).message }, 'consensus validator threw; ignoring the direct message')
      return
    }
    if (result === 'accept') deliver(author, bytes)
    else if (result === 'reject') guard.offence(author, 'direct-rejected')
    else log.debug({ peer: author, result }, 'direct consensus message not accepted')
  }
}
