package netfence.render;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import netfence.model.Inventory;
import netfence.policy.HostPolicy;
import netfence.nft.NftCommand;
import netfence.nft.NftScript;
import netfence.render.networkd.NetworkdOptions;
import netfence.render.nft.NftPolicy;

/**
 * All of one host's generated files, by relative path. Building them is
 * pure; {@link #writeTo} is the only part that touches the filesystem.
 */
public record Artefacts(Map<String, String> files) {
  /** The manifest compile leaves in DIR, so a later compile removes files it no longer makes. */
  static final String MANIFEST = ".netfence-files";

  public Artefacts {
    files = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(files));
  }

  /**
   * Every file of {@code host}. The renderers' options that are not in the
   * inventory live with the renderer that needs them ({@link NetworkdOptions}),
   * so no renderer depends on this class.
   */
  public static Artefacts of(Inventory inv, String host, NetworkdOptions options) {
    var policy = HostPolicy.of(inv, host);
    var files = new TreeMap<String, String>();
    files.put("nftables.nft", NftScript.file(NftCommand.replace(NftPolicy.tables(policy))));
    files.putAll(netfence.render.networkd.NetworkdFiles.of(policy, options));
    files.putAll(netfence.render.libvirt.LibvirtFiles.of(policy));
    files.putAll(netfence.render.nixos.NixosFiles.of(policy));
    return new Artefacts(files);
  }

  /** Writes every file under {@code dir}, removing files a previous compile made and this one does not. */
  public void writeTo(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path manifest = dir.resolve(MANIFEST);
    if (Files.exists(manifest)) {
      for (String old : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
        if (!old.isBlank() && !files.containsKey(old)) Files.deleteIfExists(dir.resolve(old).normalize());
      }
    }
    for (var e : files.entrySet()) {
      Path p = dir.resolve(e.getKey()).normalize();
      if (!p.startsWith(dir.normalize())) throw new IOException("refusing to write outside " + dir + ": " + e.getKey());
      Files.createDirectories(p.getParent());
      Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
      Files.writeString(tmp, e.getValue(), StandardCharsets.UTF_8);
      Files.move(tmp, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
    List<String> names = new ArrayList<>(files.keySet());
    Files.write(manifest, names, StandardCharsets.UTF_8);
  }
}
