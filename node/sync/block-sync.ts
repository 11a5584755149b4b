// Block sync: a node that restarted or fell behind fetches committed blocks with their commit certificates from
// peers, verifies the certificates and applies the blocks through the consensus driver's queue.
import { decodeCertificate, SYNC_BLOCKS_PER_RESPONSE_MAX, WireError, type SyncRequest, type SyncResponse } from '../../client/wire.ts'
import { systemClock, type Clock, type ConsensusDriver, type Logger } from '../../consensus/driver.ts'
import type { Store } from '../storage/store.ts'

export const SYNC_INTERVAL_MS = 1_000
export const SYNC_RESPONSE_BYTES_MAX = 16 * 1024 * 1024

export interface SyncPeers {
  connectedPeers(): string[]
  requestBlocks(peerId: string, request: SyncRequest): Promise<SyncResponse>
}

export async function serveBlocks(store: Store, latestHeight: number, request: SyncRequest): Promise<SyncResponse> {
  const blocks: SyncResponse['blocks'] = []
  let bytes = 0
  const last = Math.min(latestHeight, request.fromHeight + Math.min(request.count, SYNC_BLOCKS_PER_RESPONSE_MAX) - 1)
  for (let height = Math.max(1, request.fromHeight); height <= last; height += 1) {
    const [block, certificate] = await Promise.all([store.getBlock(height), store.getCertificate(height)])
    if (block === undefined || certificate === undefined) break
    bytes += block.length + certificate.length
    if (bytes > SYNC_RESPONSE_BYTES_MAX && blocks.length > 0) break
    blocks.push({ block, certificate })
  }
  return { latestHeight, blocks }
}

export class BlockSync {
  private timer: unknown = null
  private stopped = false
  private running = false
  /** The latest height each peer reported in its last sync answer. */
  private readonly peerHeights = new Map<string, number>()
  private peerCursor = 0

  constructor(
    private readonly driver: ConsensusDriver,
    private readonly peers: SyncPeers,
    private readonly latestHeight: () => number,
    private readonly logger: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  /** True while some peer reports a height above ours by more than one block. */
  get catchingUp(): boolean {
    const connected = new Set(this.peers.connectedPeers())
    let best = 0
    for (const [peer, height] of this.peerHeights) if (connected.has(peer)) best = Math.max(best, height)
    return best > this.latestHeight() + 1
  }

  start(): void {
    this.stopped = false
    this.schedule()
    void this.tick()
  }

  stop(): void {
    this.stopped = true
    if (this.timer !== null) this.clock.clearTimeout(this.timer)
    this.timer = null
  }

  private schedule(): void {
    if (this.stopped) return
    this.timer = this.clock.setTimeout(() => {
      void this.tick()
      this.schedule()
    }, SYNC_INTERVAL_MS)
    // A pending sync tick alone never keeps the process alive.
    ;(this.timer as { unref?: () => void } | null)?.unref?.()
  }

  /** One round of sync: ask the next connected peer for blocks after our latest height, until caught up. */
  async tick(): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      const peers = this.peers.connectedPeers()
      if (peers.length === 0) return
      const peer = peers[this.peerCursor++ % peers.length] as string
      for (;;) {
        const fromHeight = this.latestHeight() + 1
        let response: SyncResponse
        try {
          response = await this.peers.requestBlocks(peer, { fromHeight, count: SYNC_BLOCKS_PER_RESPONSE_MAX })
        } catch (error) {
          this.logger.debug({ peer, error: (error as Error).message }, 'block sync request failed')
          return
        }
        this.peerHeights.set(peer, response.latestHeight)
        if (response.blocks.length === 0) return
        for (const [offset, entry] of response.blocks.entries()) {
          const height = fromHeight + offset
          if (height <= this.latestHeight()) continue
          let certificate
          try {
            certificate = decodeCertificate(entry.certificate)
          } catch (error) {
            this.logger.warn({ peer, height, error: (error as WireError).message }, 'peer sent a malformed certificate')
            return
          }
          if (certificate.height !== height || !this.driver.verifyCertificate(certificate)) {
            this.logger.warn({ peer, height }, 'peer sent a block without a valid commit certificate')
            return
          }
          const applied = await this.driver.applySyncedBlock(height, entry.block, certificate)
          if (!applied && height > this.latestHeight()) return
        }
        if (this.latestHeight() >= response.latestHeight) return
      }
    } finally {
      this.running = false
    }
  }
}
