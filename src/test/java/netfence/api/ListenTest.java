package netfence.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListenTest {
  @TempDir Path dir;

  @Test
  void aTokenFileOthersCanReadIsRefused() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "s3cret\n");
    for (String mode : java.util.List.of("rw-r--r--", "rw-r-----", "rw-----w-", "rw--w----")) {
      Files.setPosixFilePermissions(token, PosixFilePermissions.fromString(mode));
      assertThatThrownBy(() -> Listen.token(token)).as(mode).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("open to group or others (" + mode + ")").hasMessageContaining("chmod 600 " + token);
    }
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    assertThat(Listen.token(token)).isEqualTo("s3cret\n");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("r--------"));
    assertThat(Listen.token(token)).isEqualTo("s3cret\n");
  }

  @Test
  void tcpAddressesParse() {
    assertThat(Listen.tcp("[::1]:8080", "t")).isEqualTo(new Listen.Tcp("::1", 8080, "t"));
    assertThatThrownBy(() -> Listen.tcp("localhost", "t")).hasMessageContaining("must be HOST:PORT");
    assertThatThrownBy(() -> Listen.tcp("localhost:1", " ")).hasMessageContaining("token must not be blank");
  }
}
