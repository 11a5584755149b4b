// Submits many signed transactions of one sender to a node, pipelined (a bounded window in flight), and waits
// for each to be committed. Used by `tonne import`, the demo and the benchmark.
import { TonneClient, type TxResultView } from '../client/http.ts'

export const SUBMIT_WINDOW_TXS = 400
export const COMMIT_WAIT_MS_MAX = 120_000

export interface SubmittedTx {
  id: string
  bytes: Uint8Array
  label: string
}

export interface CommittedTx extends SubmittedTx {
  height: number
  result: TxResultView
  latencyMs: number
}

export interface Progress {
  (done: number, total: number): void
}

export async function submitAndWait(client: TonneClient, txs: SubmittedTx[], progress: Progress = () => undefined): Promise<CommittedTx[]> {
  const results: CommittedTx[] = new Array(txs.length)
  const submittedAt = new Map<string, number>()
  let next = 0
  let done = 0
  const pending = new Set<number>()
  const submitOne = async (index: number): Promise<void> => {
    const tx = txs[index] as SubmittedTx
    submittedAt.set(tx.id, Date.now())
    await client.submit(tx.bytes)
    pending.add(index)
  }
  while (done < txs.length) {
    while (next < txs.length && pending.size < SUBMIT_WINDOW_TXS) {
      await submitOne(next)
      next += 1
    }
    // Wait for the oldest pending transaction, then collect every other one that is already committed.
    const oldest = Math.min(...pending)
    const oldestTx = txs[oldest] as SubmittedTx
    const status = await client.waitForCommit(oldestTx.id, COMMIT_WAIT_MS_MAX, 100)
    const now = Date.now()
    results[oldest] = { ...oldestTx, height: status.height, result: status.result, latencyMs: now - (submittedAt.get(oldestTx.id) ?? now) }
    pending.delete(oldest)
    done += 1
    for (const index of [...pending].sort((a, b) => a - b).slice(0, 200)) {
      const tx = txs[index] as SubmittedTx
      const other = await client.tx(tx.id)
      if (other.status !== 'committed') break
      results[index] = { ...tx, height: other.height, result: other.result, latencyMs: Date.now() - (submittedAt.get(tx.id) ?? now) }
      pending.delete(index)
      done += 1
    }
    progress(done, txs.length)
  }
  return results
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
