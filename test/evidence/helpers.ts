// Signed conflicting votes and proposals for the evidence tests, and blocks that carry evidence, over the review
// harness's 4-validator genesis (test/review/helpers.ts).
import { sign, type KeyPair } from '../../client/keys.ts'
import {
  blockHash as computeBlockHash,
  bytesToHex,
  encodeBlock,
  evidenceHashOf,
  hexToBytes,
  proposalSignBytes,
  txsHash,
  voteSignBytes,
  type Block,
  type Evidence,
  type Proposal,
  type Vote,
  type VoteType,
} from '../../client/wire.ts'
import type { Application } from '../../node/app/application.ts'
import { executeTxs } from '../../node/app/execute.ts'
import { chainId, validators } from '../review/helpers.ts'

export function hashOf(byte: number): string {
  return bytesToHex(new Uint8Array(32).fill(byte))
}

export function signedVote(validatorIndex: number, type: VoteType, height: number, round: number, value: string | null, chain = chainId, signer?: KeyPair): Vote {
  const fields = { type, height, round, blockHash: value === null ? null : hexToBytes(value) }
  const key = signer ?? (validators[validatorIndex] as KeyPair)
  return { ...fields, validatorIndex, signature: sign(voteSignBytes(chain, fields), key.secretKey) }
}

export function signedProposal(validatorIndex: number, height: number, round: number, polRound: number, value: string, chain = chainId): Proposal {
  const fields = { height, round, polRound, blockHash: hexToBytes(value) }
  return { ...fields, validatorIndex, signature: sign(proposalSignBytes(chain, fields), (validators[validatorIndex] as KeyPair).secretKey) }
}

/** Validator `index` prevotes both `a` and `b` at (height, round). */
export type VoteEvidence = Extract<Evidence, { kind: 'duplicateVote' }>
export type ProposalEvidence = Extract<Evidence, { kind: 'duplicateProposal' }>

export function doublePrevote(index: number, height: number, round: number, a: string | null, b: string | null, chain = chainId): VoteEvidence {
  return { kind: 'duplicateVote', first: signedVote(index, 'prevote', height, round, a, chain), second: signedVote(index, 'prevote', height, round, b, chain) }
}

export function doubleProposal(index: number, height: number, round: number, a: string, b: string, chain = chainId): ProposalEvidence {
  return { kind: 'duplicateProposal', first: signedProposal(index, height, round, -1, a, chain), second: signedProposal(index, height, round, -1, b, chain) }
}

/**
 * A block with no transactions and the given evidence on top of `app`'s latest commit. Its app hash is what the
 * valid part of the evidence would give (a proposer leaves invalid items out), so a block holding invalid evidence
 * is refused for its evidence, before any app hash comparison.
 */
export async function blockWithEvidence(app: Application, evidence: Evidence[], proposer: Uint8Array, timeMs: number): Promise<{ bytes: Uint8Array; hash: string; block: Block }> {
  const latest = app.latest
  const height = latest.height + 1
  const executed = await executeTxs(app.store.state, [], { height, timeMs }, latest.appHash, 'propose', { items: evidence, rules: app.evidenceRules })
  if ('invalid' in executed) throw new Error(executed.invalid)
  const block: Block = {
    header: {
      chainId,
      height,
      timeMs,
      previousBlockHash: latest.blockHash,
      txsHash: txsHash([]),
      appHash: executed.appHash,
      proposer,
      evidenceHash: evidenceHashOf(evidence),
    },
    txs: [],
    evidence,
  }
  return { bytes: encodeBlock(block), hash: bytesToHex(computeBlockHash(block.header)), block }
}
