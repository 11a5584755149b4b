// Private beneficiaries of retirements (credit.retire-private): the client commits to the beneficiary's name with
// a fresh random salt, the ledger stores only the commitment, and whoever is given the name and the salt can check
// them against it. Pure functions: no network, no state.
//
// Exact byte layout (version 1):
//
//   commitment = sha256( DOMAIN || salt || name )
//     DOMAIN  the 20 ASCII bytes of "tonne/beneficiary/v1" followed by one 0x00 byte (21 bytes)
//     salt    32 bytes from a CSPRNG (node:crypto randomBytes), drawn by the client, never stored on the ledger
//     name    the beneficiary's name as UTF-8 after Unicode NFC normalisation, to the end (no length, no terminator)
//
//   commitment and salt travel as 64 lowercase hex characters each.
//
// DOMAIN and salt have fixed lengths, so the name is exactly the rest of the hashed bytes: no two (salt, name)
// pairs share an input. The salt makes the commitment reveal nothing about the name (without it, anyone could hash
// candidate names and compare); keep it, with the name, to prove the retirement later. NFC makes the same name
// typed with composed or decomposed accents ("é" as U+00E9 or as "e" + U+0301) commit the same; nothing else is
// normalised (case, spaces and punctuation count).
import { randomBytes } from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { concatBytes } from './wire.ts'

export const BENEFICIARY_COMMITMENT_DOMAIN = 'tonne/beneficiary/v1'
export const BENEFICIARY_SALT_BYTES = 32
const HEX_64 = /^[0-9a-f]{64}$/

const domainBytes = concatBytes(new TextEncoder().encode(BENEFICIARY_COMMITMENT_DOMAIN), new Uint8Array([0]))

/** The bytes that are hashed: DOMAIN || salt || UTF-8(NFC(name)). */
export function beneficiaryCommitmentInput(name: string, salt: Uint8Array): Uint8Array {
  if (salt.length !== BENEFICIARY_SALT_BYTES) throw new Error(`the salt must be ${BENEFICIARY_SALT_BYTES} bytes, got ${salt.length}`)
  return concatBytes(domainBytes, salt, new TextEncoder().encode(name.normalize('NFC')))
}

/** The commitment (64 hex) to `name` with `salt` (64 hex). */
export function beneficiaryCommitment(name: string, salt: string): string {
  if (!HEX_64.test(salt)) throw new Error('the salt must be 64 lowercase hex characters')
  return bytesToHex(sha256(beneficiaryCommitmentInput(name, hexToBytes(salt))))
}

/** Commits to a beneficiary's name with a fresh 32-byte salt from the CSPRNG. Keep the salt: it is the proof. */
export function commitBeneficiary(name: string): { salt: string; commitment: string } {
  if (name.length === 0) throw new Error('the beneficiary name is empty')
  const salt = bytesToHex(new Uint8Array(randomBytes(BENEFICIARY_SALT_BYTES)))
  return { salt, commitment: beneficiaryCommitment(name, salt) }
}

/**
 * True exactly when `commitment` is the commitment to `name` with `salt`. False (never a throw) for a wrong name
 * or salt and for a commitment or salt that is not 64 hex characters (upper-case hex is accepted).
 */
export function verifyBeneficiary(commitment: string, name: string, salt: string): boolean {
  const expected = commitment.toLowerCase()
  const saltHex = salt.toLowerCase()
  if (!HEX_64.test(expected) || !HEX_64.test(saltHex)) return false
  const actual = beneficiaryCommitment(name, saltHex)
  // Constant-time comparison of the two digests (the values are public, but it costs nothing).
  let difference = 0
  for (let index = 0; index < actual.length; index += 1) difference |= actual.charCodeAt(index) ^ expected.charCodeAt(index)
  return difference === 0
}
