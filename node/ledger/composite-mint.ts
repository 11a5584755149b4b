// Rule composite.mint: the sender deposits fractions of batches that meet a composite class's rules, summing to a
// whole number k of tonnes; the parts move into the class's custody (one 'composite-deposit' event per serial) and
// k units are minted to the sender, numbered on from the class's last, each made of components (batch, serial,
// parts) summing to exactly FRACTION_PARTS_PER_TONNE (node/ledger/composites.ts).
//
// Rejections, in order of precedence:
//   INVALID_BODY            schema (validate.ts): 1 to COMPOSITE_DEPOSITS_PER_TX_MAX deposits of distinct batches
//   UNKNOWN_COMPOSITE       no class with body.classId
//   FRACTION_LIMIT          more than COMPOSITE_UNITS_PER_TX_MAX tonnes, or the deposits span more than
//                           FRACTION_SERIALS_PER_TX_MAX serials
//   NOT_WHOLE_TONNES        the deposits do not sum to k * FRACTION_PARTS_PER_TONNE parts, k >= 1
//   UNKNOWN_BATCH           a deposit names no batch
//   INELIGIBLE_COMPONENT    a deposited batch does not meet the class's rules
//   INSUFFICIENT_FRACTIONS  the sender holds fewer parts of a batch (from its fromSerial on) than it deposits
import { FRACTION_PARTS_PER_TONNE, type CompositeMintBody, type TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { COMPOSITE_UNITS_PER_TX_MAX, ineligibility, readClass } from './composites.ts'
import { FRACTION_SERIALS_PER_TX_MAX, moveParts, selectParts } from './fractions.ts'
import { encodeRecord, keys, readRecord, type BatchRecord, type CompositeUnitRecord, type FractionPart, type ProjectRecord } from './keys.ts'
import { invariant, ok, reject } from './result.ts'

export async function compositeMint(context: RuleContext, body: CompositeMintBody): Promise<TxResult> {
  const { view, sender } = context
  const composite = await readClass(view, body.classId)
  if (composite === undefined) return reject('UNKNOWN_COMPOSITE', `no composite class ${body.classId}`)
  const partsMax = COMPOSITE_UNITS_PER_TX_MAX * FRACTION_PARTS_PER_TONNE
  let total = 0
  for (const deposit of body.deposits) {
    total += deposit.parts
    if (total > partsMax) return reject('FRACTION_LIMIT', `the deposits are more than COMPOSITE_UNITS_PER_TX_MAX (${COMPOSITE_UNITS_PER_TX_MAX}) tonnes`)
  }
  if (total % FRACTION_PARTS_PER_TONNE !== 0) return reject('NOT_WHOLE_TONNES', `the deposits sum to ${total} parts, not a whole number of tonnes (${FRACTION_PARTS_PER_TONNE} parts each)`)
  const picks: FractionPart[] = []
  for (const deposit of body.deposits) {
    const batch = await readRecord<BatchRecord>(view, keys.batch(deposit.batchId))
    if (batch === undefined) return reject('UNKNOWN_BATCH', `no batch ${deposit.batchId}`)
    const project = await readRecord<ProjectRecord>(view, keys.project(batch.registry, batch.projectId))
    const why = ineligibility(composite.rules, batch, project)
    if (why !== null) return reject('INELIGIBLE_COMPONENT', `${why}: composite ${composite.classId} does not take it`)
    const selection = await selectParts(view, sender, batch.batchId, deposit.parts, deposit.fromSerial, FRACTION_SERIALS_PER_TX_MAX - picks.length)
    if (!selection.ok) return selection.result
    picks.push(...selection.picks)
  }
  const count = total / FRACTION_PARTS_PER_TONNE
  const first = composite.minted + 1
  await moveParts(context, picks, sender, composite.custody, 'composite-deposit', { classId: composite.classId, units: `${first}-${first + count - 1}` })
  // Fill units in order, splitting a serial's parts between two units where one fills up.
  const units: FractionPart[][] = []
  let current: FractionPart[] = []
  let room = FRACTION_PARTS_PER_TONNE
  for (const pick of picks) {
    let left = pick.parts
    while (left > 0) {
      const take = Math.min(left, room)
      current.push({ batchId: pick.batchId, serial: pick.serial, parts: take })
      left -= take
      room -= take
      if (room === 0) {
        units.push(current)
        current = []
        room = FRACTION_PARTS_PER_TONNE
      }
    }
  }
  invariant(units.length === count && current.length === 0, `deposits of ${total} parts filled ${units.length} units`)
  for (const [index, components] of units.entries()) {
    const n = first + index
    const unit: CompositeUnitRecord = { classId: composite.classId, n, owner: sender, status: 'active', components, mintedBy: sender, mintTxId: context.txId, height: context.height, timeMs: context.timeMs, endTxId: '' }
    view.put(keys.compositeUnit(composite.classId, n), encodeRecord(unit))
    view.put(keys.compositeOwner(sender, composite.classId, n), encodeRecord(null))
  }
  view.put(keys.composite(composite.classId), encodeRecord({ ...composite, minted: composite.minted + count, outstanding: composite.outstanding + count }))
  return ok(`minted ${count} units (${first} to ${first + count - 1}) of composite ${composite.classId} from ${picks.length} serials`)
}
