-- The API publishes every attempt's job message from the job row (V6), so the row keeps the text parts a submit
-- brought too (calibration and evaluation text, tokenizer: key, name and SHA-256 each, as JSON). Jobs from before take
-- them from the job message their submit queued.

alter table jobs add column text_inputs jsonb;

update jobs set text_inputs = jsonb_strip_nulls(jsonb_build_object(
        'calibrationText', o.payload->'calibrationText',
        'evaluationText', o.payload->'evaluationText',
        'tokenizer', o.payload->'tokenizer'))
from outbox o
where o.kind = 'JOB' and o.payload->>'jobId' = jobs.id::text
  and 'object' in (jsonb_typeof(o.payload->'calibrationText'), jsonb_typeof(o.payload->'evaluationText'),
                   jsonb_typeof(o.payload->'tokenizer'))
  and jobs.text_inputs is null;
