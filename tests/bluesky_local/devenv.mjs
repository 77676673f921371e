// Loads @atproto/dev-env from the install folder made by `scripts/bluesky-local.sh setup`,
// which lives outside git (.cache/bluesky-local/atproto by default), so the tracked start
// scripts can run in place.
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const prefix =
  process.env.BLUESKY_LOCAL_PREFIX ??
  path.join(process.env.BLUESKY_LOCAL_CACHE ?? path.join(here, '..', '..', '.cache', 'bluesky-local'), 'atproto')

export const devEnv = createRequire(path.join(prefix, 'package.json'))('@atproto/dev-env')

// One JSON line on stdout is the readiness signal that scripts and pytest fixtures wait for.
export function announce(fields, t0) {
  console.log(JSON.stringify({
    ready: true,
    ...fields,
    startup_ms: Math.round(performance.now() - t0),
    rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
  }))
}

export function closeOnSignal(network, onClose = () => {}) {
  let closing = false
  const shutdown = async () => {
    if (closing) return
    closing = true
    onClose()
    try {
      await network.close()
    } catch (err) {
      console.error('close failed:', err?.message ?? err)
    } finally {
      process.exit(0)
    }
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  // The parent (pytest) closes our stdin when it goes away, even after SIGKILL of the parent.
  if (process.env.BLUESKY_LOCAL_EXIT_ON_STDIN_EOF === '1') {
    process.stdin.on('end', shutdown)
    process.stdin.resume()
  }
}

// A port number from argv; 0 or absent means "any free loopback port".
export async function portArg(value, fallback) {
  const port = Number(value ?? fallback)
  return port > 0 ? port : await freePort()
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}
