/**
 * An unsigned webhook flood and the memory it costs: {@link postUnsigned} POSTs a large body with
 * GitHub's webhook headers and a wrong signature over a raw socket, {@link peakRss} reads a process's
 * peak resident memory. Used by test/app/webhook-limit.test.ts and `npm run bench`.
 */
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'

/** One mebibyte. */
export const MiB = 1024 * 1024

/** Peak resident set size of process `pid` so far (VmHWM), in bytes. */
export function peakRss(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!match) throw new Error(`no VmHWM for ${pid}`)
  return Number(match[1]) * 1024
}

/**
 * POSTs `bytes` bytes of spaces to `url` with webhook headers and a wrong signature, over a raw
 * socket (`Content-Length`, or chunked), writing as fast as the server reads and stopping early only
 * if the server closes the connection. Resolves the answer's status code (`null` if none came).
 * `deafMs` > 0 makes a client that keeps sending but reads nothing for that long (a busy machine).
 */
export async function postUnsigned(
  url: string,
  bytes: number,
  mode: 'length' | 'chunked',
  { deafMs = 0 }: { deafMs?: number } = {},
): Promise<number | null> {
  const { hostname, port, pathname } = new URL(url)
  const socket = connect(Number(port), hostname)
  await once(socket, 'connect')
  if (deafMs > 0) {
    socket.pause()
    setTimeout(() => socket.resume(), deafMs)
  }
  let answer = ''
  let closed = false
  socket.on('data', (data: Buffer) => (answer += data.toString('latin1')))
  socket.on('error', () => {})
  socket.on('close', () => (closed = true))
  const status = () => /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]
  socket.write(
    [
      `POST ${pathname} HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      'Content-Type: application/json',
      'X-GitHub-Event: push',
      'X-GitHub-Delivery: 0b9a8f1e-0000-4000-8000-000000000000',
      `X-Hub-Signature-256: sha256=${'0'.repeat(64)}`,
      mode === 'length' ? `Content-Length: ${bytes}` : 'Transfer-Encoding: chunked',
      '',
      '',
    ].join('\r\n'),
  )
  // Exactly `bytes` bytes of body: a client that sent more than its Content-Length would be sending
  // a malformed second request, which the server may answer by resetting the connection.
  const frame = (size: number) => {
    const piece = Buffer.alloc(size, 0x20)
    return mode === 'chunked'
      ? Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
      : piece
  }
  const full = frame(MiB)
  // Resolves on `event` or when the socket closes (a reset included); never rejects.
  const until = (event: 'drain' | 'data') =>
    new Promise<void>((resolve) => {
      const done = () => {
        socket.off(event, done)
        socket.off('close', done)
        resolve()
      }
      socket.once(event, done)
      socket.once('close', done)
    })
  for (let sent = 0; sent < bytes && !closed; sent += MiB) {
    if (!socket.write(bytes - sent >= MiB ? full : frame(bytes - sent))) await until('drain')
  }
  if (mode === 'chunked' && !closed) socket.write('0\r\n\r\n')
  while (status() === undefined && !closed) await until('data')
  socket.destroy()
  const code = status()
  return code === undefined ? null : Number(code)
}
