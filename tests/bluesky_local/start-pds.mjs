// PLC (in memory) + PDS (SQLite and blobs under os.tmpdir(), so set TMPDIR).
// Usage: node --require ./bind-localhost.cjs start-pds.mjs [plcPort] [pdsPort]   (0 = any free)
import { announce, closeOnSignal, devEnv, portArg } from './devenv.mjs'

const t0 = performance.now()
const network = await devEnv.TestNetworkNoAppView.create({
  plc: { port: await portArg(process.argv[2], 2582) },
  pds: {
    port: await portArg(process.argv[3], 2583),
    hostname: 'localhost',
    enableDidDocWithSession: true,
  },
})
announce({ plc: network.plc.url, pds: network.pds.url }, t0)
closeOnSignal(network)
