// The message log of one height: proposals and votes per round, at most one of each per (round, type, validator).
import type { ConsensusState, RoundMessages, SignedProposal, SignedVote, Value, VoteType } from './types.ts'

export function findRound(state: ConsensusState, round: number): RoundMessages | undefined {
  return state.rounds.find((entry) => entry.round === round)
}

/** The entry for round, created (keeping state.rounds sorted by round) if it does not exist yet. */
export function roundEntry(state: ConsensusState, round: number): RoundMessages {
  const existing = findRound(state, round)
  if (existing !== undefined) return existing
  const created: RoundMessages = { round, proposal: null, prevotes: [], precommits: [] }
  const insertAt = state.rounds.findIndex((entry) => entry.round > round)
  if (insertAt === -1) state.rounds.push(created)
  else state.rounds.splice(insertAt, 0, created)
  return created
}

export function votesOf(entry: RoundMessages, voteType: VoteType): SignedVote[] {
  return voteType === 'prevote' ? entry.prevotes : entry.precommits
}

export function findVote(state: ConsensusState, voteType: VoteType, round: number, validatorIndex: number): SignedVote | undefined {
  const entry = findRound(state, round)
  if (entry === undefined) return undefined
  return votesOf(entry, voteType).find((vote) => vote.validatorIndex === validatorIndex)
}

export type VoteRecordResult = { kind: 'added' } | { kind: 'duplicate' } | { kind: 'conflict'; first: SignedVote }

/** Adds a vote unless its validator already voted in that round and step; a different value is a conflict. */
export function recordVote(state: ConsensusState, vote: SignedVote): VoteRecordResult {
  const first = findVote(state, vote.voteType, vote.round, vote.validatorIndex)
  if (first !== undefined) return first.value === vote.value ? { kind: 'duplicate' } : { kind: 'conflict', first }
  votesOf(roundEntry(state, vote.round), vote.voteType).push(vote)
  return { kind: 'added' }
}

export type ProposalRecordResult = { kind: 'added' } | { kind: 'duplicate' } | { kind: 'conflict'; first: SignedProposal }

/** Keeps the first proposal of a round; another one with a different value or polRound is a conflict. */
export function recordProposal(state: ConsensusState, proposal: SignedProposal): ProposalRecordResult {
  const first = findRound(state, proposal.round)?.proposal ?? null
  if (first !== null) {
    const same = first.value === proposal.value && first.polRound === proposal.polRound
    return same ? { kind: 'duplicate' } : { kind: 'conflict', first }
  }
  roundEntry(state, proposal.round).proposal = proposal
  return { kind: 'added' }
}

export function proposalOf(state: ConsensusState, round: number): SignedProposal | null {
  return findRound(state, round)?.proposal ?? null
}

/** How many validators sent a vote of voteType for exactly value (null counts nil votes) in round. */
export function countVotesFor(state: ConsensusState, voteType: VoteType, round: number, value: Value | null): number {
  const entry = findRound(state, round)
  if (entry === undefined) return 0
  return votesOf(entry, voteType).filter((vote) => vote.value === value).length
}

/** How many validators sent a vote of voteType for anything, nil included, in round. */
export function countVotesAny(state: ConsensusState, voteType: VoteType, round: number): number {
  const entry = findRound(state, round)
  return entry === undefined ? 0 : votesOf(entry, voteType).length
}

/** How many distinct validators sent any message (proposal, prevote or precommit) in round (line 55). */
export function countDistinctSenders(entry: RoundMessages): number {
  const senders = new Set<number>()
  if (entry.proposal !== null) senders.add(entry.proposal.validatorIndex)
  for (const vote of entry.prevotes) senders.add(vote.validatorIndex)
  for (const vote of entry.precommits) senders.add(vote.validatorIndex)
  return senders.size
}
