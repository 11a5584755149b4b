// Submits many signed transactions to a node, pipelined (a bounded window in flight, a few requests at a time),
// and follows the committed blocks to learn each one's result. Used by `tonne import`, the demo and the benchmark.
import { HttpError, TonneClient, type TxResultView } from '../client/http.ts'

/** Transactions submitted but not yet seen in a block. */
export const SUBMIT_WINDOW_TXS = 1_000
/** HTTP submissions in flight at once. */
export const SUBMIT_CONCURRENCY = 8
/** A transaction not seen in a block this long after its submission is looked up; unknown ones fail the run. */
export const COMMIT_WAIT_MS_MAX = 120_000
export const BLOCK_POLL_INTERVAL_MS = 50

export interface SubmittedTx {
  id: string
  bytes: Uint8Array
  label: string
}

export interface CommittedTx extends SubmittedTx {
  height: number
  result: TxResultView
  /** Submission to first seen in a block, on the monotonic clock (performance.now), so a wall-clock step cannot skew it. */
  latencyMs: number
}

export interface Progress {
  (done: number, total: number): void
}

interface BlockView {
  txs: { id: string; result: TxResultView | null }[]
}

export async function submitAndWait(client: TonneClient, txs: SubmittedTx[], progress: Progress = () => undefined): Promise<CommittedTx[]> {
  const results: (CommittedTx | undefined)[] = new Array(txs.length)
  const pendingById = new Map<string, { index: number; submittedAtMs: number }>()
  let seenHeight = (await client.status()).height
  let next = 0
  let done = 0

  const submitNext = async (): Promise<void> => {
    while (next < txs.length && pendingById.size < SUBMIT_WINDOW_TXS) {
      const index = next
      next += 1
      const tx = txs[index] as SubmittedTx
      pendingById.set(tx.id, { index, submittedAtMs: performance.now() })
      try {
        await client.submit(tx.bytes)
      } catch (error) {
        pendingById.delete(tx.id)
        throw new HttpError((error as HttpError).status ?? 0, (error as HttpError).code ?? 'SUBMIT_FAILED', `${tx.label}: ${(error as Error).message}`)
      }
    }
  }

  while (done < txs.length) {
    await Promise.all(Array.from({ length: SUBMIT_CONCURRENCY }, () => submitNext()))
    const height = (await client.status()).height
    for (let blockHeight = seenHeight + 1; blockHeight <= height; blockHeight += 1) {
      const block = (await client.block(blockHeight)) as BlockView
      const observedAtMs = performance.now()
      for (const entry of block.txs) {
        const pending = pendingById.get(entry.id)
        if (pending === undefined) continue
        pendingById.delete(entry.id)
        results[pending.index] = { ...(txs[pending.index] as SubmittedTx), height: blockHeight, result: entry.result ?? { code: -1, name: 'UNKNOWN', message: 'no result recorded' }, latencyMs: observedAtMs - pending.submittedAtMs }
        done += 1
      }
    }
    seenHeight = height
    progress(done, txs.length)
    if (done >= txs.length) break
    done += await checkOverdue(client, txs, pendingById, results)
    await new Promise((resolve) => setTimeout(resolve, BLOCK_POLL_INTERVAL_MS))
  }
  return results as CommittedTx[]
}

/** A transaction overdue for commit is looked up: committed ones are collected, dropped ones fail the run. */
async function checkOverdue(client: TonneClient, txs: SubmittedTx[], pendingById: Map<string, { index: number; submittedAtMs: number }>, results: (CommittedTx | undefined)[]): Promise<number> {
  const now = performance.now()
  let collected = 0
  for (const [id, pending] of pendingById) {
    if (now - pending.submittedAtMs < COMMIT_WAIT_MS_MAX) continue
    const status = await client.tx(id)
    const tx = txs[pending.index] as SubmittedTx
    if (status.status === 'committed') {
      pendingById.delete(id)
      results[pending.index] = { ...tx, height: status.height, result: status.result, latencyMs: now - pending.submittedAtMs }
      collected += 1
      continue
    }
    throw new HttpError(0, 'TIMEOUT', `${tx.label}: transaction ${id} not committed after ${COMMIT_WAIT_MS_MAX} ms (status ${status.status})`)
  }
  return collected
}

/** A one-line progress display: rewrites itself on a terminal, prints every 10% otherwise. */
export function progressLine(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  let lastTenth = -1
  return (done, total) => {
    if (stream.isTTY) {
      stream.write(`\r${label}: ${done}/${total} committed${done === total ? '\n' : ''}`)
      return
    }
    const tenth = Math.floor((done / Math.max(total, 1)) * 10)
    if (tenth !== lastTenth || done === total) {
      lastTenth = tenth
      stream.write(`${label}: ${done}/${total} committed\n`)
    }
  }
}
