-- An outbox row that can never be published (the broker refuses it, or it is not a message the relay knows) is
-- parked: kept with its last error, skipped by the relay, counted in a metric. Rows behind it go on being published.
-- An operator publishes a parked row again with: update outbox set parked_at = null, attempts = 0 where id = ...

alter table outbox add column parked_at timestamptz;

create index outbox_pending on outbox (id) where published_at is null and parked_at is null;
drop index outbox_unpublished;
create index outbox_parked on outbox (id) where parked_at is not null;
