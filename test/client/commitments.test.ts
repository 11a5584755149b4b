// client/commitments.ts: the beneficiary commitment of a private retirement. The byte layout is pinned by a fixed
// vector and recomputed independently with node:crypto; a wrong name or salt never verifies.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { BENEFICIARY_COMMITMENT_DOMAIN, beneficiaryCommitment, beneficiaryCommitmentInput, commitBeneficiary, verifyBeneficiary } from '../../client/commitments.ts'

const SALT_07 = '07'.repeat(32)

function independent(name: string, saltHex: string): string {
  return createHash('sha256')
    .update(Buffer.concat([Buffer.from('tonne/beneficiary/v1', 'ascii'), Buffer.from([0]), Buffer.from(saltHex, 'hex'), Buffer.from(name.normalize('NFC'), 'utf8')]))
    .digest('hex')
}

describe('beneficiary commitments', () => {
  it('hash exactly "tonne/beneficiary/v1" || 0x00 || salt || UTF-8(NFC(name)): a fixed vector', () => {
    expect(BENEFICIARY_COMMITMENT_DOMAIN).toBe('tonne/beneficiary/v1')
    expect(beneficiaryCommitment('Lindblad Expeditions', SALT_07)).toBe('46e44d2590f032efe26dd327651d51b5a510df1d887152f120c643192ea508fc')
    const input = beneficiaryCommitmentInput('Lindblad Expeditions', new Uint8Array(32).fill(7))
    expect(input.length).toBe(21 + 32 + 'Lindblad Expeditions'.length)
    expect(Buffer.from(input.slice(0, 21)).toString('latin1')).toBe('tonne/beneficiary/v1\u0000')
    for (const name of ['', 'A', 'Société Générale', 'Zürich Versicherung AG', '株式会社', '🌳 Trees Ltd']) expect(beneficiaryCommitment(name, SALT_07)).toBe(independent(name, SALT_07))
  })

  it('commitBeneficiary draws a fresh 32-byte salt each time; the commitment is the hash, not the name', () => {
    const name = 'Hilti Corporation'
    const made = Array.from({ length: 50 }, () => commitBeneficiary(name))
    expect(new Set(made.map((entry) => entry.salt)).size).toBe(50)
    expect(new Set(made.map((entry) => entry.commitment)).size).toBe(50)
    for (const { salt, commitment } of made) {
      expect(salt).toMatch(/^[0-9a-f]{64}$/)
      expect(commitment).toBe(independent(name, salt))
      expect(verifyBeneficiary(commitment, name, salt)).toBe(true)
    }
    // Without the salt, hashing candidate names does not find the commitment.
    const { commitment } = made[0] as { commitment: string }
    for (const guess of [name, name.toLowerCase(), `${name}.`]) expect(createHash('sha256').update(guess).digest('hex')).not.toBe(commitment)
    expect(() => commitBeneficiary('')).toThrow(/empty/)
  })

  it('a wrong name, a wrong salt or a wrong commitment fails', () => {
    const { salt, commitment } = commitBeneficiary('Acme Reisen GmbH')
    expect(verifyBeneficiary(commitment, 'Acme Reisen GmbH', salt)).toBe(true)
    expect(verifyBeneficiary(commitment.toUpperCase(), 'Acme Reisen GmbH', salt.toUpperCase())).toBe(true)
    for (const name of ['Acme Reisen Gmbh', 'Acme Reisen GmbH ', ' Acme Reisen GmbH', 'Acme Reisen', '']) expect(verifyBeneficiary(commitment, name, salt), name).toBe(false)
    // One bit of the salt flipped, at each end.
    const flip = (hex: string, index: number): string => hex.slice(0, index) + (parseInt(hex[index] as string, 16) ^ 1).toString(16) + hex.slice(index + 1)
    expect(verifyBeneficiary(commitment, 'Acme Reisen GmbH', flip(salt, 0))).toBe(false)
    expect(verifyBeneficiary(commitment, 'Acme Reisen GmbH', flip(salt, 63))).toBe(false)
    expect(verifyBeneficiary(flip(commitment, 10), 'Acme Reisen GmbH', salt)).toBe(false)
    // Malformed salt or commitment: false, not a throw.
    for (const [c, s] of [[commitment, salt.slice(2)], [commitment, 'zz'.repeat(32)], [commitment.slice(1), salt], ['', '']]) expect(verifyBeneficiary(c as string, 'Acme Reisen GmbH', s as string)).toBe(false)
  })

  it('the same name typed composed or decomposed (NFC) commits the same; case does not', () => {
    const composed = 'Soci\u00e9t\u00e9 G\u00e9n\u00e9rale'
    const decomposed = 'Socie\u0301te\u0301 Ge\u0301ne\u0301rale'
    expect(composed).not.toBe(decomposed)
    const { salt, commitment } = commitBeneficiary(decomposed)
    expect(verifyBeneficiary(commitment, composed, salt)).toBe(true)
    expect(verifyBeneficiary(commitment, composed.toUpperCase(), salt)).toBe(false)
  })
})
