package netfence.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** The packet-rate ratio against the VM count, on a log axis, as a PNG (Java2D, no dependency). */
final class Plot {
  private Plot() {}

  static void ratios(List<DataPlaneBench.Result> dp, Path file) throws IOException {
    int w = 900;
    int h = 560;
    int left = 80;
    int right = 250;
    int top = 50;
    int bottom = 70;
    var img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    int[] counts = dp.stream().mapToInt(DataPlaneBench.Result::vms).distinct().sorted().toArray();
    double minX = Math.log10(Math.max(1, counts[0]));
    double maxX = Math.log10(Math.max(10, counts[counts.length - 1]));
    double maxY = 1.2;
    int pw = w - left - right;
    int ph = h - top - bottom;
    g.setColor(new Color(230, 230, 230));
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (double y = 0; y <= maxY + 1e-9; y += 0.2) {
      int py = top + ph - (int) (y / maxY * ph);
      g.setColor(new Color(230, 230, 230));
      g.drawLine(left, py, left + pw, py);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format("%.1f", y), left - 35, py + 4);
    }
    for (int c : counts) {
      int px = left + (int) ((Math.log10(Math.max(1, c)) - minX) / (maxX - minX) * pw);
      g.setColor(new Color(230, 230, 230));
      g.drawLine(px, top, px, top + ph);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format("%,d", c), px - 15, top + ph + 20);
    }
    g.setColor(Color.BLACK);
    g.drawRect(left, top, pw, ph);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.drawString("Packet rate as a ratio to no filter (same run), small UDP frames", left, 30);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    g.drawString("VMs in the policy (log scale)", left + pw / 2 - 90, h - 25);
    Color[] colours = {new Color(0, 114, 178), new Color(0, 158, 115), new Color(213, 94, 0), new Color(204, 121, 167)};
    int legend = 0;
    for (var path : DataPlaneBench.Path.values()) {
      for (var mode : new DataPlaneBench.Mode[] {DataPlaneBench.Mode.NETFENCE, DataPlaneBench.Mode.RULE_PER_VM}) {
        Color col = colours[legend % colours.length];
        g.setColor(col);
        g.setStroke(new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10,
            mode == DataPlaneBench.Mode.RULE_PER_VM ? new float[] {8, 6} : null, 0));
        int prevX = -1;
        int prevY = -1;
        for (int c : counts) {
          double none = Report.pps(dp, path, c, DataPlaneBench.Mode.NONE);
          double v = Report.pps(dp, path, c, mode);
          if (Double.isNaN(none) || Double.isNaN(v)) continue;
          int px = left + (int) ((Math.log10(Math.max(1, c)) - minX) / (maxX - minX) * pw);
          int py = top + ph - (int) (Math.min(maxY, v / none) / maxY * ph);
          g.fillOval(px - 4, py - 4, 8, 8);
          if (prevX >= 0) g.drawLine(prevX, prevY, px, py);
          prevX = px;
          prevY = py;
        }
        int ly = top + 20 + legend * 24;
        g.drawLine(left + pw + 20, ly, left + pw + 50, ly);
        g.setColor(Color.BLACK);
        g.drawString(path.name().toLowerCase() + ", " + mode.label, left + pw + 58, ly + 5);
        legend++;
      }
    }
    g.dispose();
    ImageIO.write(img, "png", file.toFile());
  }
}
