// Evidence end to end through consensus: three honest validators (real drivers, real Applications over LevelDB,
// an in-memory network, a manual clock) and a Byzantine validator 3 whose conflicting signed votes or proposals
// are fed to them. The core's equivocation output reaches the pool through onEvidence, a proposer includes it, every
// node commits it, and GET /evidence, GET /evidence/:id and `tonne query evidence` show it.
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { sign, type KeyPair } from '../../client/keys.ts'
import { TonneClient, type EvidenceList, type EvidenceView } from '../../client/http.ts'
import { bytesToHex, decodeBlock, decodeEvidence, evidenceId, hexToBytes, proposalSignBytes, voteSignBytes, type Evidence } from '../../client/wire.ts'
import { buildProgram } from '../../cli/main.ts'
import { ConsensusDriver } from '../../consensus/driver.ts'
import { buildApi } from '../../node/api/server.ts'
import type { Application } from '../../node/app/application.ts'
import { verifySignature } from '../../node/crypto/verify.ts'
import { getEvidence, listEvidence } from '../../node/ledger/evidence.ts'
import { chainId, cleanup, consensusApp, emptyBlock, genesis, logs, ManualClock, MemorySignerStore, openApp, proposalMessage, recordingLogger, settle, timeouts, validatorKeys, validators, voteMessage } from '../review/helpers.ts'
import { hashOf } from './helpers.ts'

afterAll(cleanup)

const HONEST = [0, 1, 2]
const BYZANTINE = 3

interface Cluster {
  apps: Application[]
  drivers: ConsensusDriver[]
  clock: ManualClock
}

async function cluster(onEvidenceFails: number[] = []): Promise<Cluster> {
  const clock = new ManualClock()
  const apps: Application[] = []
  for (const _ of HONEST) apps.push(await openApp())
  const drivers: ConsensusDriver[] = []
  for (const index of HONEST) {
    const app = apps[index] as Application
    drivers.push(
      new ConsensusDriver({
        chainId,
        validatorPublicKeys: validatorKeys,
        selfIndex: index,
        sign: (message) => sign(message, (validators[index] as KeyPair).secretKey),
        verify: verifySignature,
        timeouts,
        app: consensusApp(app),
        publish: (bytes) => {
          for (const [other, driver] of drivers.entries()) if (other !== index) driver.receive(bytes)
        },
        signerStore: new MemorySignerStore(),
        clock,
        logger: recordingLogger,
        onEvidence: onEvidenceFails.includes(index)
          ? () => {
              throw new Error('evidence store unavailable')
            }
          : (evidence) => app.addEvidence(evidence),
      }),
    )
  }
  return { apps, drivers, clock }
}

/** Fires timers until `done` holds; every timer firing is followed by letting all queued inputs run. */
async function runUntil({ drivers, clock }: Cluster, done: () => boolean | Promise<boolean>, firingsMax = 400): Promise<void> {
  await settle(drivers)
  for (let firing = 0; firing < firingsMax && !(await done()); firing += 1) {
    if (!clock.fireNext()) break
    await settle(drivers)
  }
  expect(await done()).toBe(true)
}

async function committedEverywhere(apps: Application[], id: string): Promise<boolean> {
  for (const app of apps) if ((await getEvidence(app.store.state, id)) === undefined) return false
  return true
}

/** Every node holds the same blocks up to the lowest common height, the same evidence, and, at equal heights, the same app hash. */
async function expectAgreement(apps: Application[]): Promise<void> {
  const height = Math.min(...apps.map((app) => app.latest.height))
  for (let h = 1; h <= height; h += 1) {
    const blocks = await Promise.all(apps.map((app) => app.store.getBlock(h)))
    for (const block of blocks) expect(bytesToHex(block as Uint8Array)).toBe(bytesToHex(blocks[0] as Uint8Array))
  }
  const lists = await Promise.all(apps.map(async (app) => JSON.stringify((await listEvidence(app.store.state, 1_000)).items.map((record) => ({ ...record, evidence: bytesToHex(record.evidence) })))))
  for (const list of lists) expect(list).toBe(lists[0])
  const first = apps[0] as Application
  for (const app of apps) if (app.latest.height === first.latest.height) expect(bytesToHex(app.latest.appHash)).toBe(bytesToHex(first.latest.appHash))
}

