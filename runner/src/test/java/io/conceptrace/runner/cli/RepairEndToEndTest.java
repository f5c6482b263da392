package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny study, damaged the ways issue 13 found (a truncated base model, a truncated attribution
 * score file and ranking, a garbage probe record, a deleted re-probe record): {@code plan} reports
 * each as damaged, {@code report} refuses and keeps the previous report, {@code run} repairs the
 * study, and the repaired artifacts equal the originals byte for byte.
 */
@Tag("slow")
class RepairEndToEndTest {
  private static final String TINY = "src/test/resources/experiments/tiny.conf";

  @Test
  void damagedCellsAreReportedAndRepairedToTheSameBytes(@TempDir Path dir) throws Exception {
    String store = dir.resolve("runs").toString();
    String[] run = {"run", TINY, "--store", store, "-j", "1", "--threads", "1"};
    CliHarness first = CliHarness.run(run);
    assertThat(first.exitCode()).as(first.err()).isZero();
    RunStore runs = new RunStore(Path.of(store));
    Map<String, byte[]> original = artifacts(runs);
    Path reportPage = runs.cells("tiny", "report").get(0).artifact("report/index.html");
    byte[] reportBefore = Files.readAllBytes(reportPage);

    StoredCell base = first(runs, "train-base");
    StoredCell attribute = first(runs, "attribute");
    StoredCell probe = first(runs, "probe");
    StoredCell reprobe = first(runs, "reprobe");
    truncate(base.artifact("model/model.npz"), 100);
    truncate(attribute.artifact("scores.npy"), 10);
    truncate(attribute.artifact("ranking.csv"), 20);
    Files.writeString(probe.directory().resolve("cell.json"), "garbage");
    Files.delete(reprobe.directory().resolve("cell.json"));

    CliHarness plan = CliHarness.run("plan", TINY, "--store", store);
    assertThat(plan.exitCode()).isZero();
    assertThat(plan.out())
        .contains("(4 damaged)")
        .contains(base.record().cellId() + "  damaged  ")
        .contains(attribute.record().cellId() + "  damaged  ")
        .contains(probe.record().cellId() + "  damaged  ")
        .contains(reprobe.record().cellId() + "  damaged  ")
        .contains("model/model.npz has 100 bytes, cell.json records ")
        .contains("cell.json is not a cell record: ")
        .contains("cell.json is missing");
    assertThat(plan.out()).containsPattern("ranking.csv has 20 bytes|scores.npy has 10 bytes");

    CliHarness verify = CliHarness.run("verify", TINY, "--store", store);
    assertThat(verify.exitCode()).isEqualTo(ExitCode.RUN_FAILED);
    assertThat(verify.out().lines().filter(l -> l.startsWith("damaged "))).hasSize(4);

    // The report cannot be redrawn from damaged results, says so, and the old one stays.
    CliHarness report = CliHarness.run("report", TINY, "--store", store);
    assertThat(report.exitCode()).isEqualTo(ExitCode.RUN_FAILED);
    assertThat(report.err()).contains("have no intact result");
    assertThat(Files.readAllBytes(reportPage)).isEqualTo(reportBefore);

    CliHarness repair = CliHarness.run(run);
    assertThat(repair.exitCode()).as(repair.err()).isZero();
    assertThat(repair.err()).contains("(4 damaged)").contains("damaged train-base m");
    assertThat(CliHarness.run("verify", TINY, "--store", store).exitCode()).isZero();
    Map<String, byte[]> after = artifacts(runs);
    assertThat(after.keySet()).isEqualTo(original.keySet());
    List<String> differing =
        original.keySet().stream()
            .filter(k -> !Arrays.equals(original.get(k), after.get(k)))
            .toList();
    assertThat(differing).as("artifacts that differ after the repair").isEmpty();
    // The damaged directories were kept under .attempts.
    assertThat(dir.resolve("runs/tiny/.attempts/train-base").resolve(base.record().cellId()))
        .isDirectory();
  }

  private static StoredCell first(RunStore runs, String stage) {
    return runs.cells("tiny", stage).get(0);
  }

  private static void truncate(Path file, long length) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(length);
    }
  }

  /**
   * A file's bytes, except for what records when rather than what: a model archive is compared by
   * its entries (zip entry times are the write time until model files are written reproducibly),
   * and {@code training.json} without its per-epoch speed and duration.
   */
  private static byte[] comparable(Path file) throws IOException {
    String name = file.getFileName().toString();
    if (name.endsWith(".npz")) {
      ByteArrayOutputStream entries = new ByteArrayOutputStream();
      try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
        for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
          entries.write(e.getName().getBytes(StandardCharsets.UTF_8));
          entries.write(zip.readAllBytes());
        }
      }
      return entries.toByteArray();
    }
    if (name.equals("training.json")) {
      ObjectMapper json = new ObjectMapper();
      JsonNode tree = json.readTree(file.toFile());
      for (JsonNode epoch : tree.path("history")) {
        ((ObjectNode) epoch).remove(List.of("imagesPerSecond", "seconds"));
      }
      return json.writeValueAsBytes(tree);
    }
    return Files.readAllBytes(file);
  }

  /**
   * Every artifact's bytes by {@code STAGE/COORDINATES/FILE}. Metrics (wall-clock timestamps) and
   * the HTML page (it shows run times) are left out.
   */
  private static Map<String, byte[]> artifacts(RunStore runs) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    for (StoredCell c : runs.cells("tiny")) {
      String key =
          c.record().stage()
              + "/"
              + new LinkedHashMap<>(new TreeMap<>(c.record().coordinates()))
              + "/"
              + c.record().cellId();
      for (String a : c.artifacts()) {
        if (!a.endsWith(".html")) {
          out.put(key + "/" + a, comparable(c.artifact(a)));
        }
      }
    }
    return out;
  }
}
