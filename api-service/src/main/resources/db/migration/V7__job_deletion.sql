-- Retention: DELETE /api/v1/jobs/{id} and the TTL sweeper first mark a finished job deleted (it is gone for the API at
-- once), then delete its objects from artifact storage, then the row (its events and artifact rows go with it). A row
-- left marked because storage failed is finished by the sweeper's next pass.

alter table jobs add column deleted_at timestamptz;

create index jobs_deleted on jobs (deleted_at) where deleted_at is not null;
create index jobs_finished_live on jobs (finished_at) where deleted_at is null and finished_at is not null;
