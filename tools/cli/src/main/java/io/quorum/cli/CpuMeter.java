package io.quorum.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the CPU of a benchmark run goes: busy CPU of the whole machine (Linux {@code /proc/stat}) and of one
 * process, both per record, so a throughput ratio can be explained by the cores it has to share.
 */
final class CpuMeter {

    /** Linux reports /proc/stat in USER_HZ ticks, 100 per second on every mainstream kernel build. */
    private static final double TICKS_PER_SECOND = 100.0;

    private final long machineBusyTicks;
    private final Duration processCpu;
    private final ProcessHandle process;

    private CpuMeter(ProcessHandle process) {
        this.process = process;
        this.machineBusyTicks = machineBusyTicks();
        this.processCpu = cpu(process);
    }

    /** Starts measuring the machine and, when not null, {@code process}. */
    static CpuMeter start(ProcessHandle process) {
        return new CpuMeter(process);
    }

    /**
     * {@code machineCpuMicrosPerRecord} (busy CPU of every process on the machine over the records) and, when a
     * process was given, {@code serviceCpuMicrosPerRecord}; empty where the platform does not tell.
     */
    Map<String, Object> perRecord(long records) {
        Map<String, Object> m = new LinkedHashMap<>();
        long busy = machineBusyTicks();
        if (busy >= 0 && machineBusyTicks >= 0 && records > 0) {
            m.put("machineCpuMicrosPerRecord", round((busy - machineBusyTicks) / TICKS_PER_SECOND * 1e6 / records));
        }
        Duration now = cpu(process);
        if (now != null && processCpu != null && records > 0) {
            m.put("serviceCpuMicrosPerRecord", round(now.minus(processCpu).toNanos() / 1e3 / records));
        }
        return m;
    }

    private static Duration cpu(ProcessHandle p) {
        return p == null ? null : p.info().totalCpuDuration().orElse(null);
    }

    /** Ticks the machine spent busy (user, nice, system, irq, softirq, steal), or -1 off Linux. */
    private static long machineBusyTicks() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = first.trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU seconds the JIT compiler threads ({@code C1/C2 CompilerThread}) of {@code process} have used, or -1 off
     * Linux: a freshly started JVM compiles on the same cores for a while, and a benchmark should measure after.
     */
    static double compilerCpuSeconds(ProcessHandle process) {
        return threadCpuSeconds(process, comm -> comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre"));
    }

    /**
     * CPU seconds the garbage collector's threads of {@code process} have used ({@code GC Thread#n} of the parallel
     * and G1 collectors, G1's concurrent threads, and the {@code VM Thread} that runs the safepoints), or -1 off Linux.
     */
    static double gcCpuSeconds(ProcessHandle process) {
        return threadCpuSeconds(process, comm -> comm.startsWith("GC Thread") || comm.startsWith("G1 ")
                || comm.startsWith("VM Thread"));
    }

    /** CPU seconds of the threads of {@code process} whose name ({@code comm}) matches, or -1 off Linux. */
    static double threadCpuSeconds(ProcessHandle process, java.util.function.Predicate<String> name) {
        Path tasks = Path.of("/proc", Long.toString(process.pid()), "task");
        double ticks = 0;
        try (var dirs = Files.list(tasks)) {
            for (Path t : dirs.toList()) {
                try {
                    String comm = Files.readString(t.resolve("comm"));
                    if (!name.test(comm)) {
                        continue;
                    }
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
                } catch (IOException | RuntimeException e) {
                    // thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return ticks / TICKS_PER_SECOND;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
