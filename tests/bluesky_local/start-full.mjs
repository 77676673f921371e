// PLC + PDS + AppView (bsky) + bsync + Ozone. Needs DB_POSTGRES_URL, DB_POSTGRES_SCHEMA (letters
// and underscores only: digits crash start-up) and REDIS_HOST (asserted, never contacted).
// Usage: node --require ./bind-localhost.cjs start-full.mjs [plc] [pds] [appview] [ozone]
//   ports default to 2582 2583 2584 2587; 0 = any free port; bsync picks its own.
import { announce, closeOnSignal, devEnv, portArg } from './devenv.mjs'

const [plcPort, pdsPort, bskyPort, ozonePort] = await Promise.all(
  [2582, 2583, 2584, 2587].map((fallback, i) => portArg(process.argv[2 + i], fallback)),
)
const t0 = performance.now()
const network = await devEnv.TestNetwork.create({
  plc: { port: plcPort },
  pds: { port: pdsPort, hostname: 'localhost', enableDidDocWithSession: true },
  bsky: { port: bskyPort, publicUrl: `http://localhost:${bskyPort}` },
  ozone: { port: ozonePort },
})
announce({
  plc: network.plc.url,
  pds: network.pds.url,
  appview: network.bsky.url,
  appviewDid: network.bsky.serverDid,
  ozone: network.ozone.url,
  bsync: network.bsync.url,
}, t0)
// Keep the AppView indexer caught up so reads see new writes quickly.
const every = Number(process.env.PROCESS_INTERVAL_MS || 0)
const timer = every
  ? setInterval(() => network.processAll().catch((e) => console.error('processAll', e.message)), every)
  : null
closeOnSignal(network, () => { if (timer) clearInterval(timer) })
