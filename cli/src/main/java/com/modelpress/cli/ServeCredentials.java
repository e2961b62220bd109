package com.modelpress.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;

/**
 * The passwords of a standalone platform's embedded services (the PostgreSQL superuser, the broker's one user),
 * generated with 256 random bits each on the first start of a data folder and kept in {@code <data-dir>/credentials}
 * with owner-only permissions (0600), so that neither service can be used by another user of the machine.
 *
 * @param file where they are kept
 */
record ServeCredentials(String postgresPassword, String brokerUser, String brokerPassword, Path file) {

    static final String FILE_NAME = "credentials";
    static final String BROKER_USER = "modelpress";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The data folder's credentials, created when it has none. */
    static ServeCredentials of(Path dataDirectory) throws IOException {
        Path file = dataDirectory.toAbsolutePath().normalize().resolve(FILE_NAME);
        if (Files.isRegularFile(file)) {
            Properties stored = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                stored.load(in);
            }
            String postgres = stored.getProperty("postgres.password");
            String broker = stored.getProperty("broker.password");
            if (postgres != null && broker != null) {
                restrict(file);
                return new ServeCredentials(postgres, stored.getProperty("broker.user", BROKER_USER), broker, file);
            }
        }
        ServeCredentials created = new ServeCredentials(secret(), BROKER_USER, secret(), file);
        created.store();
        return created;
    }

    private static String secret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Written to a new owner-only file first, then moved in place: never readable by others. */
    private void store() throws IOException {
        Properties properties = new Properties();
        properties.setProperty("postgres.password", postgresPassword);
        properties.setProperty("broker.user", brokerUser);
        properties.setProperty("broker.password", brokerPassword);
        StringWriter text = new StringWriter();
        properties.store(text, "passwords of this data folder's embedded PostgreSQL and broker (modelpress serve)");
        OwnerOnlyFile.write(file, text.toString(), StandardCharsets.ISO_8859_1);
    }

    /** A file someone widened is narrowed again. */
    private static void restrict(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, OwnerOnlyFile.PERMISSIONS);
        } catch (UnsupportedOperationException notPosix) {
            // not a POSIX file system: nothing to narrow
        }
    }

    @Override
    public String toString() {
        return "ServeCredentials[" + file + "]";
    }
}
