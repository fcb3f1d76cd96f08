package netfence.api;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import netfence.state.StateService;
import netfence.store.Kind;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * Writes the desired state as an inventory YAML document, objects by name, that {@code netfence
 * check} accepts. It is written as it is produced, a page of objects at a time: its size is the
 * fleet's, its memory is one page's.
 *
 * <p>The objects are read while writes may go on: each is as it was when its page was read. The
 * revision read before the first page is in the header; when the state moved on during the export,
 * a closing comment says so (export while nothing writes, or follow {@code /v1/events} from the
 * header's revision, for one consistent state).
 */
final class InventoryExport {
  /** Objects read from the state service at a time. */
  static final int PAGE = 1000;

  private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

  private InventoryExport() {}

  static void write(StateService state, Writer out) throws IOException {
    var dump = new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).setWidth(Integer.MAX_VALUE).build());
    long first = state.revision();
    out.write("# netfence inventory, revision " + first + "\n");
    for (Kind kind : Kind.values()) {
      boolean any = false;
      Optional<String> after = Optional.empty();
      for (Map<String, String> page = state.list(kind, after, PAGE); !page.isEmpty(); page = state.list(kind, after, PAGE)) {
        if (!any) out.write(kind.key() + ":\n");
        any = true;
        for (var e : page.entrySet()) {
          // One object as a block mapping of its own, indented under its kind: the dumper quotes what needs quoting.
          String yaml = dump.dumpToString(Map.of(e.getKey(), Json.MAPPER.readValue(e.getValue(), MAP)));
          for (String line : yaml.split("\n")) out.write("  " + line + "\n");
          after = Optional.of(e.getKey());
        }
        out.flush();
      }
      if (!any) out.write(kind.key() + ": {}\n");
    }
    long last = state.revision();
    if (last != first) {
      out.write("# the desired state changed from revision " + first + " to " + last + " during this export: objects may be of either\n");
    }
    out.flush();
  }
}
