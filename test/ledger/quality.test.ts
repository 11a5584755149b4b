// Quality information and private retirements: project.rate (rating agencies), project.attest (MRV verifiers) and
// credit.retire-private (a beneficiary commitment instead of a name). Every rejection code, the exact records
// written, and what the project and provenance queries show.
import { describe, expect, it } from 'vitest'
import { beneficiaryCommitment, commitBeneficiary, verifyBeneficiary } from '../../client/commitments.ts'
import type { Genesis, ProjectAttestBody, ProjectRateBody } from '../../client/wire.ts'
import {
  batchHoldings,
  decodeRecord,
  getPrivateRetirement,
  keys,
  PREFIX,
  prefixRange,
  projectQuality,
  provenance,
  readRange,
  type AttestationRecord,
  type RatingRecord,
} from '../../node/ledger/index.ts'
import { BANK, BATCH_VCS, GENESIS, MARKET, OUTSIDER, projectBody, retireBody, TestLedger, testAccount, testTxId, VERRA } from './helpers.ts'

const RATER = testAccount('rating-agency', 0x11)
const RATER_2 = testAccount('second-rating-agency', 0x12)
const VERIFIER = testAccount('verifier', 0x13)
const VERIFIER_2 = testAccount('second-verifier', 0x14)
const QUALITY_GENESIS: Genesis = {
  ...GENESIS,
  accounts: [
    ...GENESIS.accounts,
    { name: RATER.name, publicKey: RATER.id, role: 'rating' },
    { name: RATER_2.name, publicKey: RATER_2.id, role: 'rating' },
    { name: VERIFIER.name, publicKey: VERIFIER.id, role: 'verifier' },
    { name: VERIFIER_2.name, publicKey: VERIFIER_2.id, role: 'verifier' },
  ],
}
// GENESIS starts at 1_700_000_000_000 ms (2023-11-14T22:13:20Z); each test block adds one second: the block date
// stays 2023-11-14 throughout these tests.
const BLOCK_DATE = '2023-11-14'
const START = 941467007
const HASH = 'a3f1c2'.padEnd(64, '0')

function rateBody(overrides: Partial<ProjectRateBody> = {}): ProjectRateBody {
  return { registry: 'VCS', projectId: '1340', scale: 'BeZero Carbon Rating (AAA-D)', grade: 'BBB', ratedOn: '2023-06-01', reportUri: 'https://example.org/ratings/vcs-1340.pdf', ...overrides }
}

