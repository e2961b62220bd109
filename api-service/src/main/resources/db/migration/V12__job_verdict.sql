-- The fidelity report's verdict (lossless / close / degraded / broken, the bands of FidelityVerdict) as a column of the
-- job, so that jobs can be listed and filtered by it without reading the report JSON. Written with the report when a
-- job succeeds; null for jobs without a report.

alter table jobs add column verdict varchar(16);

-- reports written before this migration carry no verdict in their JSON unless a newer engine wrote them
update jobs set verdict = report ->> 'verdict' where report is not null and report ? 'verdict';
