// Provenance events: every issue, transfer, retirement and cancellation appends one record per contiguous serial
// range it touched, under event/<batchId>/<padded seq>, seq counting from 0 per batch (eventcount/<batchId> holds
// the next seq). Events are never changed.
import type { SerialRange } from '../../client/wire.ts'
import type { StateReader } from '../state/view.ts'
import type { RuleContext } from './context.ts'
import { encodeRecord, keys, readRecord, type EventRecord, type EventType } from './keys.ts'
import { invariant } from './result.ts'

export interface NewEvent {
  type: EventType
  range: SerialRange
  from: string | null
  to: string | null
  details: Record<string, string>
}

export async function nextEventSeq(reader: StateReader, batchId: string): Promise<number> {
  const count = (await readRecord<number>(reader, keys.eventCount(batchId))) ?? 0
  invariant(Number.isSafeInteger(count) && count >= 0, `event count of ${batchId} is ${String(count)}`)
  return count
}

export async function appendEvent(context: RuleContext, batchId: string, event: NewEvent): Promise<EventRecord> {
  const seq = await nextEventSeq(context.view, batchId)
  const record: EventRecord = {
    batchId,
    seq,
    type: event.type,
    range: { start: event.range.start, end: event.range.end },
    from: event.from,
    to: event.to,
    by: context.sender,
    height: context.height,
    timeMs: context.timeMs,
    txIndex: context.txIndex,
    txId: context.txId,
    details: event.details,
  }
  context.view.put(keys.event(batchId, seq), encodeRecord(record))
  context.view.put(keys.eventCount(batchId), encodeRecord(seq + 1))
  return record
}
