// Shared by the portability tests: a genesis with registry accounts that hold real ed25519 keys (they countersign
// ports), and builders of signed port bodies.
import { keyPairFromSecret, signPort, type KeyPair } from '../../client/keys.ts'
import * as build from '../../client/builders.ts'
import { bytesToHex, type CreditPortBody, type Genesis, type RegistryCode, type SerialRange } from '../../client/wire.ts'
import { GENESIS, type TestAccount } from './helpers.ts'

export interface SigningRegistry extends TestAccount {
  keys: KeyPair
  registry: RegistryCode
}

function signing(name: string, fill: number, registry: RegistryCode): SigningRegistry {
  const keys = keyPairFromSecret(new Uint8Array(32).fill(fill))
  return { name, key: keys.publicKey, id: bytesToHex(keys.publicKey), keys, registry }
}

/** Registry accounts with real keys: Verra, Gold Standard and CAR (CAR is only in this genesis). */
export const VCS_SIGNER = signing('verra-signer', 0x51, 'VCS')
export const GS_SIGNER = signing('gold-standard-signer', 0x52, 'GS')
export const CAR_SIGNER = signing('car-signer', 0x53, 'CAR')
export const SIGNERS: Record<string, SigningRegistry> = { VCS: VCS_SIGNER, GS: GS_SIGNER, CAR: CAR_SIGNER }

/** The test genesis plus the three signing registry accounts. ACR has no account: it is "not on the ledger". */
export const PORT_GENESIS: Genesis = {
  ...GENESIS,
  accounts: [...GENESIS.accounts, ...[VCS_SIGNER, GS_SIGNER, CAR_SIGNER].map((account) => ({ name: account.name, publicKey: account.id, role: 'registry' as const, registry: account.registry }))],
}

/** A port of `range` from `from` to `to`, signed by `to`'s signing account (or `signer`) on `chainId`. */
export function portBody(input: { batchId: string; range: SerialRange; from: RegistryCode; to: RegistryCode; expiresAtMs: number; signer?: SigningRegistry; chainId?: string; reason?: string }): CreditPortBody {
  const signer = input.signer ?? (SIGNERS[input.to] as SigningRegistry)
  const terms = build.portTerms({ batchId: input.batchId, range: input.range, fromRegistry: input.from, toRegistry: input.to, toSigner: signer.id, expiresAtMs: input.expiresAtMs, reason: input.reason ?? 'moved to another registry' })
  return signPort(signer.keys, input.chainId ?? GENESIS.chainId, terms)
}
