package com.modelpress.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A real PostgreSQL server (the binaries of {@code io.zonky.test.postgres}, unpacked under {@code java.io.tmpdir}) on
 * 127.0.0.1, whose data directory outlives it: stopping and starting again on the same folder keeps every database.
 * The superuser is {@code postgres}. Started with a password ({@link #start(Path, int, String)}), every connection
 * needs it ({@code scram-sha-256} in {@code pg_hba.conf}, rewritten at each start); started without one (tests), local
 * connections need none.
 *
 * <p>Running as root: PostgreSQL refuses to (initdb: "cannot be run as root"). Zonky then runs initdb, pg_ctl and
 * postgres under {@code unshare -U}: in a new user namespace root is unmapped, so they run as the overflow user
 * (nobody) while the files they write still belong to root outside — and PostgreSQL's check that it owns its data
 * folder holds, because inside the namespace root's files appear as nobody's too. Where {@code unshare -U} is not
 * allowed (some containers) {@link #start} fails with a message saying so.
 *
 * <p>Thread-safe. {@link #close} stops the server (fast shutdown) and is idempotent.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    /** The superuser initdb creates; it needs no password on 127.0.0.1. */
    public static final String SUPERUSER = "postgres";

    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Duration STALE_SERVER_WAIT = Duration.ofSeconds(30);

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;
    private final Path dataDirectory;
    /** Empty when connections need no password. */
    private final String password;

    private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres server, Path dataDirectory,
                             String password) {
        this.server = server;
        this.dataDirectory = dataDirectory;
        this.password = password;
    }

    /**
     * Starts PostgreSQL on {@code dataDirectory}, running initdb first when the folder holds no cluster yet.
     *
     * @param dataDirectory created when missing; kept when the server stops
     * @param port          0 for a free port
     * @throws EmbeddedServiceException when the server does not come up
     */
    public static EmbeddedPostgres start(Path dataDirectory, int port) {
        return start(dataDirectory, port, true, "");
    }

    /**
     * As {@link #start(Path, int)}, but every connection (the superuser's too, from 127.0.0.1 or the socket) needs
     * {@code superuserPassword}: it is set on the first start, when initdb's trust rule is still in force, and
     * {@code pg_hba.conf} then allows {@code scram-sha-256} logins only.
     *
     * @param superuserPassword letters, digits and {@code _-}; at least 16 characters
     */
    public static EmbeddedPostgres start(Path dataDirectory, int port, String superuserPassword) {
        if (superuserPassword == null || !superuserPassword.matches("[A-Za-z0-9_-]{16,256}")) {
            throw new IllegalArgumentException("the superuser password must be 16 to 256 of A-Z a-z 0-9 _ -");
        }
        return start(dataDirectory, port, true, superuserPassword);
    }

    /**
     * As {@link #start(Path, int)}, but the data folder is deleted when the server stops and the server trades
     * durability for speed (no fsync): for tests.
     */
    public static EmbeddedPostgres startThrowaway(Path dataDirectory, int port) {
        return start(dataDirectory, port, false, "");
    }

    private static EmbeddedPostgres start(Path dataDirectory, int port, boolean durable, String password) {
        Path folder = dataDirectory.toAbsolutePath().normalize();
        try {
            Files.createDirectories(folder);
            stopStaleServer(folder);
            var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                    .setDataDirectory(folder)
                    .setCleanDataDirectory(!durable)
                    .setRegisterShutdownHook(false)
                    .setPort(port)
                    .setPGStartupWait(STARTUP_WAIT)
                    .setServerConfig("listen_addresses", "127.0.0.1");
            if (durable) {
                // zonky starts postgres with -F (no fsync) and synchronous_commit=off; a kept database wants both on
                builder.setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on");
            }
            if (!password.isEmpty()) {
                // zonky's readiness check logs in as the superuser: with the password once pg_hba.conf asks for it
                builder.setConnectConfig("password", password).setServerConfig("password_encryption", "scram-sha-256");
            }
            EmbeddedPostgres started = new EmbeddedPostgres(builder.start(), folder, password);
            if (!password.isEmpty()) {
                started.requirePassword();
            }
            return started;
        } catch (IOException | RuntimeException e) {
            throw new EmbeddedServiceException("PostgreSQL did not start on data folder " + folder + explainRoot(), e);
        }
    }

    /** The port the server listens on, on 127.0.0.1. */
    public int port() {
        return server.getPort();
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** The superuser's password; empty when connections need none. */
    public String password() {
        return password;
    }

    /** Sets the superuser's password, then allows password logins only (a reload, no restart). */
    private void requirePassword() {
        try (Connection connection = DriverManager.getConnection(jdbcUrl("postgres"), SUPERUSER, password);
             Statement statement = connection.createStatement()) {
            // the password is checked against [A-Za-z0-9_-]: nothing in it needs quoting
            statement.execute("alter role " + SUPERUSER + " with password '" + password + "'");
            Files.writeString(dataDirectory.resolve("pg_hba.conf"), """
                    # written by ModelPress at every start: every connection needs the superuser's password
                    local   all  all                 scram-sha-256
                    host    all  all  127.0.0.1/32   scram-sha-256
                    host    all  all  ::1/128        scram-sha-256
                    """, StandardCharsets.US_ASCII);
            statement.execute("select pg_reload_conf()");
        } catch (SQLException | IOException e) {
            close();
            throw new EmbeddedServiceException("could not set the superuser's password on " + dataDirectory
                    + " (a data folder started with another password?)", e);
        }
    }

    /** {@code jdbc:postgresql://127.0.0.1:PORT/DATABASE}; connect as {@link #SUPERUSER} with {@link #password()}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:%d/%s".formatted(port(), database);
    }

    /**
     * Creates the database unless it exists.
     *
     * @param name lower-case letters, digits and underscores
     * @throws IllegalArgumentException for any other name
     */
    public void createDatabaseIfMissing(String name) {
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        try (Connection connection = DriverManager.getConnection(jdbcUrl("postgres"), SUPERUSER, password);
             PreparedStatement exists = connection.prepareStatement("select 1 from pg_database where datname = ?")) {
            exists.setString(1, name);
            try (ResultSet row = exists.executeQuery()) {
                if (row.next()) {
                    return;
                }
            }
            try (Statement create = connection.createStatement()) {
                create.execute("create database " + name);
            }
        } catch (SQLException e) {
            throw new EmbeddedServiceException("could not create database " + name + " on port " + port(), e);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new EmbeddedServiceException("PostgreSQL on " + dataDirectory + " did not stop cleanly", e);
        }
    }

    /**
     * A JVM that was killed leaves its postgres running (pg_ctl detaches it), holding the data folder; stop it so that
     * a restart on the same folder works. Only a live process whose command is postgres is stopped.
     */
    private static void stopStaleServer(Path folder) throws IOException {
        Path pidFile = folder.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
        if (lines.isEmpty() || !lines.getFirst().strip().matches("\\d+")) {
            return;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(lines.getFirst().strip()))
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
        if (process.isEmpty()) {
            return;
        }
        // SIGTERM is PostgreSQL's smart shutdown: the killed JVM's connections are gone, so it stops promptly
        process.get().destroy();
        try {
            process.get().onExit().get(STALE_SERVER_WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedServiceException("interrupted while stopping the stale PostgreSQL on " + folder, e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new EmbeddedServiceException("a PostgreSQL left running on " + folder + " (pid "
                    + process.get().pid() + ") did not stop within " + STALE_SERVER_WAIT.toSeconds() + " s", e);
        }
    }

    /** Why a start as root may have failed, or nothing. */
    private static String explainRoot() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "";
        }
        return " (running as root: PostgreSQL runs under 'unshare -U' then; if this machine forbids user namespaces, "
                + "run modelpress as a non-root user)";
    }
}
