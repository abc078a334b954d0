/**
 * Who may do what (docs/github-app.md#commands-and-buttons). Roles come from
 * `GET /repos/{owner}/{repo}/collaborators/{username}/permission`, reading the `user.permissions`
 * booleans (admin > maintain > push > triage > pull) and falling back to `role_name` — never the
 * legacy `permission` field, which maps maintain → write and triage → read
 * (docs/platform-facts.md#comments-reactions-and-permissions). Any error, and an App actor ("is not a user", 404),
 * counts as no access. Bots are refused before any request is made.
 */
import picomatch from 'picomatch'
import { inlineCode, mention } from '../src/github/index.ts'
import type { GittrixConfig } from './config.ts'
import type { RepoContext } from './repo-context.ts'

/** A repository role, lowest first in {@link ROLE_ORDER}. */
export type RepoRole = 'none' | 'read' | 'triage' | 'write' | 'maintain' | 'admin'

/** Roles from lowest to highest. */
export const ROLE_ORDER: readonly RepoRole[] = ['none', 'read', 'triage', 'write', 'maintain', 'admin']

/** The person (or bot) behind a comment or a button click. */
export interface Actor {
  login: string
  /** `User`, `Bot`, `Organization`… from the payload's `sender` / `comment.user`. */
  type: string
}

/** The outcome of an authorization check. `reason` is a markdown sentence for the reply. */
export type Authorization = { ok: true; role: RepoRole } | { ok: false; role: RepoRole; reason: string }

/** True when `role` is `min` or higher. */
export function roleAtLeast(role: RepoRole, min: RepoRole): boolean {
  return ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(min)
}

/** The actor's role on the repository (see the module comment for the sources). Never throws. */
export async function repositoryRole(repo: RepoContext, login: string): Promise<RepoRole> {
  try {
    const { data } = await repo.octokit.rest.repos.getCollaboratorPermissionLevel({
      owner: repo.owner,
      repo: repo.repo,
      username: login,
    })
    const p = data.user?.permissions
    if (p) {
      if (p.admin) return 'admin'
      if (p.maintain) return 'maintain'
      if (p.push) return 'write'
      if (p.triage) return 'triage'
      if (p.pull) return 'read'
      return 'none'
    }
    const name = data.role_name as RepoRole
    return ROLE_ORDER.includes(name) ? name : 'none'
  } catch {
    return 'none'
  }
}

/** The selected paths that match the configuration's `adminPaths` globs (dotfiles included). */
export function adminOnlyPaths(paths: readonly string[], config: GittrixConfig): string[] {
  if (config.adminPaths.length === 0) return []
  const match = picomatch(config.adminPaths, { dot: true })
  return paths.filter((path) => match(path))
}

/**
 * May `actor` run a command that writes (promote, discard, extend)? Bots never; humans need
 * `config.promote.minimumRole` (at least write) and, when `config.promote.users` is set, to be listed.
 * `paths` (the selection of a promotion) that match `adminPaths` need admin.
 */
export async function authorizeWrite(
  repo: RepoContext,
  actor: Actor,
  config: GittrixConfig,
  paths: readonly string[] = [],
): Promise<Authorization> {
  const who = mention(actor.login)
  if (actor.type !== 'User') {
    return {
      ok: false,
      role: 'none',
      reason: `${who} is not a person; Gittrix takes commands only from people.`,
    }
  }
  const role = await repositoryRole(repo, actor.login)
  const minimum: RepoRole = config.promote.minimumRole
  if (!roleAtLeast(role, minimum)) {
    return {
      ok: false,
      role,
      reason:
        `${who}, promote, discard and extend need ${minimum === 'write' ? 'write, maintain or admin' : minimum === 'maintain' ? 'maintain or admin' : 'admin'} ` +
        `access to this repository; your role is ${role}. Nothing was changed.`,
    }
  }
  const allowed = config.promote.users.map((u) => u.toLowerCase())
  if (allowed.length > 0 && !allowed.includes(actor.login.toLowerCase())) {
    return {
      ok: false,
      role,
      reason: `${who}, this repository's \`.github/gittrix.yml\` lets only ${config.promote.users.map((u) => inlineCode(u)).join(', ')} promote, discard or extend sessions. Nothing was changed.`,
    }
  }
  const guarded = adminOnlyPaths(paths, config)
  if (guarded.length > 0 && role !== 'admin') {
    return {
      ok: false,
      role,
      reason:
        `${who}, these paths need admin access to promote (\`adminPaths\` in \`.github/gittrix.yml\`): ` +
        `${guarded.map((p) => inlineCode(p)).join(', ')}. Nothing was changed.`,
    }
  }
  return { ok: true, role }
}
