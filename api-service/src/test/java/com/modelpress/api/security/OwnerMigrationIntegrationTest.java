package com.modelpress.api.security;

import com.modelpress.api.support.ApiIntegrationTest;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataIntegrityViolationException;

import javax.sql.DataSource;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** V2 on a database that already holds jobs: they belong to 'legacy', and idempotency keys become per owner. */
class OwnerMigrationIntegrationTest extends ApiIntegrationTest {

    private static final String SCHEMA = "api_it_migration";

    @Autowired
    DataSource dataSource;

    @Test
    void jobsFromBeforeKeysBelongToLegacyAndIdempotencyKeysBecomePerOwner() {
        jdbc.sql("drop schema if exists " + SCHEMA + " cascade").update();
        flyway("1").migrate();
        UUID old = UUID.randomUUID();
        insertJob(old, null, "pipeline-1");

        flyway(null).migrate();

        assertThat(jdbc.sql("select owner from " + SCHEMA + ".jobs where id = :id").param("id", old)
                .query(String.class).single()).isEqualTo("legacy");
        insertJob(UUID.randomUUID(), "alice", "pipeline-1");
        assertThatThrownBy(() -> insertJob(UUID.randomUUID(), "alice", "pipeline-1"))
                .isInstanceOf(DataIntegrityViolationException.class);
        assertThatThrownBy(() -> insertJob(UUID.randomUUID(), null, null))
                .isInstanceOf(DataIntegrityViolationException.class);
        jdbc.sql("drop schema " + SCHEMA + " cascade").update();
    }

    private Flyway flyway(String target) {
        var configuration = Flyway.configure().dataSource(dataSource).schemas(SCHEMA).locations("classpath:db/migration");
        if (target != null) {
            configuration.target(target);
        }
        return configuration.load();
    }

    /** @param owner null: leave the column out (as V1 knew no owner) */
    private void insertJob(UUID id, String owner, String idempotencyKey) {
        java.util.Map<String, Object> parameters = new java.util.HashMap<>();
        parameters.put("id", id);
        parameters.put("key", idempotencyKey);
        parameters.put("hash", "0".repeat(64));
        if (owner != null) {
            parameters.put("owner", owner);
        }
        jdbc.sql("""
                insert into %s.jobs (id, status, method, request, idempotency_key, request_hash, input_key, input_name,
                                     input_sha256, input_size, version, queued_at, created_at, updated_at%s)
                values (:id, 'QUEUED', 'int8', '{}'::jsonb, :key, :hash, 'k', 'm.onnx', :hash, 1, 0, now(), now(), now()%s)
                """.formatted(SCHEMA, owner == null ? "" : ", owner", owner == null ? "" : ", :owner"))
                .params(parameters).update();
    }
}
