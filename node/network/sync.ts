// The block sync request/response protocol, one request per stream:
//
//   requester -> server   one length-prefixed frame (unsigned varint length): encodeSyncRequest bytes;
//                         then the requester closes its writable end.
//   server -> requester   one length-prefixed frame: a status byte, then
//                           0x00 + encodeSyncResponse bytes, or
//                           0x01 + msgpack [code, message] where code is MALFORMED_REQUEST | BUSY | SERVER_ERROR;
//                         then the server closes its writable end.
//
// Both sides bound what they read (request: SYNC_REQUEST_BYTES_MAX; response: syncResponseBytesMax) and
// time out. Nothing a peer sends can throw out of here: every failure becomes a NetworkError for the
// requester and an error frame or a reset stream for the server.
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import {
  SYNC_BLOCKS_PER_RESPONSE_MAX,
  WireError,
  concatBytes,
  decode,
  decodeSyncRequest,
  decodeSyncResponse,
  encode,
  encodeSyncRequest,
  encodeSyncResponse,
  type SyncRequest,
  type SyncResponse,
} from '../../client/wire.ts'
import { SYNC_REQUEST_BUFFER_BYTES_MAX, SYNC_REQUEST_BYTES_MAX, SYNC_SERVE_READ_TIMEOUT_MS, type NetworkLimits } from './limits.ts'
import type { PeerGuard } from './peer-guard.ts'
import { NetworkError, type NetworkHandlers, type NetworkLogger } from './types.ts'

const STATUS_OK = 0
const STATUS_ERROR = 1
/** Error codes a server sends back. */
export type SyncServerErrorCode = 'MALFORMED_REQUEST' | 'BUSY' | 'SERVER_ERROR'

/** Length-prefix bytes plus a little slack for the byte stream buffer. */
const FRAME_SLACK_BYTES = 64

export function syncProtocolId(topicPrefix: string): string {
  return `/${topicPrefix}/tonne/blocks/1`
}

interface Dialer {
  dialProtocol(peer: PeerId, protocols: string, options: { signal: AbortSignal }): Promise<Stream>
}

export async function requestBlocks(
  dialer: Dialer,
  peer: PeerId,
  protocol: string,
  request: SyncRequest,
  limits: NetworkLimits,
  callerSignal: AbortSignal | undefined,
): Promise<SyncResponse> {
  const timeout = AbortSignal.timeout(limits.syncRequestTimeoutMs)
  const signal = callerSignal === undefined ? timeout : AbortSignal.any([timeout, callerSignal])
  const requestBytes = encodeSyncRequest(request)
  let stream: Stream | undefined
  let frame: Uint8Array
  try {
    stream = await dialer.dialProtocol(peer, protocol, { signal })
    const lp = lpStream(stream, {
      maxDataLength: limits.syncResponseBytesMax + 1,
      maxBufferSize: limits.syncResponseBytesMax + FRAME_SLACK_BYTES,
    })
    await lp.write(requestBytes, { signal })
    await stream.close({ signal })
    frame = (await lp.read({ signal })).subarray()
  } catch (error) {
    stream?.abort(error instanceof Error ? error : new Error(String(error)))
    throw requestFailure(error, peer, stream !== undefined, timeout, callerSignal, limits)
  }
  return parseResponseFrame(frame, peer)
}

function requestFailure(
  error: unknown,
  peer: PeerId,
  streamOpened: boolean,
  timeout: AbortSignal,
  callerSignal: AbortSignal | undefined,
  limits: NetworkLimits,
): NetworkError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  if (callerSignal?.aborted === true) return new NetworkError('ABORTED', `block sync request to ${peer} aborted`)
  if (timeout.aborted) return new NetworkError('TIMEOUT', `block sync request to ${peer} timed out after ${limits.syncRequestTimeoutMs} ms`)
  const name = error instanceof Error ? error.name : ''
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError' || name === 'StreamBufferError') {
    return new NetworkError('RESPONSE_TOO_LARGE', `block sync response from ${peer} is over ${limits.syncResponseBytesMax} bytes (${detail})`)
  }
  if (!streamOpened) return new NetworkError('UNREACHABLE', `cannot open a block sync stream to ${peer}: ${detail}`)
  return new NetworkError('MALFORMED_RESPONSE', `block sync stream to ${peer} failed: ${detail}`)
}

function parseResponseFrame(frame: Uint8Array, peer: PeerId): SyncResponse {
  const status = frame[0]
  const payload = frame.subarray(1)
  if (status === STATUS_OK) {
    try {
      return decodeSyncResponse(payload)
    } catch (error) {
      throw new NetworkError('MALFORMED_RESPONSE', `malformed block sync response from ${peer}: ${(error as Error).message}`)
    }
  }
  if (status === STATUS_ERROR) {
    let code = 'UNKNOWN'
    let message = ''
    try {
      const value = decode(payload)
      if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') {
        code = value[0].slice(0, 64)
        message = value[1].slice(0, 500)
      }
    } catch {
      // an undecodable error frame still is an error
    }
    throw new NetworkError('REMOTE_ERROR', `peer ${peer} refused the block sync request: ${code}${message === '' ? '' : `: ${message}`}`, code)
  }
  throw new NetworkError('MALFORMED_RESPONSE', `block sync response from ${peer} has unknown status ${String(status)}`)
}

// ---------------------------------------------------------------------------------------------------------
// Serving side.

