package netfence.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads a request body, refusing it while it is read: a declared length over the limit is
 * refused before a byte is read, a longer body once the limit is passed (413); the bytes must be
 * UTF-8 (400 naming the offset of the first bad byte).
 */
final class RequestBody {
  private RequestBody() {}

  static String read(Request request, int maxBytes) throws Refusal, IOException {
    long declared = request.getLength();
    if (declared > maxBytes) throw tooLarge(declared + " bytes", maxBytes);
    byte[] bytes;
    try (InputStream in = Content.Source.asInputStream(request)) {
      bytes = in.readNBytes(maxBytes + 1);
    }
    if (bytes.length > maxBytes) throw tooLarge("more than " + maxBytes + " bytes", maxBytes);
    return utf8(bytes);
  }

  private static Refusal tooLarge(String size, int max) {
    return new Refusal(413, "the body has %s; a request body may have at most %d bytes (%d KiB)".formatted(size, max, max / 1024));
  }

  /** The text of UTF-8 bytes; a 400 at the first malformed or unmappable byte. */
  static String utf8(byte[] bytes) throws Refusal {
    var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    var result = decoder.decode(in, out, true);
    if (result.isError()) {
      throw new Refusal(400, "the body is not valid UTF-8: byte 0x%02x at offset %d cannot start or continue a character"
          .formatted(bytes[in.position()] & 0xff, in.position()));
    }
    decoder.flush(out);
    return out.flip().toString();
  }
}
