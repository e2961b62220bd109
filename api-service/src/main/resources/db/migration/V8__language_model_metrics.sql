-- The fidelity report's language-model numbers as columns of the job, so that jobs can be listed, filtered and
-- compared by them without reading the report JSON. Written with the report when a job succeeds; null for jobs without
-- a report, and the LM columns null for models that are not decoder LMs (model_kind says what the engine recognised).
-- Prefill numbers unless the name says decode. See FidelityReport.LanguageModelFidelity for their meaning.

alter table jobs add column model_kind               varchar(32);
alter table jobs add column lm_perplexity_original   double precision;
alter table jobs add column lm_perplexity_compressed double precision;
alter table jobs add column lm_ln_perplexity_ratio   double precision;
alter table jobs add column lm_kl_mean               double precision;
alter table jobs add column lm_kl_p99                double precision;
alter table jobs add column lm_decode_kl_mean        double precision;
alter table jobs add column lm_same_top1             double precision;
alter table jobs add column lm_band                  varchar(32);

-- reports written before this migration: the same numbers from their JSON
update jobs set
    model_kind               = report #>> '{model,kind}',
    lm_perplexity_original   = (report #>> '{languageModel,prefill,perplexityOriginal}')::double precision,
    lm_perplexity_compressed = (report #>> '{languageModel,prefill,perplexityCompressed}')::double precision,
    lm_ln_perplexity_ratio   = (report #>> '{languageModel,prefill,lnPerplexityRatio}')::double precision,
    lm_kl_mean               = (report #>> '{languageModel,prefill,klMean}')::double precision,
    lm_kl_p99                = (report #>> '{languageModel,prefill,klP99}')::double precision,
    lm_decode_kl_mean        = (report #>> '{languageModel,decode,klMean}')::double precision,
    lm_same_top1             = (report #>> '{languageModel,prefill,sameTop1}')::double precision,
    lm_band                  = report #>> '{languageModel,prefill,band}'
where report is not null;

-- list filters: ?modelKind= and ?maxKlMean= with or without an owner
create index jobs_model_kind_created_id on jobs (model_kind, created_at, id) where model_kind is not null;
