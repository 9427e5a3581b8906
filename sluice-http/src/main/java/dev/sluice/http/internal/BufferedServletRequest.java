package dev.sluice.http.internal;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/** A request whose body was already read by admission control; the downstream reads it from memory. */
public final class BufferedServletRequest extends HttpServletRequestWrapper {

    private final byte[] body;
    private boolean streamUsed;
    private boolean readerUsed;

    public BufferedServletRequest(HttpServletRequest request, byte[] body) {
        super(request);
        this.body = body;
    }

    @Override
    public int getContentLength() {
        return body.length;
    }

    @Override
    public long getContentLengthLong() {
        return body.length;
    }

    @Override
    public ServletInputStream getInputStream() {
        if (readerUsed) {
            throw new IllegalStateException("getReader() was already called");
        }
        streamUsed = true;
        return new Stream(body);
    }

    @Override
    public BufferedReader getReader() throws UnsupportedEncodingException {
        if (streamUsed) {
            throw new IllegalStateException("getInputStream() was already called");
        }
        readerUsed = true;
        String enc = getCharacterEncoding();
        Charset cs;
        try {
            cs = enc == null ? StandardCharsets.ISO_8859_1 : Charset.forName(enc);
        } catch (IllegalArgumentException e) {
            throw new UnsupportedEncodingException(enc);
        }
        return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), cs));
    }

    private static final class Stream extends ServletInputStream {
        private final ByteArrayInputStream in;

        Stream(byte[] body) {
            this.in = new ByteArrayInputStream(body);
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, len);
        }

        @Override
        public int available() {
            return in.available();
        }

        @Override
        public boolean isFinished() {
            return in.available() == 0;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            try {
                if (in.available() > 0) {
                    listener.onDataAvailable();
                }
                listener.onAllDataRead();
            } catch (IOException e) {
                listener.onError(e);
            }
        }
    }
}
