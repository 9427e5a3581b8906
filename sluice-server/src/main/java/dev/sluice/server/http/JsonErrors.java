package dev.sluice.server.http;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Turns a plain-text error written by a filter in front of the API (sluice-http's admission control
 * answers 429, 503, 413, 408 in plain text) into the API's JSON error shape, keeping its status and
 * headers ({@code Retry-After}, {@code Connection: close}). At most {@link #MAX_CAPTURED} bytes of the text
 * are kept. Anything else passes through untouched.
 */
final class JsonErrors extends HttpServletResponseWrapper {

    static final int MAX_CAPTURED = 2048;

    private final HttpServletResponse real;
    private ByteArrayOutputStream captured;

    JsonErrors(HttpServletResponse real) {
        super(real);
        this.real = real;
    }

    @Override
    public void setContentType(String type) {
        if (type != null && type.startsWith("text/plain") && getStatus() >= 400 && !real.isCommitted()) {
            captured = new ByteArrayOutputStream();
            return;
        }
        super.setContentType(type);
    }

    @Override
    public void setContentLength(int len) {
        if (captured == null) {
            super.setContentLength(len);
        }
    }

    @Override
    public void setContentLengthLong(long len) {
        if (captured == null) {
            super.setContentLengthLong(len);
        }
    }

    @Override
    public void flushBuffer() throws IOException {
        if (captured == null) {
            super.flushBuffer();
        }
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        if (captured == null) {
            return super.getOutputStream();
        }
        ByteArrayOutputStream sink = captured;
        return new ServletOutputStream() {
            @Override
            public void write(int b) {
                if (sink.size() < MAX_CAPTURED) {
                    sink.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                sink.write(b, off, Math.max(0, Math.min(len, MAX_CAPTURED - sink.size())));
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener listener) {
                throw new IllegalStateException("a captured error body is written synchronously");
            }
        };
    }

    /** Writes the captured text, if any, as the JSON error body; call once the filter chain returned. */
    void finish() throws IOException {
        if (captured == null) {
            return;
        }
        String message = captured.toString(StandardCharsets.UTF_8).strip();
        String retry = real.getHeader("Retry-After");
        if (retry != null) {
            Responses.refuse(real, real.getStatus(), Long.parseLong(retry), message);
        } else {
            Responses.error(real, real.getStatus(), message);
        }
    }
}
