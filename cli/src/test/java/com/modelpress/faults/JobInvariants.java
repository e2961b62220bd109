package com.modelpress.faults;

import com.modelpress.files.Sha256;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The pass condition of every fault scenario, checked from PostgreSQL, the artifact folder and the REST API once the
 * scenario is over:
 * <ol>
 *   <li>every accepted job is in exactly one terminal state, and the API reports the same one;</li>
 *   <li>no terminal event is recorded twice: at most one {@code succeeded}, {@code cancelled} or non-retryable
 *       {@code failed} event per job, and a {@code SUCCEEDED} job has exactly one, from the attempt the job records;</li>
 *   <li>only the winning attempt's artifacts are linked to the job: every row in {@code artifacts} belongs to the job's
 *       final attempt, the files of the succeeded event are exactly the rows, each file exists under its key with the
 *       recorded SHA-256, and the API serves the same list (the model is downloaded and hashed); jobs that did not
 *       succeed have no rows;</li>
 *   <li>the outbox drains: no unpublished row remains.</li>
 * </ol>
 */
final class JobInvariants {

    private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");

    private JobInvariants() {
    }

    static boolean isTerminal(String status) {
        return status != null && TERMINAL.contains(status);
    }

    /** What the jobs ended as, e.g. {@code {SUCCEEDED=5, FAILED/poison_message=1}}. */
    static Map<String, Integer> outcomes(FaultRig rig, List<UUID> ids) throws SQLException {
        Map<String, Integer> outcomes = new TreeMap<>();
        try (Connection db = rig.database();
             PreparedStatement query = db.prepareStatement("select status, error_code from jobs where id = ?")) {
            for (UUID id : ids) {
                query.setObject(1, id);
                try (ResultSet row = query.executeQuery()) {
                    String key = !row.next() ? "MISSING"
                            : row.getString(2) == null || "SUCCEEDED".equals(row.getString(1)) ? row.getString(1)
                            : row.getString(1) + "/" + row.getString(2);
                    outcomes.merge(key, 1, Integer::sum);
                }
            }
        }
        return outcomes;
    }

    /** @return every violation found, empty when the scenario passed */
    static List<String> check(FaultRig rig, List<UUID> ids) throws SQLException, IOException {
        List<String> violations = new ArrayList<>();
        try {
            Pause.until("the outbox drains", Duration.ofSeconds(30), () -> rig.unpublishedOutbox() == 0);
        } catch (AssertionError e) {
            violations.add("outbox: " + rig.unpublishedOutbox() + " rows never published");
        }
        try (Connection db = rig.database()) {
            for (UUID id : ids) {
                checkJob(rig, db, id, violations);
            }
        }
        return violations;
    }

