// Pending evidence of equivocation: what this node observed (consensus driver's equivocation outputs) and has not
// yet seen committed. Local to the node (not part of the ledger state); bounded, deduplicated by evidence id and by
// offence slot (one item per validator, height, round and step, as the ledger records at most one).
import { canonicalEvidence, evidenceId, type Evidence } from '../../client/wire.ts'
import { evidenceSlot, evidenceSlotKey, EVIDENCE_AGE_HEIGHTS_MAX } from '../ledger/evidence.ts'

/** Pending evidence items this node keeps; once full, new items are refused until blocks commit some. */
export const EVIDENCE_POOL_ENTRIES_MAX = 1_000

export interface PendingEvidence {
  id: string
  evidence: Evidence
  slotKey: string
  /** Height of the offence. */
  height: number
}

export type PoolAddOutcome = { added: true } | { added: false; reason: 'duplicate' | 'slot taken' | 'full' }

export class EvidencePool {
  /** In insertion order: the oldest observed evidence is proposed first. */
  private readonly entries = new Map<string, PendingEvidence>()
  private readonly slots = new Map<string, string>()

  constructor(private readonly entriesMax = EVIDENCE_POOL_ENTRIES_MAX) {}

  get size(): number {
    return this.entries.size
  }

  has(id: string): boolean {
    return this.entries.has(id)
  }

  /** Whether an item for this evidence's offence slot (validator, height, round, step) is pending. */
  hasSlot(evidence: Evidence): boolean {
    return this.slots.has(evidenceSlotKey(evidence))
  }

  get(id: string): PendingEvidence | undefined {
    return this.entries.get(id)
  }

  /** Adds evidence the caller has checked (node/ledger/evidence.ts). */
  add(evidence: Evidence): PoolAddOutcome {
    const canonical = canonicalEvidence(evidence)
    const id = evidenceId(canonical)
    if (this.entries.has(id)) return { added: false, reason: 'duplicate' }
    const slotKey = evidenceSlotKey(canonical)
    if (this.slots.has(slotKey)) return { added: false, reason: 'slot taken' }
    if (this.entries.size >= this.entriesMax) return { added: false, reason: 'full' }
    this.entries.set(id, { id, evidence: canonical, slotKey, height: evidenceSlot(canonical).height })
    this.slots.set(slotKey, id)
    return { added: true }
  }

  /** Up to `limit` pending items, oldest first. */
  pending(limit: number): PendingEvidence[] {
    const out: PendingEvidence[] = []
    for (const entry of this.entries.values()) {
      if (out.length >= limit) break
      out.push(entry)
    }
    return out
  }

  remove(id: string): void {
    const entry = this.entries.get(id)
    if (entry === undefined) return
    this.entries.delete(id)
    if (this.slots.get(entry.slotKey) === id) this.slots.delete(entry.slotKey)
  }

  /**
   * After a commit at `height`: drops the committed items, any other item for a slot the block recorded (it can
   * never be included now), and items too old for the next block (EVIDENCE_AGE_HEIGHTS_MAX).
   */
  update(height: number, committed: Evidence[]): void {
    for (const evidence of committed) {
      const id = evidenceId(evidence)
      this.remove(id)
      const other = this.slots.get(evidenceSlotKey(evidence))
      if (other !== undefined) this.remove(other)
    }
    for (const entry of [...this.entries.values()]) if (height + 1 - entry.height > EVIDENCE_AGE_HEIGHTS_MAX) this.remove(entry.id)
  }
}
