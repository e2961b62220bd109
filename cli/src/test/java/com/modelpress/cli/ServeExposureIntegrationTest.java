package com.modelpress.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 15, item 8, against a real standalone platform: what {@code modelpress serve} leaves open to someone on the
 * network or on the same machine. The API listens on loopback only; the embedded PostgreSQL and broker refuse every
 * login but the one with the passwords generated for this data folder, which are kept owner-only; a restart on the
 * folder uses them again. Takes tens of seconds.
 */
class ServeExposureIntegrationTest {

    private static final String KEY = "mp_test_admin_0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;

    @Test
    void theApiListensOnLoopbackAndPostgresWantsAPassword() throws Exception {
        int port = LocalPorts.free();
        Path data = dir.resolve("data");
        try (StandalonePlatform platform = StandalonePlatform.start(data, port, KEY, new PrintWriter(new StringWriter()))) {
            assertThat(connects(InetAddress.getLoopbackAddress(), port)).as("the API on loopback").isTrue();
            Optional<InetAddress> external = nonLoopbackAddress();
            if (external.isPresent()) {
                assertThat(connects(external.get(), port)).as("the API on %s", external.get()).isFalse();
            }

            int postgresPort = postgresPort(data);
            assertThatThrownBy(() -> DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:%d/postgres".formatted(postgresPort), "postgres", "").close())
                    .as("the superuser without a password").isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:%d/modelpress".formatted(postgresPort), "postgres", "postgres").close())
                    .as("the superuser with the well-known password").isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> amqp(platform.brokerPort(), "guest", "guest"))
                    .as("the broker's guest/guest").isInstanceOf(Exception.class);

            ServeCredentials credentials = ServeCredentials.of(data);
            assertThat(Files.getPosixFilePermissions(credentials.file())).containsExactlyInAnyOrderElementsOf(
                    PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.getPosixFilePermissions(data)).containsExactlyInAnyOrderElementsOf(
                    PosixFilePermissions.fromString("rwx------"));
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:%d/modelpress".formatted(postgresPort), "postgres",
                    credentials.postgresPassword()).close();
            amqp(platform.brokerPort(), credentials.brokerUser(), credentials.brokerPassword());
        }
        // the next start on the folder logs in with the same passwords
        try (StandalonePlatform platform = StandalonePlatform.start(data, port, KEY, new PrintWriter(new StringWriter()))) {
            assertThatThrownBy(() -> DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:%d/postgres".formatted(postgresPort(data)), "postgres", "").close())
                    .isInstanceOf(SQLException.class);
            assertThat(connects(InetAddress.getLoopbackAddress(), port)).isTrue();
        }
        Assumptions.assumeTrue(nonLoopbackAddress().isPresent(), "no non-loopback address to probe from");
    }

    private static void amqp(int port, String user, String password) throws Exception {
        com.rabbitmq.client.ConnectionFactory factory = new com.rabbitmq.client.ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(port);
        factory.setUsername(user);
        factory.setPassword(password);
        factory.newConnection().close();
    }

    private static boolean connects(InetAddress address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** An address of this machine other than loopback, as another host on the network would reach it. */
    static Optional<InetAddress> nonLoopbackAddress() throws IOException {
        for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!network.isUp() || network.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(network.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }

    /** PostgreSQL writes its port on the fourth line of postmaster.pid. */
    private static int postgresPort(Path data) throws IOException {
        List<String> lines = Files.readAllLines(data.resolve("postgres/postmaster.pid"), StandardCharsets.US_ASCII);
        return Integer.parseInt(lines.get(3).strip());
    }
}
