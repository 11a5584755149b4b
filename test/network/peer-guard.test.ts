// PeerGuard on a manual clock: bucket arithmetic, the offence threshold and window, ban expiry.
import { describe, expect, it } from 'vitest'
import { DEFAULT_NETWORK_LIMITS, PEER_OFFENCES_MAX, PEER_OFFENCE_WINDOW_MS, PeerGuard, TokenBucket, type NetworkLimits, type PeerBan } from '../../node/network/index.ts'

function guard(limits: Partial<NetworkLimits> = {}) {
  let now = 1_000_000
  const bans: PeerBan[] = []
  const warnings: string[] = []
  const log = { debug() {}, info() {}, warn: (_: Record<string, unknown>, message: string) => void warnings.push(message), error() {} }
  const g = new PeerGuard({ limits: { ...DEFAULT_NETWORK_LIMITS, ...limits }, log, onBan: (ban) => void bans.push(ban), nowMs: () => now })
  return { g, bans, warnings, advance: (ms: number) => void (now += ms), now: () => now }
}

describe('TokenBucket', () => {
  it('starts full, refuses past its capacity and refills at its rate', () => {
    const bucket = new TokenBucket(10, 5, 0)
    for (let i = 0; i < 5; i++) expect(bucket.take(1, 0)).toBe(true)
    expect(bucket.take(1, 0)).toBe(false)
    expect(bucket.take(1, 99)).toBe(false) // 0.99 tokens
    expect(bucket.take(1, 100)).toBe(true)
    expect(bucket.take(1, 10_000)).toBe(true)
    expect(bucket.used(10_000)).toBe(1) // capped at the capacity: 4 left
    expect(bucket.has(5, 10_000)).toBe(false)
  })
})

describe('PeerGuard', () => {
  it('rate-limits gossip per peer, author and topic, by messages and by bytes', () => {
    const { g } = guard({ peerTxBurstMessagesMax: 3, peerTxMessagesPerSecondMax: 1, peerTxBurstBytesMax: 100 * 1024, peerTxBytesPerSecondMax: 1 })
    for (let i = 0; i < 3; i++) expect(g.allowGossip('p', 'p', 'tx', 10)).toBe(true)
    expect(g.allowGossip('p', 'p', 'tx', 10)).toBe(false)
    expect(g.allowGossip('p', 'author', 'tx', 10)).toBe(true) // the same relay, another author
    expect(g.allowGossip('q', 'p', 'tx', 10)).toBe(true) // another relay
    expect(g.allowGossip('p', 'p', 'consensus', 10)).toBe(true) // another topic
    // bytes: one message of the whole burst passes, the next byte does not
    expect(g.allowGossip('r', 'r', 'tx', 100 * 1024)).toBe(true)
    expect(g.allowGossip('r', 'r', 'tx', 1)).toBe(false)
  })

  it('bans on the offence after PEER_OFFENCES_MAX within the window, never for a few, and lets the peer back after the ban', () => {
    const { g, bans, warnings, advance } = guard()
    // An honest peer that slips now and then is never banned: offences refill over the window.
    for (let i = 0; i < 10 * PEER_OFFENCES_MAX; i++) {
      expect(g.offence('honest', 'gossip-rejected')).toBe(false)
      advance(PEER_OFFENCE_WINDOW_MS / PEER_OFFENCES_MAX + 1)
    }
    expect(g.isBanned('honest')).toBe(false)

    for (let i = 0; i < PEER_OFFENCES_MAX; i++) expect(g.offence('rogue', 'sync-malformed')).toBe(false)
    expect(g.isBanned('rogue')).toBe(false)
    expect(g.offenceLevel('rogue')).toBe(PEER_OFFENCES_MAX)
    expect(g.offence('rogue', 'sync-malformed')).toBe(true)
    expect(g.isBanned('rogue')).toBe(true)
    expect(bans).toEqual([{ peerId: 'rogue', untilMs: expect.any(Number), reason: 'sync-malformed' }])
    expect(warnings).toHaveLength(1)
    // While banned: nothing more is counted and onBan is not called again.
    expect(g.offence('rogue', 'sync-malformed')).toBe(false)
    expect(g.offenceCounts('rogue')).toEqual({ 'sync-malformed': PEER_OFFENCES_MAX + 1 })
    expect(g.banned().map((ban) => ban.peerId)).toEqual(['rogue'])

    advance(DEFAULT_NETWORK_LIMITS.peerBanDurationMs - 1)
    expect(g.isBanned('rogue')).toBe(true)
    advance(1)
    expect(g.isBanned('rogue')).toBe(false)
    expect(g.banned()).toEqual([])
    // It returns with fresh buckets and counts.
    expect(g.offenceCounts('rogue')).toEqual({})
    expect(g.offence('rogue', 'sync-malformed')).toBe(false)
    expect(bans).toHaveLength(1)
  })

  it('counts relay drops without penalising them', () => {
    const { g } = guard()
    for (let i = 0; i < 10 * PEER_OFFENCES_MAX; i++) g.drop('relay', 'gossip-relay-rate-limited')
    expect(g.isBanned('relay')).toBe(false)
    expect(g.offenceLevel('relay')).toBe(0)
    expect(g.offenceCounts('relay')).toEqual({ 'gossip-relay-rate-limited': 10 * PEER_OFFENCES_MAX })
  })
})
