package netfence.dataplane;

import java.util.ArrayList;
import java.util.List;

/** nft through its executable: a process per call, milliseconds each. The fallback. */
final class NftProcess implements NftSession {
  private final Netns ns;

  NftProcess(Netns ns) {
    this.ns = ns;
  }

  @Override
  public Result run(String commands) {
    var r = ns.exec(List.of("nft", "-f", "-"), commands);
    return new Result(r.ok(), r.stdout(), r.stderr());
  }

  @Override
  public Result json(String command) {
    var args = new ArrayList<>(List.of("nft", "-j"));
    args.addAll(List.of(command.trim().split("\\s+")));
    var r = ns.exec(args, null);
    return new Result(r.ok(), r.stdout(), r.stderr());
  }

  @Override
  public Result jsonTerse(String command) {
    var args = new ArrayList<>(List.of("nft", "-j", "-a", "-t"));
    args.addAll(List.of(command.trim().split("\\s+")));
    var r = ns.exec(args, null);
    return new Result(r.ok(), r.stdout(), r.stderr());
  }

  @Override
  public String kind() {
    return "nft executable";
  }

  @Override
  public void close() {}
}
