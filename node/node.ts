// Wires a validator node: store -> application (ledger + mempool) -> network -> consensus driver -> block sync ->
// HTTP API. close() shuts them down in reverse order.
import { readFileSync } from 'node:fs'
import pino, { type Logger as PinoLogger } from 'pino'
import { readKeyFile, sign } from '../client/keys.ts'
import { bytesToHex, hexToBytes } from '../client/wire.ts'
import { ConsensusDriver, decodeSignerState, encodeSignerState, systemClock } from '../consensus/driver.ts'
import { buildApi } from './api/server.ts'
import { Application } from './app/application.ts'
import { loadHome, type NodeHome } from './config/config.ts'
import { verifySignature } from './crypto/verify.ts'
import { createNetwork, type Network } from './network/index.ts'
import { Store } from './storage/store.ts'
import { BlockSync, serveBlocks } from './sync/block-sync.ts'
import type { FastifyInstance } from 'fastify'

const SIGNER_RECORD = 'signer'

export interface RunningNode {
  home: NodeHome
  app: Application
  network: Network
  driver: ConsensusDriver
  api: FastifyInstance
  apiUrl: string
  close(): Promise<void>
}

export async function startNode(homeArgument: string, options: { logger?: PinoLogger } = {}): Promise<RunningNode> {
  const home = loadHome(homeArgument)
  const { config, genesis } = home
  const logger = options.logger ?? pino({ level: config.logLevel, base: { node: config.name } })
  const validatorKey = readKeyFile(home.validatorKeyPath)
  const validatorPublicHex = bytesToHex(validatorKey.publicKey)
  const selfIndex = genesis.validators.findIndex((validator) => validator.publicKey === validatorPublicHex)
  const nodeKey = JSON.parse(readFileSync(home.nodeKeyPath, 'utf8')) as { privateKeyHex?: unknown }
  if (typeof nodeKey.privateKeyHex !== 'string') throw new Error(`${home.nodeKeyPath}: expected {"privateKeyHex": "..."}`)

  const store = await Store.open(home.dataPath)
  const app = await Application.open(genesis, store)
  logger.info({ height: app.latest.height, appHash: bytesToHex(app.latest.appHash), validatorIndex: selfIndex }, 'state loaded')

  let driver: ConsensusDriver | null = null
  const network = await createNetwork(
    {
      privateKeyHex: nodeKey.privateKeyHex,
      listenAddress: config.listenAddress,
      peers: genesis.validators.filter((_, index) => index !== selfIndex).map((validator) => ({ peerId: validator.peerId, address: validator.address })),
      allowedPeerIds: genesis.validators.map((validator) => validator.peerId),
      topicPrefix: genesis.chainId,
      logger: logger.child({ module: 'network' }),
    },
    {
      validateTx: async (bytes) => {
        const outcome = await app.submit(bytes)
        if (outcome.ok) return outcome.alreadyPending ? 'ignore' : 'accept'
        return outcome.code === 'BAD_SIGNATURE' || outcome.code === 'MALFORMED_TX' || outcome.code === 'WRONG_CHAIN' || outcome.code === 'TX_TOO_LARGE' ? 'reject' : 'ignore'
      },
      onTx: () => undefined,
      validateConsensus: (bytes) => (driver === null ? 'ignore' : driver.receive(bytes)),
      onConsensus: () => undefined,
      serveBlocks: (request) => serveBlocks(store, app.latest.height, request),
    },
  )

  driver = new ConsensusDriver({
    chainId: genesis.chainId,
    validatorPublicKeys: genesis.validators.map((validator) => hexToBytes(validator.publicKey)),
    selfIndex: selfIndex >= 0 ? selfIndex : null,
    sign: selfIndex >= 0 ? (message) => sign(message, validatorKey.secretKey) : null,
    verify: verifySignature,
    timeouts: config.consensus,
    app: {
      latestHeight: () => app.latest.height,
      prepareProposal: (height, timeMs, proposer) => app.prepareProposal(height, timeMs, proposer),
      processProposal: (block, proposer, nowMs, expectedBlockHash) => app.processProposal(block, proposer, nowMs, expectedBlockHash),
      commit: (hash, certificate, block) => app.commit(hash, certificate, block),
    },
    publish: (bytes) => {
      network.publishConsensus(bytes).catch((error: unknown) => logger.warn({ error: (error as Error).message }, 'consensus publish failed'))
    },
    signerStore: {
      load: async () => {
        const bytes = await store.getValidatorRecord(SIGNER_RECORD)
        return bytes === undefined ? { records: [], coreState: null } : decodeSignerState(bytes)
      },
      save: (state) => store.putValidatorRecord(SIGNER_RECORD, encodeSignerState(state)),
    },
    clock: systemClock,
    logger: logger.child({ module: 'consensus' }),
    onEvidence: async (evidence) => {
      const outcome = await app.addEvidence(evidence)
      if (!outcome.ok) logger.warn({ id: outcome.id, reason: outcome.reason }, 'evidence refused')
      else if (outcome.added) logger.warn({ id: outcome.id, kind: evidence.kind, validatorIndex: evidence.first.validatorIndex, height: evidence.first.height }, 'evidence pending')
    },
  })
  const sync = new BlockSync(driver, network, () => app.latest.height, logger.child({ module: 'sync' }))

  const api = await buildApi({
    app,
    genesis,
    nodeId: network.peerId,
    validatorName: selfIndex >= 0 ? (genesis.validators[selfIndex]?.name ?? null) : null,
    peers: () => network.connectedPeers(),
    catchingUp: () => sync.catchingUp,
    onAccepted: (bytes) => {
      network.publishTx(bytes).catch((error: unknown) => logger.warn({ error: (error as Error).message }, 'transaction publish failed'))
    },
  })
  const apiUrl = await api.listen({ host: config.apiHost, port: config.apiPort })
  await driver.start()
  sync.start()
  app.onCommit((event) => logger.info({ height: event.height, txs: event.txIds.length, appHash: bytesToHex(app.latest.appHash).slice(0, 16) }, 'block committed'))
  logger.info({ api: apiUrl, p2p: config.listenAddress, peerId: network.peerId }, 'node started')

  let closed = false
  return {
    home,
    app,
    network,
    driver,
    api,
    apiUrl,
    async close() {
      if (closed) return
      closed = true
      sync.stop()
      driver?.stop()
      await api.close()
      await driver?.idle()
      await network.stop()
      await store.close()
    },
  }
}
