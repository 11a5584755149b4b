// The node's HTTP JSON API (fastify). Listens on 127.0.0.1 unless configured otherwise. Every bad request gets a
// 4xx with { code, message } and changes nothing.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import { z } from 'zod'
import { bytesToHex, decode, decodeBlock, decodeCertificate, decodeEvidence, decodeTx, decodeSignedTx, encodeEvidence, hexToBytes, REGISTRY_CODES, txId, type Evidence, type Genesis } from '../../client/wire.ts'
import type { Application } from '../app/application.ts'
import { txResultKey } from '../app/execute.ts'
import { evidenceSlot, getEvidence, listEvidence } from '../ledger/evidence.ts'
import type { EvidenceRecord } from '../ledger/keys.ts'
import * as queries from '../ledger/queries.ts'
import { locksOf, readLock } from '../ledger/locks.ts'
import { priceStatistics, readOffer, type PriceFilter } from '../ledger/trades.ts'
import { CURRENCY_PATTERN } from '../ledger/validate.ts'
import { getOfftake, offtakesOfAccount, offtakesOfProject } from '../ledger/offtakes.ts'

export const HTTP_BODY_BYTES_MAX = 256 * 1024
export const WAIT_COMMIT_TIMEOUT_MS = 30_000
export const LIST_LIMIT_MAX = 1_000
export const LIST_LIMIT_DEFAULT = 100
/**
 * Characters of one route parameter as sent (percent-encoded): room for a 256-character batch or project id
 * fully encoded. Longer is 400 BAD_URL; the route's own schema bounds the decoded value.
 */
export const ROUTE_PARAM_CHARS_MAX = 1_024
/** Concurrent POST /txs?wait=commit requests held open; beyond it a submission answers at once (202 pending). */
export const WAIT_COMMIT_REQUESTS_MAX = 1_000

export interface ApiContext {
  app: Application
  genesis: Genesis
  nodeId: string
  validatorName: string | null
  peers: () => string[]
  catchingUp: () => boolean
  /** Called with the bytes of each transaction newly accepted into the mempool (the node gossips it). */
  onAccepted: (bytes: Uint8Array) => void
}

class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters')
/**
 * A non-negative decimal integer in a path or query string: digits only (no sign, exponent, hex, blanks or
 * fraction, which Number() would accept), at most Number.MAX_SAFE_INTEGER.
 */
const decimal = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^[0-9]{1,16}$/, 'must be a decimal integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
const listQuery = z.object({ limit: decimal(1, LIST_LIMIT_MAX).default(LIST_LIMIT_DEFAULT), after: z.string().max(512).optional() }).strict()

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]
    throw new ApiError(400, 'BAD_REQUEST', `${what}: ${issue === undefined ? 'invalid' : `${issue.path.join('.') || 'value'} ${issue.message}`}`)
  }
  return result.data
}

/** JSON-friendly rendering: Uint8Array -> hex. */
export function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return bytesToHex(value)
  if (Array.isArray(value)) return value.map(toJson)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, entry] of Object.entries(value)) out[key] = toJson(entry)
    return out
  }
  return value
}

