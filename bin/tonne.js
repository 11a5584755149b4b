#!/usr/bin/env node
// Entry point of the `tonne` CLI: loads the Promise.withResolvers polyfill, registers the TypeScript loader, runs cli/main.ts.
import { register } from 'tsx/esm/api'
register()
await import('../polyfill.ts')
const { main } = await import('../cli/main.ts')
await main(process.argv)
