// Quality information on projects: ratings by rating agencies (project-rate.ts) and digital MRV attestations by
// verifiers (project-attest.ts). Shared helpers of the two rules and of the queries.
import type { StateReader } from '../state/view.ts'
import { readAccount } from './accounts.ts'
import { keys, prefixRange, readRange, type AttestationRecord, type RatingRecord } from './keys.ts'
import { invariant, reject } from './result.ts'
import type { Role, TxResult } from '../../client/wire.ts'

/** The block's date in UTC, YYYY-MM-DD: dates in bodies are compared with it (deterministic: block time only). */
export function blockDate(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(0, 10)
}

/** WRONG_ROLE unless the sender is a genesis account with role `role`. */
export async function requireRole(reader: StateReader, sender: string, role: Role, action: string): Promise<TxResult | null> {
  const account = await readAccount(reader, sender)
  if (account !== undefined && account.role === role) return null
  return reject('WRONG_ROLE', `only a genesis account with role ${role} may ${action}; sender ${sender} has ${account === undefined ? 'no role' : `role ${account.role}`}`)
}

/** The agency's latest rating of a project (its current one), if any. */
export async function currentRating(reader: StateReader, registry: string, projectId: string, agency: string): Promise<RatingRecord | undefined> {
  const [last] = await readRange<RatingRecord>(reader, { ...prefixRange(keys.ratingAgencyPrefix(registry, projectId, agency)), reverse: true, limit: 1 })
  if (last === undefined) return undefined
  invariant(last[1].agency === agency && Number.isSafeInteger(last[1].seq), `rating ${last[0]} is not a rating by ${agency}`)
  return last[1]
}

/** The seq the project's next attestation gets: one more than the highest stored, 0 for the first. */
export async function nextAttestationSeq(reader: StateReader, registry: string, projectId: string): Promise<number> {
  const [last] = await readRange<AttestationRecord>(reader, { ...prefixRange(keys.attestationPrefix(registry, projectId)), reverse: true, limit: 1 })
  if (last === undefined) return 0
  invariant(Number.isSafeInteger(last[1].seq) && last[1].seq >= 0, `attestation ${last[0]} has seq ${String(last[1].seq)}`)
  return last[1].seq + 1
}
