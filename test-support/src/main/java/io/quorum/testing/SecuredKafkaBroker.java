package io.quorum.testing;

import io.quorum.shared.files.TempDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * An in-process KRaft broker (one combined broker+controller node) secured the way a Strimzi cluster is: the only
 * client listener is {@code SASL_SSL} with SCRAM-SHA-512, TLS from a throw-away CA ({@link TestCertificates}),
 * broker-to-broker traffic on the same listener, ACLs enforced by {@code StandardAuthorizer} with
 * {@code allow.everyone.if.no.acl.found=false}.
 *
 * <p>Users are created when the storage is formatted ({@code kafka-storage format --add-scram}), with random
 * passwords: {@code broker} (the broker itself; super user), {@link #serviceUser()} {@code quorum} (super user, the
 * identity of {@link #clientSettings()}) and {@link #unprivilegedUser()} {@code guest} (no ACLs: every topic or
 * group operation is denied). The CONTROLLER listener is {@code SASL_PLAINTEXT} with PLAIN on loopback (SCRAM
 * cannot authenticate controller connections: its credentials live in the metadata the controller serves), so the
 * broker is {@code User:broker} there too and {@code User:ANONYMOUS} needs no rights.
 */
public final class SecuredKafkaBroker implements KafkaBroker {

    /** The SASL mechanism of the client listener. */
    public static final String MECHANISM = "SCRAM-SHA-512";

    /** The name of the super user {@link #clientSettings()} connects as. */
    public static final String SERVICE_USER = "quorum";

    /** The name of the user without ACLs. */
    public static final String UNPRIVILEGED_USER = "guest";

    private static final String BROKER_USER = "broker";

    /** A SCRAM user of this broker; {@link #toString()} leaves the password out. */
    public record User(String name, String password) {
        @Override
        public String toString() {
            return "User[" + name + "]";
        }
    }

    private final KafkaRaftServer server;
    private final Path dir;
    private final int port;
    private final TestCertificates certificates;
    private final User service;
    private final User unprivileged;

    private SecuredKafkaBroker(KafkaRaftServer server, Path dir, int port, TestCertificates certificates, User service,
            User unprivileged) {
        this.server = server;
        this.dir = dir;
        this.port = port;
        this.certificates = certificates;
        this.service = service;
        this.unprivileged = unprivileged;
    }

    /** Makes the certificates, formats the storage with the SCRAM users, starts the node and waits until it answers. */
    public static SecuredKafkaBroker start() {
        Path dir;
        try {
            dir = Files.createTempDirectory("quorum-kafka-sasl-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        KafkaRaftServer server = null;
        try {
            int port = EmbeddedKafkaBroker.freePort();
            int controllerPort = EmbeddedKafkaBroker.freePort();
            TestCertificates certs = TestCertificates.generate(dir, secret());
            User broker = new User(BROKER_USER, secret());
            User service = new User(SERVICE_USER, secret());
            User unprivileged = new User(UNPRIVILEGED_USER, secret());

            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", "1");
            props.put("controller.quorum.voters", "1@localhost:" + controllerPort);
            props.put("listeners", "SASL_SSL://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
            props.put("advertised.listeners", "SASL_SSL://localhost:" + port);
            props.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT");
            props.put("inter.broker.listener.name", "SASL_SSL");
            props.put("controller.listener.names", "CONTROLLER");
            // client and broker-to-broker: SCRAM over TLS; the broker's own login is the listener's JAAS entry
            props.put("sasl.enabled.mechanisms", MECHANISM);
            props.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
            props.put("listener.name.sasl_ssl.sasl.enabled.mechanisms", MECHANISM);
            props.put("listener.name.sasl_ssl." + MECHANISM.toLowerCase() + ".sasl.jaas.config", scramJaas(broker));
            props.put("ssl.keystore.type", "PKCS12");
            props.put("ssl.keystore.location", certs.keystore().toString());
            props.put("ssl.keystore.password", certs.password());
            props.put("ssl.key.password", certs.password());
            props.put("ssl.truststore.type", "PKCS12");
            props.put("ssl.truststore.location", certs.truststore().toString());
            props.put("ssl.truststore.password", certs.password());
            props.put("ssl.client.auth", "none");
            // broker to controller: PLAIN on loopback, the one user declared in the JAAS entry
            props.put("sasl.mechanism.controller.protocol", "PLAIN");
            props.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
            props.put("listener.name.controller.plain.sasl.jaas.config",
                    "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + broker.name()
                            + "\" password=\"" + broker.password() + "\" user_" + broker.name() + "=\""
                            + broker.password() + "\";");
            // ACLs as on a Strimzi cluster: nothing is allowed without an ACL, except to super users
            props.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            props.put("super.users", "User:" + broker.name() + ";User:" + service.name());
            props.put("allow.everyone.if.no.acl.found", "false");
            props.put("log.dirs", dir.resolve("data").toString());
            props.put("num.partitions", "1");
            props.put("auto.create.topics.enable", "false");
            props.putAll(EmbeddedKafkaBroker.singleNodeDefaults());

            Path config = EmbeddedKafkaBroker.writeConfig(props, dir.resolve("server.properties"));
            EmbeddedKafkaBroker.formatStorage(config, Uuid.randomUuid().toString(),
                    "--add-scram", scramArg(broker), "--add-scram", scramArg(service),
                    "--add-scram", scramArg(unprivileged));
            server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            SecuredKafkaBroker b = new SecuredKafkaBroker(server, dir, port, certs, service, unprivileged);
            b.awaitAnswer(Duration.ofSeconds(60));
            return b;
        } catch (RuntimeException | IOException e) {
            if (server != null) {
                server.shutdown();
                server.awaitShutdown();
            }
            TempDir.deleteRecursively(dir);
            throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
        }
    }

    @Override
    public String bootstrapServers() {
        return "localhost:" + port;
    }

    /** The settings of {@link #serviceUser()}, a super user. */
    @Override
    public Map<String, String> clientSettings() {
        return clientSettings(service);
    }

    /** {@code SASL_SSL} settings that log in as {@code user} (any name and password: a wrong one fails to log in). */
    public Map<String, String> clientSettings(User user) {
        Map<String, String> s = tlsOnlySettings();
        s.put("security.protocol", "SASL_SSL");
        s.put("sasl.mechanism", MECHANISM);
        s.put("sasl.jaas.config", scramJaas(user));
        return s;
    }

    /** TLS without SASL ({@code security.protocol=SSL}, the truststore): the broker must refuse these clients. */
    public Map<String, String> tlsOnlySettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("bootstrap.servers", bootstrapServers());
        s.put("security.protocol", "SSL");
        s.put("ssl.truststore.location", certificates.truststore().toString());
        s.put("ssl.truststore.password", certificates.password());
        s.put("ssl.truststore.type", "PKCS12");
        return s;
    }

    /** {@value #SERVICE_USER}: a super user, as a service's own user is given every ACL it needs on Strimzi. */
    public User serviceUser() {
        return service;
    }

    /** {@value #UNPRIVILEGED_USER}: authenticates, but has no ACLs, so every topic and group operation is denied. */
    public User unprivilegedUser() {
        return unprivileged;
    }

    /** The CA certificate in PEM, for non-Java clients (librdkafka's {@code ssl.ca.location}). */
    public Path caCertificate() {
        return certificates.caPem();
    }

    @Override
    public String describe() {
        return "in-process KRaft broker, SASL_SSL/" + MECHANISM + " with ACLs, at " + bootstrapServers();
    }

    @Override
    public void close() {
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            TempDir.deleteRecursively(dir);
        }
    }

    private void awaitAnswer(Duration timeout) {
        Map<String, Object> conf = new LinkedHashMap<>(clientSettings());
        conf.put("request.timeout.ms", "10000");
        conf.put("default.api.timeout.ms", "15000");
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(conf)) {
            while (true) {
                try {
                    admin.describeCluster().nodes().get(15, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException | TimeoutException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the SASL_SSL broker did not answer within " + timeout + ": " + e, e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
    }

    private static String scramJaas(User user) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user.name()
                + "\" password=\"" + user.password() + "\";";
    }

    private static String scramArg(User user) {
        return MECHANISM + "=[name=" + user.name() + ",password=" + user.password() + "]";
    }

    /** A random password of letters and digits (nothing to quote in JAAS or in StorageTool's argument syntax). */
    private static String secret() {
        return UUID.randomUUID().toString().replace("-", "");
    }
}
