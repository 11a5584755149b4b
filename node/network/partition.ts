// Test-only network partition switch. When the environment variable TONNE_TEST_PARTITION_FILE names a file, the
// node polls it every PARTITION_POLL_INTERVAL_MS; it holds {"blockedPeerIds": ["12D3Koo..."]}. The connection gater
// (network.ts) refuses dials to and connections from a blocked peer, and existing connections to a peer that
// becomes blocked are closed at once. A missing or unreadable file blocks nothing; so does a file that is not valid
// JSON of that shape, with a warning — never a crash. When the variable is
// unset none of this runs. Consensus and the application know nothing of it: to them it is a network fault.
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { NetworkLogger } from './types.ts'

export const PARTITION_FILE_ENV = 'TONNE_TEST_PARTITION_FILE'
export const PARTITION_POLL_INTERVAL_MS = 100
/** A partition file larger than this is ignored (it only lists a few peer ids). */
export const PARTITION_FILE_BYTES_MAX = 64 * 1024
/** Entries beyond this in blockedPeerIds make the file invalid. */
export const PARTITION_BLOCKED_PEERS_MAX = 1_000
/** A libp2p peer id string (base58btc or CID form) is far shorter than this. */
const PEER_ID_CHARS_MAX = 128

export type PartitionFileContent = { ok: true; blocked: Set<string> } | { ok: false; reason: string; missing: boolean }

/** Parses the text of a partition file. Pure; never throws. */
export function parsePartitionFile(text: string): PartitionFileContent {
  if (text.length > PARTITION_FILE_BYTES_MAX) return { ok: false, missing: false, reason: `over ${PARTITION_FILE_BYTES_MAX} bytes` }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return { ok: false, missing: false, reason: `not valid JSON: ${(error as Error).message}` }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, missing: false, reason: 'expected a JSON object {"blockedPeerIds": [...]}' }
  const list = (value as { blockedPeerIds?: unknown }).blockedPeerIds
  if (!Array.isArray(list)) return { ok: false, missing: false, reason: 'blockedPeerIds must be an array of peer id strings' }
  if (list.length > PARTITION_BLOCKED_PEERS_MAX) return { ok: false, missing: false, reason: `blockedPeerIds has over ${PARTITION_BLOCKED_PEERS_MAX} entries` }
  const blocked = new Set<string>()
  for (const entry of list) {
    if (typeof entry !== 'string' || entry.length === 0 || entry.length > PEER_ID_CHARS_MAX) return { ok: false, missing: false, reason: 'blockedPeerIds must hold only non-empty peer id strings' }
    blocked.add(entry)
  }
  return { ok: true, blocked }
}

export interface PartitionSwitch {
  /** Whether the peer (its string form) is cut off right now. */
  isBlocked(peerId: string): boolean
  /** Called with the peers that have just become blocked (after every change of the file). */
  onBlock(listener: (newlyBlocked: string[]) => void): void
  stop(): void
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false
  for (const entry of a) if (!b.has(entry)) return false
  return true
}

/** Starts the switch on `path`: reads it once now (synchronously, so the first dials already obey it), then polls. */
export function startPartitionSwitch(path: string, log: NetworkLogger, pollIntervalMs = PARTITION_POLL_INTERVAL_MS): PartitionSwitch {
  let blocked = new Set<string>()
  let lastWarning = ''
  let stopped = false
  let reading = false
  const listeners: ((newlyBlocked: string[]) => void)[] = []

  const apply = (text: string | null): void => {
    const content: PartitionFileContent = text === null ? { ok: false, missing: true, reason: 'missing or unreadable' } : parsePartitionFile(text)
    let next = new Set<string>()
    if (content.ok) {
      next = content.blocked
      lastWarning = ''
    } else if (content.missing) {
      lastWarning = ''
    } else {
      // An invalid file blocks nothing, like a missing one; warned once per distinct problem, not every poll.
      if (content.reason !== lastWarning) log.warn({ path, reason: content.reason }, 'ignoring an invalid test partition file: nothing is blocked')
      lastWarning = content.reason
    }
    if (sameSet(next, blocked)) return
    const newlyBlocked = [...next].filter((peer) => !blocked.has(peer))
    blocked = next
    log.warn({ path, blockedPeerIds: [...blocked] }, 'test partition switch changed the blocked peers')
    if (newlyBlocked.length === 0) return
    for (const listener of listeners) {
      try {
        listener(newlyBlocked)
      } catch (error) {
        log.warn({ err: (error as Error).message }, 'test partition listener threw')
      }
    }
  }

  const readSync = (): string | null => {
    try {
      return readFileSync(path, 'utf8')
    } catch {
      return null
    }
  }
  apply(readSync())

  const poll = async (): Promise<void> => {
    if (reading || stopped) return
    reading = true
    let text: string | null
    try {
      text = await readFile(path, 'utf8')
    } catch {
      text = null
    } finally {
      reading = false
    }
    if (!stopped) apply(text)
  }
  const timer = setInterval(() => void poll(), pollIntervalMs)
  timer.unref()
  log.warn({ path, pollIntervalMs }, `${PARTITION_FILE_ENV} is set: the test partition switch is active`)

  return {
    isBlocked: (peerId) => blocked.has(peerId),
    onBlock: (listener) => void listeners.push(listener),
    stop: () => {
      stopped = true
      clearInterval(timer)
    },
  }
}

/** The switch when TONNE_TEST_PARTITION_FILE is set (non-empty), else null: nothing polls and nothing is blocked. */
export function partitionSwitchFromEnv(env: NodeJS.ProcessEnv, log: NetworkLogger): PartitionSwitch | null {
  const path = env[PARTITION_FILE_ENV]
  if (path === undefined || path === '') return null
  return startPartitionSwitch(path, log)
}
