-- API keys and job owners. A key is stored as the SHA-256 of the whole key, never the key itself.

create table api_keys (
    id          varchar(16)  primary key,   -- the public part of mp_<id>_<secret>
    owner       varchar(64)  not null,
    scope       varchar(16)  not null,
    name        varchar(255),
    key_sha256  char(64)     not null,
    created_by  varchar(64)  not null,
    created_at  timestamptz  not null,
    revoked_at  timestamptz,
    constraint api_keys_scope_known check (scope in ('USER', 'ADMIN')),
    constraint api_keys_sha256_unique unique (key_sha256)
);

create index api_keys_owner_created on api_keys (owner, created_at, id);
create index api_keys_created on api_keys (created_at, id);

-- Every job belongs to the owner of the key that submitted it. Jobs from before keys existed belong to 'legacy':
-- admins see them; a key created for owner 'legacy' would too.
alter table jobs add column owner varchar(64);
update jobs set owner = 'legacy';
alter table jobs alter column owner set not null;

-- idempotency keys are per owner: two owners may use the same key for different jobs
alter table jobs drop constraint jobs_idempotency_key_unique;
alter table jobs add constraint jobs_owner_idempotency_key_unique unique (owner, idempotency_key);

-- an owner's pages (with or without a status filter) and the count of its active jobs
create index jobs_owner_created_id on jobs (owner, created_at, id);
create index jobs_owner_status_created_id on jobs (owner, status, created_at, id);
