package netfence.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import netfence.state.StateService;
import netfence.store.Kind;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/** The desired state as an inventory YAML document, objects by name; {@code netfence check} accepts it. */
final class InventoryExport {
  private InventoryExport() {}

  static String yaml(StateService state) {
    var top = new LinkedHashMap<String, Object>();
    var load = new Load(LoadSettings.builder().setCodePointLimit(Integer.MAX_VALUE).build());
    for (Kind kind : Kind.values()) {
      var objects = new LinkedHashMap<String, Object>();
      for (Map.Entry<String, String> e : state.list(kind, Optional.empty(), Integer.MAX_VALUE).entrySet()) {
        objects.put(e.getKey(), load.loadFromString(e.getValue()));
      }
      top.put(kind.key(), objects);
    }
    return new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build()).dumpToString(top);
  }
}
