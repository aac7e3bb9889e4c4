import type { Migration } from './index.ts';

/**
 * LLM usage: each reported attempt keeps its usage and raw model output (job_attempts' new columns), and the
 * usage domain keeps rollups per hour and per day, by task, model, outcome and error type (usage_hours, usage_days),
 * and latency buckets per model (usage_latency_hours, usage_latency_days), written once per batch of attempts: 30 days of a million attempts are a
 * few thousand rollup rows. The price table is the operator's (usage_prices); costs are priced when read.
 */
export const usage: Migration = {
  id: 9,
  name: 'usage',
  sql: `
    alter table job_attempts add column model text;
    alter table job_attempts add column provider text;
    alter table job_attempts add column input_tokens integer;
    alter table job_attempts add column output_tokens integer;
    alter table job_attempts add column cached_input_tokens integer;
    alter table job_attempts add column reasoning_tokens integer;
    alter table job_attempts add column cost_usd real;            -- as the task gave it; null: priced when read
    alter table job_attempts add column ttft_ms real;
    alter table job_attempts add column raw_output text;          -- bounded by the companion (64 KiB)

    create table usage_hours (
      connection_id text not null,
      slot integer not null,                 -- unix ms / 3600000 of the attempt's end
      task text not null,
      model text not null,                   -- '' when the attempt named none
      outcome text not null check (outcome in ('success', 'failure', 'cancelled')),
      error_type text not null,              -- the failure's type when recorded; '' otherwise
      attempts integer not null,
      input_tokens integer not null,
      output_tokens integer not null,
      cached_input_tokens integer not null,
      reasoning_tokens integer not null,
      task_cost_usd real not null,           -- costs the tasks gave
      task_costed integer not null,          -- attempts that gave one
      -- tokens of the attempts that gave no cost: priced from the table when read
      open_input_tokens integer not null,
      open_cached_input_tokens integer not null,
      open_output_tokens integer not null,
      primary key (connection_id, slot, task, model, outcome, error_type)
    ) without rowid;
    -- The same per UTC day (slot = unix ms / 86400000): the 7 and 30 day windows read a few thousand rows at most.
    create table usage_days (
      connection_id text not null,
      slot integer not null,
      task text not null,
      model text not null,
      outcome text not null check (outcome in ('success', 'failure', 'cancelled')),
      error_type text not null,
      attempts integer not null,
      input_tokens integer not null,
      output_tokens integer not null,
      cached_input_tokens integer not null,
      reasoning_tokens integer not null,
      task_cost_usd real not null,
      task_costed integer not null,
      open_input_tokens integer not null,
      open_cached_input_tokens integer not null,
      open_output_tokens integer not null,
      primary key (connection_id, slot, task, model, outcome, error_type)
    ) without rowid;

    -- Latency buckets per model, per hour and per day (JSON arrays of counts over LATENCY_BOUNDS_MS).
    create table usage_latency_hours (
      connection_id text not null,
      slot integer not null,
      model text not null,
      duration_buckets text not null,
      ttft_buckets text not null,
      ttft_sum_ms real not null,
      ttft_count integer not null,
      primary key (connection_id, slot, model)
    ) without rowid;
    create table usage_latency_days (
      connection_id text not null,
      slot integer not null,
      model text not null,
      duration_buckets text not null,
      ttft_buckets text not null,
      ttft_sum_ms real not null,
      ttft_count integer not null,
      primary key (connection_id, slot, model)
    ) without rowid;

    create table usage_prices (
      model text not null,
      valid_from text not null,              -- YYYY-MM-DD (UTC)
      input_per_million real not null,
      cached_input_per_million real,
      output_per_million real not null,
      is_default integer not null default 0,
      primary key (model, valid_from)
    ) without rowid;
  `,
};
