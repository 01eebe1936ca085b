package io.quorum.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * The main class of a {@link KafkaCluster} node's JVM: {@code kafka.Kafka} (the broker's own entry point, as
 * {@code kafka-server-start.sh} runs it) plus two things the test class path does not give it:
 * <ul>
 * <li>a watchdog on standard input. The test JVM holds the other end of that pipe and never writes to it; when the
 * test JVM is gone, whatever killed it (even {@code kill -9} or a Failsafe timeout), the pipe closes and the node
 * halts, so no broker outlives its test run;</li>
 * <li>logging to standard output (which the test JVM sends to the node's log file). On a Quarkus test class path
 * the SLF4J backend is the JBoss LogManager with Quarkus' start-up handler, which holds records back until a Quarkus
 * app configures logging: it is replaced by a plain handler at INFO, with the chatty categories at WARN.</li>
 * </ul>
 */
public final class KafkaNodeMain {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss,SSS");

    private KafkaNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> {
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // nothing is ever sent; wait for end of stream
                }
            } catch (IOException e) {
                // a broken pipe means the same as end of stream
            }
            System.err.println("[quorum-test] the test JVM is gone: halting this Kafka node");
            Runtime.getRuntime().halt(137);
        }, "quorum-parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        configureLogging();
        kafka.Kafka.main(args);
    }

    private static void configureLogging() {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        Handler out = new StreamHandler(System.out, new LineFormatter()) {
            @Override
            public synchronized void publish(LogRecord r) {
                super.publish(r);
                flush();
            }
        };
        out.setLevel(Level.ALL);
        root.addHandler(out);
        root.setLevel(Level.INFO);
        for (String chatty : new String[] {"kafka.request.logger", "state.change.logger", "kafka.log.LogCleaner",
                "org.apache.kafka.clients", "org.apache.kafka.common.network", "org.apache.kafka.common.config",
                "org.apache.kafka.common.utils.AppInfoParser", "org.apache.kafka.storage.internals.log"}) {
            Logger.getLogger(chatty).setLevel(Level.WARNING);
        }
    }

    /** {@code 12:34:56,789 INFO [KafkaRaftServer] message}, then the stack trace if any. */
    private static final class LineFormatter extends Formatter {
        @Override
        public String format(LogRecord r) {
            String name = r.getLoggerName() == null ? "" : r.getLoggerName();
            StringBuilder sb = new StringBuilder()
                    .append(LocalTime.ofInstant(r.getInstant(), ZoneId.systemDefault()).format(TIME)).append(' ')
                    .append(String.format("%-5s", r.getLevel().getName())).append(" [")
                    .append(name.substring(name.lastIndexOf('.') + 1)).append("] ").append(formatMessage(r))
                    .append('\n');
            if (r.getThrown() != null) {
                StringWriter w = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(w));
                sb.append(w);
            }
            return sb.toString();
        }
    }
}
