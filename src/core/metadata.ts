/**
 * SessionMetadata v1 (docs/architecture.md#session-metadata), validated with zod on every read.
 */
import { z } from 'zod'
import type {
  EvictionPolicy,
  PromoteResult,
  PromoteStrategy,
  PromotionRecord,
  SessionState,
} from './types.ts'

/**
 * SessionMetadata v1, exactly as the first Gittrix defined it: the on-disk record of one session
 * (`<storeDir>/<id>/metadata.json`). Times are ISO 8601 strings.
 */
export interface SessionMetadata {
  metadataVersion: 1
  id: string
  task: string
  /** `local:///abs/path#branch`, `github://owner/repo#branch`, ... */
  durableRef: string
  durablePath?: string
  durableBranch?: string
  ephemeralRef: string
  ephemeralPath?: string
  /** The durable commit the session started from. */
  baselineSha: string
  workspaceKind?: 'worktree' | 'clone' | 'copy' | 'remote'
  isGitBacked?: boolean
  state: SessionState
  createdAt: string
  updatedAt: string
  lastAccessAt: string
  evictionPolicy: EvictionPolicy
  /**
   * Paths with changes not promoted yet, as of the last snapshot: where the workspace differs from the
   * baseline with this session's {@link promotions} applied (before any promotion: every path that
   * differs from the baseline; after the last one: none).
   */
  touchedFiles: string[]
  /** The newest promotion (the original v1 single result; {@link promotions} lists every one). */
  promote: {
    strategy: PromoteStrategy
    result: PromoteResult | null
  }
  /**
   * Every promotion of this session, oldest first (absent in records written before partial
   * promotion: their one promotion is `promote.result`, its files unknown).
   */
  promotions?: PromotionRecord[]
}

/** The only metadata version this Gittrix reads and writes. */
export const METADATA_VERSION = 1

const isoDate = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'expected an ISO date')
const duration = z.number().int().nonnegative().nullable()

const fileMode = z.enum(['100644', '100755', '120000', '160000']).nullable()
const objectId = z
  .string()
  .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/)
  .nullable()

const promotionRecordSchema = z
  .object({
    sha: z.string(),
    branch: z.string(),
    prUrl: z.string().optional(),
    strategy: z.enum(['commit', 'branch', 'pr']),
    files: z.array(z.string()),
    at: isoDate,
    changes: z.array(
      z
        .object({
          path: z.string(),
          status: z.enum(['added', 'modified', 'deleted']),
          oldMode: fileMode,
          newMode: fileMode,
          oldOid: objectId,
          newOid: objectId,
        })
        .strict(),
    ),
  })
  .strict()

/** zod schema of {@link SessionMetadata} v1. Unknown keys are rejected so typos do not pass silently. */
export const sessionMetadataSchema = z
  .object({
    metadataVersion: z.literal(1),
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    task: z.string(),
    durableRef: z.string().min(1),
    durablePath: z.string().optional(),
    durableBranch: z.string().optional(),
    ephemeralRef: z.string().min(1),
    ephemeralPath: z.string().optional(),
    baselineSha: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/),
    workspaceKind: z.enum(['worktree', 'clone', 'copy', 'remote']).optional(),
    isGitBacked: z.boolean().optional(),
    state: z.enum(['active', 'promoted', 'discarded', 'expired']),
    createdAt: isoDate,
    updatedAt: isoDate,
    lastAccessAt: isoDate,
    evictionPolicy: z.object({
      ttlIdleMs: duration,
      ttlAbsoluteMs: duration,
      untilPromote: z.boolean(),
      manual: z.boolean(),
    }),
    touchedFiles: z.array(z.string()),
    promote: z.object({
      strategy: z.enum(['auto', 'commit', 'branch', 'pr', 'patch']),
      result: z
        .object({ sha: z.string(), branch: z.string(), prUrl: z.string().optional() })
        .strict()
        .nullable(),
    }),
    promotions: z.array(promotionRecordSchema).optional(),
  })
  .strict()

// Keep the hand-written interface and the schema in lock step: each must be assignable to the other.
type Inferred = z.infer<typeof sessionMetadataSchema>
const _schemaMatchesType: [Inferred] extends [SessionMetadata]
  ? [SessionMetadata] extends [Inferred]
    ? true
    : never
  : never = true
void _schemaMatchesType
