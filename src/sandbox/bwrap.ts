/**
 * bubblewrap (`bwrap`): finding it, checking that it can build a sandbox on this machine, and the
 * exact argument list that turns a {@link SandboxSpec} into one.
 *
 * The sandbox is a new user, PID, IPC, UTS and cgroup namespace (plus a network namespace without
 * `network`), and a new mount namespace whose root is the host's root bound read-only, with a fresh
 * `/proc` (only the sandbox's processes), a minimal `/dev`, private tmpfs on `/tmp`, `/var/tmp` and
 * `/run` (so host sockets there — D-Bus, systemd, docker, ssh-agent — are out of reach), each hidden
 * path covered by an empty read-only tmpfs, the workspace bound read-write, and all capabilities
 * dropped. `--new-session` detaches the command from the terminal so it cannot push input into it
 * (TIOCSTI), `--die-with-parent` ends it when Gittrix dies, and `--disable-userns` (bubblewrap 0.8+)
 * stops it from creating user namespaces of its own.
 *
 * Sources: bwrap(1) (https://github.com/containers/bubblewrap/blob/main/bwrap.xml) for every option;
 * user_namespaces(7) (mounts made in a more privileged namespace are locked: a process in the
 * sandbox cannot unmount the tmpfs that hides a path); proc(5) (`/proc/<pid>/root` only reaches the
 * processes of the sandbox's own PID namespace); Ubuntu's restriction of unprivileged user
 * namespaces: https://ubuntu.com/blog/ubuntu-23-10-restricted-unprivileged-user-namespaces.
 */
import { spawn } from 'node:child_process'
import { accessSync, constants, existsSync, lstatSync, realpathSync, statSync } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'
import { isWithin } from '../core/paths.ts'
import { InvalidArgumentError } from '../core/errors.ts'
import type { SandboxSpec } from './spec.ts'

/** Where bwrap is looked for (never the caller's `PATH`): the usual system locations. */
export const SYSTEM_BWRAP_PATH = ['/usr/bin', '/bin', '/usr/local/bin'].join(delimiter)

/** The fd bwrap writes its JSON status documents to (`child-pid`, then `exit-code`). */
export const STATUS_FD = 3

/** A usable bubblewrap: its absolute path and what it supports. */
export interface Bubblewrap {
  path: string
  /** `bwrap --version`, e.g. `0.8.0`. */
  version: string
  /** True from 0.8.0 on: `--disable-userns` is available. */
  disableUserns: boolean
}

/** Why there is no sandbox here, and what to do about it. */
export interface SandboxUnavailable {
  reason: string
  remedy: string
}

/** The outcome of {@link probeSandbox}. */
export type SandboxProbe = { ok: true; bwrap: Bubblewrap } | ({ ok: false } & SandboxUnavailable)

const INSTALL =
  'Install bubblewrap: `sudo apt-get install bubblewrap` (Debian, Ubuntu), `sudo dnf install bubblewrap` ' +
  '(Fedora), `sudo pacman -S bubblewrap` (Arch), or set GITTRIX_BWRAP to the absolute path of a bwrap binary.'

const USERNS =
  'Unprivileged user namespaces are not allowed here. Ubuntu 23.10 and later (AppArmor): ' +
  '`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, or an AppArmor profile that gives ' +
  '/usr/bin/bwrap `userns`; older Debian: `sudo sysctl -w kernel.unprivileged_userns_clone=1`; ' +
  '`user.max_user_namespaces` must not be 0; in a container, allow user namespaces (e.g. docker ' +
  '`--security-opt seccomp=unconfined --security-opt apparmor=unconfined`) or sandbox on the host.'

/**
 * The bwrap binary to use: `$GITTRIX_BWRAP` when set (it must be an absolute path), else the first
 * executable `bwrap` in {@link SYSTEM_BWRAP_PATH}. Resolves `null` when there is none.
 */
export function findBwrap(env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  const explicit = env.GITTRIX_BWRAP
  const candidates =
    explicit !== undefined ? [explicit] : SYSTEM_BWRAP_PATH.split(delimiter).map((dir) => join(dir, 'bwrap'))
  for (const candidate of candidates) {
    if (!isAbsolute(candidate)) continue
    try {
      accessSync(candidate, constants.X_OK)
      if (statSync(candidate).isFile()) return realpathSync(candidate)
    } catch {
      continue
    }
  }
  return null
}

const probes = new Map<string, Promise<SandboxProbe>>()

/**
 * Checks that a sandbox can be built here: Linux, a bwrap binary ({@link findBwrap}), and bwrap
 * actually creating the namespaces and mounts `gittrix run` uses (a trial run of `/bin/sh -c :`, with
 * a network namespace when `network` is false). Memoized per binary and network setting for the life
 * of the process. Never throws: the failure says what is missing and what to install or change.
 */