export async function buildApi(context: ApiContext): Promise<FastifyInstance> {
  const { app, genesis } = context
  const server = Fastify({
    logger: false,
    bodyLimit: HTTP_BODY_BYTES_MAX,
    // fastify's default of 100 would refuse legitimate long batch ids (GET /batches/CERCARBONO%2F...)
    routerOptions: { maxParamLength: ROUTE_PARAM_CHARS_MAX },
    // A URL that does not percent-decode (GET /txs/%zz), or whose path parameter is longer than
    // ROUTE_PARAM_CHARS_MAX, gets the same { code, message } shape as every other error (without echoing the URL).
    frameworkErrors: (_error, request, reply) => {
      const tooLong = (request.url ?? '').split(/[/?]/).some((segment) => segment.length > ROUTE_PARAM_CHARS_MAX)
      void (reply as FastifyReply)
        .status(400)
        .send(tooLong ? { code: 'PARAM_TOO_LONG', message: `a path parameter is longer than ${ROUTE_PARAM_CHARS_MAX} characters` } : { code: 'BAD_URL', message: 'the URL does not percent-decode' })
    },
    // Errors Node's HTTP parser raises before fastify sees a request (headers over Node's 16 KiB limit, garbage
    // instead of HTTP) are answered in the same { code, message } shape, then the connection is closed.
    clientErrorHandler: (error: Error & { code?: string }, socket) => {
      if (!socket.writable) return socket.destroy()
      const tooLarge = error.code === 'HPE_HEADER_OVERFLOW'
      const body = JSON.stringify(tooLarge ? { code: 'HEADERS_TOO_LARGE', message: 'the request line and headers are over 16 KiB' } : { code: 'BAD_REQUEST', message: 'the request is not valid HTTP' })
      socket.end(`HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
    },
  })
  let waitingForCommit = 0

  server.addContentTypeParser(['application/octet-stream', 'application/msgpack'], { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  // Only JSON and the binary types above carry a transaction: text/plain is 415 like every other type.
  server.removeContentTypeParser('text/plain')

  server.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    if (error instanceof ApiError) return reply.status(error.statusCode).send({ code: error.code, message: error.message })
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    return reply.status(status).send({ code: errorCode(status, error), message: status === 500 ? 'internal error' : error.message })
  })
  server.setNotFoundHandler((request, reply) => reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` }))

  server.get('/health', async () => ({ ok: true }))

  server.get('/status', async () => {
    const latest = app.latest
    return {
      chainId: genesis.chainId,
      nodeId: context.nodeId,
      validatorName: context.validatorName,
      height: latest.height,
      appHash: bytesToHex(latest.appHash),
      latestBlockHash: bytesToHex(latest.blockHash),
      latestBlockTimeMs: latest.timeMs,
      validators: genesis.validators,
      peers: context.peers(),
      catchingUp: context.catchingUp(),
      mempool: { txs: app.mempool.size, bytes: app.mempool.sizeBytes },
    }
  })

  server.get('/validators', async () => ({ validators: genesis.validators }))

  server.post('/txs', async (request, reply) => {
    const query = parse(z.object({ wait: z.enum(['commit', 'none']).optional() }).strict(), request.query, 'query')
    const bytes = signedTxBytesFrom(request.body)
    // With ?wait=commit, subscribe before submitting so a commit that happens in between is not missed; other
    // submissions add no listener (every commit calls each one).
    // A commit that neither includes the transaction nor leaves it in the mempool means it was dropped (another
    // transaction of its sender took its nonce, or it was evicted): the wait ends there instead of at the timeout.
    let resolveCommit: (value: { height: number; index: number } | 'dropped') => void = () => undefined
    const committed = new Promise<{ height: number; index: number } | 'dropped'>((resolve) => (resolveCommit = resolve))
    let expectedId: string | null = null
    let timer: NodeJS.Timeout | undefined
    const waits = query.wait === 'commit' && waitingForCommit < WAIT_COMMIT_REQUESTS_MAX
    if (waits) waitingForCommit += 1
    const unsubscribe = waits
      ? app.onCommit((event) => {
          if (expectedId === null) return
          const index = event.txIds.indexOf(expectedId)
          if (index >= 0) resolveCommit({ height: event.height, index })
          else if (!app.mempool.has(expectedId)) resolveCommit('dropped')
        })
      : () => undefined
    try {
      const outcome = await app.submit(bytes)
      if (!outcome.ok) {
        const status = outcome.code === 'MEMPOOL_FULL' ? 503 : 400
        return reply.status(status).send({ code: outcome.code, message: outcome.message })
      }
      expectedId = outcome.id
      if (!outcome.alreadyPending) context.onAccepted(bytes)
      const existing = await txStatus(app, outcome.id)
      if (!waits || existing.status !== 'pending') return sendStatus(reply, existing)
      const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), WAIT_COMMIT_TIMEOUT_MS).unref()))
      await Promise.race([committed, timeout])
      return sendStatus(reply, await txStatus(app, outcome.id))
    } finally {
      if (waits) waitingForCommit -= 1
      unsubscribe()
      if (timer !== undefined) clearTimeout(timer)
    }
  })

  server.get('/txs/:id', async (request) => {
    const { id } = parse(z.object({ id: hex64 }).strict(), request.params, 'transaction id')
    return txStatus(app, id)
  })

  server.get('/blocks/:height', async (request) => {
    const { height: heightParameter } = parse(z.object({ height: z.union([z.literal('latest'), decimal(1)]) }).strict(), request.params, 'block height (a decimal integer from 1, or latest)')
    const height = heightParameter === 'latest' ? app.latest.height : heightParameter
    const [blockBytes, certificateBytes, resultBytes] = await Promise.all([app.store.getBlock(height), app.store.getCertificate(height), app.store.getResults(height)])
    if (blockBytes === undefined || certificateBytes === undefined) throw new ApiError(404, 'NOT_FOUND', `no block at height ${height} (latest is ${app.latest.height})`)
    const block = decodeBlock(blockBytes)
    const certificate = decodeCertificate(certificateBytes)
    const results = resultBytes === undefined ? [] : (decode(resultBytes) as unknown[])
    return toJson({
      height,
      hash: bytesToHex(certificate.blockHash),
      header: block.header,
      txs: block.txs.map((bytes, index) => {
        const { txBytes } = decodeSignedTx(bytes)
        const tx = decodeTx(txBytes)
        return { id: txId(txBytes), kind: tx.kind, sender: tx.sender, nonce: tx.nonce, body: tx.body, result: results[index] ?? null }
      }),
      certificate,
      evidence: block.evidence.map((item) => ({ kind: item.kind, first: item.first, second: item.second })),
    })
  })

  // Evidence of equivocation: committed (in the ledger state, with the block that included it) and, separately,
  // pending in this node's pool (observed, not yet in a block; another node may know other pending evidence).
  const evidenceCursor = z.string().regex(/^\d{16}\/\d{16}$/, 'must be a cursor from a previous page (next)')
  server.get('/evidence', async (request) => {
    const query = parse(z.object({ limit: decimal(1, LIST_LIMIT_MAX).default(LIST_LIMIT_DEFAULT), after: evidenceCursor.optional() }).strict(), request.query, 'query')
    const page = await listEvidence(app.store.state, query.limit, query.after)
    return {
      items: page.items.map((record) => committedEvidenceView(genesis, record)),
      next: page.next,
      pending: app.evidencePool.pending(query.limit).map((entry) => pendingEvidenceView(genesis, entry.id, entry.evidence)),
    }
  })

  server.get('/evidence/:id', async (request) => {
    const { id } = parse(z.object({ id: hex64 }).strict(), request.params, 'evidence id')
    const record = await getEvidence(app.store.state, id)
    if (record !== undefined) return committedEvidenceView(genesis, record)
    const pending = app.evidencePool.get(id)
    if (pending !== undefined) return pendingEvidenceView(genesis, pending.id, pending.evidence)
    throw new ApiError(404, 'NOT_FOUND', `no evidence ${id}`)
  })

  server.get('/accounts/:id', async (request) => {
    const { id } = parse(z.object({ id: hex64 }).strict(), request.params, 'account id')
    return queries.getAccount(app.store.state, id)
  })

  server.get('/accounts/:id/holdings', async (request) => {
    const { id } = parse(z.object({ id: hex64 }).strict(), request.params, 'account id')
    return queries.holdingsOf(app.store.state, id)
  })

  // Locks: live collateral locks and immobilisations (released, seized, expired or mobilised ones are gone; their
  // history is in the batch's provenance).
  server.get('/accounts/:id/locks', async (request) => {
    const { id } = parse(z.object({ id: hex64 }).strict(), request.params, 'account id')
    const { limit } = parse(z.object({ limit: decimal(1, LIST_LIMIT_MAX).default(LIST_LIMIT_DEFAULT) }).strict(), request.query, 'query')
    return { account: id, locks: await locksOf(app.store.state, id, limit) }
  })

  // Delivery versus payment: a live offer, and price statistics over settlements.
  server.get('/offers/:offerId', async (request) => {
    const { offerId } = parse(z.object({ offerId: hex64 }).strict(), request.params, 'offer id')
    const offer = await readOffer(app.store.state, offerId)
    if (offer === undefined) throw new ApiError(404, 'UNKNOWN_OFFER', `no live offer ${offerId} (it may have been accepted, cancelled or have expired: see the batch's provenance)`)
    return offer
  })

  server.get('/prices', async (request) => {
    const text = z.string().min(1).max(128)
    const filter = parse(
      z
        .object({
          currency: z.string().regex(CURRENCY_PATTERN, 'must be a currency code, e.g. USD'),
          registry: z.enum(REGISTRY_CODES, { error: `must be a registry code: ${REGISTRY_CODES.join(', ')} (uppercase, as in batch ids; not the importer's name such as verra)` }).optional(),
          methodology: text.optional(),
          sector: text.optional(),
          country: text.optional(),
          vintage: z.string().regex(/^\d{4}$/, 'must be a year, e.g. 2020').optional(),
          fromMs: decimal(0).optional(),
          toMs: decimal(0).optional(),
        })
        .strict(),
      request.query,
      'query',
    )
    const given = Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as unknown as PriceFilter
    return priceStatistics(app.store.state, given)
  })

  server.get('/locks/:lockId', async (request) => {
    const { lockId } = parse(z.object({ lockId: hex64 }).strict(), request.params, 'lock id')
    const lock = await readLock(app.store.state, lockId)
    if (lock === undefined) throw new ApiError(404, 'UNKNOWN_LOCK', `no live lock ${lockId} (it may have been released, seized, mobilised or have expired: see the batch's provenance)`)
    return lock
  })

  // Cash: an account's balances (every currency it holds) and a currency's supply. Amounts are integer minor units.
  const currencyCode = z.string().regex(CURRENCY_PATTERN, 'must be a currency code: 3 to 12 uppercase letters or digits')
  server.get('/accounts/:id/balances', async (request) => {
    const { id } = parse(z.object({ id: hex64 }).strict(), request.params, 'account id')
    const query = parse(z.object({ limit: decimal(1, LIST_LIMIT_MAX).optional(), after: currencyCode.optional() }).strict(), request.query, 'query')
    return queries.balancesOf(app.store.state, id, { ...(query.limit === undefined ? {} : { limit: query.limit }), ...(query.after === undefined ? {} : { after: query.after }) })
  })

  server.get('/cash/:currency', async (request) => {
    const { currency } = parse(z.object({ currency: currencyCode }).strict(), request.params, 'currency')
    const supply = await queries.cashSupply(app.store.state, currency)
    if (supply === undefined) throw new ApiError(404, 'UNKNOWN_CURRENCY', `no ${currency} was ever minted`)
    return supply
  })

  // Offtake / prepayment agreements (node/ledger/offtakes.ts): open, delivered and defaulted ones alike, oldest first.
  const offtakeQuery = z.object({ limit: decimal(1, LIST_LIMIT_MAX).default(LIST_LIMIT_DEFAULT), after: z.string().regex(/^\d{16}\/\d{16}$/, 'must be a cursor from a previous page (next)').optional() }).strict()
  server.get('/offtakes/:offtakeId', async (request) => {
    const { offtakeId } = parse(z.object({ offtakeId: hex64 }).strict(), request.params, 'offtake id')
    const offtake = await getOfftake(app.store.state, offtakeId)
    if (offtake === undefined) throw new ApiError(404, 'UNKNOWN_OFFTAKE', `no offtake agreement ${offtakeId}`)
    return offtake
  })

  server.get('/accounts/:id/offtakes', async (request) => {
    const { id } = parse(z.object({ id: hex64 }).strict(), request.params, 'account id')
    const query = parse(offtakeQuery, request.query, 'query')
    return { account: id, ...(await offtakesOfAccount(app.store.state, id, query.limit, query.after)) }
  })

  server.get('/projects/:registry/:projectId/offtakes', async (request) => {
    const { registry, projectId } = parse(z.object({ registry: z.string().min(1).max(32), projectId: z.string().min(1).max(256) }).strict(), request.params, 'project')
    const query = parse(offtakeQuery, request.query, 'query')
    if ((await queries.getProject(app.store.state, registry, projectId)) === undefined) throw new ApiError(404, 'UNKNOWN_PROJECT', `no project ${registry} ${projectId}`)
    return { registry, projectId, ...(await offtakesOfProject(app.store.state, registry, projectId, query.limit, query.after)) }
  })

  server.get('/projects', async (request) => {
    const query = parse(listQuery, request.query, 'query')
    return queries.listProjects(app.store.state, query.limit, query.after)
  })

  server.get('/projects/:registry/:projectId', async (request) => {
    const { registry, projectId } = parse(z.object({ registry: z.string().min(1).max(32), projectId: z.string().min(1).max(256) }).strict(), request.params, 'project')
    const project = await queries.getProject(app.store.state, registry, projectId)
    if (project === undefined) throw new ApiError(404, 'UNKNOWN_PROJECT', `no project ${registry} ${projectId}`)
    // Extended compatibly: the project record's fields as before, plus its ratings and MRV attestations.
    return { ...project, quality: await queries.projectQuality(app.store.state, registry, projectId) }
  })

  server.get('/batches', async (request) => {
    const query = parse(listQuery, request.query, 'query')
    return queries.listBatches(app.store.state, query.limit, query.after)
  })

  server.get('/batches/:batchId', async (request) => {
    const { batchId } = parse(z.object({ batchId: z.string().min(1).max(256) }).strict(), request.params, 'batch id')
    const batch = await queries.getBatch(app.store.state, batchId)
    if (batch === undefined) throw new ApiError(404, 'UNKNOWN_BATCH', `no batch ${batchId}`)
    // Extended compatibly: the registry of record of each serial range (node/ledger/record-of.ts).
    return { ...batch, supply: await queries.batchSupply(app.store.state, batchId), recordOf: await queries.batchRecordOf(app.store.state, batchId) }
  })

  server.get('/provenance', async (request) => {
    const query = parse(
      z.union([
        z.object({ space: z.string().min(1).max(256), serial: decimal(0) }).strict(),
        z.object({ batchId: z.string().min(1).max(256), start: decimal(0), end: decimal(0) }).strict(),
      ]),
      request.query,
      'provenance query (give space and serial, or batchId, start and end)',
    )
    const result =
      'space' in query
        ? await queries.provenance(app.store.state, { space: query.space, serial: query.serial })
        : await queries.provenance(app.store.state, { batchId: query.batchId, range: { start: query.start, end: query.end } })
    if (result === undefined) throw new ApiError(404, 'NOT_FOUND', 'no issued credit has that serial')
    // Extended compatibly: the quality information (ratings, MRV attestations) of the credits' project.
    return { ...result, quality: await queries.projectQuality(app.store.state, result.batch.registry, result.batch.projectId) }
  })

  // Fractions (node/ledger/fractions.ts): integer parts, FRACTION_PARTS_PER_TONNE per tonne.
  const fractionCursor = z.string().max(512)
  server.get('/accounts/:id/fractions', async (request) => {
    const { id } = parse(z.object({ id: hex64 }).strict(), request.params, 'account id')
    const query = parse(z.object({ limit: decimal(1, LIST_LIMIT_MAX).optional(), after: fractionCursor.optional() }).strict(), request.query, 'query')
    return queries.fractionsOf(app.store.state, id, { ...(query.limit === undefined ? {} : { limit: query.limit }), ...(query.after === undefined ? {} : { after: query.after }) })
  })

  server.get('/batches/:batchId/fractions', async (request) => {
    const { batchId } = parse(z.object({ batchId: z.string().min(1).max(256) }).strict(), request.params, 'batch id')
    const query = parse(z.object({ limit: decimal(1, LIST_LIMIT_MAX).optional(), after: z.string().regex(/^[0-9]{16}$/, 'must be a cursor from a previous page (next)').optional() }).strict(), request.query, 'query')
    if ((await queries.getBatch(app.store.state, batchId)) === undefined) throw new ApiError(404, 'UNKNOWN_BATCH', `no batch ${batchId}`)
    return queries.batchFractions(app.store.state, batchId, { ...(query.limit === undefined ? {} : { limit: query.limit }), ...(query.after === undefined ? {} : { after: query.after }) })
  })

  server.get('/batches/:batchId/serials/:serial/fractions', async (request) => {
    const { batchId, serial } = parse(z.object({ batchId: z.string().min(1).max(256), serial: decimal(1) }).strict(), request.params, 'batch id and serial')
    const result = await queries.serialFractions(app.store.state, batchId, serial)
    if (result === undefined) throw new ApiError(404, 'NOT_FRACTIONALISED', `serial ${serial} of batch ${batchId} is not fractionalised`)
    return result
  })

  server.get('/fraction-retirements/:txId', async (request) => {
    const { txId: id } = parse(z.object({ txId: hex64 }).strict(), request.params, 'transaction id')
    const record = await queries.getFractionRetirement(app.store.state, id)
    if (record === undefined) throw new ApiError(404, 'UNKNOWN_RETIREMENT', `no fractional retirement ${id} (committed fraction.retire and composite.retire transactions only)`)
    return record
  })

  // Composites (node/ledger/composites.ts): a class, its units, and the look-through of each unit to its serials.
  const classIdParam = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a composite class id')
  server.get('/composites/:classId', async (request) => {
    const { classId } = parse(z.object({ classId: classIdParam }).strict(), request.params, 'composite class id')
    const composite = await queries.getComposite(app.store.state, classId)
    if (composite === undefined) throw new ApiError(404, 'UNKNOWN_COMPOSITE', `no composite class ${classId}`)
    return composite
  })

  server.get('/composites/:classId/units', async (request) => {
    const { classId } = parse(z.object({ classId: classIdParam }).strict(), request.params, 'composite class id')
    const query = parse(z.object({ limit: decimal(1, LIST_LIMIT_MAX).optional(), after: z.string().regex(/^[0-9]{16}$/, 'must be a cursor from a previous page (next)').optional() }).strict(), request.query, 'query')
    if ((await queries.getComposite(app.store.state, classId)) === undefined) throw new ApiError(404, 'UNKNOWN_COMPOSITE', `no composite class ${classId}`)
    return queries.compositeUnits(app.store.state, classId, { ...(query.limit === undefined ? {} : { limit: query.limit }), ...(query.after === undefined ? {} : { after: query.after }) })
  })

  server.get('/composites/:classId/units/:n', async (request) => {
    const { classId, n } = parse(z.object({ classId: classIdParam, n: decimal(1) }).strict(), request.params, 'composite class id and unit number')
    const unit = await queries.getCompositeUnit(app.store.state, classId, n)
    if (unit === undefined) throw new ApiError(404, 'UNKNOWN_COMPOSITE_UNIT', `composite ${classId} has no unit ${n}`)
    return unit
  })

  server.get('/accounts/:id/composites', async (request) => {
    const { id } = parse(z.object({ id: hex64 }).strict(), request.params, 'account id')
    const query = parse(z.object({ limit: decimal(1, LIST_LIMIT_MAX).optional(), after: z.string().max(512).optional() }).strict(), request.query, 'query')
    return queries.compositesOf(app.store.state, id, { ...(query.limit === undefined ? {} : { limit: query.limit }), ...(query.after === undefined ? {} : { after: query.after }) })
  })

  // A private retirement (credit.retire-private): its beneficiary commitment and retire events. Checking a name and
  // salt against it is done by the client (client/commitments.ts, tonne verify-beneficiary), so that neither is
  // ever sent to a node.
  server.get('/private-retirements/:txId', async (request) => {
    const { txId: id } = parse(z.object({ txId: hex64 }).strict(), request.params, 'transaction id')
    const record = await queries.getPrivateRetirement(app.store.state, id)
    if (record === undefined) throw new ApiError(404, 'UNKNOWN_RETIREMENT', `no private retirement ${id} (committed credit.retire-private transactions only)`)
    return record
  })

  return server
}

