-- The record of every job. The worker never touches these tables; the API applies its events.

create table jobs (
    id                  uuid primary key,
    status              varchar(16)  not null,
    method              varchar(32)  not null,
    request             jsonb        not null,
    metadata            jsonb        not null default '{}'::jsonb,
    idempotency_key     varchar(255),
    request_hash        char(64)     not null,
    input_key           varchar(1024) not null,
    input_name          varchar(255) not null,
    input_sha256        char(64)     not null,
    input_size          bigint       not null,
    attempt             integer      not null default 0,
    error_code          varchar(64),
    error_message       text,
    report              jsonb,
    version             bigint       not null,
    queued_at           timestamptz  not null,
    started_at          timestamptz,
    evaluating_at       timestamptz,
    finished_at         timestamptz,
    cancel_requested_at timestamptz,
    created_at          timestamptz  not null,
    updated_at          timestamptz  not null,
    constraint jobs_idempotency_key_unique unique (idempotency_key),
    constraint jobs_status_known check (status in
        ('QUEUED', 'RUNNING', 'EVALUATING', 'SUCCEEDED', 'FAILED', 'CANCELLING', 'CANCELLED'))
);

-- cursor pagination: (created_at, id) with or without a status filter
create index jobs_created_id on jobs (created_at, id);
create index jobs_status_created_id on jobs (status, created_at, id);

-- every event a worker reported, at most once per (job, attempt, sequence)
create table job_events (
    job_id      uuid        not null references jobs (id) on delete cascade,
    attempt     integer     not null,
    sequence    bigint      not null,
    type        varchar(32) not null,
    payload     jsonb       not null,
    at          timestamptz not null,
    -- arrival order, for streaming new events to SSE clients
    received_id bigint generated always as identity,
    primary key (job_id, attempt, sequence)
);

create index job_events_job_received on job_events (job_id, received_id);

create table artifacts (
    job_id       uuid          not null references jobs (id) on delete cascade,
    name         varchar(255)  not null,
    key          varchar(1024) not null,
    size         bigint        not null,
    sha256       char(64)      not null,
    content_type varchar(255)  not null,
    attempt      integer       not null,
    primary key (job_id, name)
);

-- messages waiting to be published to RabbitMQ; written in the same transaction as the change they announce
create table outbox (
    id           bigint generated always as identity primary key,
    kind         varchar(16) not null,
    payload      jsonb       not null,
    created_at   timestamptz not null,
    published_at timestamptz,
    attempts     integer     not null default 0,
    last_error   text
);

create index outbox_unpublished on outbox (id) where published_at is null;
