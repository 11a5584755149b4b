// Rule credit.recombine: an account that holds all FRACTION_PARTS_PER_TONNE parts of fractionalised serials gets
// them back as whole units: their holdings become active, owned by it, and their fraction records are deleted. By
// quantity: its lowest serials of the batch that it holds in full (reading at most FRACTION_SCAN_SERIALS_MAX of its
// fraction entries of the batch); by range: every serial of the range.
//
// Rejections, in order of precedence:
//   INVALID_BODY          schema (validate.ts): exactly one of quantity and range
//   FRACTION_LIMIT        more than FRACTIONALISE_UNITS_PER_TX_MAX units
//   UNKNOWN_BATCH         no batch with body.batchId
//   INVALID_RANGE         the range is empty or not inside the batch's serials
//   INCOMPLETE_FRACTIONS  a serial of the range is not fractionalised or the sender lacks some of its parts; by
//                         quantity, the sender holds fewer serials of the batch in full
import { FRACTION_PARTS_PER_TONNE, type CreditRecombineBody, type SerialRange, type TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { addParts, FRACTION_SCAN_SERIALS_MAX, FRACTIONALISE_UNITS_PER_TX_MAX, partsOf, readFractionSerial } from './fractions.ts'
import { holdingsOverlapping, rewritePieces } from './holdings.ts'
import { keys, prefixEnd, readRange, readRecord, type BatchRecord } from './keys.ts'
import { invariant, ok, reject } from './result.ts'

export async function creditRecombine(context: RuleContext, body: CreditRecombineBody): Promise<TxResult> {
  const { view, sender } = context
  const units = body.range === null ? body.quantity : body.range.end - body.range.start + 1
  if (units > FRACTIONALISE_UNITS_PER_TX_MAX) return reject('FRACTION_LIMIT', `${units} units, more than FRACTIONALISE_UNITS_PER_TX_MAX (${FRACTIONALISE_UNITS_PER_TX_MAX}) in one transaction`)
  const batch = await readRecord<BatchRecord>(view, keys.batch(body.batchId))
  if (batch === undefined) return reject('UNKNOWN_BATCH', `no batch ${body.batchId}`)
  const serials: number[] = []
  if (body.range !== null) {
    const { start, end } = body.range
    if (start < 1 || start > end || start < batch.serialStart || end > batch.serialEnd) {
      return reject('INVALID_RANGE', `range [${start}, ${end}] is empty or outside batch ${batch.batchId} (serials ${batch.serialStart} to ${batch.serialEnd})`)
    }
    for (let serial = start; serial <= end; serial += 1) {
      const held = await partsOf(view, batch.batchId, serial, sender)
      if (held !== FRACTION_PARTS_PER_TONNE) {
        const fractionalised = (await readFractionSerial(view, batch.batchId, serial)) !== undefined
        return reject('INCOMPLETE_FRACTIONS', fractionalised ? `${sender} holds ${held} of the ${FRACTION_PARTS_PER_TONNE} parts of serial ${serial} of batch ${batch.batchId}` : `serial ${serial} of batch ${batch.batchId} is not fractionalised`)
      }
      serials.push(serial)
    }
  } else {
    const prefix = keys.fractionOwnerBatchPrefix(sender, batch.batchId)
    for (const [key, held] of await readRange<number>(view, { gte: prefix, lt: prefixEnd(prefix), limit: FRACTION_SCAN_SERIALS_MAX })) {
      if (held === FRACTION_PARTS_PER_TONNE) serials.push(Number(key.slice(prefix.length)))
      if (serials.length === body.quantity) break
    }
    if (serials.length < body.quantity) return reject('INCOMPLETE_FRACTIONS', `${sender} holds all parts of ${serials.length} serials of batch ${batch.batchId} (among its first ${FRACTION_SCAN_SERIALS_MAX} fraction entries), ${body.quantity} requested`)
  }
  // Contiguous runs of serials: one rewrite of the holdings and one event each. Each run's holdings are read after
  // the previous run's rewrite, since two runs may lie in the same fractionalised holding.
  const runs: SerialRange[] = []
  for (const serial of serials) {
    const last = runs[runs.length - 1]
    if (last !== undefined && last.end + 1 === serial) last.end = serial
    else runs.push({ start: serial, end: serial })
  }
  for (const run of runs) {
    const holdings = await holdingsOverlapping(view, batch.batchId, run)
    const pieces = holdings.map((holding) => {
      invariant(holding.status === 'fractionalised', `serial ${Math.max(holding.start, run.start)} of ${batch.batchId} has all its parts held but its holding is ${holding.status}`)
      return { holding, range: { start: Math.max(holding.start, run.start), end: Math.min(holding.end, run.end) } }
    })
    rewritePieces(view, pieces, () => ({ owner: sender, status: 'active' }))
    for (let serial = run.start; serial <= run.end; serial += 1) {
      await addParts(view, batch.batchId, serial, sender, -FRACTION_PARTS_PER_TONNE)
      view.del(keys.fractionSerial(batch.batchId, serial))
    }
    await appendEvent(context, batch.batchId, { type: 'recombine', range: run, from: sender, to: sender, details: { parts: String((run.end - run.start + 1) * FRACTION_PARTS_PER_TONNE) } })
  }
  return ok(`recombined ${serials.length} units of batch ${batch.batchId}`)
}
