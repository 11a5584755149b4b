// Rule batch.issue: a registry account issues a batch of credits with serials [serialStart, serialEnd] in a
// numbering space, for a registered project of its registry. In the same transaction, the new credits are
// delivered to the open offtake agreements of their recipient as developer of the project (offtakes.ts:
// deliverOfftakes, oldest agreement first, lowest serials first), which pay it out of their escrow.
//
// Rejections, in order of precedence:
//   INVALID_BODY     schema (validate.ts), including a space that is not `${registry}` or `${registry}/<segment>`
//   INVALID_RANGE    serialStart < 1 or serialStart > serialEnd
//   WRONG_ROLE       the sender is not a registry account
//   WRONG_REGISTRY   the sender is the registry account of another registry
//   UNKNOWN_PROJECT  (registry, projectId) is not registered
//   SERIAL_OVERLAP   some serial of the range was already issued or imported (batch.import) in the same space, by anyone
//
// The issuing registry becomes the registry of record of the whole batch (recordof/, node/ledger/record-of.ts).
//
// Overlap detection: every issued range is indexed as space/<space>:<padded start> -> { end, batchId }. Ranges in a
// space never overlap (this rule is the only writer), so a new range [s, e] overlaps an existing one exactly when
//   - the existing range with the greatest start <= s (a reverse range read, limit 1) ends at or after s, or
//   - some existing range starts in (s, e] (a forward range read, limit 1).
import type { BatchIssueBody, TxResult } from '../../client/wire.ts'
import { requireRegistry } from './accounts.ts'
import type { RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { putHolding } from './holdings.ts'
import { deliverOfftakes } from './offtakes.ts'
import { encodeRecord, keys, readRange, type BatchRecord, type SpaceRangeRecord } from './keys.ts'
import { ok, reject } from './result.ts'
import { putRecordOf } from './record-of.ts'
import type { StateReader } from '../state/view.ts'

export function batchIdOf(space: string, serialStart: number, serialEnd: number): string {
  return `${space}:${serialStart}-${serialEnd}`
}

/** The issued range of `space` that shares a serial with [serialStart, serialEnd], if any. */
export async function overlappingRange(reader: StateReader, space: string, serialStart: number, serialEnd: number): Promise<(SpaceRangeRecord & { start: number }) | undefined> {
  const prefix = keys.spacePrefix(space)
  const startKey = keys.space(space, serialStart)
  const [predecessor] = await readRange<SpaceRangeRecord>(reader, { gte: prefix, lte: startKey, reverse: true, limit: 1 })
  if (predecessor !== undefined && predecessor[1].end >= serialStart) return { ...predecessor[1], start: Number(predecessor[0].slice(prefix.length)) }
  const [successor] = await readRange<SpaceRangeRecord>(reader, { gt: startKey, lte: keys.space(space, serialEnd), limit: 1 })
  if (successor !== undefined) return { ...successor[1], start: Number(successor[0].slice(prefix.length)) }
  return undefined
}

export async function batchIssue(context: RuleContext, body: BatchIssueBody): Promise<TxResult> {
  const { view } = context
  if (body.serialStart < 1 || body.serialStart > body.serialEnd) {
    return reject('INVALID_RANGE', `serials [${body.serialStart}, ${body.serialEnd}] are not a range: need 1 <= serialStart <= serialEnd`)
  }
  const authorized = await requireRegistry(view, context.sender, body.registry, `issue credits of ${body.registry}`)
  if (!authorized.ok) return authorized.result
  if ((await view.get(keys.project(body.registry, body.projectId))) === undefined) {
    return reject('UNKNOWN_PROJECT', `project ${body.registry}/${body.projectId} is not registered`)
  }
  const overlap = await overlappingRange(view, body.space, body.serialStart, body.serialEnd)
  if (overlap !== undefined) {
    return reject(
      'SERIAL_OVERLAP',
      `serials [${body.serialStart}, ${body.serialEnd}] of space ${body.space} overlap batch ${overlap.batchId} (serials ${overlap.start} to ${overlap.end})`,
    )
  }
  const batch = await createBatch(context, body, 'issue')
  // Offtake agreements of the project with the batch's recipient as developer take their tonnes from it, now.
  const delivered = await deliverOfftakes(context, batch)
  return ok(`issued batch ${batch.batchId}: ${body.serialEnd - body.serialStart + 1} units to ${batch.issuedTo}${delivered > 0 ? `, ${delivered} of them delivered to offtake agreements` : ''}`)
}

/**
 * Writes a new batch (issuance or import, checks done): its record, project and space indexes, one active holding
 * covering it, one range of record (the issuing or importing registry, body.registry) and its first event.
 * Returns the batch record.
 */
export async function createBatch(context: RuleContext, body: BatchIssueBody, how: 'issue' | { importedFrom: string }): Promise<BatchRecord> {
  const { view } = context
  const batchId = batchIdOf(body.space, body.serialStart, body.serialEnd)
  const owner = body.to === '' ? context.sender : body.to
  const batch: BatchRecord = {
    batchId,
    registry: body.registry,
    projectId: body.projectId,
    space: body.space,
    serialStart: body.serialStart,
    serialEnd: body.serialEnd,
    vintageStart: body.vintageStart,
    vintageEnd: body.vintageEnd,
    unitType: body.unitType,
    labels: [...body.labels],
    correspondingAdjustment: body.correspondingAdjustment,
    originalSerial: body.originalSerial,
    issuanceDate: body.issuanceDate,
    issuedBy: context.sender,
    issuedTo: owner,
    height: context.height,
    timeMs: context.timeMs,
    txId: context.txId,
  }
  if (how !== 'issue') batch.importedFrom = how.importedFrom
  view.put(keys.batch(batchId), encodeRecord(batch))
  view.put(keys.projectBatch(body.registry, body.projectId, batchId), encodeRecord(null))
  const spaceRange: SpaceRangeRecord = { end: body.serialEnd, batchId }
  view.put(keys.space(body.space, body.serialStart), encodeRecord(spaceRange))
  putHolding(view, { batchId, start: body.serialStart, end: body.serialEnd, owner, status: 'active' })
  putRecordOf(view, { batchId, start: body.serialStart, end: body.serialEnd, registry: body.registry })
  const details: Record<string, string> = how === 'issue' ? { originalSerial: body.originalSerial } : { origin: how.importedFrom, originalSerial: body.originalSerial }
  await appendEvent(context, batchId, { type: how === 'issue' ? 'issue' : 'import', range: { start: body.serialStart, end: body.serialEnd }, from: null, to: owner, details })
  return batch
}
