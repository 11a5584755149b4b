// Evidence of equivocation: the rule that decides whether an evidence item is valid in a block at a given height,
// and the state it leaves once committed. Deterministic: it reads only the evidence, the genesis validator keys,
// the chain id, the block's height and time, and committed state.
//
// Valid evidence, in a block at height H:
// - both messages are signed by the validator at that index (genesis order), under this chain id
//   (voteSignBytes / proposalSignBytes of client/wire.ts);
// - they are for the same slot: same height and round, and for votes the same vote type;
// - they conflict: votes for different values (a block hash or nil), proposals of different (blockHash, polRound);
// - the offence height is not above H and not older than EVIDENCE_AGE_HEIGHTS_MAX;
// - no evidence for that offence slot (validator, height, round, step) is committed or earlier in the same block,
//   so a validator that signs many conflicting messages for one slot is recorded once, and the evidence state grows
//   by at most one record per validator, height, round and step.
import { encodeEvidence, evidenceId, proposalSignBytes, voteSignBytes, type Evidence } from '../../client/wire.ts'
import { verifySignature } from '../crypto/verify.ts'
import type { StateReader, StateView } from '../state/view.ts'
import { encodeRecord, keys, PREFIX, prefixEnd, readRange, readRecord, type EvidenceRecord, type EvidenceStep } from './keys.ts'

/**
 * Evidence whose offence is more than this many heights below the including block is not accepted. The offence must
 * be judged against the validator keys of its own height: the set is fixed by genesis today, but bounding the age
 * keeps evidence from outliving a future change of the set (a retired validator's key that leaks later must not let
 * anyone forge an accusation for its old heights), and bounds how long a pool holds an entry waiting for a block.
 */
export const EVIDENCE_AGE_HEIGHTS_MAX = 100_000

export const EVIDENCE_QUERY_LIMIT_DEFAULT = 100
export const EVIDENCE_QUERY_LIMIT_MAX = 1_000

/** What the rule needs from the chain: its id and the genesis validators' consensus public keys, in order. */
export interface EvidenceRules {
  chainId: string
  validatorKeys: Uint8Array[]
}

export interface EvidenceSlot {
  validatorIndex: number
  height: number
  round: number
  step: EvidenceStep
}

export type EvidenceCheck = { ok: true } | { ok: false; reason: string }

/** The offence slot of an evidence item (read from its first message; a valid item's two messages agree on it). */
export function evidenceSlot(evidence: Evidence): EvidenceSlot {
  const { first } = evidence
  return { validatorIndex: first.validatorIndex, height: first.height, round: first.round, step: evidence.kind === 'duplicateVote' ? evidence.first.type : 'proposal' }
}

export function evidenceSlotKey(evidence: Evidence): string {
  const slot = evidenceSlot(evidence)
  return keys.evidenceSlot(slot.step, slot.validatorIndex, slot.height, slot.round)
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b
  if (a.length !== b.length) return false
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false
  return true
}

/** The stateless part of the rule: signatures, same slot, conflict, age. `blockHeight` is the including block's. */
export function checkEvidence(evidence: Evidence, rules: EvidenceRules, blockHeight: number): EvidenceCheck {
  try {
    return checkEvidenceFields(evidence, rules, blockHeight)
  } catch (error) {
    // Only evidence built in-process can get here (decodeEvidence bounds every field): sign bytes refuse a round or
    // polRound outside u32.
    return { ok: false, reason: `malformed evidence: ${(error as Error).message}` }
  }
}

function checkEvidenceFields(evidence: Evidence, rules: EvidenceRules, blockHeight: number): EvidenceCheck {
  const { first, second } = evidence
  if (first.validatorIndex !== second.validatorIndex) return { ok: false, reason: 'the two messages are from different validators' }
  const publicKey = rules.validatorKeys[first.validatorIndex]
  if (publicKey === undefined) return { ok: false, reason: `no validator at index ${first.validatorIndex}` }
  if (first.height !== second.height || first.round !== second.round) return { ok: false, reason: 'the two messages are for different heights or rounds' }
  if (first.height > blockHeight) return { ok: false, reason: `offence height ${first.height} is above the block height ${blockHeight}` }
  if (blockHeight - first.height > EVIDENCE_AGE_HEIGHTS_MAX) return { ok: false, reason: `offence height ${first.height} is more than ${EVIDENCE_AGE_HEIGHTS_MAX} heights old` }
  if (evidence.kind === 'duplicateVote') {
    const a = evidence.first
    const b = evidence.second
    if (a.type !== b.type) return { ok: false, reason: 'the two votes are of different types' }
    if (sameBytes(a.blockHash, b.blockHash)) return { ok: false, reason: 'the two votes are for the same value' }
    for (const vote of [a, b]) {
      if (!verifySignature(vote.signature, voteSignBytes(rules.chainId, vote), publicKey)) return { ok: false, reason: 'a vote signature does not verify for that validator on this chain' }
    }
    return { ok: true }
  }
  const a = evidence.first
  const b = evidence.second
  if (sameBytes(a.blockHash, b.blockHash) && a.polRound === b.polRound) return { ok: false, reason: 'the two proposals are the same' }
  for (const proposal of [a, b]) {
    if (!verifySignature(proposal.signature, proposalSignBytes(rules.chainId, proposal), publicKey)) return { ok: false, reason: 'a proposal signature does not verify for that validator on this chain' }
  }
  return { ok: true }
}

