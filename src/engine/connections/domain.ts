import pg from 'pg';
import { OpError } from '../../shared/contract/index.ts';
import type { Domain } from '../domain.ts';
import { parseTarget, toConnectionString } from '../pg/connection-string.ts';
import { inspectSchema, readOnlyReason, readProblem, serverVersion } from '../pg/inspect.ts';
import { pgOpError } from '../pg/pg-errors.ts';
import { EMBEDDED_PROFILE_ID, type ConnectionsRepo } from './repo.ts';
import type { SecretStore } from '../secrets.ts';
import type { EngineStatus } from '../../shared/model/status.ts';
import type { Connector } from './connector.ts';

type Ops = 'connections.list' | 'connections.test' | 'connections.save' | 'connections.remove' | 'connections.activate' | 'schema.install';

export interface ConnectionsContext {
  mode: 'electron' | 'web';
  secrets?: SecretStore;
  repo: ConnectionsRepo;
  connector: Connector;
  /** The whole console's status, answered after a switch. */
  status(): EngineStatus;
}

/** Saved connections, testing one, switching to one, installing graphile-worker's schema. */
export function createConnections(ctx: ConnectionsContext): Domain<Ops> {
  const { repo, connector } = ctx;
  return {
    name: 'connections',
    handlers: {
      'connections.list': () => repo.list(),

      /** One short-lived client: nothing is saved, nothing is changed in the database. */
      'connections.test': async ({ target }) => {
        const t = parseTarget(target);
        const client = new pg.Client({ connectionString: toConnectionString(t, t.password), connectionTimeoutMillis: 5000 });
        client.on('error', () => {});
        try {
          await client.connect();
          const schema = await inspectSchema(client);
          const problem = schema.installed ? await readProblem(client) : null;
          if (problem) throw new OpError('database_error', problem);
          return {
            serverVersion: await serverVersion(client),
            schema,
            readOnlyReason: schema.installed ? await readOnlyReason(client) : null,
          };
        } catch (error) {
          throw pgOpError(error, t);
        } finally {
          await client.end().catch(() => {});
        }
      },

      'connections.save': ({ id, name, target, readOnly, savePassword }) => {
        if (id === EMBEDDED_PROFILE_ID) throw new OpError('invalid_input', 'The embedded connection cannot be edited');
        if (id && !repo.get(id)) throw new OpError('not_found', `No saved connection with id ${id}`);
        const { password, ...rest } = parseTarget(target);
        let secret: Buffer | null | undefined;
        if (password && savePassword) {
          const secrets = ctx.secrets;
          if (!secrets?.available()) {
            // Web mode, or a desktop without a keychain: refuse rather than store the password in clear.
            // Web mode can never store it: the request's to change (400). A desktop without a keychain may get one (503).
            throw new OpError(
              ctx.mode === 'web' ? 'invalid_input' : 'unavailable',
              ctx.mode === 'web'
                ? 'Web mode never writes passwords to disk: untick "save password" (it is then kept in memory until the server stops), or pass --database-url / JOBDECK_DATABASE_URL'
                : 'The system keychain is not available, so the password cannot be stored encrypted: untick "save password" to keep it for this session only',
            );
          }
          secret = secrets.encrypt(password);
        } else if (password === undefined) {
          secret = undefined;
        } else {
          secret = null;
        }
        const profile = repo.save({ id, name, target: rest, readOnly, secret });
        if (password && !savePassword) connector.rememberPassword(profile.id, password);
        return profile;
      },

      'connections.remove': ({ id }) => {
        if (id === EMBEDDED_PROFILE_ID) throw new OpError('invalid_input', 'The embedded connection cannot be removed');
        if (connector.current()?.profile.id === id) throw new OpError('conflict', 'Switch to another connection before removing this one');
        // Like every other removal by id: an id that names nothing is a 404, not a quiet success.
        if (!repo.remove(id)) throw new OpError('not_found', `No saved connection has the id "${id}" (connections.list names them)`);
        return { removed: true };
      },

      'connections.activate': async ({ id, password }) => {
        await connector.activate(id, password);
        return ctx.status();
      },

      'schema.install': async () => {
        await connector.installSchema();
        return connector.current()!.status.schema!;
      },
    },
  };
}
