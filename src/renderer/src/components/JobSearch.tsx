import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { errorMessage } from '../api/client.ts';
import { useQueryClient } from '@tanstack/react-query';
import { useOp } from '../data/use-op.ts';
import { opKey } from '../data/op-key.ts';
import { href, navigate } from '../router.ts';
import { formatCount } from '../format.ts';
import { JOB_STATE_COLORS, JOB_STATE_LABELS } from '../../../shared/model/job-state.ts';
import type { JobMatch, JobSearch as JobSearchAnswer } from '../../../shared/model/job-search.ts';
import './job-search.css';

/** Typing settles this long before a search is sent. */
const SETTLE_MS = 250;
const MATCHED_BY: Record<JobMatch['matchedBy'], string> = { id: 'id', key: 'job key', payload: 'payload' };
const OUTCOMES: Record<NonNullable<JobMatch['outcome']>, string> = { succeeded: 'Completed', failed: 'Failed', cancelled: 'Cancelled' };

/**
 * The top bar's search (`/` focuses it, see the shortcuts): a job id, a job key or payload text, answered by
 * `jobs.find`; each result opens the job's page, whether it waits, runs, failed or has left the database.
 */
export function JobSearch() {
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  /** The text as typed now, for an answer that comes after an Enter. */
  const typed = useRef('');
  const queryClient = useQueryClient();
  const listId = useId();

  useEffect(() => {
    const t = setTimeout(() => setQuery(text.trim()), SETTLE_MS);
    return () => clearTimeout(t);
  }, [text]);
  const found = useOp('jobs.find', { query }, { enabled: query.length > 0 });
  const answer = query && found.data?.query === query ? found.data : null;
  const matches = answer?.matches ?? [];

  // Closes when the focus or a click goes elsewhere.
  useEffect(() => {
    const away = (e: Event) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', away);
    document.addEventListener('focusin', away);
    return () => {
      document.removeEventListener('pointerdown', away);
      document.removeEventListener('focusin', away);
    };
  }, []);

  const close = () => {
    setOpen(false);
    setText('');
    typed.current = '';
    setQuery('');
  };
  const openJob = (id: string) => {
    close();
    navigate(`jobs/${id}`);
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Escape') {
      setOpen(false);
      e.currentTarget.blur();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      if (matches.length) setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const pick = answer?.query === text.trim() ? matches[Math.min(active, matches.length - 1)] : undefined;
      if (pick) openJob(pick.id);
      else {
        const asked = text.trim();
        setQuery(asked);
        setOpen(true);
        // Enter before the answer came (typed, then Enter at once): the answer opens the job of that exact id, or
        // the only match, unless the text changed meanwhile; otherwise the list shows.
        if (asked)
          void queryClient
            .fetchQuery<JobSearchAnswer>({ queryKey: opKey('jobs.find', { query: asked }) })
            .then((a) => {
              const only =
                a.matches.find((m) => m.matchedBy === 'id' && m.id === asked) ?? (a.matches.length === 1 ? a.matches[0] : undefined);
              if (only && typed.current.trim() === asked) openJob(only.id);
            })
            .catch(() => {}); // the box shows the error from its own query
      }
    }
  };

  const showing = open && text.trim().length > 0;
  // A task or queue name typed here (the box is where operators type names too) leads to its jobs, not to "no job".
  const facets = useOp('jobs.facets', {}, { enabled: showing, staleTime: FACETS_FRESH_MS });
  const names = showing ? namesMatching(facets.data, text) : [];
  return (
    <div className="job-search" ref={box} data-testid="job-search-box">
      <input
        id="job-search"
        type="search"
        className="job-search-input"
        placeholder="Find a job (/)"
        aria-label="Find a job by id, job key or payload text"
        role="combobox"
        aria-expanded={showing}
        aria-controls={listId}
        autoComplete="off"
        spellCheck={false}
        maxLength={200}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          typed.current = e.target.value;
          setActive(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={onKey}
      />
      {showing && (
        <div className="job-search-results" id={listId} data-testid="job-search-results">
          {names.length > 0 && (
            <ul aria-label="Tasks and queues" data-testid="job-search-names">
              {names.map((n) => (
                <li key={`${n.kind}:${n.name}`}>
                  <a
                    className="job-hit"
                    href={href('jobs', { [n.kind]: n.name })}
                    onClick={close}
                    data-testid={`job-search-${n.kind}-${n.name}`}
                  >
                    <span className="job-hit-line">
                      <span>
                        Jobs of {n.kind} <span className="mono">{n.name}</span>
                      </span>
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          )}
          {found.error && query ? <div className="job-search-note form-error">{errorMessage(found.error)}</div> : null}
          {!answer && !found.error && <div className="job-search-note dim">Searching…</div>}
          {answer && matches.length === 0 && (
            <div className="job-search-note dim">No job has this id or key, nor this text in its payload.</div>
          )}
          {matches.length > 0 && (
            <ul role="listbox" aria-label="Jobs found">
              {matches.map((m, i) => (
                <li key={m.id} role="option" aria-selected={i === active}>
                  <a
                    href={href(`jobs/${m.id}`)}
                    className={i === active ? 'job-hit active' : 'job-hit'}
                    data-testid={`job-hit-${m.id}`}
                    onClick={(e) => {
                      e.preventDefault();
                      openJob(m.id);
                    }}
                  >
                    <span className="job-hit-line">
                      <span className="mono">#{m.id}</span>
                      <span className="job-hit-task">{m.task}</span>
                      <MatchState match={m} />
                    </span>
                    <span className="job-hit-why dim">
                      by {MATCHED_BY[m.matchedBy]}
                      {m.key && m.matchedBy !== 'key' ? ` · key ${m.key}` : ''}
                      {m.snippet ? <span className="mono job-hit-snippet"> · {m.snippet}</span> : null}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          )}
          {answer && <SearchLimits answer={answer} />}
        </div>
      )}
    </div>
  );
}

function MatchState({ match }: { match: JobMatch }) {
  if (match.state) {
    return (
      <span className="job-hit-state" style={{ ['--state-color' as string]: JOB_STATE_COLORS[match.state] }}>
        <span className="swatch" />
        {JOB_STATE_LABELS[match.state]}
      </span>
    );
  }
  return <span className="job-hit-state dim">{match.outcome ? `${OUTCOMES[match.outcome]} (history)` : 'Gone (history)'}</span>;
}

/** Task and queue names are few and change rarely: read again at most this often while the box is in use. */
const FACETS_FRESH_MS = 60_000;
/** At most this many names are offered above the jobs found. */
const MAX_NAMES = 3;

/** Task and queue names that contain the typed text (at least 2 characters), exact ones first. */
function namesMatching(
  facets: { tasks: string[]; queues: string[] } | undefined,
  typed: string,
): { kind: 'task' | 'queue'; name: string }[] {
  const q = typed.trim().toLowerCase();
  if (!facets || q.length < 2) return [];
  const all = [
    ...facets.tasks.map((name) => ({ kind: 'task' as const, name })),
    ...facets.queues.map((name) => ({ kind: 'queue' as const, name })),
  ].filter((n) => n.name.toLowerCase().includes(q));
  const exact = (n: { name: string }) => (n.name.toLowerCase() === q ? 0 : 1);
  return all.sort((a, b) => exact(a) - exact(b)).slice(0, MAX_NAMES);
}

/** What the search did not cover: more results than shown, payloads of older jobs. */
function SearchLimits({ answer }: { answer: JobSearchAnswer }) {
  if (!answer.more && !answer.payloadCapped) return null;
  return (
    <div className="job-search-note dim" data-testid="job-search-capped">
      {answer.more && <div>More jobs match than the {answer.matches.length} shown: type more of the id, key or text.</div>}
      {answer.payloadCapped && (
        <div>
          Payload text was searched in the newest {formatCount(answer.payloadScanned)} jobs only; ids and keys in every job. For older jobs,
          filter the <a href={href('jobs', { q: answer.query })}>Jobs list</a>.
        </div>
      )}
    </div>
  );
}
