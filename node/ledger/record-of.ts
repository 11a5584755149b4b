// Registry of record. Every serial of a batch has exactly one registry of record: the registry that acts as "the
// registry" on it (credit.cancel, credit.immobilise, credit.port). It is the issuing registry (batch.issue) or the
// importing registry (batch.import) until a credit.port, signed by both registries, moves a serial range to another
// registry on the ledger. Serials, holders, statuses and history never change with the registry of record.
//
// State: recordof/<batchId>/<padded start> -> RecordOfRecord { batchId, start, end, registry }. The ranges of a
// batch partition its serials exactly, like its holdings: issuance and import write one range covering the batch,
// and a port replaces the ranges it touches by their split pieces, merged again with neighbours of the same registry
// so that a batch ported there and back is one range again. This module is the only writer.
//
// Together with the ledger-wide space index (space/<space>:<start>, one batch per serial of a numbering space), this
// gives the portability guarantee: a serial exists once on the ledger, in one batch, with one registry of record.
import type { RegistryCode, SerialRange, TxResult } from '../../client/wire.ts'
import type { StateReader, StateView } from '../state/view.ts'
import { readAccount } from './accounts.ts'
import { encodeRecord, keys, prefixRange, readRange, type AccountRecord, type BatchRecord, type RecordOfRecord } from './keys.ts'
import { invariant, reject } from './result.ts'

/** Ranges of record shown for one batch at most (GET /batches/:id); the answer says when there are more. */
export const RECORD_OF_RANGES_SHOWN_MAX = 1_000

/** Writes one range of record (issuance, import, port). */
export function putRecordOf(view: StateView, record: RecordOfRecord): void {
  invariant(Number.isSafeInteger(record.start) && record.start >= 1 && record.start <= record.end, `range of record ${record.batchId} [${record.start}, ${record.end}] is not a range`)
  view.put(keys.recordOf(record.batchId, record.start), encodeRecord({ batchId: record.batchId, start: record.start, end: record.end, registry: record.registry }))
}

/** The ranges of record of a batch that contain at least one serial of `range`, in serial order. */
export async function recordOfOverlapping(reader: StateReader, batchId: string, range: SerialRange): Promise<RecordOfRecord[]> {
  const prefix = keys.recordOfPrefix(batchId)
  const startKey = keys.recordOf(batchId, range.start)
  const out: RecordOfRecord[] = []
  const [before] = await readRange<RecordOfRecord>(reader, { gte: prefix, lte: startKey, reverse: true, limit: 1 })
  if (before !== undefined && before[1].end >= range.start) out.push(before[1])
  for (const [, record] of await readRange<RecordOfRecord>(reader, { gt: startKey, lte: keys.recordOf(batchId, range.end) })) out.push(record)
  return out
}

/** The ranges of record of a batch in serial order, at most `limit` (they partition its serials). */
export async function recordOfRanges(reader: StateReader, batchId: string, limit?: number): Promise<RecordOfRecord[]> {
  return (await readRange<RecordOfRecord>(reader, prefixRange(keys.recordOfPrefix(batchId), limit === undefined ? {} : { limit }))).map(([, record]) => record)
}

/** The ranges of record over `range` (of a batch), clipped to it, in serial order. */
export async function recordOfClipped(reader: StateReader, batchId: string, range: SerialRange): Promise<RecordOfRecord[]> {
  const records = await recordOfOverlapping(reader, batchId, range)
  let expected = range.start
  for (const record of records) {
    invariant(record.start <= expected && record.end >= expected, `ranges of record of ${batchId} leave serial ${expected} without a registry of record`)
    expected = record.end + 1
  }
  invariant(expected > range.end, `ranges of record of ${batchId} end before serial ${range.end}`)
  return records.map((record) => ({ batchId, start: Math.max(record.start, range.start), end: Math.min(record.end, range.end), registry: record.registry }))
}

