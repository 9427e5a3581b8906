package dev.sluice.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes the server's JSON answers; every error has the shape {@code {"status": 400, "error": "..."}}. */
public final class Responses {

    /** Shared, thread-safe writer. */
    public static final ObjectMapper JSON = JsonMapper.builder().build();

    private Responses() { }

    public static void json(HttpServletResponse resp, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }

    public static void error(HttpServletResponse resp, int status, String message) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("error", message);
        json(resp, status, body);
    }

    /** An error with {@code Retry-After} (whole seconds, at least 1), as 429 and 503 carry. */
    public static void refuse(HttpServletResponse resp, int status, long retryAfterSeconds, String message)
            throws IOException {
        long s = Math.max(1, retryAfterSeconds);
        resp.setHeader("Retry-After", Long.toString(s));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("error", message);
        body.put("retryAfterSeconds", s);
        json(resp, status, body);
    }

    public static void text(HttpServletResponse resp, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType(contentType);
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }
}
