import { z } from 'zod';
import { op } from './define.ts';
import { empty } from './app.ts';
import type { ConnectionProfile, ConnectionTestResult } from '../model/connection.ts';
import type { EngineStatus, SchemaInfo } from '../model/status.ts';

const urlTarget = z.object({
  url: z
    .string()
    .trim()
    .max(4096)
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://'),
});

/**
 * A host name (any letters), an IPv4 or IPv6 address (bare, or in brackets in the fields form), or a Unix socket
 * directory (/var/run/postgresql): anything else (a %, a space, a slash inside a name) cannot reach pg intact.
 */
export const HOST_PATTERN = /^(\/[^\s]*|[\p{L}\p{N}_.-]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)$/u;
export const HOST_MESSAGE = 'must be a host name, an IP address or a socket directory (/path)';

const fieldsTarget = z.object({
  host: z.string().trim().min(1).max(255).regex(HOST_PATTERN, HOST_MESSAGE),
  port: z.number().int().min(1).max(65535).default(5432),
  database: z.string().trim().min(1).max(63),
  user: z.string().trim().min(1).max(63),
  password: z.string().max(1024).optional(),
  /** Extra parameters as in a connection string's query, e.g. `sslmode=require`. */
  params: z.string().trim().max(1024).optional(),
});

/** Where to connect: a connection string, or its parts. */
export const connectionTarget = z.union([urlTarget, fieldsTarget]);
export type ConnectionTarget = z.infer<typeof connectionTarget>;

const profileId = z.string().min(1).max(64);

export const connectionOps = {
  'connections.list': op<ConnectionProfile[]>()({
    input: empty,
    access: 'read',
    summary: 'Saved connections (passwords never included)',
  }),
  'connections.test': op<ConnectionTestResult>()({
    input: z.object({ target: connectionTarget }).strict(),
    access: 'read',
    summary: 'Connect once and report server version, graphile-worker schema and privileges',
  }),
  'connections.save': op<ConnectionProfile>()({
    input: z
      .object({
        id: profileId.optional(),
        name: z.string().trim().min(1).max(80),
        target: connectionTarget,
        readOnly: z.boolean().default(false),
        /** Store the password encrypted (desktop only); web mode keeps it in memory for this session. */
        savePassword: z.boolean().default(true),
      })
      .strict(),
    access: 'local',
    audit: { verb: 'saved', what: 'a connection', view: 'connections', read: { op: 'connections.list' } },
    summary: 'Add or update a saved connection',
  }),
  'connections.remove': op<{ removed: boolean }>()({
    input: z.object({ id: profileId }).strict(),
    access: 'local',
    audit: { verb: 'removed', what: 'a saved connection', view: 'connections', read: { op: 'connections.list' } },
    summary: 'Forget a saved connection and its stored password',
  }),
  'connections.activate': op<EngineStatus>()({
    input: z.object({ id: profileId, password: z.string().max(1024).optional() }).strict(),
    access: 'local',
    audit: { verb: 'switched to', what: 'another connection', view: 'connections', read: { op: 'app.status', pick: 'connection' } },
    summary: 'Switch the console (monitor and runner) to a saved connection',
  }),
  'schema.install': op<SchemaInfo>()({
    input: z.object({ confirm: z.literal(true) }).strict(),
    access: 'write',
    summary: "Install graphile-worker's schema into the active database (graphile-worker's own migrate)",
  }),
};