export interface SyncServer {
  handle(stream: Stream, connection: Connection): Promise<void>
}

export function createSyncServer(
  serveBlocks: NetworkHandlers['serveBlocks'],
  limits: NetworkLimits,
  log: NetworkLogger,
  guard: Pick<PeerGuard, 'isBanned' | 'allowSyncRequest' | 'offence'>,
): SyncServer {
  let active = 0

  async function handle(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    const lp = lpStream(stream, { maxDataLength: SYNC_REQUEST_BYTES_MAX, maxBufferSize: SYNC_REQUEST_BUFFER_BYTES_MAX })
    const writeSignal = (): AbortSignal => AbortSignal.timeout(limits.syncRequestTimeoutMs)

    async function respond(frame: Uint8Array): Promise<void> {
      await lp.write(frame, { signal: writeSignal() })
      await stream.close({ signal: writeSignal() })
    }
    async function respondError(code: SyncServerErrorCode, message: string): Promise<void> {
      await respond(concatBytes(new Uint8Array([STATUS_ERROR]), encode([code, message])))
    }

    if (guard.isBanned(peer)) {
      stream.abort(new Error('peer is banned'))
      return
    }
    if (!guard.allowSyncRequest(peer)) {
      guard.offence(peer, 'sync-rate-limited')
      log.debug({ peer }, 'block sync: peer over its request rate, answering BUSY')
      await respondError('BUSY', 'too many block sync requests from this peer').catch((error: unknown) => stream.abort(asError(error)))
      return
    }
    if (active >= limits.syncInboundStreamsMax) {
      log.debug({ peer }, 'block sync: too many concurrent requests, answering BUSY')
      await respondError('BUSY', `serving ${active} block sync requests already`).catch((error: unknown) => stream.abort(asError(error)))
      return
    }
    active++
    try {
      let requestBytes: Uint8Array
      try {
        requestBytes = (await lp.read({ signal: AbortSignal.timeout(SYNC_SERVE_READ_TIMEOUT_MS) })).subarray()
      } catch (error) {
        const name = asError(error).name
        if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError' || name === 'StreamBufferError') {
          log.debug({ peer }, 'block sync: oversized request')
          guard.offence(peer, 'sync-malformed', { why: 'oversized' })
          await respondError('MALFORMED_REQUEST', `a sync request is at most ${SYNC_REQUEST_BYTES_MAX} bytes`)
        } else {
          log.debug({ peer, err: asError(error).message }, 'block sync: no request read')
          stream.abort(asError(error))
        }
        return
      }

      let request: SyncRequest
      try {
        request = decodeSyncRequest(requestBytes)
      } catch (error) {
        const message = error instanceof WireError || asError(error).name === 'DecodeError' ? asError(error).message : 'undecodable request'
        log.debug({ peer, err: message }, 'block sync: malformed request')
        guard.offence(peer, 'sync-malformed', { err: message })
        await respondError('MALFORMED_REQUEST', message)
        return
      }

      let payload: Uint8Array
      try {
        const response = await withTimeout(serveBlocks(request, peer), limits.syncRequestTimeoutMs, 'serveBlocks did not answer in time')
        payload = encodeBounded(response, Math.min(request.count, SYNC_BLOCKS_PER_RESPONSE_MAX), limits.syncResponseBytesMax, (kept, total) =>
          log.warn({ peer, kept, total, syncResponseBytesMax: limits.syncResponseBytesMax }, 'block sync: response trimmed to its size limit'),
        )
      } catch (error) {
        log.error({ peer, err: asError(error).message, fromHeight: request.fromHeight, count: request.count }, 'block sync: serveBlocks failed')
        await respondError('SERVER_ERROR', 'the peer could not serve the requested blocks')
        return
      }
      await respond(concatBytes(new Uint8Array([STATUS_OK]), payload))
    } catch (error) {
      log.debug({ peer, err: asError(error).message }, 'block sync: stream failed while serving')
      stream.abort(asError(error))
    } finally {
      active--
    }
  }

  return { handle }
}

/**
 * Encodes a response under maxBytes (and with at most maxBlocks blocks) by dropping trailing blocks: a
 * shorter contiguous prefix is still a valid answer, and the requester asks again from where it ends.
 */
export function encodeBounded(
  response: SyncResponse,
  maxBlocks: number,
  maxBytes: number,
  onTrim: (kept: number, total: number) => void,
): Uint8Array {
  let blocks = response.blocks.slice(0, maxBlocks)
  let encoded = encodeSyncResponse({ latestHeight: response.latestHeight, blocks })
  if (encoded.length <= maxBytes) return encoded
  // Estimate a prefix that fits (msgpack adds at most 5 bytes per binary header and per array), then
  // drop more if the estimate was short.
  let size = 32
  let fitting = 0
  for (const entry of blocks) {
    size += entry.block.length + entry.certificate.length + 16
    if (size > maxBytes) break
    fitting++
  }
  blocks = blocks.slice(0, fitting)
  encoded = encodeSyncResponse({ latestHeight: response.latestHeight, blocks })
  while (encoded.length > maxBytes && blocks.length > 0) {
    blocks = blocks.slice(0, -1)
    encoded = encodeSyncResponse({ latestHeight: response.latestHeight, blocks })
  }
  onTrim(blocks.length, response.blocks.length)
  return encoded
}

/** Frees the serving slot even when the application never answers (its promise is left to settle alone). */
async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