/** The whole rule against state: checkEvidence, and neither this evidence nor another for its slot is committed. */
export async function checkEvidenceAgainst(reader: StateReader, evidence: Evidence, rules: EvidenceRules, blockHeight: number): Promise<EvidenceCheck> {
  const checked = checkEvidence(evidence, rules, blockHeight)
  if (!checked.ok) return checked
  const id = evidenceId(evidence)
  if ((await reader.get(keys.evidence(id))) !== undefined) return { ok: false, reason: `evidence ${id} is already committed` }
  const other = await reader.get(evidenceSlotKey(evidence))
  if (other !== undefined) return { ok: false, reason: 'evidence for the same validator, height, round and step is already committed' }
  return { ok: true }
}

export interface EvidenceContext {
  height: number
  timeMs: number
}

/**
 * Records a block's evidence in `view`. 'validate': the first invalid item makes the block invalid (a reason is
 * returned). 'propose': invalid items are left out. Duplicates inside the block (same id, or same slot) are caught
 * because each recorded item is visible to the next one through the view.
 */
export async function applyEvidence(view: StateView, items: Evidence[], rules: EvidenceRules, context: EvidenceContext, mode: 'propose' | 'validate'): Promise<{ included: Evidence[] } | { invalid: string }> {
  const included: Evidence[] = []
  for (const [position, evidence] of items.entries()) {
    const checked = await checkEvidenceAgainst(view, evidence, rules, context.height)
    if (!checked.ok) {
      if (mode === 'validate') return { invalid: `evidence ${position}: ${checked.reason}` }
      continue
    }
    const id = evidenceId(evidence)
    const slot = evidenceSlot(evidence)
    const includedIndex = included.length
    const record: EvidenceRecord = {
      id,
      kind: evidence.kind,
      validatorIndex: slot.validatorIndex,
      validator: Buffer.from(rules.validatorKeys[slot.validatorIndex] as Uint8Array).toString('hex'),
      height: slot.height,
      round: slot.round,
      step: slot.step,
      includedHeight: context.height,
      includedTimeMs: context.timeMs,
      includedIndex,
      evidence: encodeEvidence(evidence),
    }
    view.put(keys.evidence(id), encodeRecord(record))
    view.put(keys.evidenceSlot(slot.step, slot.validatorIndex, slot.height, slot.round), encodeRecord(id))
    view.put(keys.evidenceOrder(context.height, includedIndex), encodeRecord(id))
    included.push(evidence)
  }
  return { included }
}

// ---------------------------------------------------------------------------------------------------------
// Queries.

export async function getEvidence(reader: StateReader, id: string): Promise<EvidenceRecord | undefined> {
  return readRecord<EvidenceRecord>(reader, keys.evidence(id))
}

/**
 * Committed evidence in ledger order (included height, then position in the block). The cursor (`after`, `next`) is
 * `<padded height>/<padded index>` of the last item returned.
 */
export async function listEvidence(reader: StateReader, limit = EVIDENCE_QUERY_LIMIT_DEFAULT, after?: string): Promise<{ items: EvidenceRecord[]; next: string | null }> {
  const pageLimit = Number.isSafeInteger(limit) && limit >= 1 ? Math.min(limit, EVIDENCE_QUERY_LIMIT_MAX) : EVIDENCE_QUERY_LIMIT_DEFAULT
  const prefix = PREFIX.evidenceOrder
  const range = after !== undefined && after !== '' ? { gt: prefix + after, lt: prefixEnd(prefix), limit: pageLimit + 1 } : { gte: prefix, lt: prefixEnd(prefix), limit: pageLimit + 1 }
  const entries = await readRange<string>(reader, range)
  const page = entries.slice(0, pageLimit)
  const items: EvidenceRecord[] = []
  for (const [, id] of page) {
    const record = await getEvidence(reader, id)
    if (record !== undefined) items.push(record)
  }
  const last = page[page.length - 1]
  return { items, next: entries.length > pageLimit && last !== undefined ? last[0].slice(prefix.length) : null }
}