function evidenceMessagesView(genesis: Genesis, id: string, evidence: Evidence): Record<string, unknown> {
  const slot = evidenceSlot(evidence)
  const validator = genesis.validators[slot.validatorIndex]
  return {
    id,
    kind: evidence.kind,
    validatorIndex: slot.validatorIndex,
    validatorName: validator?.name ?? null,
    validator: validator?.publicKey ?? null,
    height: slot.height,
    round: slot.round,
    step: slot.step,
    first: toJson(evidence.first),
    second: toJson(evidence.second),
    // The canonical bytes (encodeEvidence), hex: what the block carried and what the id hashes.
    bytes: bytesToHex(encodeEvidence(evidence)),
  }
}

function committedEvidenceView(genesis: Genesis, record: EvidenceRecord): Record<string, unknown> {
  const view = evidenceMessagesView(genesis, record.id, decodeEvidence(record.evidence))
  return { status: 'committed', ...view, includedHeight: record.includedHeight, includedIndex: record.includedIndex, includedTimeMs: record.includedTimeMs }
}

function pendingEvidenceView(genesis: Genesis, id: string, evidence: Evidence): Record<string, unknown> {
  return { status: 'pending', ...evidenceMessagesView(genesis, id, evidence) }
}

/** A signed transaction from the request: raw bytes (application/octet-stream) or JSON { "tx": "<hex>" }. */
function signedTxBytesFrom(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) {
    if (body.length === 0) throw new ApiError(400, 'EMPTY_BODY', 'the body is empty: send the signed transaction bytes')
    return body
  }
  if (body !== null && typeof body === 'object' && typeof (body as { tx?: unknown }).tx === 'string') {
    const text = (body as { tx: string }).tx
    if (!/^([0-9a-f]{2})+$/i.test(text)) throw new ApiError(400, 'BAD_REQUEST', 'tx must be hex-encoded signed transaction bytes')
    return hexToBytes(text.toLowerCase())
  }
  throw new ApiError(400, 'BAD_REQUEST', 'send the signed transaction as application/octet-stream bytes or as JSON {"tx":"<hex>"}')
}

