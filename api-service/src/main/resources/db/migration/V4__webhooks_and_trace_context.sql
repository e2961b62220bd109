-- Webhooks: an owner's subscriptions, the owner's signing secret for per-job webhooks, and the deliveries. A delivery
-- is written in the same transaction as the job change that causes it; the dispatcher sends it from this table.
-- Secrets are kept as issued (whsec_...): signing needs them, so they cannot be hashed like API keys.

create table webhook_subscriptions (
    id                         uuid          primary key,
    owner                      varchar(64)   not null,
    url                        varchar(2048) not null,
    -- event types, comma-separated: job.succeeded,job.failed,job.cancelled,job.progress
    events                     varchar(255)  not null,
    description                varchar(255),
    secret                     varchar(128)  not null,
    -- the secret before the last rotation; signs too until previous_secret_expires_at
    previous_secret            varchar(128),
    previous_secret_expires_at timestamptz,
    created_at                 timestamptz   not null,
    secret_rotated_at          timestamptz,
    -- set when the receiver answered 410 Gone: nothing more is sent
    disabled_at                timestamptz,
    disabled_reason            text,
    version                    bigint        not null
);

create index webhook_subscriptions_owner on webhook_subscriptions (owner, created_at, id);

-- signs the webhooks jobs ask for in their request ("webhook": {"url": ...}); one per owner
create table webhook_signing_secrets (
    owner                      varchar(64)  primary key,
    secret                     varchar(128) not null,
    previous_secret            varchar(128),
    previous_secret_expires_at timestamptz,
    created_at                 timestamptz  not null,
    rotated_at                 timestamptz,
    version                    bigint       not null
);

create table webhook_deliveries (
    -- webhook-id is msg_<id in hex>; the same for every attempt, so receivers dedupe on it
    id              uuid          primary key,
    job_id          uuid          not null references jobs (id) on delete cascade,
    owner           varchar(64)   not null,
    -- null: the job's own webhook (signed with the owner's signing secret), or a subscription deleted since
    subscription_id uuid          references webhook_subscriptions (id) on delete set null,
    url             varchar(2048) not null,
    event_type      varchar(32)   not null,
    -- the exact body sent on every attempt
    payload         text          not null,
    -- the trace context of the change that caused the delivery (W3C traceparent, ...), null when tracing is off
    trace_context   jsonb,
    status          varchar(16)   not null,
    attempts        integer       not null default 0,
    next_attempt_at timestamptz,
    created_at      timestamptz   not null,
    finished_at     timestamptz,
    last_error      text,
    constraint webhook_deliveries_status_known check (status in ('PENDING', 'DELIVERED', 'FAILED'))
);

create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'PENDING';
create index webhook_deliveries_job on webhook_deliveries (job_id, created_at, id);

-- one row per attempt: the delivery log
create table webhook_attempts (
    delivery_id uuid        not null references webhook_deliveries (id) on delete cascade,
    attempt     integer     not null,
    started_at  timestamptz not null,
    -- null: no HTTP response (refused address, connect failure, timeout)
    status_code integer,
    latency_ms  bigint      not null,
    error       text,
    primary key (delivery_id, attempt)
);

-- the trace context of the transaction that wrote an outbox row, so that the relay (another thread, later) continues
-- the trace; null when tracing is off
alter table outbox add column trace_context jsonb;
