// Body validation: strict schemas, clear messages. Each case states the field and the problem it must name.
import { describe, expect, it } from 'vitest'
import { STRING_FIELD_LENGTH_MAX, type TxKind } from '../../client/wire.ts'
import { LABELS_COUNT_MAX, ATTRIBUTES_COUNT_MAX, validateBody } from '../../node/ledger/index.ts'
import { BANK, BATCH_VCS, cancelBody, issueBody, projectBody, retireBody, transferBody } from './helpers.ts'

const long = 'x'.repeat(STRING_FIELD_LENGTH_MAX + 1)

interface Case {
  description: string
  kind: TxKind
  body: unknown
  /** Substrings the message must contain. */
  message: string[]
}

const cases: Case[] = [
  { description: 'body not a map', kind: 'project.register', body: 5, message: ['body must be a map', 'number 5'] },
  { description: 'missing field', kind: 'project.register', body: { ...projectBody(), name: undefined }, message: ['body.name must be a string', 'missing'] },
  { description: 'wrong type', kind: 'project.register', body: projectBody({ name: 7 as never }), message: ['body.name must be a string', 'number 7'] },
  { description: 'unknown registry', kind: 'project.register', body: projectBody({ registry: 'XYZ' as never }), message: ['body.registry must be one of', '"VCS"', '"XYZ"'] },
  { description: 'unknown field', kind: 'project.register', body: { ...projectBody(), owner: 'me' }, message: ['body has unknown field "owner"'] },
  { description: 'string too long', kind: 'project.register', body: projectBody({ developer: long }), message: [`body.developer is longer than ${STRING_FIELD_LENGTH_MAX}`] },
  { description: 'project id with a slash', kind: 'project.register', body: projectBody({ projectId: '13/40' }), message: ['body.projectId must start with a letter or digit'] },
  { description: 'empty project id', kind: 'project.register', body: projectBody({ projectId: '' }), message: ['body.projectId'] },
  { description: 'attribute not a string', kind: 'project.register', body: projectBody({ attributes: { area: 5 as never } }), message: ['body.attributes.area must be a string'] },
  {
    description: 'too many attributes',
    kind: 'project.register',
    body: projectBody({ attributes: Object.fromEntries(Array.from({ length: ATTRIBUTES_COUNT_MAX + 1 }, (_, index) => [`k${index}`, 'v'])) }),
    message: [`more than ${ATTRIBUTES_COUNT_MAX}`],
  },
  { description: 'float serial', kind: 'batch.issue', body: issueBody({ serialStart: 1.5 }), message: ['body.serialStart must be an integer', '1.5'] },
  { description: 'negative serial', kind: 'batch.issue', body: issueBody({ serialEnd: -3 }), message: ['body.serialEnd must not be negative', '-3'] },
  { description: 'serial above 2^53 - 1', kind: 'batch.issue', body: issueBody({ serialEnd: 2 ** 53 }), message: ['body.serialEnd must be at most 9007199254740991'] },
  { description: 'serial as string', kind: 'batch.issue', body: issueBody({ serialStart: '941467007' as never }), message: ['body.serialStart must be a number', 'string'] },
  { description: 'NaN serial', kind: 'batch.issue', body: issueBody({ serialStart: Number.NaN }), message: ['body.serialStart'] },
  { description: 'space of another registry', kind: 'batch.issue', body: issueBody({ space: 'GS/30307' }), message: ['body.space must be "VCS" or "VCS/<segment>"', 'GS/30307'] },
  { description: 'space prefix without slash', kind: 'batch.issue', body: issueBody({ space: 'VCSX' }), message: ['body.space'] },
  { description: 'space with two levels', kind: 'batch.issue', body: issueBody({ space: 'VCS/a/b' }), message: ['body.space'] },
  { description: 'space with colon', kind: 'batch.issue', body: issueBody({ space: 'VCS/a:1' }), message: ['body.space'] },
  { description: 'bad recipient', kind: 'batch.issue', body: issueBody({ to: 'AB'.repeat(32) }), message: ["body.to must be '' (the issuing registry itself) or an account id"] },
  { description: 'too many labels', kind: 'batch.issue', body: issueBody({ labels: Array.from({ length: LABELS_COUNT_MAX + 1 }, () => 'CCB') }), message: [`body.labels has more than ${LABELS_COUNT_MAX} entries`] },
  { description: 'label not a string', kind: 'batch.issue', body: issueBody({ labels: [1 as never] }), message: ['body.labels.0 must be a string'] },
  { description: 'recipient uppercase hex', kind: 'credit.transfer', body: transferBody({ batchId: BATCH_VCS, to: 'ab'.repeat(32).toUpperCase(), quantity: 1 }), message: ['body.to must be an account id: 64 lowercase hex'] },
  { description: 'recipient too short', kind: 'credit.transfer', body: transferBody({ batchId: BATCH_VCS, to: 'ab', quantity: 1 }), message: ['body.to must be an account id'] },
  { description: 'both quantity and range', kind: 'credit.transfer', body: transferBody({ batchId: BATCH_VCS, to: BANK.id, quantity: 1, range: { start: 941467007, end: 941467007 } }), message: ['exactly one of quantity and range'] },
  { description: 'neither quantity nor range', kind: 'credit.transfer', body: transferBody({ batchId: BATCH_VCS, to: BANK.id }), message: ['exactly one of quantity and range'] },
  { description: 'float quantity', kind: 'credit.transfer', body: transferBody({ batchId: BATCH_VCS, to: BANK.id, quantity: 2.5 }), message: ['body.quantity must be an integer', '2.5'] },
  { description: 'negative quantity', kind: 'credit.retire', body: retireBody({ batchId: BATCH_VCS, quantity: -1 }), message: ['body.quantity must not be negative'] },
  { description: 'range with unknown field', kind: 'credit.retire', body: retireBody({ batchId: BATCH_VCS, range: { start: 1, end: 2, step: 1 } as never }), message: ['body.range has unknown field "step"'] },
  { description: 'range float end', kind: 'credit.retire', body: retireBody({ batchId: BATCH_VCS, range: { start: 1, end: 2.25 } }), message: ['body.range.end must be an integer'] },
  { description: 'range not a map', kind: 'credit.cancel', body: cancelBody({ batchId: BATCH_VCS, range: [1, 2] as never }), message: ['body.range must be a map', 'array'] },
  { description: 'malformed batch id', kind: 'credit.cancel', body: cancelBody({ batchId: 'VCS-941467007', quantity: 1 }), message: ['body.batchId must be a batch id'] },
  { description: 'batch id with a key separator', kind: 'credit.cancel', body: cancelBody({ batchId: 'VCS:1-2/0000000000000001', quantity: 1 }), message: ['body.batchId'] },
  { description: 'reason too long', kind: 'credit.cancel', body: cancelBody({ batchId: BATCH_VCS, quantity: 1, reason: long }), message: ['body.reason is longer than'] },
  { description: 'retire unknown field', kind: 'credit.retire', body: { ...retireBody({ batchId: BATCH_VCS, quantity: 1 }), to: BANK.id }, message: ['unknown field "to"'] },
]

