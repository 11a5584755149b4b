// `tonne import`: a registry export becomes signed project registrations, batch issuances, retirements and
// cancellations, submitted in order by that registry's account. Rows that do not parse are reported with their
// line number and reason and contribute nothing.
import { readKeyFile, signTx } from '../client/keys.ts'
import { Signer, TonneClient } from '../client/http.ts'
import { planImport, resolveRegistry, type ImportStep } from '../client/registries/index.ts'
import { progressLine, submitAndWait, type SubmittedTx } from './submit.ts'

export interface ImportSummary {
  registry: string
  steps: number
  committed: number
  rejected: number
  byKind: Record<string, number>
  parseErrors: { path: string; line: number; reason: string }[]
  /** The first REJECTIONS_SHOWN_MAX rejected transactions; `rejected` counts them all. */
  rejections: { path: string; line: number; kind: string; code: string; message: string }[]
  /** Rejections not listed in `rejections` (beyond REJECTIONS_SHOWN_MAX). */
  rejectionsNotShown: number
  lastHeight: number
}

export const REJECTIONS_SHOWN_MAX = 20

export async function runImport(options: { node: string; registry: string; keyFile: string; files: { path: string; text: string }[]; quiet?: boolean }): Promise<ImportSummary> {
  const plan = planImport(options.registry as Parameters<typeof planImport>[0], options.files)
  for (const error of plan.errors) process.stderr.write(`${error.path}:${error.line}: ${error.reason}\n`)
  const client = new TonneClient(options.node)
  const status = await client.status()
  const keyPair = readKeyFile(options.keyFile)
  const signer = new Signer(keyPair, status.chainId, client)
  const account = await client.account(signer.accountId)
  const code = resolveRegistry(options.registry)
  if (account.role !== 'registry' || account.registry !== code) {
    throw new Error(`${options.keyFile} is not the ${code} registry's account on this chain (its role is ${account.role ?? 'none'}${account.registry === null ? '' : ` for ${account.registry}`}): nothing was submitted`)
  }
  let nonce = account.nextNonce
  const txs: (SubmittedTx & { step: ImportStep })[] = plan.steps.map((step) => {
    const signed = signTx(keyPair, status.chainId, step.kind, nonce, step.body as never)
    nonce += 1
    return { id: signed.id, bytes: signed.bytes, label: `${step.source.path}:${step.source.line}`, step }
  })
  const committed = await submitAndWait(client, txs, options.quiet === true ? () => undefined : progressLine(`import ${options.registry}`))
  const byKind: Record<string, number> = {}
  const rejections: ImportSummary['rejections'] = []
  let rejected = 0
  let lastHeight = 0
  for (const [index, entry] of committed.entries()) {
    const step = (txs[index] as (typeof txs)[number]).step
    lastHeight = Math.max(lastHeight, entry.height)
    if (entry.result.code === 0) {
      byKind[step.kind] = (byKind[step.kind] ?? 0) + 1
      continue
    }
    rejected += 1
    if (rejections.length < REJECTIONS_SHOWN_MAX) rejections.push({ path: step.source.path, line: step.source.line, kind: step.kind, code: entry.result.name, message: entry.result.message })
  }
  return { registry: options.registry, steps: plan.steps.length, committed: committed.length - rejected, rejected, byKind, parseErrors: plan.errors, rejections, rejectionsNotShown: rejected - rejections.length, lastHeight }
}