function attestBody(overrides: Partial<ProjectAttestBody> = {}): ProjectAttestBody {
  return { registry: 'VCS', projectId: '1340', periodStart: '2022-01-01', periodEnd: '2022-12-31', measuredTonnes: 182_344, dataHash: HASH, dataUri: 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', ...overrides }
}

async function ledgerWithProject(): Promise<TestLedger> {
  const ledger = new TestLedger(QUALITY_GENESIS)
  await ledger.ok(VERRA, 'project.register', projectBody())
  return ledger
}

describe('project.rate', () => {
  it('stores the rating under the agency with seq 0: the exact record', async () => {
    const ledger = await ledgerWithProject()
    const { writes, result } = await ledger.ok(RATER, 'project.rate', rateBody())
    expect(result.message).toBe('rated VCS/1340 BBB on BeZero Carbon Rating (AAA-D)')
    const key = keys.rating('VCS', '1340', RATER.id, 0)
    const written = writes.find(([k]) => k === key)
    expect(written).toBeDefined()
    expect(decodeRecord<RatingRecord>(written?.[1] as Uint8Array)).toEqual({
      registry: 'VCS',
      projectId: '1340',
      agency: RATER.id,
      seq: 0,
      scale: 'BeZero Carbon Rating (AAA-D)',
      grade: 'BBB',
      ratedOn: '2023-06-01',
      reportUri: 'https://example.org/ratings/vcs-1340.pdf',
      height: ledger.height,
      timeMs: ledger.timeMs,
      txIndex: 0,
      txId: ledger.lastTxId,
    })
    // Only the rating and the nonce were written.
    expect(writes.map(([k]) => k).sort()).toEqual([key, keys.nonce(RATER.id)].sort())
  })

  it('a later rating by the same agency supersedes its earlier one; the history keeps both; agencies are separate', async () => {
    const ledger = await ledgerWithProject()
    await ledger.ok(RATER, 'project.rate', rateBody())
    const firstId = ledger.lastTxId
    await ledger.ok(RATER_2, 'project.rate', rateBody({ scale: 'Sylvera', grade: 'Tier 2', ratedOn: '2023-07-01' }))
    const { result } = await ledger.ok(RATER, 'project.rate', rateBody({ grade: 'A', ratedOn: '2023-09-15' }))
    expect(result.message).toBe('rated VCS/1340 A on BeZero Carbon Rating (AAA-D) (supersedes BBB of 2023-06-01)')
    const quality = await projectQuality(ledger.state, 'VCS', '1340')
    // One current rating per agency, in agency id order (RATER's id 1111... sorts before RATER_2's 1212...).
    expect(quality.ratings.map((rating) => [rating.agency, rating.grade, rating.seq, rating.superseded])).toEqual([
      [RATER.id, 'A', 1, false],
      [RATER_2.id, 'Tier 2', 0, false],
    ])
    expect(quality.ratings.find((rating) => rating.agency === RATER.id)?.agencyName).toBe('rating-agency')
    // History in ledger order, the first rating marked superseded.
    expect(quality.ratingHistory.map((rating) => [rating.agencyName, rating.grade, rating.superseded])).toEqual([
      ['rating-agency', 'BBB', true],
      ['second-rating-agency', 'Tier 2', false],
      ['rating-agency', 'A', false],
    ])
    expect(quality.ratingHistory[0]?.txId).toBe(firstId)
    expect(quality.truncated).toBe(false)
    // The earlier record itself is unchanged in state.
    expect((await readRange<RatingRecord>(ledger.state, prefixRange(keys.ratingAgencyPrefix('VCS', '1340', RATER.id)))).map(([, r]) => r.grade)).toEqual(['BBB', 'A'])
  })

  it('a rating dated the same day as the current one is accepted (a correction); the block date itself is not in the future', async () => {
    const ledger = await ledgerWithProject()
    await ledger.ok(RATER, 'project.rate', rateBody({ ratedOn: BLOCK_DATE }))
    await ledger.ok(RATER, 'project.rate', rateBody({ ratedOn: BLOCK_DATE, grade: 'BB' }))
    expect((await projectQuality(ledger.state, 'VCS', '1340')).ratings.map((rating) => rating.grade)).toEqual(['BB'])
  })

  it('rejects, changing nothing: INVALID_BODY, WRONG_ROLE, UNKNOWN_PROJECT, FUTURE_DATE, STALE_RATING', async () => {
    const ledger = await ledgerWithProject()
    await ledger.ok(RATER, 'project.rate', rateBody({ ratedOn: '2023-06-01' }))
    const invalid: [Record<string, unknown>, RegExp][] = [
      [{ grade: '' }, /body\.grade is too short/],
      [{ scale: '' }, /body\.scale is too short/],
      [{ ratedOn: '2023-02-30' }, /body\.ratedOn must be a date YYYY-MM-DD/],
      [{ ratedOn: '' }, /body\.ratedOn must be a date/],
      [{ reportUri: 'report.pdf' }, /body\.reportUri must be a URI/],
      [{ reportUri: 'https://example.org/a b' }, /body\.reportUri must be a URI/],
      [{ registry: 'XYZ' }, /body\.registry must be one of/],
      [{ projectId: 'a/b' }, /body\.projectId must start with a letter or digit/],
      [{ extra: 1 }, /unknown field "extra"/],
    ]
    for (const [override, message] of invalid) {
      const result = await ledger.rejected(RATER, 'project.rate', { ...rateBody(), ...override } as ProjectRateBody, 'INVALID_BODY')
      expect(result.message).toMatch(message)
    }
    for (const sender of [BANK, VERIFIER, VERRA, OUTSIDER]) await ledger.rejected(sender, 'project.rate', rateBody(), 'WRONG_ROLE')
    await ledger.rejected(RATER, 'project.rate', rateBody({ projectId: '9999' }), 'UNKNOWN_PROJECT')
    await ledger.rejected(RATER, 'project.rate', rateBody({ registry: 'GS' }), 'UNKNOWN_PROJECT')
    expect((await ledger.rejected(RATER, 'project.rate', rateBody({ ratedOn: '2023-11-15' }), 'FUTURE_DATE')).message).toBe("ratedOn 2023-11-15 is after the block's date 2023-11-14")
    expect((await ledger.rejected(RATER, 'project.rate', rateBody({ ratedOn: '2023-05-31' }), 'STALE_RATING')).message).toMatch(/dated 2023-06-01, after 2023-05-31/)
    // Another agency is not bound by the first agency's date.
    await ledger.ok(RATER_2, 'project.rate', rateBody({ ratedOn: '2023-05-31' }))
  })
})

describe('project.attest', () => {
  it('stores the attestation with seq 0 and indexes its data hash: the exact records', async () => {
    const ledger = await ledgerWithProject()
    const { writes, result } = await ledger.ok(VERIFIER, 'project.attest', attestBody())
    expect(result.message).toBe('attested 182344 tonnes CO2e for VCS/1340 over 2022-01-01 to 2022-12-31 (attestation 0)')
    const key = keys.attestation('VCS', '1340', 0)
    const dataKey = keys.attestationData('VCS', '1340', VERIFIER.id, HASH)
    expect(writes.map(([k]) => k).sort()).toEqual([key, dataKey, keys.nonce(VERIFIER.id)].sort())
    expect(decodeRecord<AttestationRecord>(writes.find(([k]) => k === key)?.[1] as Uint8Array)).toEqual({
      registry: 'VCS',
      projectId: '1340',
      verifier: VERIFIER.id,
      seq: 0,
      periodStart: '2022-01-01',
      periodEnd: '2022-12-31',
      measuredTonnes: 182_344,
      dataHash: HASH,
      dataUri: 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
      height: ledger.height,
      timeMs: ledger.timeMs,
      txIndex: 0,
      txId: ledger.lastTxId,
    })
    expect(decodeRecord<number>(writes.find(([k]) => k === dataKey)?.[1] as Uint8Array)).toBe(0)
  })

  it('numbers attestations per project in ledger order; another verifier may attest the same data', async () => {
    const ledger = await ledgerWithProject()
    await ledger.ok(VERIFIER, 'project.attest', attestBody())
    await ledger.ok(VERIFIER, 'project.attest', attestBody({ periodStart: '2023-01-01', periodEnd: '2023-06-30', measuredTonnes: 0, dataHash: 'b'.repeat(64) }))
    await ledger.ok(VERIFIER_2, 'project.attest', attestBody())
    const quality = await projectQuality(ledger.state, 'VCS', '1340')
    expect(quality.attestations.map((a) => [a.seq, a.verifierName, a.measuredTonnes, a.periodEnd])).toEqual([
      [0, 'verifier', 182_344, '2022-12-31'],
      [1, 'verifier', 0, '2023-06-30'],
      [2, 'second-verifier', 182_344, '2022-12-31'],
    ])
  })

  it('rejects, changing nothing: INVALID_BODY, WRONG_ROLE, UNKNOWN_PROJECT, FUTURE_DATE, DUPLICATE_ATTESTATION', async () => {
    const ledger = await ledgerWithProject()
    await ledger.ok(VERIFIER, 'project.attest', attestBody())
    const invalid: [Record<string, unknown>, RegExp][] = [
      [{ periodStart: '2022-12-31', periodEnd: '2022-01-01' }, /body\.periodEnd must not be before periodStart \(2022-12-31\)/],
      [{ periodStart: '2022-13-01' }, /body\.periodStart must be a date YYYY-MM-DD/],
      [{ measuredTonnes: 1.5 }, /body\.measuredTonnes must be an integer/],
      [{ measuredTonnes: -1 }, /body\.measuredTonnes must not be negative/],
      [{ measuredTonnes: '10' }, /body\.measuredTonnes must be/],
      [{ dataHash: HASH.toUpperCase() }, /body\.dataHash must be a sha256 digest/],
      [{ dataHash: 'ab' }, /body\.dataHash must be a sha256 digest/],
      [{ dataUri: '' }, /body\.dataUri must be a URI/],
    ]
    for (const [override, message] of invalid) {
      const result = await ledger.rejected(VERIFIER, 'project.attest', { ...attestBody(), ...override } as ProjectAttestBody, 'INVALID_BODY')
      expect(result.message).toMatch(message)
    }
    // Only verifiers attest: a rating agency may not.
    for (const sender of [RATER, BANK, VERRA, OUTSIDER]) await ledger.rejected(sender, 'project.attest', attestBody({ dataHash: 'c'.repeat(64) }), 'WRONG_ROLE')
    await ledger.rejected(VERIFIER, 'project.attest', attestBody({ projectId: 'nope', dataHash: 'c'.repeat(64) }), 'UNKNOWN_PROJECT')
    expect((await ledger.rejected(VERIFIER, 'project.attest', attestBody({ periodEnd: '2023-11-15', dataHash: 'c'.repeat(64) }), 'FUTURE_DATE')).message).toBe("periodEnd 2023-11-15 is after the block's date 2023-11-14")
    await ledger.ok(VERIFIER, 'project.attest', attestBody({ periodStart: BLOCK_DATE, periodEnd: BLOCK_DATE, dataHash: 'd'.repeat(64) }))
    expect((await ledger.rejected(VERIFIER, 'project.attest', attestBody({ measuredTonnes: 5 }), 'DUPLICATE_ATTESTATION')).message).toMatch(/already attested data a3f1c2/)
  })
})

describe('credit.retire-private', () => {
  it('retires like credit.retire, but the event and the record hold only the commitment; the stored bytes hold neither name nor salt', async () => {
    const ledger = new TestLedger(QUALITY_GENESIS)
    await ledger.withVerraBatch(MARKET)
    const name = 'Acme Reisen GmbH'
    const { salt, commitment } = commitBeneficiary(name)
    const before = ledger.snapshot()
    await ledger.ok(MARKET, 'credit.retire-private', { batchId: BATCH_VCS, quantity: 25, range: null, beneficiaryCommitment: commitment, purpose: 'Voluntary', reason: 'Business travel 2025', retiredOn: '' })
    const txId = ledger.lastTxId
    expect((await batchHoldings(ledger.state, BATCH_VCS))[0]).toEqual({ batchId: BATCH_VCS, start: START, end: START + 24, owner: MARKET.id, status: 'retired' })
    const history = await provenance(ledger.state, { space: 'VCS', serial: START })
    const event = history?.events.at(-1)
    expect(event).toMatchObject({ type: 'retire', range: { start: START, end: START + 24 }, from: MARKET.id, to: null, by: MARKET.id, txId })
    expect(event?.details).toEqual({ beneficiaryCommitment: commitment, purpose: 'Voluntary', reason: 'Business travel 2025', retiredOn: '' })
    expect(await getPrivateRetirement(ledger.state, txId)).toEqual({
      txId,
      batchId: BATCH_VCS,
      beneficiaryCommitment: commitment,
      retiredBy: MARKET.id,
      units: 25,
      runs: [{ range: { start: START, end: START + 24 }, eventSeq: event?.seq }],
      height: ledger.height,
      timeMs: ledger.timeMs,
      events: [event],
    })
    // What the transaction wrote: neither the name (as UTF-8, as typed or lower-case) nor the salt (as raw bytes or
    // as hex text) appears in any key or value.
    const after = ledger.snapshot()
    const written = [...after].filter(([key, value]) => before.get(key) !== value).map(([key, value]) => `${key}=${value}`).join('\n')
    // Values are shown as hex of their msgpack bytes: strings appear as the hex of their UTF-8.
    expect(written).toContain(Buffer.from(commitment, 'utf8').toString('hex'))
    const nameHex = Buffer.from(name, 'utf8').toString('hex')
    for (const needle of [salt, nameHex, Buffer.from(name.toLowerCase(), 'utf8').toString('hex'), Buffer.from(salt, 'utf8').toString('hex')]) expect(written.includes(needle)).toBe(false)
    expect([...after.keys()].some((key) => key.includes(name) || key.includes(salt))).toBe(false)
    // The stored commitment checks against the name and salt the client kept, and against nothing else.
    const stored = (await getPrivateRetirement(ledger.state, txId))?.beneficiaryCommitment as string
    expect(verifyBeneficiary(stored, name, salt)).toBe(true)
    expect(verifyBeneficiary(stored, 'Acme Reisen GmbH.', salt)).toBe(false)
    expect(verifyBeneficiary(stored, name, commitBeneficiary(name).salt)).toBe(false)
  })

  it('records one event per contiguous run, all with the commitment', async () => {
    const ledger = new TestLedger(QUALITY_GENESIS)
    await ledger.withVerraBatch(MARKET)
    await ledger.ok(MARKET, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: { start: START + 5, end: START + 9 } }))
    const commitment = beneficiaryCommitment('Two Runs Ltd', 'e'.repeat(64))
    await ledger.ok(MARKET, 'credit.retire-private', { batchId: BATCH_VCS, quantity: 10, range: null, beneficiaryCommitment: commitment, purpose: '', reason: '', retiredOn: '' })
    const record = await getPrivateRetirement(ledger.state, ledger.lastTxId)
    expect(record?.runs.map((run) => run.range)).toEqual([
      { start: START, end: START + 4 },
      { start: START + 10, end: START + 14 },
    ])
    expect(record?.events.map((event) => [event.seq, event.details.beneficiaryCommitment])).toEqual([
      [2, commitment],
      [3, commitment],
    ])
    expect(await getPrivateRetirement(ledger.state, testTxId(0))).toBeUndefined()
    // A public retirement leaves no private-retirement record.
    expect((await readRange(ledger.state, prefixRange(PREFIX.privateRetirement))).length).toBe(1)
  })

  it('rejects, changing nothing: INVALID_BODY, UNKNOWN_BATCH, INVALID_RANGE, RETIRED_UNIT, CANCELLED_UNIT, LOCKED_UNIT, INSUFFICIENT_HOLDING', async () => {
    const ledger = new TestLedger(QUALITY_GENESIS)
    await ledger.withVerraBatch(MARKET)
    const commitment = 'f'.repeat(64)
    const body = (overrides: Record<string, unknown> = {}) => ({ batchId: BATCH_VCS, quantity: 5, range: null, beneficiaryCommitment: commitment, purpose: '', reason: '', retiredOn: '', ...overrides }) as never
    for (const [override, message] of [
      [{ beneficiaryCommitment: 'F'.repeat(64) }, /beneficiaryCommitment must be a sha256 digest/],
      [{ beneficiaryCommitment: '' }, /beneficiaryCommitment must be a sha256 digest/],
      [{ beneficiary: 'Acme' }, /unknown field "beneficiary"/],
      [{ range: { start: START, end: START } }, /exactly one of quantity and range/],
    ] as [Record<string, unknown>, RegExp][]) {
      expect((await ledger.rejected(MARKET, 'credit.retire-private', body(override), 'INVALID_BODY')).message).toMatch(message)
    }
    await ledger.rejected(MARKET, 'credit.retire-private', body({ batchId: 'VCS:1-5' }), 'UNKNOWN_BATCH')
    await ledger.rejected(MARKET, 'credit.retire-private', body({ quantity: 0, range: { start: START - 1, end: START } }), 'INVALID_RANGE')
    await ledger.ok(MARKET, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: { start: START, end: START } }))
    await ledger.rejected(MARKET, 'credit.retire-private', body({ quantity: 0, range: { start: START, end: START + 1 } }), 'RETIRED_UNIT')
    await ledger.ok(VERRA, 'credit.cancel', { batchId: BATCH_VCS, quantity: 0, range: { start: START + 1, end: START + 1 }, reason: 'test' })
    await ledger.rejected(MARKET, 'credit.retire-private', body({ quantity: 0, range: { start: START + 1, end: START + 2 } }), 'CANCELLED_UNIT')
    await ledger.ok(MARKET, 'credit.lock', { batchId: BATCH_VCS, quantity: 0, range: { start: START + 2, end: START + 2 }, securedParty: BANK.id, expiresAtMs: ledger.timeMs + 60_000 })
    await ledger.rejected(MARKET, 'credit.retire-private', body({ quantity: 0, range: { start: START + 2, end: START + 3 } }), 'LOCKED_UNIT')
    await ledger.rejected(OUTSIDER, 'credit.retire-private', body(), 'INSUFFICIENT_HOLDING')
    await ledger.rejected(MARKET, 'credit.retire-private', body({ quantity: 1_000 }), 'INSUFFICIENT_HOLDING')
  })
})