describe('validateBody', () => {
  it.each(cases)('rejects $kind with $description', ({ kind, body, message }) => {
    const validation = validateBody(kind, body)
    expect(validation.ok).toBe(false)
    if (validation.ok) return
    for (const part of message) expect(validation.message).toContain(part)
    expect(validation.message.length).toBeLessThan(400)
  })

  it.each([
    ['project.register', projectBody()],
    ['batch.issue', issueBody()],
    ['batch.issue', issueBody({ registry: 'GS', space: 'GS/30307', to: BANK.id })],
    ['batch.issue', issueBody({ registry: 'CERCARBONO', space: 'CERCARBONO/CDC_1_1_1_321_14_1_2009', serialStart: 1, serialEnd: 4971 })],
    ['batch.issue', issueBody({ serialStart: 1, serialEnd: Number.MAX_SAFE_INTEGER })],
    ['credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, quantity: 3 })],
    ['credit.transfer', transferBody({ batchId: 'CERCARBONO/CDC_1_1_1_321_14_1_2009:1-4971', to: BANK.id, range: { start: 2262, end: 4425 } })],
    ['credit.retire', retireBody({ batchId: BATCH_VCS, quantity: 3 })],
    ['credit.cancel', cancelBody({ batchId: BATCH_VCS, range: { start: 941467007, end: 941467010 } })],
  ] as [TxKind, unknown][])('accepts a valid %s body', (kind, body) => {
    const validation = validateBody(kind, body)
    expect(validation).toMatchObject({ ok: true })
    // The validated body is a fresh object equal to the input.
    if (validation.ok) {
      expect(validation.body).toEqual(body)
      expect(validation.body).not.toBe(body)
    }
  })

  it('gives the same message for the same body (messages enter the app hash)', () => {
    const body = issueBody({ serialStart: 1.5, serialEnd: -1, labels: [3 as never] })
    const first = validateBody('batch.issue', body)
    const second = validateBody('batch.issue', structuredClone(body))
    expect(first).toEqual(second)
    expect(first).toMatchObject({ ok: false, message: 'body.serialStart must be an integer, got 1.5 (and 2 more problems)' })
  })
})

describe('vintage dates', () => {
  it.each(['2024-13-45', 'banana', '2023-02-29', '2024-1-01', ' 2024-01-01'])('rejects vintageStart %j', (vintageStart) => {
    const validation = validateBody('batch.issue', { ...issueBody(), vintageStart })
    expect(validation.ok).toBe(false)
    if (!validation.ok) expect(validation.message).toContain('vintageStart')
  })

  it.each(['', '2024-02-29', '1999-12-31'])('accepts vintageStart %j', (vintageStart) => {
    expect(validateBody('batch.issue', { ...issueBody(), vintageStart, vintageEnd: '' }).ok).toBe(true)
  })
})
