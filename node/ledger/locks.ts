// Locks on credits: collateral (an owner locks units in favour of a secured party until a block time) and
// immobilisation (a registry locks a serial range whoever holds it). Locked units keep their owner, get status
// 'locked' and the lock's id, and cannot be transferred, retired, cancelled or locked again (selection skips them by
// quantity and refuses them by range: LOCKED_UNIT). Releasing a lock makes them active again with their owners;
// seizing moves them to the secured party. Collateral locks whose expiry is at or before a block's time are
// released by the ledger itself at the start of that block (releaseExpiredLocks, called by node/app/execute.ts), in
// key order, so every node releases the same locks in the same order.
import type { StateReader, StateView } from '../state/view.ts'
import type { BlockContext, RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { holdingsOverlapping, rewritePieces, type Piece } from './holdings.ts'
import { encodeRecord, keys, padInteger, PREFIX, prefixEnd, readRange, readRecord, type HoldingRecord, type LockPiece, type LockRecord } from './keys.ts'
import { invariant, reject } from './result.ts'
import type { TxResult } from '../../client/wire.ts'

/** The furthest a collateral lock may expire after the block that creates it: ten years of 365.25 days. */
export const LOCK_DURATION_MS_MAX = 10 * 365.25 * 24 * 60 * 60 * 1000
/** Collateral locks released at one block boundary at most; later ones wait for the next block (still expired). */
export const EXPIRED_LOCKS_PER_BLOCK_MAX = 1_000

/** INVALID_EXPIRY unless `expiresAtMs` is after the block time and at most LOCK_DURATION_MS_MAX after it; else null. */
export function expiryRejection(context: Pick<RuleContext, 'timeMs'>, expiresAtMs: number): TxResult | null {
  if (expiresAtMs > context.timeMs && expiresAtMs - context.timeMs <= LOCK_DURATION_MS_MAX) return null
  return reject('INVALID_EXPIRY', `expiresAtMs ${expiresAtMs} must be after the block time ${context.timeMs} and at most ${LOCK_DURATION_MS_MAX} ms after it`)
}

/** A new lock named by this transaction's id over the selected pieces; the kind-specific fields are given. */
export function newLock(context: RuleContext, kind: LockRecord['kind'], batchId: string, pieces: Piece[], fields: Pick<LockRecord, 'owner' | 'securedParty' | 'registry' | 'expiresAtMs' | 'reason'>): LockRecord {
  return { id: context.txId, kind, batchId, pieces: lockPiecesOf(pieces), ...fields, createdHeight: context.height, createdTimeMs: context.timeMs }
}

/** How a lock is ended, for rejections naming the wrong one: who ends this kind, and with which transaction. */
export function describeLock(lock: LockRecord): string {
  if (lock.kind === 'offer') return `lock ${lock.id} is the reservation of an offer (its seller cancels it: trade.cancel)`
  if (lock.kind === 'immobilised') return `lock ${lock.id} is an immobilisation by ${lock.registry} (that registry mobilises it: credit.mobilise)`
  return `lock ${lock.id} is a collateral lock (its secured party releases or seizes it: credit.release, credit.seize)`
}

/**
 * Whether a lock (or the offer it reserves for) has reached its expiry at block time `timeMs`: the boundary releases
 * exactly these (releaseExpiredLocks), and a rule treats one the boundary has not reached yet (more than
 * EXPIRED_LOCKS_PER_BLOCK_MAX fell due at once) as ended too.
 */
export function pastExpiry(lock: Pick<LockRecord, 'expiresAtMs'>, timeMs: number): boolean {
  return lock.expiresAtMs > 0 && lock.expiresAtMs <= timeMs
}

export async function readLock(reader: StateReader, lockId: string): Promise<LockRecord | undefined> {
  return readRecord<LockRecord>(reader, keys.lock(lockId))
}

/** Serial-ordered, merged by owner: the pieces a lock records. */
export function lockPiecesOf(pieces: Piece[]): LockPiece[] {
  const out: LockPiece[] = []
  for (const { holding, range } of pieces) {
    const last = out[out.length - 1]
    if (last !== undefined && last.owner === holding.owner && last.end + 1 === range.start) last.end = range.end
    else out.push({ start: range.start, end: range.end, owner: holding.owner })
  }
  return out
}

/** Writes a new lock: its record, its party and expiry indexes, and its holdings (status 'locked'). */
export function writeLock(view: StateView, lock: LockRecord, pieces: Piece[]): void {
  rewritePieces(view, pieces, (holding) => ({ owner: holding.owner, status: 'locked', lockId: lock.id }))
  view.put(keys.lock(lock.id), encodeRecord(lock))
  for (const party of lockParties(lock)) view.put(keys.lockParty(party, lock.id), encodeRecord(null))
  if (lock.expiresAtMs > 0) view.put(keys.lockExpiry(lock.expiresAtMs, lock.id), encodeRecord(null))
}

function lockParties(lock: LockRecord): string[] {
  return [...new Set([lock.owner, lock.securedParty, ...lock.pieces.map((piece) => piece.owner)].filter((party) => party !== ''))].sort()
}

/** The holdings a lock holds now, as pieces covering each of its recorded pieces exactly. */
async function lockedPieces(reader: StateReader, lock: LockRecord): Promise<Piece[]> {
  const pieces: Piece[] = []
  for (const recorded of lock.pieces) {
    const holdings: HoldingRecord[] = await holdingsOverlapping(reader, lock.batchId, recorded)
    let expected = recorded.start
    for (const holding of holdings) {
      invariant(holding.status === 'locked' && holding.lockId === lock.id && holding.owner === recorded.owner, `serial ${Math.max(holding.start, recorded.start)} of ${lock.batchId} is not held by lock ${lock.id}`)
      const range = { start: Math.max(holding.start, recorded.start), end: Math.min(holding.end, recorded.end) }
      invariant(range.start === expected, `lock ${lock.id} leaves serial ${expected} of ${lock.batchId} uncovered`)
      expected = range.end + 1
      pieces.push({ holding, range })
    }
    invariant(expected === recorded.end + 1, `lock ${lock.id} ends before serial ${recorded.end} of ${lock.batchId}`)
  }
  return pieces
}

/**
 * Ends a lock: its units go, active, to their owner (release, mobilise), to the secured party (seize) or to `buyer`
 * (trade: an offer's credits delivered); the lock record and its indexes are deleted, and an offer's record with its
 * lock; one provenance event per recorded piece.
 */
export async function endLock(context: RuleContext, lock: LockRecord, how: 'release' | 'seize' | 'mobilise' | 'trade', details: Record<string, string> = {}, buyer = ''): Promise<number> {
  const { view } = context
  invariant(how !== 'trade' || buyer !== '', 'a trade names its buyer')
  const pieces = await lockedPieces(view, lock)
  const recipient = (owner: string): string => (how === 'seize' ? lock.securedParty : how === 'trade' ? buyer : owner)
  rewritePieces(view, pieces, (holding) => ({ owner: recipient(holding.owner), status: 'active' }))
  view.del(keys.lock(lock.id))
  for (const party of lockParties(lock)) view.del(keys.lockParty(party, lock.id))
  if (lock.expiresAtMs > 0) view.del(keys.lockExpiry(lock.expiresAtMs, lock.id))
  if (lock.kind === 'offer') view.del(keys.offer(lock.id))
  let units = 0
  for (const piece of lock.pieces) {
    units += piece.end - piece.start + 1
    await appendEvent(context, lock.batchId, { type: how, range: { start: piece.start, end: piece.end }, from: piece.owner, to: recipient(piece.owner), details: { lockId: lock.id, ...details } })
  }
  return units
}

/**
 * Delivers the lowest-serial `quantity` units of an offer's reservation to `buyer` (a partial fill); the lock keeps
 * the rest, with the same id, parties and expiry. Taking all of them is endLock(..., 'trade').
 */
export async function takeFromLock(context: RuleContext, lock: LockRecord, quantity: number, buyer: string, details: Record<string, string>): Promise<void> {
  const { view } = context
  invariant(lock.kind === 'offer' && buyer !== '', 'only an offer is filled in part, and to a buyer')
  const total = lock.pieces.reduce((sum, piece) => sum + piece.end - piece.start + 1, 0)
  invariant(Number.isSafeInteger(quantity) && quantity > 0 && quantity < total, `a partial fill of ${quantity} of ${total} units`)
  const taken: Piece[] = []
  let remaining = quantity
  for (const piece of await lockedPieces(view, lock)) {
    if (remaining === 0) break
    const units = piece.range.end - piece.range.start + 1
    const take = Math.min(units, remaining)
    taken.push({ holding: piece.holding, range: { start: piece.range.start, end: piece.range.start + take - 1 } })
    remaining -= take
  }
  rewritePieces(view, taken, () => ({ owner: buyer, status: 'active' }))
  const lastTaken = taken[taken.length - 1]
  invariant(lastTaken !== undefined, 'a partial fill takes some units')
  const kept: LockPiece[] = []
  for (const piece of lock.pieces) {
    if (piece.end <= lastTaken.range.end) continue
    kept.push({ start: Math.max(piece.start, lastTaken.range.end + 1), end: piece.end, owner: piece.owner })
  }
  view.put(keys.lock(lock.id), encodeRecord({ ...lock, pieces: kept }))
  for (const { holding, range } of taken) {
    await appendEvent(context, lock.batchId, { type: 'trade', range: { start: range.start, end: range.end }, from: holding.owner, to: buyer, details: { lockId: lock.id, ...details } })
  }
}

/**
 * The block boundary: releases every collateral lock whose expiry is at or before the block time (at most
 * EXPIRED_LOCKS_PER_BLOCK_MAX, in expiry then id order). The events name no sender ('') and txIndex -1.
 */
export async function releaseExpiredLocks(view: StateView, block: Pick<BlockContext, 'height' | 'timeMs'>): Promise<number> {
  const due = await readRange<null>(view, { gte: PREFIX.lockExpiry, lt: PREFIX.lockExpiry + padInteger(block.timeMs + 1), limit: EXPIRED_LOCKS_PER_BLOCK_MAX })
  const context: RuleContext = { view, sender: '', txId: '', chainId: '', height: block.height, timeMs: block.timeMs, txIndex: -1 }
  let released = 0
  for (const [key] of due) {
    const lockId = key.slice(key.lastIndexOf('/') + 1)
    const lock = await readLock(view, lockId)
    invariant(lock !== undefined, `expiry index names lock ${lockId}, which does not exist`)
    await endLock(context, lock, 'release', { expired: 'true' })
    released += 1
  }
  return released
}

/** Live locks an account is owner, secured party or (immobilised) holder of, in lock id order; at most `limit`. */
export async function locksOf(reader: StateReader, account: string, limit: number): Promise<LockRecord[]> {
  const entries = await readRange<null>(reader, { gte: keys.lockPartyPrefix(account), lt: prefixEnd(keys.lockPartyPrefix(account)), limit })
  const out: LockRecord[] = []
  for (const [key] of entries) {
    const lock = await readLock(reader, key.slice(key.lastIndexOf('/') + 1))
    invariant(lock !== undefined, `lock index ${key} names a lock that does not exist`)
    out.push(lock)
  }
  return out
}
