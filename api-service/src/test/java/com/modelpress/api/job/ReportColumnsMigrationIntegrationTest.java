package com.modelpress.api.job;

import com.modelpress.api.support.ApiIntegrationTest;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import javax.sql.DataSource;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V8 on a database that already holds succeeded jobs: the language-model columns are filled from each report's JSON,
 * a report without a {@code languageModel} section leaves them null, a job without a report leaves every one null.
 * V12 likewise fills {@code verdict} from reports that carry one.
 */
class ReportColumnsMigrationIntegrationTest extends ApiIntegrationTest {

    private static final String SCHEMA = "api_it_report_columns";

    @Autowired
    DataSource dataSource;

    @Test
    void reportsWrittenBeforeTheColumnsFillThem() {
        jdbc.sql("drop schema if exists " + SCHEMA + " cascade").update();
        flyway("3").migrate();
        UUID decoder = UUID.randomUUID();
        UUID encoder = UUID.randomUUID();
        UUID queued = UUID.randomUUID();
        insertJob(decoder, """
                {"method":"int4","model":{"kind":"decoder-lm","kvCache":[]},
                 "languageModel":{"prefill":{"perplexityOriginal":61.0,"perplexityCompressed":61.3,
                   "lnPerplexityRatio":0.0046,"klMean":0.0035,"klP99":0.017,"sameTop1":0.944,"band":"Q6_K"},
                   "decode":{"klMean":0.0036}}}""");
        insertJob(encoder, "{\"method\":\"int8\",\"model\":{\"kind\":\"encoder\"},\"verdict\":\"degraded\"}");
        insertJob(queued, null);

        flyway(null).migrate();

        assertThat(row(decoder)).containsExactly("decoder-lm", 61.0, 61.3, 0.0046, 0.0035, 0.017, 0.0036, 0.944, "Q6_K");
        assertThat(row(encoder)).containsExactly("encoder", null, null, null, null, null, null, null, null);
        assertThat(row(queued)).containsOnlyNulls();
        assertThat(verdicts(decoder, encoder, queued)).containsExactly("-", "degraded", "-");
        jdbc.sql("drop schema " + SCHEMA + " cascade").update();
    }

    private List<Object> row(UUID id) {
        return jdbc.sql("""
                        select model_kind, lm_perplexity_original, lm_perplexity_compressed, lm_ln_perplexity_ratio,
                               lm_kl_mean, lm_kl_p99, lm_decode_kl_mean, lm_same_top1, lm_band
                        from %s.jobs where id = :id""".formatted(SCHEMA)).param("id", id)
                .query((rs, n) -> {
                    List<Object> values = new java.util.ArrayList<>();
                    for (int c = 1; c <= 9; c++) {
                        values.add(rs.getObject(c));
                    }
                    return values;
                }).single();
    }

    private List<String> verdicts(UUID... ids) {
        List<String> verdicts = new java.util.ArrayList<>();
        for (UUID id : ids) {
            verdicts.add(jdbc.sql("select coalesce(verdict, '-') from %s.jobs where id = :id".formatted(SCHEMA))
                    .param("id", id).query(String.class).single());
        }
        return verdicts;
    }

    private Flyway flyway(String target) {
        var configuration = Flyway.configure().dataSource(dataSource).schemas(SCHEMA).locations("classpath:db/migration");
        if (target != null) {
            configuration.target(target);
        }
        return configuration.load();
    }

    /** @param report nullable: a job that has not succeeded */
    private void insertJob(UUID id, String report) {
        jdbc.sql("""
                insert into %s.jobs (id, status, method, request, request_hash, input_key, input_name, input_sha256,
                                     input_size, version, queued_at, created_at, updated_at, owner, report)
                values (:id, :status, 'int8', '{}'::jsonb, :hash, 'k', 'm.onnx', :hash, 1, 0, now(), now(), now(),
                        'legacy', cast(:report as jsonb))""".formatted(SCHEMA))
                .param("id", id).param("status", report == null ? "QUEUED" : "SUCCEEDED").param("hash", "0".repeat(64))
                .param("report", report, java.sql.Types.VARCHAR).update();
    }
}
