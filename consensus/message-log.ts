// The message log of one height: proposals and votes per round. See RoundMessages (types.ts) for what is kept.
import type { ConsensusState, RoundMessages, SignedProposal, SignedVote, Value, VoteType } from './types.ts'

export function findRound(state: ConsensusState, round: number): RoundMessages | undefined {
  return state.rounds.find((entry) => entry.round === round)
}

/** The entry for round, created (keeping state.rounds sorted by round) if it does not exist yet. */
export function roundEntry(state: ConsensusState, round: number): RoundMessages {
  const existing = findRound(state, round)
  if (existing !== undefined) return existing
  const created: RoundMessages = { round, proposal: null, prevotes: [], precommits: [], supportedConflictingProposals: [], supportedConflictingVotes: [] }
  const insertAt = state.rounds.findIndex((entry) => entry.round > round)
  if (insertAt === -1) state.rounds.push(created)
  else state.rounds.splice(insertAt, 0, created)
  return created
}

/** The first votes of each validator in a round and step. */
export function firstVotesOf(entry: RoundMessages, voteType: VoteType): SignedVote[] {
  return voteType === 'prevote' ? entry.prevotes : entry.precommits
}

/** Every vote that counts toward value in a round and step: first votes and supported equivocating ones. */
export function votesFor(entry: RoundMessages, voteType: VoteType, value: Value | null): SignedVote[] {
  const first = firstVotesOf(entry, voteType).filter((vote) => vote.value === value)
  const conflicting = entry.supportedConflictingVotes.filter((vote) => vote.voteType === voteType && vote.value === value)
  return [...first, ...conflicting]
}

/** The first proposal of a round and the supported conflicting ones. */
export function proposalsOf(entry: RoundMessages): SignedProposal[] {
  return entry.proposal === null ? [] : [entry.proposal, ...entry.supportedConflictingProposals]
}

export function firstProposalOf(state: ConsensusState, round: number): SignedProposal | null {
  return findRound(state, round)?.proposal ?? null
}

export type RecordResult<Message> =
  | { kind: 'added' }
  | { kind: 'duplicate' }
  /** A different message in the same slot: reported; `counted` when its value has f+1 first votes of support. */
  | { kind: 'conflict'; first: Message; counted: boolean }

/** Records a vote; supportSize is f + 1. */
export function recordVote(state: ConsensusState, vote: SignedVote, supportSize: number): RecordResult<SignedVote> {
  const entry = findRound(state, vote.round)
  const first = entry === undefined ? undefined : firstVotesOf(entry, vote.voteType).find((earlier) => earlier.validatorIndex === vote.validatorIndex)
  if (entry === undefined || first === undefined) {
    firstVotesOf(roundEntry(state, vote.round), vote.voteType).push(vote)
    return { kind: 'added' }
  }
  if (first.value === vote.value) return { kind: 'duplicate' }
  const alreadyCounted = entry.supportedConflictingVotes.some(
    (earlier) => earlier.voteType === vote.voteType && earlier.validatorIndex === vote.validatorIndex && earlier.value === vote.value,
  )
  if (alreadyCounted) return { kind: 'duplicate' }
  const counted = countFirstVotesFor(entry, vote.voteType, vote.value) >= supportSize
  if (counted) entry.supportedConflictingVotes.push(vote)
  return { kind: 'conflict', first, counted }
}

/** Records a proposal (whose sender the caller checked is the proposer); supportSize is f + 1. */
export function recordProposal(state: ConsensusState, proposal: SignedProposal, supportSize: number): RecordResult<SignedProposal> {
  const entry = findRound(state, proposal.round)
  const first = entry?.proposal ?? null
  if (entry === undefined || first === null) {
    roundEntry(state, proposal.round).proposal = proposal
    return { kind: 'added' }
  }
  if (first.value === proposal.value && first.polRound === proposal.polRound) return { kind: 'duplicate' }
  if (entry.supportedConflictingProposals.some((earlier) => earlier.value === proposal.value)) return { kind: 'duplicate' }
  const supported =
    countFirstVotesFor(entry, 'prevote', proposal.value) >= supportSize || countFirstVotesFor(entry, 'precommit', proposal.value) >= supportSize
  // A re-signed proposal of the same value (another polRound) adds nothing that lines 36 and 49 could use.
  const counted = supported && first.value !== proposal.value
  if (counted) entry.supportedConflictingProposals.push(proposal)
  return { kind: 'conflict', first, counted }
}

/** How many validators' votes of voteType in round count toward value (null counts nil votes). */
export function countVotesFor(state: ConsensusState, voteType: VoteType, round: number, value: Value | null): number {
  const entry = findRound(state, round)
  return entry === undefined ? 0 : votesFor(entry, voteType, value).length
}

/** How many validators sent a vote of voteType for anything, nil included, in round. */
export function countVotesAny(state: ConsensusState, voteType: VoteType, round: number): number {
  const entry = findRound(state, round)
  return entry === undefined ? 0 : firstVotesOf(entry, voteType).length
}

/** How many distinct validators sent any message (proposal, prevote or precommit) in round (line 55). */
export function countDistinctSenders(entry: RoundMessages): number {
  const senders = new Set<number>()
  if (entry.proposal !== null) senders.add(entry.proposal.validatorIndex)
  for (const vote of entry.prevotes) senders.add(vote.validatorIndex)
  for (const vote of entry.precommits) senders.add(vote.validatorIndex)
  return senders.size
}

function countFirstVotesFor(entry: RoundMessages, voteType: VoteType, value: Value | null): number {
  return firstVotesOf(entry, voteType).filter((vote) => vote.value === value).length
}
