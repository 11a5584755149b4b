// `tonne sign-port`: the receiving registry signs the terms of a port offline (--chain-id) and prints a signature
// that verifies for exactly those terms (what `tonne tx port --to-signer --to-signature` then sends).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { buildProgram } from '../../cli/main.ts'
import * as build from '../../client/builders.ts'
import { generateKeyPair, verify, writeKeyFile } from '../../client/keys.ts'
import { bytesToHex, hexToBytes, portSignBytes } from '../../client/wire.ts'

const dir = mkdtempSync(join(tmpdir(), 'tonne-sign-port-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('tonne sign-port', () => {
  it('prints the receiving registry signature over the port terms', async () => {
    const key = generateKeyPair()
    const file = join(dir, 'registry-gs.json')
    writeKeyFile(file, 'registry-gs', key)
    const written: string[] = []
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true))
    try {
      await buildProgram().parseAsync(['sign-port', '--key', file, '--batch', 'VCS:1-100', '--range', '41-60', '--from-registry', 'VCS', '--to-registry', 'GS', '--until', '2027-06-30', '--reason', 'moved', '--chain-id', 'tonne-testnet'], { from: 'user' })
    } finally {
      spy.mockRestore()
    }
    const printed = JSON.parse(written.join('')) as { toSigner: string; toSignature: string }
    expect(printed.toSigner).toBe(bytesToHex(key.publicKey))
    const terms = build.portTerms({ batchId: 'VCS:1-100', range: { start: 41, end: 60 }, fromRegistry: 'VCS', toRegistry: 'GS', toSigner: printed.toSigner, expiresAtMs: Date.UTC(2027, 5, 30), reason: 'moved' })
    expect(verify(hexToBytes(printed.toSignature), portSignBytes('tonne-testnet', terms), key.publicKey)).toBe(true)
    expect(verify(hexToBytes(printed.toSignature), portSignBytes('another-chain', terms), key.publicKey)).toBe(false)
    expect(verify(hexToBytes(printed.toSignature), portSignBytes('tonne-testnet', { ...terms, range: { start: 41, end: 61 } }), key.publicKey)).toBe(false)
  })
})
