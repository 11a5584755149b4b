// Evidence in the application: the pool (bounded, deduplicated), prepareProposal including pending evidence,
// processProposal refusing blocks with bad evidence, commit recording it in the ledger state (covered by the app
// hash) and two nodes committing the same blocks ending with byte-identical evidence state.
import { afterAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '../../client/keys.ts'
import { BLOCK_EVIDENCE_MAX, bytesToHex, decodeBlock, decodeEvidence, encodeBlock, evidenceId, type Evidence } from '../../client/wire.ts'
import type { Application } from '../../node/app/application.ts'
import { EvidencePool } from '../../node/app/evidence-pool.ts'
import { checkEvidence, EVIDENCE_AGE_HEIGHTS_MAX, getEvidence, listEvidence } from '../../node/ledger/evidence.ts'
import { PREFIX, prefixEnd } from '../../node/ledger/keys.ts'
import { nextAppHash } from '../../node/state/view.ts'
import { cleanup, genesis, openApp, validatorKeys } from '../review/helpers.ts'
import { blockWithEvidence, doublePrevote, doubleProposal, hashOf, signedVote } from './helpers.ts'

afterAll(cleanup)

const proposer = validatorKeys[1] as Uint8Array
let clockMs = genesis.genesisTimeMs + 1_000
const nextTime = () => (clockMs += 1_000)

/** Proposes, validates and commits the next block of `app` (with whatever its pool holds). */
async function commitNext(app: Application): Promise<{ block: Uint8Array; blockHash: string }> {
  const prepared = await app.prepareProposal(app.latest.height + 1, nextTime(), proposer)
  expect((await app.processProposal(prepared.block, proposer, null)).valid).toBe(true)
  await app.commit(prepared.blockHash, new Uint8Array())
  return prepared
}

async function commitBytes(app: Application, bytes: Uint8Array): Promise<void> {
  const processed = await app.processProposal(bytes, decodeBlock(bytes).header.proposer, null)
  expect(processed).toMatchObject({ valid: true })
  await app.commit((processed as { blockHash: string }).blockHash, new Uint8Array())
}

async function evidenceState(app: Application): Promise<string[]> {
  const out: string[] = []
  for (const prefix of [PREFIX.evidence, PREFIX.evidenceOrder, PREFIX.evidenceSlot]) {
    for (const [key, value] of await app.store.state.range({ gte: prefix, lt: prefixEnd(prefix) })) out.push(`${key}=${bytesToHex(value)}`)
  }
  return out
}

async function expectRefused(app: Application, evidence: Evidence[], reason: RegExp): Promise<void> {
  const before = await evidenceState(app)
  const height = app.latest.height
  const block = await blockWithEvidence(app, evidence, proposer, nextTime())
  const processed = await app.processProposal(block.bytes, proposer, null)
  expect(processed).toMatchObject({ valid: false, blockHash: block.hash })
  expect((processed as { reason: string }).reason).toMatch(reason)
  // A refused block changes nothing.
  expect(app.latest.height).toBe(height)
  expect(await evidenceState(app)).toEqual(before)
}

describe('evidence in blocks', () => {
  it('pending evidence is proposed, committed into the ledger state (app hash) and leaves the pool', async () => {
    const app = await openApp()
    const evidence = doublePrevote(3, 1, 0, hashOf(1), null)
    const outcome = await app.addEvidence(evidence)
    expect(outcome).toEqual({ ok: true, id: evidenceId(evidence), added: true })
    expect(app.evidencePool.size).toBe(1)
    // The same evidence with its messages swapped is the same evidence.
    const swapped: Evidence = { kind: 'duplicateVote', first: evidence.second, second: evidence.first } as Evidence
    expect(await app.addEvidence(swapped)).toEqual({ ok: true, id: evidenceId(evidence), added: false })
    expect(app.evidencePool.size).toBe(1)

    const emptyBlockAppHash = bytesToHex(nextAppHash(app.latest.appHash, []))
    const prepared = await commitNext(app)
    const block = decodeBlock(prepared.block)
    expect(block.evidence.map(evidenceId)).toEqual([evidenceId(evidence)])
    expect(app.evidencePool.size).toBe(0)
    const record = await getEvidence(app.store.state, evidenceId(evidence))
    expect(record).toMatchObject({ id: evidenceId(evidence), kind: 'duplicateVote', validatorIndex: 3, validator: genesis.validators[3]?.publicKey, height: 1, round: 0, step: 'prevote', includedHeight: 1, includedIndex: 0 })
    expect(evidenceId(decodeEvidence(record?.evidence as Uint8Array))).toBe(evidenceId(evidence))
    // Its records are state writes of the block: the same block without evidence would have another app hash.
    expect(bytesToHex(block.header.appHash)).not.toBe(emptyBlockAppHash)
    expect(bytesToHex(app.latest.appHash)).toBe(bytesToHex(block.header.appHash))
    // Committed evidence is not accepted into the pool again.
    expect(await app.addEvidence(evidence)).toMatchObject({ ok: false, reason: expect.stringContaining('already committed') })
    expect(app.evidencePool.size).toBe(0)
    // The next block does not carry it again.
    expect(decodeBlock((await commitNext(app)).block).evidence).toEqual([])
  })

  it('a proposer includes at most BLOCK_EVIDENCE_MAX items and one per offence slot', async () => {
    const app = await openApp()
    const items: Evidence[] = []
    for (let round = 0; round < BLOCK_EVIDENCE_MAX + 5; round += 1) items.push(doublePrevote(2, 1, round, hashOf(1), hashOf(2)))
    for (const item of items) expect(await app.addEvidence(item)).toMatchObject({ ok: true, added: true })
    // A second, different piece of evidence for a slot already pending is not added.
    expect(await app.addEvidence(doublePrevote(2, 1, 0, hashOf(1), hashOf(3)))).toMatchObject({ ok: true, added: false })
    const first = decodeBlock((await commitNext(app)).block)
    expect(first.evidence).toHaveLength(BLOCK_EVIDENCE_MAX)
    const second = decodeBlock((await commitNext(app)).block)
    expect(second.evidence).toHaveLength(5)
    expect((await listEvidence(app.store.state, 1_000)).items).toHaveLength(BLOCK_EVIDENCE_MAX + 5)
    expect(app.evidencePool.size).toBe(0)
  })

  it('a conflicting proposal pair is evidence too', async () => {
    const app = await openApp()
    const evidence = doubleProposal(1, 1, 0, hashOf(1), hashOf(2))
    expect(await app.addEvidence(evidence)).toMatchObject({ ok: true, added: true })
    const block = decodeBlock((await commitNext(app)).block)
    expect(block.evidence.map(evidenceId)).toEqual([evidenceId(evidence)])
    expect(await getEvidence(app.store.state, evidenceId(evidence))).toMatchObject({ kind: 'duplicateProposal', validatorIndex: 1, step: 'proposal', height: 1, round: 0 })
  })

  it('refuses blocks with forged, non-conflicting, mismatched, wrong-chain, unknown-validator or future evidence', async () => {
    const app = await openApp()
    await commitNext(app)
    const good = doublePrevote(3, 1, 0, hashOf(1), hashOf(2))
    const forgedSecond = signedVote(3, 'prevote', 1, 0, hashOf(2), undefined, generateKeyPair())
    await expectRefused(app, [{ kind: 'duplicateVote', first: good.first, second: forgedSecond }], /evidence 0: a vote signature does not verify/)
    // A signature of validator 2 presented as validator 3's.
    const other = signedVote(2, 'prevote', 1, 0, hashOf(2))
    await expectRefused(app, [{ kind: 'duplicateVote', first: good.first, second: { ...other, validatorIndex: 3 } }], /signature does not verify/)
    await expectRefused(app, [{ kind: 'duplicateVote', first: good.first, second: other }], /different validators/)
    await expectRefused(app, [doublePrevote(3, 1, 0, hashOf(1), hashOf(2), 'another-chain')], /signature does not verify/)
    await expectRefused(app, [{ kind: 'duplicateVote', first: good.first, second: signedVote(3, 'prevote', 1, 1, hashOf(2)) }], /different heights or rounds/)
    await expectRefused(app, [{ kind: 'duplicateVote', first: good.first, second: signedVote(3, 'precommit', 1, 0, hashOf(2)) }], /different types/)
    await expectRefused(app, [{ kind: 'duplicateVote', first: signedVote(3, 'prevote', 1, 0, hashOf(1)), second: { ...signedVote(3, 'prevote', 1, 0, hashOf(1)), signature: new Uint8Array(64).fill(9) } }], /same value/)
    const outsider = generateKeyPair()
    await expectRefused(app, [{ kind: 'duplicateVote', first: signedVote(4, 'prevote', 1, 0, hashOf(1), undefined, outsider), second: signedVote(4, 'prevote', 1, 0, hashOf(2), undefined, outsider) }], /no validator at index 4/)
    await expectRefused(app, [doublePrevote(3, 3, 0, hashOf(1), hashOf(2))], /above the block height/)
    const sameProposal = doubleProposal(1, 1, 0, hashOf(1), hashOf(1))
    await expectRefused(app, [{ ...sameProposal, second: { ...sameProposal.first, signature: new Uint8Array(64).fill(3) } } as Evidence], /proposals are the same/)
    // The valid item first does not save a block whose second item is bad.
    await expectRefused(app, [good, { kind: 'duplicateVote', first: signedVote(3, 'prevote', 1, 1, hashOf(1)), second: signedVote(3, 'precommit', 1, 1, hashOf(2)) }], /evidence 1: the two votes are of different types/)
    // And the good item alone is accepted (so the refusals above were for the bad items).
    const block = await blockWithEvidence(app, [good], proposer, nextTime())
    expect(await app.processProposal(block.bytes, proposer, null)).toEqual({ valid: true, blockHash: block.hash })
  })

  it('refuses duplicates in one block and evidence already committed', async () => {
    const app = await openApp()
    const evidence = doublePrevote(0, 1, 0, hashOf(1), hashOf(2))
    await expectRefused(app, [evidence, evidence], /evidence 1: evidence [0-9a-f]{64} is already committed/)
    await expectRefused(app, [evidence, doublePrevote(0, 1, 0, hashOf(1), hashOf(3))], /evidence 1: evidence for the same validator, height, round and step/)
    // Different steps of the same validator and round are separate offences.
    const precommits: Evidence = { kind: 'duplicateVote', first: signedVote(0, 'precommit', 1, 0, hashOf(1)), second: signedVote(0, 'precommit', 1, 0, null) }
    const both = await blockWithEvidence(app, [evidence, precommits], proposer, nextTime())
    await commitBytes(app, both.bytes)
    expect((await listEvidence(app.store.state)).items.map((record) => record.id)).toEqual([evidenceId(evidence), evidenceId(precommits)])
    await expectRefused(app, [evidence], /already committed/)
    await expectRefused(app, [{ kind: 'duplicateVote', first: evidence.second, second: evidence.first } as Evidence], /already committed/)
    await expectRefused(app, [doublePrevote(0, 1, 0, hashOf(2), hashOf(3))], /same validator, height, round and step is already committed/)
  })

  it('a block whose evidence does not match its header evidence hash is not the block that hash names', async () => {
    const app = await openApp()
    const block = await blockWithEvidence(app, [doublePrevote(3, 1, 0, hashOf(1), hashOf(2))], proposer, nextTime())
    const swappedEvidence = encodeBlock({ ...block.block, evidence: [doublePrevote(3, 1, 0, hashOf(1), hashOf(3))] })
    const processed = await app.processProposal(swappedEvidence, proposer, null, block.hash)
    expect(processed).toEqual({ valid: false, reason: 'evidence does not match the header evidence hash' })
  })

  it('evidence older than EVIDENCE_AGE_HEIGHTS_MAX heights is refused by the rule', () => {
    const rules = { chainId: genesis.chainId, validatorKeys }
    const evidence = doublePrevote(1, 10, 0, hashOf(1), hashOf(2))
    expect(checkEvidence(evidence, rules, 10 + EVIDENCE_AGE_HEIGHTS_MAX)).toEqual({ ok: true })
    expect(checkEvidence(evidence, rules, 11 + EVIDENCE_AGE_HEIGHTS_MAX)).toMatchObject({ ok: false, reason: expect.stringContaining('heights old') })
    expect(checkEvidence(evidence, rules, 10)).toEqual({ ok: true })
    expect(checkEvidence(evidence, rules, 9)).toMatchObject({ ok: false })
  })

  it('two nodes committing the same blocks have the same evidence state and app hash; so does a replay', async () => {
    const a = await openApp()
    const b = await openApp()
    const c = await openApp()
    const blocks: Uint8Array[] = []
    const offences = [doublePrevote(3, 1, 0, hashOf(1), null), doubleProposal(2, 1, 1, hashOf(4), hashOf(5)), doublePrevote(3, 2, 0, hashOf(1), hashOf(2))]
    for (const [index, offence] of offences.entries()) {
      expect(await a.addEvidence(offence)).toMatchObject({ ok: true, added: true })
      const prepared = await a.prepareProposal(a.latest.height + 1, genesis.genesisTimeMs + 1_000 * (index + 1), proposer)
      // b validates the proposal with its own clock, as a validator does; c replays committed blocks later.
      expect(await b.processProposal(prepared.block, proposer, genesis.genesisTimeMs + 1_000 * (index + 1))).toEqual({ valid: true, blockHash: prepared.blockHash })
      expect((await a.processProposal(prepared.block, proposer, null)).valid).toBe(true)
      await a.commit(prepared.blockHash, new Uint8Array())
      await b.commit(prepared.blockHash, new Uint8Array())
      blocks.push(prepared.block)
    }
    for (const bytes of blocks) await commitBytes(c, bytes)
    const state = await evidenceState(a)
    expect(state.length).toBe(3 * offences.length)
    expect(await evidenceState(b)).toEqual(state)
    expect(await evidenceState(c)).toEqual(state)
    expect(bytesToHex(b.latest.appHash)).toBe(bytesToHex(a.latest.appHash))
    expect(bytesToHex(c.latest.appHash)).toBe(bytesToHex(a.latest.appHash))
  })

  it('refuses bad evidence from the driver without changing the pool', async () => {
    const app = await openApp()
    const forged: Evidence = { kind: 'duplicateVote', first: signedVote(1, 'prevote', 1, 0, hashOf(1)), second: signedVote(1, 'prevote', 1, 0, hashOf(2), undefined, generateKeyPair()) }
    expect(await app.addEvidence(forged)).toMatchObject({ ok: false, reason: expect.stringContaining('signature') })
    expect(await app.addEvidence(doublePrevote(1, 2, 0, hashOf(1), hashOf(2)))).toMatchObject({ ok: false, reason: expect.stringContaining('above the block height') })
    const outOfRange = doublePrevote(1, 1, 0, hashOf(1), hashOf(2))
    const huge: Evidence = { kind: 'duplicateVote', first: { ...outOfRange.first, round: 2 ** 40 }, second: { ...outOfRange.second, round: 2 ** 40 } }
    expect(await app.addEvidence(huge)).toMatchObject({ ok: false, reason: expect.stringContaining('malformed evidence') })
    expect(app.evidencePool.size).toBe(0)
  })
})

describe('evidence pool', () => {
  it('is bounded, deduplicated by id and by slot, and drops what a commit made useless', () => {
    const pool = new EvidencePool(3)
    const a = doublePrevote(0, 5, 0, hashOf(1), hashOf(2))
    expect(pool.add(a)).toEqual({ added: true })
    expect(pool.add({ kind: 'duplicateVote', first: a.second, second: a.first } as Evidence)).toEqual({ added: false, reason: 'duplicate' })
    expect(pool.add(doublePrevote(0, 5, 0, hashOf(1), hashOf(3)))).toEqual({ added: false, reason: 'slot taken' })
    const b = doublePrevote(0, 5, 1, hashOf(1), hashOf(2))
    const c = doubleProposal(1, 5, 0, hashOf(1), hashOf(2))
    expect(pool.add(b)).toEqual({ added: true })
    expect(pool.add(c)).toEqual({ added: true })
    expect(pool.add(doublePrevote(2, 5, 0, hashOf(1), hashOf(2)))).toEqual({ added: false, reason: 'full' })
    expect(pool.pending(10).map((entry) => entry.id)).toEqual([a, b, c].map(evidenceId))
    expect(pool.pending(2)).toHaveLength(2)
    // A block committed other evidence for a's slot: a can never be included now. b was committed itself.
    pool.update(6, [doublePrevote(0, 5, 0, hashOf(2), hashOf(3)), b])
    expect(pool.pending(10).map((entry) => entry.id)).toEqual([evidenceId(c)])
    // Too old for the next block.
    pool.update(5 + EVIDENCE_AGE_HEIGHTS_MAX, [])
    expect(pool.size).toBe(0)
  })
})
