// Rule project.register: a registry account records a project of its own registry.
//
// Rejections, in order of precedence:
//   INVALID_BODY     the body does not match its schema (validate.ts)
//   WRONG_ROLE       the sender is not a registry account
//   WRONG_REGISTRY   the sender is the registry account of another registry than body.registry
//   PROJECT_EXISTS   (registry, projectId) is already registered
import type { ProjectRegisterBody, TxResult } from '../../client/wire.ts'
import { requireRegistry } from './accounts.ts'
import type { RuleContext } from './context.ts'
import { encodeRecord, keys, type ProjectRecord } from './keys.ts'
import { ok, reject } from './result.ts'

export async function projectRegister(context: RuleContext, body: ProjectRegisterBody): Promise<TxResult> {
  const authorized = await requireRegistry(context.view, context.sender, body.registry, `register projects of ${body.registry}`)
  if (!authorized.ok) return authorized.result
  const key = keys.project(body.registry, body.projectId)
  if ((await context.view.get(key)) !== undefined) return reject('PROJECT_EXISTS', `project ${body.registry}/${body.projectId} is already registered`)
  const record: ProjectRecord = {
    registry: body.registry,
    projectId: body.projectId,
    program: body.program,
    name: body.name,
    developer: body.developer,
    country: body.country,
    sector: body.sector,
    methodology: body.methodology,
    status: body.status,
    attributes: canonicalAttributes(body.attributes),
    registeredBy: context.sender,
    height: context.height,
    timeMs: context.timeMs,
    txId: context.txId,
  }
  context.view.put(key, encodeRecord(record))
  return ok(`registered project ${body.registry}/${body.projectId}`)
}

/** A fresh object with the entries inserted in sorted key order, so the stored bytes do not depend on the sender's order. */
function canonicalAttributes(attributes: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key of Object.keys(attributes).sort()) out[key] = attributes[key] as string
  return out
}