/** The messages of an evidence view verify under this chain id against the validator's genesis key. */
function expectVerifiable(view: EvidenceView): void {
  const publicKey = hexToBytes(view.validator as string)
  for (const message of [view.first, view.second]) {
    const blockHash = message.blockHash === null ? null : hexToBytes(message.blockHash)
    const signBytes =
      view.kind === 'duplicateVote'
        ? voteSignBytes(chainId, { type: message.type as 'prevote' | 'precommit', height: message.height, round: message.round, blockHash })
        : proposalSignBytes(chainId, { height: message.height, round: message.round, polRound: message.polRound as number, blockHash: blockHash as Uint8Array })
    expect(verifySignature(hexToBytes(message.signature), signBytes, publicKey)).toBe(true)
  }
  expect(evidenceId(decodeEvidence(hexToBytes(view.bytes)))).toBe(view.id)
}

let api: FastifyInstance | null = null
afterEach(async () => {
  await api?.close()
  api = null
  vi.restoreAllMocks()
})

describe('evidence through consensus', () => {
  it('a validator that double-prevotes is recorded in a block on every node and shown by GET /evidence and the CLI', async () => {
    logs.length = 0
    const net = await cluster([2])
    const { apps, drivers } = net
    // Validator 3 prevotes a block and nil in round 0 of height 1; every honest node receives both.
    const votes = [voteMessage('prevote', 1, 0, hashOf(0xaa), BYZANTINE), voteMessage('prevote', 1, 0, null, BYZANTINE)]
    for (const driver of drivers) for (const vote of votes) expect(driver.receive(vote)).toBe('accept')
    for (const driver of drivers) await driver.start()
    await settle(drivers)
    const expected: Evidence = {
      kind: 'duplicateVote',
      first: { type: 'prevote', height: 1, round: 0, blockHash: hexToBytes(hashOf(0xaa)), validatorIndex: BYZANTINE, signature: new Uint8Array() },
      second: { type: 'prevote', height: 1, round: 0, blockHash: null, validatorIndex: BYZANTINE, signature: new Uint8Array() },
    }
    const pending = (apps[0] as Application).evidencePool.pending(10)
    expect(pending).toHaveLength(1)
    const id = pending[0]?.id as string
    expect(pending[0]?.evidence.first).toMatchObject({ validatorIndex: BYZANTINE, height: 1, round: 0 })
    expect([pending[0]?.evidence.first.blockHash, pending[0]?.evidence.second.blockHash].map((hash) => (hash === null || hash === undefined ? null : bytesToHex(hash))).sort()).toEqual(
      [bytesToHex(expected.first.blockHash as Uint8Array), null].sort(),
    )
    // Node 2's evidence handler fails: logged, consensus goes on, and node 2 still validates and commits the evidence.
    expect((apps[2] as Application).evidencePool.size).toBe(0)
    expect(logs.some((entry) => entry.message === 'evidence handler failed')).toBe(true)

    await runUntil(net, async () => (await committedEverywhere(apps, id)) && apps.every((app) => app.latest.height >= 3))
    await expectAgreement(apps)
    for (const app of apps) expect(app.evidencePool.size).toBe(0)
    const record = await getEvidence((apps[0] as Application).store.state, id)
    const block = decodeBlock((await (apps[0] as Application).store.getBlock(record?.includedHeight as number)) as Uint8Array)
    expect(block.evidence.map(evidenceId)).toEqual([id])
    // A block that carried it was not re-proposed later: exactly one item in the whole chain.
    expect((await listEvidence((apps[1] as Application).store.state)).items.map((item) => item.id)).toEqual([id])
    for (const driver of drivers) driver.stop()

    const app = apps[1] as Application
    api = await buildApi({ app, genesis, nodeId: 'n1', validatorName: 'v1', peers: () => [], catchingUp: () => false, onAccepted: () => undefined })
    const list = (await api.inject({ method: 'GET', url: '/evidence' })).json() as EvidenceList
    expect(list.pending).toEqual([])
    expect(list.next).toBeNull()
    expect(list.items).toHaveLength(1)
    const view = list.items[0] as EvidenceView
    expect(view).toMatchObject({ id, status: 'committed', kind: 'duplicateVote', validatorIndex: 3, validatorName: 'v3', validator: genesis.validators[3]?.publicKey, height: 1, round: 0, step: 'prevote', includedHeight: record?.includedHeight, includedIndex: 0 })
    expect([view.first.blockHash, view.second.blockHash].sort()).toEqual([hashOf(0xaa), null].sort())
    expectVerifiable(view)
    expect((await api.inject({ method: 'GET', url: `/evidence/${id}` })).json()).toEqual(view)
    const blockView = (await api.inject({ method: 'GET', url: `/blocks/${record?.includedHeight}` })).json() as { evidence: { kind: string }[] }
    expect(blockView.evidence).toMatchObject([{ kind: 'duplicateVote' }])

    // The client and the CLI against the same API.
    const url = await api.listen({ host: '127.0.0.1', port: 0 })
    expect(await new TonneClient(url).evidenceById(id)).toEqual(view)
    const printed: string[] = []
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk))
      return true
    })
    await buildProgram().parseAsync(['node', 'tonne', 'query', 'evidence', '--node', url])
    await buildProgram().parseAsync(['node', 'tonne', 'query', 'evidence', id, '--node', url])
    vi.restoreAllMocks()
    expect(JSON.parse(printed[0] as string)).toEqual(list)
    expect(JSON.parse(printed[1] as string)).toEqual(view)
  })

  it('a proposer that signs two proposals for one round is recorded in a block on every node', async () => {
    const net = await cluster()
    const { apps, drivers } = net
    for (const driver of drivers) await driver.start()
    // Validator 3 is the proposer of (3, 0): run until every honest node waits for its proposal at height 3.
    await runUntil(net, () => drivers.every((driver) => driver.height === 3))
    const app = apps[0] as Application
    const a = emptyBlock(app, app.latest.timeMs + 1, validatorKeys[BYZANTINE] as Uint8Array)
    const b = emptyBlock(app, app.latest.timeMs + 2, validatorKeys[BYZANTINE] as Uint8Array)
    for (const driver of drivers) {
      expect(driver.receive(proposalMessage(3, 0, -1, a.bytes, a.hash, BYZANTINE))).toBe('accept')
      expect(driver.receive(proposalMessage(3, 0, -1, b.bytes, b.hash, BYZANTINE))).toBe('accept')
    }
    await settle(drivers)
    for (const each of apps) expect(each.evidencePool.size).toBe(1)
    const id = (app.evidencePool.pending(1)[0]?.id) as string
    await runUntil(net, () => committedEverywhere(apps, id))
    await expectAgreement(apps)
    const record = await getEvidence(app.store.state, id)
    expect(record).toMatchObject({ kind: 'duplicateProposal', validatorIndex: BYZANTINE, height: 3, round: 0, step: 'proposal' })
    expect(record?.includedHeight).toBeGreaterThanOrEqual(3)
    const evidence = decodeEvidence(record?.evidence as Uint8Array)
    expect([evidence.first.blockHash, evidence.second.blockHash].map((hash) => bytesToHex(hash as Uint8Array)).sort()).toEqual([a.hash, b.hash].sort())
    for (const driver of drivers) driver.stop()

    api = await buildApi({ app, genesis, nodeId: 'n0', validatorName: 'v0', peers: () => [], catchingUp: () => false, onAccepted: () => undefined })
    const view = (await api.inject({ method: 'GET', url: `/evidence/${id}` })).json() as EvidenceView
    expect(view).toMatchObject({ status: 'committed', kind: 'duplicateProposal', validatorName: 'v3', step: 'proposal', first: { polRound: -1 }, second: { polRound: -1 } })
    expectVerifiable(view)
  })
})
