package io.conceptrace.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CellClaimsTest {
  @TempDir Path root;

  private CellClaims claims(Duration staleAfter) {
    return new CellClaims(new RunStore(root), "exp", Duration.ofMillis(50), staleAfter);
  }

  @Test
  void aHeldClaimIsRefusedUntilReleased() throws Exception {
    try (CellClaims first = claims(Duration.ofMinutes(2));
        CellClaims second = claims(Duration.ofMinutes(2))) {
      CellClaims.Claim held = first.tryClaim("probe", "c1").orElseThrow();
      assertThat(second.tryClaim("probe", "c1")).isEmpty();
      assertThat(second.owner("probe", "c1").orElseThrow().pid())
          .isEqualTo(ProcessHandle.current().pid());
      assertThat(second.tryClaim("probe", "c2")).isPresent();
      held.close();
      assertThat(second.tryClaim("probe", "c1")).isPresent();
    }
    // Closing releases everything still held.
    assertThat(Files.list(root.resolve("exp/.claims"))).isEmpty();
  }

  @Test
  void theHeartbeatRenewsAHeldClaim() throws Exception {
    try (CellClaims c = claims(Duration.ofMinutes(2))) {
      c.tryClaim("probe", "c1").orElseThrow();
      Path file = root.resolve("exp/.claims/probe~c1.json");
      Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(3600)));
      Thread.sleep(300);
      assertThat(Files.getLastModifiedTime(file).toInstant())
          .isAfter(Instant.now().minusSeconds(60));
    }
  }

  @Test
  void aClaimOfADeadProcessOnThisHostIsTakenOver() throws Exception {
    writeClaim("probe~c1.json", TempName.host(), 999_999_999L, Instant.now());
    try (CellClaims c = claims(Duration.ofMinutes(2))) {
      CellClaims.Claim mine = c.tryClaim("probe", "c1").orElseThrow();
      assertThat(mine.owner().pid()).isEqualTo(ProcessHandle.current().pid());
      assertThat(c.owner("probe", "c1").orElseThrow().nonce()).isEqualTo(mine.owner().nonce());
    }
  }

  @Test
  void anotherHostsClaimIsRespectedWhileItsHeartbeatIsFreshAndTakenOverWhenOld() throws Exception {
    Path file = writeClaim("probe~c1.json", "some-other-node", 42, Instant.now());
    try (CellClaims c = claims(Duration.ofSeconds(30))) {
      assertThat(c.tryClaim("probe", "c1")).isEmpty();
      Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(31)));
      assertThat(c.tryClaim("probe", "c1")).isPresent();
      assertThat(c.owner("probe", "c1").orElseThrow().host()).isEqualTo(TempName.host());
    }
  }

  private Path writeClaim(String name, String host, long pid, Instant at) throws Exception {
    Path dir = Files.createDirectories(root.resolve("exp/.claims"));
    Path file = dir.resolve(name);
    Files.write(file, Json.pretty(new ClaimOwner(host, pid, null, "n-" + pid, at)));
    return file;
  }
}
