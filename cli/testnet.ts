// `tonne testnet`: genesis, keys and one config folder per node. node0..node3 are run by the registry operator,
// the bank, the marketplace and the rating agency; the genesis also holds one registry account per registry in
// the sample data, each allowed to issue only for its own registry.
import { mkdirSync, writeFileSync, existsSync, readdirSync, chmodSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { generateKeyPair, writeKeyFile } from '../client/keys.ts'
import { bytesToHex, REGISTRY_CODES, type Genesis, type GenesisAccount, type RegistryCode, type Role } from '../client/wire.ts'
import { CONFIG_FILE, DEFAULT_CONSENSUS_TIMEOUTS, GENESIS_FILE, NODE_KEY_FILE, VALIDATOR_KEY_FILE, type NodeConfig } from '../node/config/config.ts'
import { generateNetworkKey } from '../node/network/index.ts'

export const TESTNET_NODES_MAX = 31

/** The participants that run validators, in genesis order; more nodes than four repeat the roles. */
export const PARTICIPANTS: { name: string; role: Role }[] = [
  { name: 'registry-operator', role: 'operator' },
  { name: 'bank', role: 'bank' },
  { name: 'marketplace', role: 'marketplace' },
  { name: 'rating-agency', role: 'rating' },
]

/** The genesis account with role 'verifier' (keys/verifier.json): it attests MRV data of projects. */
export const VERIFIER_ACCOUNT_NAME = 'verifier'

export function registryAccountName(registry: RegistryCode): string {
  return `registry-${registry.toLowerCase()}`
}

export interface TestnetOptions {
  nodes: number
  out: string
  chainId: string
  p2pPort: number
  apiPort: number
  /** Host each node's p2p address uses in the genesis; `{i}` is replaced by the node index (e.g. node{i} for docker). */
  hostTemplate: string
  /** Interface the p2p and API servers bind to. */
  bindHost: string
  genesisTimeMs: number
}

export interface TestnetResult {
  out: string
  genesis: Genesis
  nodeHomes: string[]
  accountKeys: Record<string, string>
}

export async function generateTestnet(options: TestnetOptions): Promise<TestnetResult> {
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > TESTNET_NODES_MAX) throw new Error(`--nodes must be an integer from 1 to ${TESTNET_NODES_MAX}`)
  const p2pEnd = options.p2pPort + options.nodes - 1
  const apiEnd = options.apiPort + options.nodes - 1
  if (p2pEnd > 65_535 || apiEnd > 65_535) throw new Error(`ports run past 65535 (p2p ${options.p2pPort}..${p2pEnd}, api ${options.apiPort}..${apiEnd})`)
  if (options.p2pPort <= apiEnd && options.apiPort <= p2pEnd) throw new Error(`p2p ports ${options.p2pPort}..${p2pEnd} and API ports ${options.apiPort}..${apiEnd} overlap: choose --p2p-port and --api-port further apart`)
  const out = resolve(options.out)
  if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`${out} already exists and is not empty: choose another --out or remove it`)
  mkdirSync(join(out, 'keys'), { recursive: true, mode: 0o700 })

  const accounts: GenesisAccount[] = []
  const accountKeys: Record<string, string> = {}
  const addAccount = (name: string, role: Role, registry?: RegistryCode): void => {
    const keyPair = generateKeyPair()
    const path = join(out, 'keys', `${name}.json`)
    writeKeyFile(path, name, keyPair)
    accountKeys[name] = path
    accounts.push({ name, publicKey: bytesToHex(keyPair.publicKey), role, ...(registry === undefined ? {} : { registry }) })
  }

  const validators: Genesis['validators'] = []
  const validatorKeys = []
  const networkKeys = []
  for (let index = 0; index < options.nodes; index += 1) {
    const participant = PARTICIPANTS[index % PARTICIPANTS.length] as (typeof PARTICIPANTS)[number]
    const name = index < PARTICIPANTS.length ? participant.name : `${participant.name}-${Math.floor(index / PARTICIPANTS.length)}`
    const validatorKey = generateKeyPair()
    const networkKey = await generateNetworkKey()
    validatorKeys.push(validatorKey)
    networkKeys.push(networkKey)
    const host = options.hostTemplate.replaceAll('{i}', String(index))
    validators.push({ name, publicKey: bytesToHex(validatorKey.publicKey), peerId: networkKey.peerId, address: `/${hostProtocol(host)}/${host}/tcp/${options.p2pPort + index}` })
    addAccount(name, participant.role)
  }
  for (const registry of REGISTRY_CODES) addAccount(registryAccountName(registry), 'registry', registry)
  // An MRV verifier (project.attest); it runs no validator. The rating agency's node account rates (project.rate).
  addAccount(VERIFIER_ACCOUNT_NAME, 'verifier')

  const genesis: Genesis = { chainId: options.chainId, genesisTimeMs: options.genesisTimeMs, validators, accounts }
  writeFileSync(join(out, GENESIS_FILE), JSON.stringify(genesis, null, 2) + '\n')

  const nodeHomes: string[] = []
  for (let index = 0; index < options.nodes; index += 1) {
    const home = join(out, `node${index}`)
    mkdirSync(home, { recursive: true, mode: 0o700 })
    const validator = validators[index] as Genesis['validators'][number]
    const config: NodeConfig = {
      name: validator.name,
      listenAddress: `/ip4/${options.bindHost}/tcp/${options.p2pPort + index}`,
      apiHost: options.bindHost,
      apiPort: options.apiPort + index,
      logLevel: 'info',
      consensus: { ...DEFAULT_CONSENSUS_TIMEOUTS },
    }
    writeFileSync(join(home, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n')
    writeFileSync(join(home, GENESIS_FILE), JSON.stringify(genesis, null, 2) + '\n')
    writeKeyFile(join(home, VALIDATOR_KEY_FILE), `${validator.name}-validator`, validatorKeys[index] as ReturnType<typeof generateKeyPair>)
    const networkKeyPath = join(home, NODE_KEY_FILE)
    writeFileSync(networkKeyPath, JSON.stringify({ type: 'tonne-libp2p', peerId: (networkKeys[index] as { peerId: string }).peerId, privateKeyHex: (networkKeys[index] as { privateKeyHex: string }).privateKeyHex }, null, 2) + '\n', { mode: 0o600 })
    chmodSync(networkKeyPath, 0o600)
    nodeHomes.push(home)
  }
  return { out, genesis, nodeHomes, accountKeys }
}

function hostProtocol(host: string): string {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return 'ip4'
  if (host.includes(':')) return 'ip6'
  return 'dns4'
}