export function probeSandbox(
  options: { network?: boolean; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<SandboxProbe> {
  const network = options.network ?? true
  if (process.platform !== 'linux') {
    return Promise.resolve({
      ok: false,
      reason: `the sandbox uses Linux namespaces (bubblewrap), and this is ${process.platform}`,
      remedy: 'Run the agent on Linux (a VM or a container that allows user namespaces).',
    })
  }
  const env = options.env ?? process.env
  const path = findBwrap(env)
  if (!path) {
    const explicit = env.GITTRIX_BWRAP
    return Promise.resolve({
      ok: false,
      reason: explicit
        ? `GITTRIX_BWRAP names ${JSON.stringify(explicit)}, which is not an executable file (it must be an absolute path)`
        : `bubblewrap (bwrap) is not installed in ${SYSTEM_BWRAP_PATH}`,
      remedy: INSTALL,
    })
  }
  const key = `${path}\0${network}`
  let probe = probes.get(key)
  if (!probe) {
    probe = runProbe(path, network)
    probes.set(key, probe)
  }
  return probe
}

async function runProbe(path: string, network: boolean): Promise<SandboxProbe> {
  const versionRun = await capture(path, ['--version'])
  const version = /(\d+\.\d+(?:\.\d+)?)/.exec(versionRun.stdout)?.[1] ?? '0'
  const bwrap: Bubblewrap = { path, version, disableUserns: versionAtLeast(version, [0, 8, 0]) }
  // The same base the sandbox is built on (bwrapArguments), so the probe fails where a run would.
  const args = [...baseArgs(bwrap, network), '--tmpfs', '/tmp', '--', '/bin/sh', '-c', ':']
  const trial = await capture(path, args)
  if (trial.code === 0) return { ok: true, bwrap }
  const detail = (trial.stderr.trim() || `exit code ${trial.code}`).split('\n')[0] ?? ''
  const userns = /uid map|namespace|Operation not permitted|Permission denied|No space left/i.test(detail)
  return {
    ok: false,
    reason: `bubblewrap ${version} at ${path} cannot create the sandbox here (${detail})`,
    remedy: userns
      ? USERNS
      : 'Check that bubblewrap works: `bwrap --ro-bind / / --proc /proc --dev /dev true`.',
  }
}

/** Namespaces and process options, the host root read-only, fresh `/proc` and `/dev`: every sandbox's start. */
function baseArgs(bwrap: Bubblewrap, network: boolean): string[] {
  return [
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(network ? [] : ['--unshare-net']),
    ...(bwrap.disableUserns ? ['--disable-userns'] : []),
    '--cap-drop',
    'ALL',
    '--new-session',
    '--die-with-parent',
    '--ro-bind',
    '/',
    '/',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
  ]
}

/** What {@link bwrapArguments} needs to know about the host's directories. */
export interface HostLayout {
  /** Top-level temporary and runtime directories that exist here (each gets a private tmpfs). */
  privateDirs: string[]
  /** The real path of `/etc/resolv.conf` when it lives under `/run` (bound read-only back into place). */
  resolvConf: string | null
}

/** Reads the {@link HostLayout} of this machine. */
export function readHostLayout(): HostLayout {
  const privateDirs = ['/tmp', '/var/tmp', '/run'].filter((dir) => {
    const stat = lstatSync(dir, { throwIfNoEntry: false })
    return stat?.isDirectory() === true
  })
  let resolvConf: string | null = null
  try {
    const real = realpathSync('/etc/resolv.conf')
    if (real !== '/etc/resolv.conf' && isWithin('/run', real)) resolvConf = real
  } catch {
    resolvConf = null
  }
  return { privateDirs, resolvConf }
}

/**
 * The bwrap arguments (everything before the command) that build the sandbox `spec` describes, in
 * this order: namespaces and process options; the host root read-only; fresh `/proc` and `/dev`;
 * private tmpfs on the host's temporary and runtime directories; an empty tmpfs over every hidden
 * directory (an empty file over a hidden file; hidden paths that do not exist are skipped); the
 * workspace bound read-write; `readOnly` paths bound back read-only; every hiding tmpfs remounted
 * read-only; working directory, environment additions, and the status fd ({@link STATUS_FD}).
 * Throws `INVALID_ARGUMENT` when a path is relative or a hidden path lies inside the workspace.
 */
export function bwrapArguments(
  bwrap: Bubblewrap,
  spec: SandboxSpec,
  layout: HostLayout = readHostLayout(),
): string[] {
  for (const path of [spec.workspace, ...spec.hide, ...(spec.readOnly ?? [])]) {
    if (!isAbsolute(path)) throw new InvalidArgumentError(`Sandbox paths must be absolute: ${path}.`)
  }
  for (const hidden of spec.hide) {
    if (isWithin(spec.workspace, hidden)) {
      throw new InvalidArgumentError(
        `${hidden} is inside the workspace ${spec.workspace}, so the sandbox cannot hide it.`,
      )
    }
  }
  const hidden = outermost(spec.hide.filter((path) => existsSync(path)))
  const args = baseArgs(bwrap, spec.network)
  for (const dir of layout.privateDirs) args.push('--tmpfs', dir)
  if (layout.resolvConf) args.push('--ro-bind', layout.resolvConf, layout.resolvConf)
  const remount: string[] = []
  for (const path of hidden) {
    if (statSync(path).isDirectory()) {
      args.push('--tmpfs', path)
      remount.push(path)
    } else {
      args.push('--ro-bind', '/dev/null', path)
    }
  }
  args.push('--bind', spec.workspace, spec.workspace)
  for (const path of spec.readOnly ?? []) {
    if (existsSync(path)) args.push('--ro-bind', path, path)
  }
  for (const path of remount) args.push('--remount-ro', path)
  args.push('--chdir', spec.workspace, '--setenv', 'TMPDIR', '/tmp', '--json-status-fd', String(STATUS_FD))
  return args
}

/** The paths of `paths` that are not inside another of them, sorted (ancestors first). */
function outermost(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths)].sort(
    (a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1),
  )
  const kept: string[] = []
  for (const path of sorted) if (!kept.some((parent) => isWithin(parent, path))) kept.push(path)
  return kept
}

function versionAtLeast(version: string, minimum: readonly number[]): boolean {
  const parts = version.split('.').map((n) => Number.parseInt(n, 10) || 0)
  for (let i = 0; i < minimum.length; i++) {
    const have = parts[i] ?? 0
    const need = minimum[i] ?? 0
    if (have !== need) return have > need
  }
  return true
}

function capture(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin' } })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', (error) => resolve({ code: 127, stdout: '', stderr: error.message }))
    child.on('close', (code) =>
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    )
  })
}
