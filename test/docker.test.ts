// No Docker engine runs here: this checks that docker/docker-compose.yml is consistent with what
// `tonne testnet --host-template node{i} --bind 0.0.0.0` generates (the command the compose file documents).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { generateTestnet, PARTICIPANTS, type TestnetResult } from '../cli/testnet.ts'
import { loadHome } from '../node/config/config.ts'

const repoRoot = join(import.meta.dirname, '..')
const composeText = readFileSync(join(repoRoot, 'docker', 'docker-compose.yml'), 'utf8')
const dockerfile = readFileSync(join(repoRoot, 'docker', 'Dockerfile'), 'utf8')

interface Service {
  hostname: string
  command: string[]
  volumes: string[]
  ports: string[]
  labels: Record<string, string>
  build?: { context: string; dockerfile: string }
}

describe('docker-compose.yml against the generated testnet', () => {
  let out: string
  let testnet: TestnetResult
  const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> }

  beforeAll(async () => {
    // The exact command documented at the top of the compose file.
    const documented = /npx tonne testnet (.+)/.exec(composeText)?.[1] ?? ''
    expect(documented).toBe('--nodes 4 --out docker/testnet --host-template node{i} --bind 0.0.0.0')
    out = mkdtempSync(join(tmpdir(), 'tonne-docker-'))
    testnet = await generateTestnet({ nodes: 4, out: join(out, 'testnet'), chainId: 'tonne-testnet', p2pPort: 27000, apiPort: 28000, hostTemplate: 'node{i}', bindHost: '0.0.0.0', genesisTimeMs: 0 })
  })

  afterAll(() => rmSync(out, { recursive: true, force: true }))

  it('has one service per validator, named like its genesis host, labelled with its participant', () => {
    expect(Object.keys(compose.services)).toEqual(['node0', 'node1', 'node2', 'node3'])
    testnet.genesis.validators.forEach((validator, index) => {
      const service = compose.services[`node${index}`] as Service
      expect(service.hostname).toBe(`node${index}`)
      expect(validator.address).toBe(`/dns4/node${index}/tcp/${27000 + index}`)
      expect(service.labels['tonne.participant']).toBe(PARTICIPANTS[index]?.name)
      expect(validator.name).toBe(PARTICIPANTS[index]?.name)
    })
  })

  it("mounts each node's own folder as its home and publishes the ports its config listens on", () => {
    testnet.nodeHomes.forEach((home, index) => {
      const service = compose.services[`node${index}`] as Service
      const config = loadHome(home).config
      expect(service.command).toEqual(['start', '--home', '/home/node/tonne'])
      expect(service.volumes).toEqual([`./testnet/node${index}:/home/node/tonne`])
      const p2pPort = Number(/\/tcp\/(\d+)$/.exec(config.listenAddress)?.[1])
      expect(config.listenAddress).toBe(`/ip4/0.0.0.0/tcp/${p2pPort}`)
      expect(config.apiHost).toBe('0.0.0.0')
      expect(service.ports).toEqual([`${config.apiPort}:${config.apiPort}`, `${p2pPort}:${p2pPort}`])
      // The genesis address other nodes dial is this service's hostname and p2p port.
      expect(testnet.genesis.validators[index]?.address).toBe(`/dns4/${service.hostname}/tcp/${p2pPort}`)
    })
  })

  it('builds from the repository root with the Dockerfile that starts the tonne CLI', () => {
    const service = compose.services.node0 as Service
    expect(service.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' })
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "bin\/tonne\.js"\]/)
    expect(dockerfile).toMatch(/npm ci/)
    for (const folder of ['client', 'consensus', 'node', 'cli', 'bin']) expect(dockerfile).toContain(`COPY ${folder} ./${folder}`)
  })
})