/** Stable codes for the errors fastify raises itself (body parsing, content type, size). */
function errorCode(status: number, error: Error & { code?: string }): string {
  if (status === 413) return 'BODY_TOO_LARGE'
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE'
  if (status === 500) return 'INTERNAL'
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'EMPTY_BODY'
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'MALFORMED_JSON'
  return 'BAD_REQUEST'
}

/** 200 committed, 202 pending; a transaction this node does not hold (dropped while the request waited) is 409. */
function sendStatus(reply: FastifyReply, status: Record<string, unknown>): FastifyReply {
  if (status.status === 'committed') return reply.status(200).send(status)
  if (status.status === 'pending') return reply.status(202).send(status)
  return reply.status(409).send({ ...status, code: 'TX_DROPPED', message: 'the transaction is neither committed nor pending on this node any more (evicted, or its nonce was used by another transaction): check the sender nonce before signing again' })
}

async function txStatus(app: Application, id: string): Promise<Record<string, unknown>> {
  const record = await app.store.state.get(txResultKey(id))
  if (record !== undefined) {
    const [height, index, code, name, message] = decode(record) as [number, number, number, string, string]
    return { id, status: 'committed', height, index, result: { code, name, message } }
  }
  if (app.mempool.has(id)) return { id, status: 'pending' }
  return { id, status: 'unknown' }
}

