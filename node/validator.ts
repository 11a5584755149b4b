// What ties a validator's consensus driver to its application and store: the driver's view of the application,
// the signer store (persisted in the node's own database) and the gossip verdict of a transaction. startNode
// (node/node.ts) and the deterministic simulation (test/sim) both build validators with these, so the simulation
// runs the node's real wiring.
import type { KeyPair } from '../client/keys.ts'
import { hexToBytes, type Genesis } from '../client/wire.ts'
import { ConsensusDriver, decodeSignerState, encodeSignerState, type Clock, type ConsensusApplication, type DriverOptions, type Logger, type SignerStore } from '../consensus/driver.ts'
import type { Application, SubmitOutcome } from './app/application.ts'
import { createSigner } from './crypto/sign.ts'
import { verifySignature } from './crypto/verify.ts'
import type { Store } from './storage/store.ts'

/** Name of the validator record holding the signer state (node/storage/store.ts, prefix v/). */
export const SIGNER_RECORD = 'signer'

export function signerStoreOf(store: Store): SignerStore {
  return {
    load: async () => {
      const bytes = await store.getValidatorRecord(SIGNER_RECORD)
      return bytes === undefined ? { records: [], coreState: null } : decodeSignerState(bytes)
    },
    save: (state) => store.putValidatorRecord(SIGNER_RECORD, encodeSignerState(state)),
  }
}

export function consensusApplicationOf(app: Application): ConsensusApplication {
  return {
    latestHeight: () => app.latest.height,
    prepareProposal: (height, timeMs, proposer) => app.prepareProposal(height, timeMs, proposer),
    processProposal: (block, proposer, nowMs, expectedBlockHash) => app.processProposal(block, proposer, nowMs, expectedBlockHash),
    commit: (hash, certificate, block) => app.commit(hash, certificate, block),
  }
}

export interface ValidatorOptions {
  genesis: Genesis
  app: Application
  store: Store
  /** This node's consensus key; a key outside the genesis validators makes an observer that never signs. */
  validatorKey: KeyPair
  timeouts: DriverOptions['timeouts']
  publish: (bytes: Uint8Array) => void
  clock: Clock
  logger: Logger
  /** Signature verification; node:crypto's (node/crypto/verify.ts) unless given. */
  verify?: DriverOptions['verify']
}

/** Index of `publicKeyHex` among the genesis validators, or -1. */
export function validatorIndexOf(genesis: Genesis, publicKeyHex: string): number {
  return genesis.validators.findIndex((validator) => validator.publicKey === publicKeyHex)
}

export function createConsensusDriver(options: ValidatorOptions): ConsensusDriver {
  const { genesis, validatorKey } = options
  const selfIndex = validatorIndexOf(genesis, Buffer.from(validatorKey.publicKey).toString('hex'))
  return new ConsensusDriver({
    chainId: genesis.chainId,
    validatorPublicKeys: genesis.validators.map((validator) => hexToBytes(validator.publicKey)),
    selfIndex: selfIndex >= 0 ? selfIndex : null,
    sign: selfIndex >= 0 ? createSigner(validatorKey.secretKey) : null,
    verify: options.verify ?? verifySignature,
    timeouts: options.timeouts,
    app: consensusApplicationOf(options.app),
    publish: options.publish,
    signerStore: signerStoreOf(options.store),
    clock: options.clock,
    logger: options.logger,
    // Each equivocation the core reports becomes pending evidence, for this node's next proposal to include.
    onEvidence: async (evidence) => {
      const outcome = await options.app.addEvidence(evidence)
      if (!outcome.ok) options.logger.warn({ id: outcome.id, reason: outcome.reason }, 'evidence refused')
      else if (outcome.added) options.logger.warn({ id: outcome.id, kind: evidence.kind, validatorIndex: evidence.first.validatorIndex, height: evidence.first.height }, 'evidence pending')
    },
  })
}

