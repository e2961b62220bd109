-- The API publishes a job's next attempt itself (it counts attempts in jobs.attempt, on any broker), so the job row
-- keeps everything its job message needs: the calibration samples' key and SHA-256 join the model's. Jobs from before
-- take them from the job message their submit queued.

alter table jobs add column calibration_key varchar(1024);
alter table jobs add column calibration_sha256 char(64);

update jobs set calibration_key = o.payload->>'calibrationKey', calibration_sha256 = o.payload->>'calibrationSha256'
from outbox o
where o.kind = 'JOB' and o.payload->>'jobId' = jobs.id::text and o.payload->>'calibrationKey' is not null;
