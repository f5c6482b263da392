package io.conceptrace.mlflow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Uploads a run's artifact files without Python. The MLflow Java client can only upload by calling
 * a local Python {@code mlflow}; this class instead supports the two artifact locations a JVM can
 * reach by itself:
 *
 * <ul>
 *   <li>{@code mlflow-artifacts:/...} — the tracking server's artifact proxy ({@code mlflow server}
 *       serves it by default since MLflow 2.0): each file is sent with an HTTP {@code PUT} to
 *       {@code /api/2.0/mlflow-artifacts/artifacts/<path>}, with the connection's credentials;
 *   <li>{@code file:/...} — a directory this machine can write (a local server started without the
 *       proxy, or a shared file system): files are copied.
 * </ul>
 *
 * Any other artifact store (S3, GCS, Azure, HDFS, ...) needs the server to proxy it: start it with
 * {@code mlflow server --artifacts-destination s3://bucket/path} (and the store's credentials on
 * the server), then runs get {@code mlflow-artifacts:} locations and this class can upload.
 */
final class ArtifactUploader {
  private static final String PROXY_PATH = "/api/2.0/mlflow-artifacts/artifacts";

  private final MlflowConnection connection;
  private final HttpClient http;

  ArtifactUploader(MlflowConnection connection) {
    this.connection = connection;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  /** Thrown when a run's artifact location is one this class cannot write. */
  static final class UnsupportedArtifactStoreException extends RuntimeException {
    UnsupportedArtifactStoreException(String artifactUri) {
      super(
          "cannot upload artifacts to "
              + artifactUri
              + " from Java; start the server with --artifacts-destination (proxied artifacts)");
    }
  }

  /**
   * Uploads every regular file under {@code dir} to the run's artifact location, keeping relative
   * paths. Returns how many files were uploaded.
   */
  int uploadDirectory(String artifactUri, Path dir) {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list artifacts in " + dir, e);
    }
    for (Path f : files) {
      upload(artifactUri, dir.relativize(f).toString().replace('\\', '/'), f);
    }
    return files.size();
  }

  /** Uploads one file as {@code relativePath} under the run's artifact location. */
  void upload(String artifactUri, String relativePath, Path file) {
    URI location = URI.create(artifactUri);
    String scheme = location.getScheme();
    if ("mlflow-artifacts".equals(scheme)) {
      put(location.getPath(), relativePath, file);
    } else if (("file".equals(scheme) || scheme == null)
        && location.getPath() != null
        && Path.of(location.getPath()).isAbsolute()) {
      // A relative location is relative to the server's directory, not ours: not writable here.
      copy(Path.of(location.getPath()), relativePath, file);
    } else {
      throw new UnsupportedArtifactStoreException(artifactUri);
    }
  }

  private void put(String runArtifactPath, String relativePath, Path file) {
    StringBuilder url = new StringBuilder(connection.uri()).append(PROXY_PATH);
    for (String segment : (runArtifactPath + "/" + relativePath).split("/")) {
      if (!segment.isEmpty()) {
        url.append('/').append(encodeSegment(segment));
      }
    }
    try {
      long size = Files.size(file);
      // Generous: a minute plus one second per megabyte, so only a stalled server times out.
      Duration timeout = Duration.ofSeconds(60 + size / 1_000_000);
      HttpRequest request =
          connection
              .authorize(HttpRequest.newBuilder(URI.create(url.toString())))
              .timeout(timeout)
              .header("Content-Type", "application/octet-stream")
              .PUT(HttpRequest.BodyPublishers.ofFile(file))
              .build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        throw new IOException(
            "artifact upload of "
                + relativePath
                + " answered HTTP "
                + response.statusCode()
                + ": "
                + firstLine(response.body()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted while uploading " + file));
    }
  }

  private static void copy(Path root, String relativePath, Path file) {
    Path target = root.resolve(relativePath).normalize();
    if (!target.startsWith(root)) {
      throw new IllegalArgumentException("artifact path escapes the run: " + relativePath);
    }
    try {
      Files.createDirectories(target.getParent());
      Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy artifact to " + target, e);
    }
  }

  /** Percent-encodes one path segment (RFC 3986 unreserved characters stay). */
  static String encodeSegment(String segment) {
    StringBuilder b = new StringBuilder();
    for (byte x : segment.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      boolean unreserved =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '.'
              || c == '_'
              || c == '~';
      if (unreserved) {
        b.append((char) c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        b.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return b.toString();
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }
}
