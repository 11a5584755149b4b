// Positional arguments the CLI reads inside an action: a bad one is refused before any request, naming the argument.
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../../cli/main.ts'

async function refusal(args: string[]): Promise<string> {
  // An unreachable node: a request would fail with a connection error, not with the argument's message.
  const program = buildProgram().exitOverride()
  try {
    await program.parseAsync([...args, '--node', 'http://127.0.0.1:9'], { from: 'user' })
  } catch (error) {
    return (error as Error).message
  }
  return 'accepted'
}

describe('tonne query positional arguments', () => {
  it('names the height or serial that is not an integer', async () => {
    expect(await refusal(['query', 'block', 'abc'])).toBe('height "abc": expected a non-negative integer (or latest)')
    expect(await refusal(['query', 'block', '1.5'])).toBe('height "1.5": expected a non-negative integer (or latest)')
    expect(await refusal(['query', 'provenance', 'GS/55555', '-1'])).toBe('serial "-1": expected a non-negative integer')
    expect(await refusal(['query', 'provenance', 'GS/55555', 'x'])).toBe('serial "x": expected a non-negative integer')
  })
})
