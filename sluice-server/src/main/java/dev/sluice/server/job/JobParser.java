package dev.sluice.server.job;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Base64;

/**
 * Turns a {@code POST /jobs} body into {@link Work}, strictly: exactly one JSON object with exactly one of
 * {@code cpuMillis} (0 to {@code maxMillis}), {@code ioMillis} (0 to {@code maxMillis}) or {@code sha256}
 * (standard base64, padded); no other field, no duplicate field, no trailing content, no number given as
 * a string or with a fraction. Anything else is a {@link BadJobException} whose message says what to fix.
 * Thread-safe.
 */
public final class JobParser {

    /** The request body's fields; absent fields are null. */
    record Body(Long cpuMillis, Long ioMillis, String sha256) { }

    private final ObjectMapper mapper = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private final long maxMillis;

    public JobParser(long maxMillis) {
        this.maxMillis = maxMillis;
    }

    /** Parses and checks a body. */
    public Work parse(byte[] body) throws BadJobException {
        if (body.length == 0) {
            throw new BadJobException("empty body: send a JSON object such as {\"cpuMillis\": 20}");
        }
        Body b;
        try (JsonParser p = mapper.createParser(body)) {
            b = mapper.readValue(p, Body.class);
        } catch (UnrecognizedPropertyException e) {
            throw new BadJobException("unknown field '" + e.getPropertyName()
                    + "': a job has exactly one of cpuMillis, ioMillis, sha256");
        } catch (com.fasterxml.jackson.core.exc.InputCoercionException e) {
            throw new BadJobException("invalid job: a number is out of range (durations are 0 to " + maxMillis + ")");
        } catch (MismatchedInputException e) {
            throw new BadJobException("invalid job: " + describe(e));
        } catch (JsonProcessingException e) {
            throw new BadJobException("malformed JSON: " + describe(e));
        } catch (IOException e) {
            throw new BadJobException("unreadable body: " + e.getMessage());
        }
        if (b == null) {
            throw new BadJobException("the body is JSON null: send an object such as {\"cpuMillis\": 20}");
        }
        int kinds = (b.cpuMillis() != null ? 1 : 0) + (b.ioMillis() != null ? 1 : 0) + (b.sha256() != null ? 1 : 0);
        if (kinds == 0) {
            throw new BadJobException("no work given: a job has exactly one of cpuMillis, ioMillis, sha256");
        }
        if (kinds > 1) {
            throw new BadJobException("more than one kind of work given: a job has exactly one of cpuMillis, "
                    + "ioMillis, sha256");
        }
        if (b.cpuMillis() != null) {
            return new Work.Cpu(millis("cpuMillis", b.cpuMillis()));
        }
        if (b.ioMillis() != null) {
            return new Work.Io(millis("ioMillis", b.ioMillis()));
        }
        try {
            return new Work.Sha256(Base64.getDecoder().decode(b.sha256()));
        } catch (IllegalArgumentException e) {
            throw new BadJobException("sha256 is not valid base64 (standard alphabet, with padding): " + e.getMessage());
        }
    }

    private long millis(String field, long value) throws BadJobException {
        if (value < 0 || value > maxMillis) {
            throw new BadJobException(field + " must be between 0 and " + maxMillis + ", got " + value);
        }
        return value;
    }

    private static String describe(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        var loc = e.getLocation();
        if (m != null) {
            int cut = m.indexOf('\n');
            m = cut > 0 ? m.substring(0, cut) : m;
            m = m.replace("dev.sluice.server.job.JobParser$Body", "job").replace("`java.lang.Long`", "a whole number")
                    .replace("`java.lang.String`", "a string")
                    .replaceAll("\\s*\\((but )?(might|could) if coercion[^)]*\\)", "")
                    .replaceAll("\\(start marker at \\[Source: [^]]*]; ", "(start marker at ");
        }
        return loc == null ? m : m + " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }
}
