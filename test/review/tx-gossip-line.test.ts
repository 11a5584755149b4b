// Review check (passes): in a line a - b - c with the node's real verdict, a batch reaches c through b, also when b
// already held some (or all) of its transactions from its own clients (b then gossiped those itself).
import { afterAll, afterEach, expect, it } from 'vitest'
import { encodeTxGossip } from '../../client/wire.ts'
import { gossipTxsVerdict } from '../../node/mempool/tx-gossip.ts'
import { identity, startHonest, stopAll, waitFor, warmUp } from '../network/hostile-helpers.ts'
import { cleanup, openApp, registerProjectTx } from './helpers.ts'

afterEach(stopAll)
afterAll(cleanup)

it('relays batches along a line', async () => {
  const apps = [await openApp(), await openApp(), await openApp()]
  const ids = [await identity(), await identity(), await identity()]
  const [ia, ib, ic] = ids as [typeof ids[0], typeof ids[0], typeof ids[0]]
  const v = (index: number) => ({ validateTx: (bytes: Uint8Array) => gossipTxsVerdict(bytes, (tx) => apps[index]!.submit(tx)) })
  const b = await startHonest(ib, ids, { peers: [ia, ic], validators: v(1) })
  const a = await startHonest(ia, ids, { peers: [ib], validators: v(0) })
  const c = await startHonest(ic, ids, { peers: [ib], validators: v(2) })
  await waitFor('line', () => b.net.connectedPeers().length === 2 && a.net.connectedPeers().length === 1 && c.net.connectedPeers().length === 1)
  await warmUp(b.net, 2)
  await warmUp(a.net, 1)
  const [t0, t1, t2] = [0, 1, 2].map((nonce) => registerProjectTx(nonce, `L-${nonce}`)) as [ReturnType<typeof registerProjectTx>, ReturnType<typeof registerProjectTx>, ReturnType<typeof registerProjectTx>]
  // b's client gave it t0 (b gossips it itself); a's client gave a t0, t1.
  await apps[1]!.submit(t0.bytes)
  await b.net.publishTx(encodeTxGossip([t0.bytes]))
  await apps[0]!.submit(t0.bytes)
  await apps[0]!.submit(t1.bytes)
  await a.net.publishTx(encodeTxGossip([t0.bytes, t1.bytes]))
  await waitFor('t0, t1 at c', () => apps[2]!.mempool.has(t0.id) && apps[2]!.mempool.has(t1.id))
  // All of a batch known at b because b's own client sent it too: b's own message carried it to c.
  await apps[1]!.submit(t2.bytes)
  await b.net.publishTx(encodeTxGossip([t2.bytes]))
  await apps[0]!.submit(t2.bytes)
  await a.net.publishTx(encodeTxGossip([t2.bytes]))
  await waitFor('t2 at c', () => apps[2]!.mempool.has(t2.id))
  expect([a, b, c].every((node) => node.net.bannedPeers().length === 0)).toBe(true)
}, 60_000)
