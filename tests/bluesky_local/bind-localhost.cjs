// Preloaded with `node --require`: the dev-env servers call listen(port) with no host and would
// otherwise accept connections on every interface. Force loopback for all of them.
'use strict'
const net = require('node:net')

const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  const first = args[0]
  const isPort = typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))
  if (isPort) {
    if (args.length === 1 || typeof args[1] === 'function') args.splice(1, 0, '127.0.0.1')
  } else if (first && typeof first === 'object' && !first.path && !first.host) {
    args[0] = { ...first, host: '127.0.0.1' }
  }
  return listen.apply(this, args)
}
