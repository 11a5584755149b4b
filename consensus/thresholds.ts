// Proposer rotation, vote thresholds and timeout durations: small pure functions of n, height and round.
import type { ConsensusConfig, TimeoutStep } from './types.ts'

/** proposer(h, r) of the pseudocode: round-robin over the validators in genesis order. */
export function proposerIndex(height: number, round: number, validatorCount: number): number {
  return (height + round) % validatorCount
}

/** f, the number of faulty validators n = 3f + 1 tolerates (for other n: the largest f with 3f < n). */
export function faultyValidatorsMax(validatorCount: number): number {
  return Math.floor((validatorCount - 1) / 3)
}

/** 2f + 1: the smallest set of validators any two of which intersect in at least one correct validator. */
export function quorumSize(validatorCount: number): number {
  return Math.floor((2 * validatorCount) / 3) + 1
}

/** f + 1: the smallest set of validators that contains at least one correct validator (line 55). */
export function roundSkipSize(validatorCount: number): number {
  return faultyValidatorsMax(validatorCount) + 1
}

/** timeoutPropose(round), timeoutPrevote(round), timeoutPrecommit(round): they grow linearly with the round. */
export function timeoutDurationMs(config: ConsensusConfig, step: TimeoutStep, round: number): number {
  return baseTimeoutMs(config, step) + round * config.timeoutDeltaMs
}

function baseTimeoutMs(config: ConsensusConfig, step: TimeoutStep): number {
  switch (step) {
    case 'propose':
      return config.timeoutProposeMs
    case 'prevote':
      return config.timeoutPrevoteMs
    case 'precommit':
      return config.timeoutPrecommitMs
  }
}
