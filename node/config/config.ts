// A node's home folder: config.json, genesis.json, validator_key.json, node_key.json, data/ (LevelDB).
// Every file is validated with zod; a bad file is a clear error naming the file and the field.
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { REGISTRY_CODES, ROLES, type Genesis } from '../../client/wire.ts'

export const CONFIG_FILE = 'config.json'
export const GENESIS_FILE = 'genesis.json'
export const VALIDATOR_KEY_FILE = 'validator_key.json'
export const NODE_KEY_FILE = 'node_key.json'
export const DATA_DIR = 'data'

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters')

export const genesisSchema = z
  .object({
    chainId: z.string().min(1).max(64),
    genesisTimeMs: z.number().int().nonnegative(),
    validators: z
      .array(z.object({ name: z.string().min(1), publicKey: hex64, peerId: z.string().min(1), address: z.string().startsWith('/') }).strict())
      .min(1)
      .max(100),
    accounts: z.array(
      z
        .object({ name: z.string().min(1), publicKey: hex64, role: z.enum(ROLES), registry: z.enum(REGISTRY_CODES).optional() })
        .strict()
        .refine((account) => (account.role === 'registry') === (account.registry !== undefined), 'a registry account names its registry, and only a registry account does'),
    ),
  })
  .strict()

/**
 * Consensus timeouts. timeoutProposeMs must cover building, gossiping and executing a full block on a loaded
 * machine (a proposal that arrives after it is prevoted nil and the round is lost), so it is generous; it only
 * delays heights whose proposer is down.
 */
export const DEFAULT_CONSENSUS_TIMEOUTS = {
  timeoutProposeMs: 3_000,
  timeoutPrevoteMs: 1_000,
  timeoutPrecommitMs: 1_000,
  timeoutDeltaMs: 500,
  /** Pause after a commit before the next height starts, so a block can gather transactions. */
  timeoutCommitMs: 200,
} as const

export const timeoutsSchema = z
  .object({
    timeoutProposeMs: z.number().int().positive().default(DEFAULT_CONSENSUS_TIMEOUTS.timeoutProposeMs),
    timeoutPrevoteMs: z.number().int().positive().default(DEFAULT_CONSENSUS_TIMEOUTS.timeoutPrevoteMs),
    timeoutPrecommitMs: z.number().int().positive().default(DEFAULT_CONSENSUS_TIMEOUTS.timeoutPrecommitMs),
    timeoutDeltaMs: z.number().int().nonnegative().default(DEFAULT_CONSENSUS_TIMEOUTS.timeoutDeltaMs),
    timeoutCommitMs: z.number().int().nonnegative().default(DEFAULT_CONSENSUS_TIMEOUTS.timeoutCommitMs),
  })
  .strict()

export const configSchema = z
  .object({
    name: z.string().min(1),
    /** libp2p listen multiaddr. */
    listenAddress: z.string().startsWith('/'),
    apiHost: z.string().default('127.0.0.1'),
    apiPort: z.number().int().min(0).max(65_535),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    consensus: timeoutsSchema.default({ ...DEFAULT_CONSENSUS_TIMEOUTS }),
  })
  .strict()

export type NodeConfig = z.infer<typeof configSchema>
export type ConsensusTimeouts = z.infer<typeof timeoutsSchema>

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

function readJson(path: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`)
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const result = schema.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]
    throw new ConfigError(`${path}: ${issue === undefined ? 'invalid' : `${issue.path.join('.') || '(root)'}: ${issue.message}`}`)
  }
  return result.data
}

export function loadGenesis(path: string): Genesis {
  const genesis = parseWith(genesisSchema, readJson(path), path) as Genesis
  const keys = new Set<string>()
  for (const validator of genesis.validators) {
    if (keys.has(validator.publicKey)) throw new ConfigError(`${path}: validator key ${validator.publicKey} listed twice`)
    keys.add(validator.publicKey)
  }
  const accounts = new Set<string>()
  for (const account of genesis.accounts) {
    if (accounts.has(account.publicKey)) throw new ConfigError(`${path}: account ${account.publicKey} listed twice`)
    accounts.add(account.publicKey)
  }
  return genesis
}

export interface NodeHome {
  home: string
  config: NodeConfig
  genesis: Genesis
  validatorKeyPath: string
  nodeKeyPath: string
  dataPath: string
}

export function loadHome(homeArgument: string): NodeHome {
  const home = resolve(homeArgument)
  const config = parseWith(configSchema, readJson(join(home, CONFIG_FILE)), join(home, CONFIG_FILE))
  const genesis = loadGenesis(join(home, GENESIS_FILE))
  return {
    home,
    config,
    genesis,
    validatorKeyPath: join(home, VALIDATOR_KEY_FILE),
    nodeKeyPath: join(home, NODE_KEY_FILE),
    dataPath: join(home, DATA_DIR),
  }
}
