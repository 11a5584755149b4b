// The consensus core is pure: its files import only each other, and never touch a clock, randomness, timers, the
// process, the network or the disk. (consensus/driver.ts is the impure shell around it and is not checked here.)
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const CORE_FILES = ['core.ts', 'index.ts', 'message-log.ts', 'thresholds.ts', 'types.ts']
const CORE_DIRECTORY = join(import.meta.dirname, '..', '..', 'consensus')

const FORBIDDEN = [
  /\bDate\b/,
  /\bMath\.random\b/,
  /\bperformance\b/,
  /\bset(Timeout|Interval|Immediate)\b/,
  /\bprocess\b/,
  /\bcrypto\b/,
  /\bfetch\b/,
  /\brequire\(/,
  /\bimport\(/,
  /\bglobalThis\b/,
]

function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
}

describe('the consensus core has no I/O', () => {
  it.each(CORE_FILES)('%s imports only sibling core files', (file) => {
    const source = readFileSync(join(CORE_DIRECTORY, file), 'utf8')
    const specifiers = [...source.matchAll(/\bfrom\s+'([^']+)'/g)].map((match) => match[1])
    expect(specifiers.length).toBeGreaterThanOrEqual(file === 'types.ts' ? 0 : 1)
    for (const specifier of specifiers) expect(CORE_FILES.map((name) => `./${name}`)).toContain(specifier)
  })

  it.each(CORE_FILES)('%s uses no clock, randomness, timer or process global', (file) => {
    const code = withoutComments(readFileSync(join(CORE_DIRECTORY, file), 'utf8'))
    for (const pattern of FORBIDDEN) expect(code, `${file} matches ${pattern}`).not.toMatch(pattern)
  })
})
