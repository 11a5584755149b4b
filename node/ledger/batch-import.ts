// Rule batch.import: a registry records credits it took over from a registry that is not on the ledger (the origin),
// keeping their origin's numbering space, serials and attributes. The importing registry becomes their registry of
// record (node/ledger/record-of.ts): it may cancel, immobilise and port them like credits it issued. The project is
// identified under the importing registry (project/<registry>/<projectId>, registered by it first): an origin that
// is not on the ledger has no account to register projects with.
//
// Rejections, in order of precedence:
//   INVALID_BODY      schema (validate.ts): origin 2 to 16 uppercase letters; space `${origin}` or `${origin}/<segment>`
//   INVALID_RANGE     serialStart < 1 or serialStart > serialEnd
//   WRONG_ROLE        the sender is not a registry account
//   WRONG_REGISTRY    the sender is the registry account of another registry than body.registry
//   UNKNOWN_PROJECT   (registry, projectId) is not registered
//   IMPORT_OVERLAP    some serial of the range was already issued or imported in that space, by anyone: the message
//                     names the batch and the registry of record of the overlapping serials
//   ORIGIN_ON_LEDGER  the origin registry has a registry account on this ledger: its credits are on the ledger, or it
//                     issues them here; they move between registries by credit.port, which both sign
//
// The overlap check is batch.issue's, on the same ledger-wide space index, so it holds both ways: an import over
// issued or imported serials is IMPORT_OVERLAP, and an issuance over imported serials is SERIAL_OVERLAP (should the
// origin registry join the ledger later).
import type { BatchImportBody, TxResult } from '../../client/wire.ts'
import type { StateReader } from '../state/view.ts'
import { requireRegistry } from './accounts.ts'
import { createBatch, overlappingRange } from './batch-issue.ts'
import type { RuleContext } from './context.ts'
import { keys, PREFIX, prefixRange, readRange, type AccountRecord } from './keys.ts'
import { recordOfClipped } from './record-of.ts'
import { ok, reject } from './result.ts'

/** Whether some genesis account has role registry for `code` (accounts are written at genesis only: a short scan). */
export async function registryOnLedger(reader: StateReader, code: string): Promise<boolean> {
  for (const [, account] of await readRange<AccountRecord>(reader, prefixRange(PREFIX.account))) if (account.role === 'registry' && account.registry === code) return true
  return false
}

export async function batchImport(context: RuleContext, body: BatchImportBody): Promise<TxResult> {
  const { view } = context
  if (body.serialStart < 1 || body.serialStart > body.serialEnd) {
    return reject('INVALID_RANGE', `serials [${body.serialStart}, ${body.serialEnd}] are not a range: need 1 <= serialStart <= serialEnd`)
  }
  const authorized = await requireRegistry(view, context.sender, body.registry, `import credits as ${body.registry}`)
  if (!authorized.ok) return authorized.result
  if ((await view.get(keys.project(body.registry, body.projectId))) === undefined) {
    return reject('UNKNOWN_PROJECT', `project ${body.registry}/${body.projectId} is not registered (an imported batch's project is registered under the importing registry)`)
  }
  const overlap = await overlappingRange(view, body.space, body.serialStart, body.serialEnd)
  if (overlap !== undefined) {
    const shared = { start: Math.max(body.serialStart, overlap.start), end: Math.min(body.serialEnd, overlap.end) }
    const of = [...new Set((await recordOfClipped(view, overlap.batchId, shared)).map((record) => record.registry))].join(', ')
    return reject(
      'IMPORT_OVERLAP',
      `serials [${body.serialStart}, ${body.serialEnd}] of space ${body.space} overlap batch ${overlap.batchId} (serials ${overlap.start} to ${overlap.end}), already on the ledger: serials ${shared.start} to ${shared.end} are of record at ${of}`,
    )
  }
  if (await registryOnLedger(view, body.origin)) {
    return reject('ORIGIN_ON_LEDGER', `registry ${body.origin} has an account on this ledger: its credits are issued here and move to another registry by credit.port, signed by both`)
  }
  const { batchId } = await createBatch(context, body, { importedFrom: body.origin })
  const owner = body.to === '' ? context.sender : body.to
  return ok(`imported batch ${batchId} from ${body.origin}: ${body.serialEnd - body.serialStart + 1} units to ${owner}, of record at ${body.registry}`)
}
