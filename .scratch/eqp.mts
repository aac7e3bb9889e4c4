import Database from 'better-sqlite3';
const db = new Database('/tmp/syncx/s.sqlite');
const show = (sql: string) => console.log(sql.slice(0, 60).replace(/\s+/g, ' '), '\n ', db.prepare('explain query plan ' + sql).all().map((r: any) => r.detail).join(' | '));
show(`select connection_id, at / 900000, task, error_type, count(*) from failure_attempts not indexed where id > (select upto from failure_quarters_mark) group by 1, 2, 3, 4`);
show(`select connection_id, at / 900000, task, error_type, count(*) from failure_attempts where id > 5 group by 1, 2, 3, 4`);
show(`select 1 from failure_attempts where connection_id = 'b' and job_id = 5 and attempt = 1 and source <> 'watch' and abs(at - 5) < 10000`);
console.log(db.prepare(`select name, sql from sqlite_master where tbl_name = 'failure_attempts' and type in ('index','trigger')`).all());
