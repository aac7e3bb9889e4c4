import { randomUUID } from 'node:crypto';
import type { ConnectionProfile } from '../../shared/model/connection.ts';
import type { Db } from '../store/db.ts';
import type { PgTarget } from '../pg/connection-string.ts';

interface Row {
  id: string;
  name: string;
  kind: 'embedded' | 'postgres';
  host: string | null;
  port: number | null;
  database: string | null;
  user: string | null;
  params: string | null;
  read_only: number;
  secret_enc: Buffer | null;
  created_at: string;
}

export const EMBEDDED_PROFILE_ID = 'embedded';

const toProfile = (r: Row): ConnectionProfile => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  host: r.host,
  port: r.port,
  database: r.database,
  user: r.user,
  params: r.params,
  readOnly: r.read_only === 1,
  hasSavedPassword: r.secret_enc !== null,
  createdAt: r.created_at,
});

/** Saved connections. Holds encrypted password blobs only; decrypting is the caller's business. */
export function connectionsRepo(db: Db) {
  const byId = db.prepare<[string], Row>('select * from connections where id = ?');
  return {
    list(): ConnectionProfile[] {
      return (db.prepare('select * from connections order by kind = ? desc, name').all('embedded') as Row[]).map(toProfile);
    },
    get(id: string): ConnectionProfile | undefined {
      const row = byId.get(id);
      return row && toProfile(row);
    },
    secret(id: string): Buffer | null {
      return byId.get(id)?.secret_enc ?? null;
    },
    ensureEmbedded(): ConnectionProfile {
      db.prepare(
        `insert into connections (id, name, kind) values (?, 'Embedded (local demo)', 'embedded') on conflict (id) do nothing`,
      ).run(EMBEDDED_PROFILE_ID);
      return toProfile(byId.get(EMBEDDED_PROFILE_ID)!);
    },
    save(input: {
      id?: string;
      name: string;
      target: Omit<PgTarget, 'password'>;
      readOnly: boolean;
      /** undefined keeps the stored secret, null clears it. */
      secret: Buffer | null | undefined;
    }): ConnectionProfile {
      const id = input.id ?? randomUUID();
      const t = input.target;
      db.prepare(
        `insert into connections (id, name, kind, host, port, database, user, params, read_only, secret_enc)
         values (@id, @name, 'postgres', @host, @port, @database, @user, @params, @readOnly, @secret)
         on conflict (id) do update set name = @name, host = @host, port = @port, database = @database,
           user = @user, params = @params, read_only = @readOnly,
           secret_enc = case when @keepSecret then secret_enc else @secret end`,
      ).run({
        id,
        name: input.name,
        host: t.host,
        port: t.port,
        database: t.database,
        user: t.user,
        params: t.params ?? null,
        readOnly: input.readOnly ? 1 : 0,
        secret: input.secret ?? null,
        keepSecret: input.secret === undefined ? 1 : 0,
      });
      return toProfile(byId.get(id)!);
    },
    remove(id: string): boolean {
      return db.prepare('delete from connections where id = ?').run(id).changes > 0;
    },
  };
}
export type ConnectionsRepo = ReturnType<typeof connectionsRepo>;
