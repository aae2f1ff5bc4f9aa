package dev.runbook.model;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as runbooks write them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h30m}. */
public final class Durations {

    private static final Pattern PART = Pattern.compile("([0-9]{1,6})(ms|s|m|h)");

    private Durations() {
    }

    public static Duration parse(String text) {
        Matcher m = PART.matcher(text);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                throw new IllegalArgumentException("not a duration: " + text);
            }
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            });
            end = m.end();
        }
        if (end != text.length() || text.isEmpty()) {
            throw new IllegalArgumentException("not a duration: " + text);
        }
        return total;
    }

    /** The shortest way to write a duration: {@code 1h30m}, {@code 2s}, {@code 250ms}. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        long h = d.toHours();
        long m = d.toMinutesPart();
        long s = d.toSecondsPart();
        long ms = d.toMillisPart();
        if (h > 0) {
            out.append(h).append('h');
        }
        if (m > 0) {
            out.append(m).append('m');
        }
        if (s > 0) {
            out.append(s).append('s');
        }
        if (ms > 0) {
            out.append(ms).append("ms");
        }
        return out.toString();
    }
}
