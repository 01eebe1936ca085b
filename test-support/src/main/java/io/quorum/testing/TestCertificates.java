package io.quorum.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away TLS setup made with the JDK's {@code keytool}, like a Strimzi cluster CA: a self-signed CA, a server
 * key (EC P-256, quick to make) and certificate signed by it ({@code SAN=DNS:localhost,IP:127.0.0.1}) in a PKCS12
 * keystore, and a PKCS12 truststore plus a PEM file holding the CA certificate. Key and store passwords are the
 * same (PKCS12 wants that).
 *
 * @param keystore   the server's key and certificate chain (PKCS12)
 * @param truststore the CA certificate (PKCS12), for Java clients
 * @param caPem      the CA certificate (PEM), for non-Java clients ({@code ssl.ca.location}, {@code openssl -CAfile})
 * @param password   of both stores
 */
record TestCertificates(Path keystore, Path truststore, Path caPem, String password) {

    private static final String VALIDITY_DAYS = "7";

    @Override
    public String toString() {
        return "TestCertificates[keystore=" + keystore + ", truststore=" + truststore + "]";
    }

    /** Creates the stores in {@code dir}. Runs {@code keytool} seven times (under a second each). */
    static TestCertificates generate(Path dir, String password) {
        Path ca = dir.resolve("ca.p12");
        Path caPem = dir.resolve("ca.crt");
        Path keystore = dir.resolve("broker.keystore.p12");
        Path csr = dir.resolve("broker.csr");
        Path signed = dir.resolve("broker.crt");
        Path truststore = dir.resolve("truststore.p12");
        String pw = password;
        keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", VALIDITY_DAYS,
                "-dname", "CN=quorum-test-ca", "-ext", "bc:c", "-keystore", ca.toString(), "-storetype", "PKCS12",
                "-storepass", pw, "-keypass", pw);
        keytool(dir, "-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", pw,
                "-file", caPem.toString());
        keytool(dir, "-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", VALIDITY_DAYS,
                "-dname", "CN=localhost", "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", pw, "-keypass", pw);
        keytool(dir, "-certreq", "-alias", "broker", "-keystore", keystore.toString(), "-storepass", pw,
                "-file", csr.toString());
        keytool(dir, "-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", pw,
                "-infile", csr.toString(), "-outfile", signed.toString(), "-validity", VALIDITY_DAYS,
                "-ext", "SAN=DNS:localhost,IP:127.0.0.1", "-ext", "KU=digitalSignature",
                "-ext", "EKU=serverAuth,clientAuth");
        // the reply chain: the signed certificate followed by the CA certificate
        try {
            Files.writeString(signed, Files.readString(signed, StandardCharsets.US_ASCII)
                    + Files.readString(caPem, StandardCharsets.US_ASCII), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        keytool(dir, "-importcert", "-noprompt", "-trustcacerts", "-alias", "broker", "-file", signed.toString(),
                "-keystore", keystore.toString(), "-storepass", pw);
        keytool(dir, "-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(),
                "-keystore", truststore.toString(), "-storetype", "PKCS12", "-storepass", pw);
        return new TestCertificates(keystore, truststore, caPem, password);
    }

    /** The JDK's keytool: the test JVM's own, so no PATH or JAVA_HOME is needed. */
    static Path keytoolBinary() {
        Path own = Path.of(System.getProperty("java.home"), "bin", "keytool");
        if (Files.isExecutable(own)) {
            return own;
        }
        String javaHome = System.getenv("JAVA_HOME");
        if (javaHome != null && Files.isExecutable(Path.of(javaHome, "bin", "keytool"))) {
            return Path.of(javaHome, "bin", "keytool");
        }
        throw new IllegalStateException("no keytool in " + own.getParent() + " or $JAVA_HOME/bin: a JDK (not a JRE) is needed");
    }

    private static void keytool(Path dir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(keytoolBinary().toString());
        // a short-lived JVM: no C2, a small serial heap (a third of the start-up time on a busy 2-core machine)
        cmd.addAll(List.of("-J-Xmx64m", "-J-XX:+UseSerialGC", "-J-XX:TieredStopAtLevel=1"));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("keytool.out");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " did not finish within 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("keytool " + args[0] + " failed (exit " + p.exitValue() + "): "
                        + Files.readString(out, StandardCharsets.UTF_8).strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }
}