/** The registry of record of one serial of a batch; undefined outside the batch's serials. */
export async function registryOfRecord(reader: StateReader, batchId: string, serial: number): Promise<RegistryCode | undefined> {
  const [record] = await recordOfOverlapping(reader, batchId, { start: serial, end: serial })
  return record === undefined || record.start > serial ? undefined : record.registry
}

/**
 * The sender acting as a registry on units of `batch`: WRONG_ROLE unless it has role 'registry'; WRONG_REGISTRY
 * unless its registry has some standing for the batch (it issued or imported it, or is registry of record of some
 * of its serials). Which units it may act on is recordOfRejection's question.
 */
export async function requireBatchRegistry(reader: StateReader, sender: string, batch: BatchRecord, action: string): Promise<{ ok: true; account: AccountRecord; registry: RegistryCode } | { ok: false; result: TxResult }> {
  const account = await readAccount(reader, sender)
  if (account === undefined || account.role !== 'registry' || account.registry === null) {
    const role = account === undefined ? 'no role' : `role ${account.role}`
    return { ok: false, result: reject('WRONG_ROLE', `only a registry account may ${action}; sender ${sender} has ${role}`) }
  }
  const registry = account.registry
  if (registry === batch.registry) return { ok: true, account, registry }
  for (const record of await recordOfRanges(reader, batch.batchId)) if (record.registry === registry) return { ok: true, account, registry }
  return { ok: false, result: reject('WRONG_REGISTRY', `sender is the registry account of ${registry}, which neither issued batch ${batch.batchId} (${batch.registry}) nor is registry of record of any of its serials; it may not ${action}`) }
}

/** NOT_REGISTRY_OF_RECORD naming the first serial of `ranges` (in a batch) whose registry of record is not `registry`; else null. */
export async function recordOfRejection(reader: StateReader, registry: RegistryCode, batchId: string, ranges: SerialRange[], action: string): Promise<TxResult | null> {
  for (const range of ranges) {
    for (const record of await recordOfClipped(reader, batchId, range)) {
      if (record.registry !== registry) {
        return reject('NOT_REGISTRY_OF_RECORD', `serials ${record.start} to ${record.end} of batch ${batchId} are recorded at registry ${record.registry}, not ${registry}: only ${record.registry} may ${action}`)
      }
    }
  }
  return null
}

/**
 * Makes `registry` the registry of record of `range` (inside the batch): the ranges it touches are split, and the
 * pieces merged with their neighbours of the same registry, so the ranges still partition the batch.
 */
export async function setRegistryOfRecord(view: StateView, batch: BatchRecord, range: SerialRange, registry: RegistryCode): Promise<void> {
  invariant(range.start >= batch.serialStart && range.end <= batch.serialEnd && range.start <= range.end, `range [${range.start}, ${range.end}] is not inside batch ${batch.batchId}`)
  // The ranges of the serials next to `range` too, so that equal neighbours merge.
  const widened = { start: Math.max(batch.serialStart, range.start - 1), end: Math.min(batch.serialEnd, range.end + 1) }
  const touched = await recordOfOverlapping(view, batch.batchId, widened)
  const pieces: RecordOfRecord[] = []
  const push = (start: number, end: number, code: RegistryCode): void => {
    if (start > end) return
    const last = pieces[pieces.length - 1]
    if (last !== undefined && last.registry === code && last.end + 1 === start) last.end = end
    else pieces.push({ batchId: batch.batchId, start, end, registry: code })
  }
  for (const record of touched) {
    push(record.start, Math.min(record.end, range.start - 1), record.registry)
    push(Math.max(record.start, range.start), Math.min(record.end, range.end), registry)
    push(Math.max(record.start, range.end + 1), record.end, record.registry)
  }
  const first = touched[0]
  const last = touched[touched.length - 1]
  invariant(first !== undefined && last !== undefined && first.start <= widened.start && last.end >= widened.end, `ranges of record of ${batch.batchId} do not cover [${widened.start}, ${widened.end}]`)
  for (const record of touched) view.del(keys.recordOf(batch.batchId, record.start))
  for (const piece of pieces) putRecordOf(view, piece)
}