    private static void checkJob(FaultRig rig, Connection db, UUID id, List<String> violations)
            throws SQLException, IOException {
        String status;
        int attempt;
        try (PreparedStatement query = db.prepareStatement("select status, attempt, finished_at from jobs where id = ?")) {
            query.setObject(1, id);
            try (ResultSet row = query.executeQuery()) {
                if (!row.next()) {
                    violations.add(id + ": accepted (202) but not in PostgreSQL");
                    return;
                }
                status = row.getString(1);
                attempt = row.getInt(2);
                if (!isTerminal(status) || row.getTimestamp(3) == null) {
                    violations.add(id + ": not terminal: " + status + " finished_at=" + row.getTimestamp(3));
                    return;
                }
            }
        }
        JsonNode view = rig.job(id);
        if (!status.equals(view.path("status").asString().toUpperCase(java.util.Locale.ROOT))) {
            violations.add(id + ": PostgreSQL says " + status + ", the API says " + view.path("status").asString());
        }

        List<int[]> terminalEvents = new ArrayList<>(); // {attempt}
        List<String> terminalTypes = new ArrayList<>();
        JsonNode succeededArtifacts = null;
        try (PreparedStatement query = db.prepareStatement("""
                select type, attempt, sequence, payload::text from job_events where job_id = ?
                and (type in ('succeeded', 'cancelled') or (type = 'failed' and payload->>'retryable' = 'false'))
                order by received_id""")) {
            query.setObject(1, id);
            try (ResultSet row = query.executeQuery()) {
                while (row.next()) {
                    terminalEvents.add(new int[] {row.getInt(2)});
                    terminalTypes.add(row.getString(1) + "@attempt-" + row.getInt(2) + "#" + row.getLong(3));
                    if ("succeeded".equals(row.getString(1))) {
                        succeededArtifacts = rig.json(row.getString(4)).path("artifacts");
                    }
                }
            }
        }
        if (terminalEvents.size() > 1) {
            violations.add(id + ": terminal event recorded " + terminalEvents.size() + " times: " + terminalTypes);
        }
        if ("SUCCEEDED".equals(status) && (terminalEvents.size() != 1 || terminalEvents.getFirst()[0] != attempt
                || !terminalTypes.getFirst().startsWith("succeeded"))) {
            violations.add(id + ": SUCCEEDED in attempt " + attempt + " but its terminal events are " + terminalTypes);
        }

        Map<String, String[]> rows = new LinkedHashMap<>(); // name -> {key, sha256, attempt}
        try (PreparedStatement query = db.prepareStatement(
                "select name, key, sha256, attempt from artifacts where job_id = ? order by name")) {
            query.setObject(1, id);
            try (ResultSet row = query.executeQuery()) {
                while (row.next()) {
                    rows.put(row.getString(1), new String[] {row.getString(2), row.getString(3).strip(),
                            Integer.toString(row.getInt(4))});
                }
            }
        }
        if (!"SUCCEEDED".equals(status)) {
            if (!rows.isEmpty()) {
                violations.add(id + ": " + status + " but artifacts are linked: " + rows.keySet());
            }
            return;
        }
        if (rows.isEmpty()) {
            violations.add(id + ": SUCCEEDED without artifacts");
            return;
        }
        Map<String, String> listed = rig.listedArtifacts(id);
        for (Map.Entry<String, String[]> entry : rows.entrySet()) {
            String name = entry.getKey();
            String key = entry.getValue()[0];
            String sha256 = entry.getValue()[1];
            if (Integer.parseInt(entry.getValue()[2]) != attempt) {
                violations.add(id + ": artifact " + name + " is from attempt " + entry.getValue()[2]
                        + ", the job succeeded in attempt " + attempt);
            }
            if (!key.startsWith("jobs/%s/attempt-%d".formatted(id, attempt))) {
                violations.add(id + ": artifact " + name + " has key " + key + ", outside attempt " + attempt);
            }
            Path file = rig.storage().resolve(key);
            if (!Files.isRegularFile(file)) {
                violations.add(id + ": artifact " + name + " is missing from storage (" + key + ")");
            } else if (!Sha256.of(file).equals(sha256)) {
                violations.add(id + ": artifact " + name + " in storage does not match its recorded SHA-256 (" + key + ")");
            }
            if (!sha256.equals(listed.get(name))) {
                violations.add(id + ": the API lists " + name + " with " + listed.get(name) + ", PostgreSQL has " + sha256);
            }
        }
        if (!listed.keySet().equals(rows.keySet())) {
            violations.add(id + ": the API lists " + listed.keySet() + ", PostgreSQL has " + rows.keySet());
        }
        if (succeededArtifacts != null) {
            Map<String, String> reported = new LinkedHashMap<>();
            succeededArtifacts.forEach(ref -> reported.put(ref.path("name").asString(), ref.path("key").asString()));
            Map<String, String> recorded = new LinkedHashMap<>();
            rows.forEach((name, row) -> recorded.put(name, row[0]));
            if (!new TreeMap<>(reported).equals(new TreeMap<>(recorded))) {
                violations.add(id + ": the succeeded event names " + reported + ", the artifacts table " + recorded);
            }
        }
        if (rows.containsKey("model.onnx")) {
            byte[] model = rig.download(id, "model.onnx");
            if (!Sha256.of(model).equals(rows.get("model.onnx")[1])) {
                violations.add(id + ": the downloaded model.onnx does not match its recorded SHA-256");
            }
        }
    }
}
