package io.conceptrace.mlflow;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.mlflow.tracking.creds.BasicMlflowHostCreds;
import org.mlflow.tracking.creds.MlflowHostCredsProvider;

/**
 * A tracking server's address and the credentials to reach it. Credentials come only from the
 * environment ({@code MLFLOW_TRACKING_TOKEN}, or {@code MLFLOW_TRACKING_USERNAME} and {@code
 * MLFLOW_TRACKING_PASSWORD}); they are never logged, printed or stored: {@link #toString()} shows
 * the URI only.
 */
public final class MlflowConnection {
  public static final String ENV_URI = "MLFLOW_TRACKING_URI";
  public static final String ENV_TOKEN = "MLFLOW_TRACKING_TOKEN";
  public static final String ENV_USERNAME = "MLFLOW_TRACKING_USERNAME";
  public static final String ENV_PASSWORD = "MLFLOW_TRACKING_PASSWORD";

  private final String uri;
  private final String token;
  private final String username;
  private final String password;

  private MlflowConnection(String uri, String token, String username, String password) {
    this.uri = uri;
    this.token = token;
    this.username = username;
    this.password = password;
  }

  /** A connection without credentials (a local server). */
  public static MlflowConnection of(String uri) {
    return new MlflowConnection(normalise(uri), null, null, null);
  }

  /**
   * The tracking server to use, if any. Precedence: the {@code --tracking-uri} option, then the
   * experiment's {@code tracking.uri}, then {@code MLFLOW_TRACKING_URI}. Credentials come from
   * {@code env}.
   *
   * @param option the command-line option, or {@code null}
   * @param experimentSetting the experiment file's {@code tracking.uri}, or {@code null}
   * @throws IllegalArgumentException if the chosen URI is not an http(s) URL (one-line message)
   */
  public static Optional<MlflowConnection> resolve(
      String option, String experimentSetting, Map<String, String> env) {
    String chosen = firstNonBlank(option, experimentSetting, env.get(ENV_URI));
    if (chosen == null) {
      return Optional.empty();
    }
    String token = blankToNull(env.get(ENV_TOKEN));
    String user = blankToNull(env.get(ENV_USERNAME));
    String pass = blankToNull(env.get(ENV_PASSWORD));
    if (token == null && (user == null) != (pass == null)) {
      throw new IllegalArgumentException(
          "set both " + ENV_USERNAME + " and " + ENV_PASSWORD + ", or neither");
    }
    return Optional.of(new MlflowConnection(normalise(chosen), token, user, pass));
  }

  /** The server's base URL without a trailing slash, e.g. {@code http://127.0.0.1:5000}. */
  public String uri() {
    return uri;
  }

  /** Credentials for the MLflow Java client. */
  MlflowHostCredsProvider hostCreds() {
    if (token != null) {
      return new BasicMlflowHostCreds(uri, token);
    }
    if (username != null) {
      return new BasicMlflowHostCreds(uri, username, password);
    }
    return new BasicMlflowHostCreds(uri);
  }

  /** Adds the same credentials to a plain HTTP request (artifact uploads). */
  HttpRequest.Builder authorize(HttpRequest.Builder request) {
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    } else if (username != null) {
      String basic = username + ":" + password;
      request.header(
          "Authorization",
          "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
    }
    return request;
  }

  @Override
  public String toString() {
    return uri;
  }

  private static String normalise(String raw) {
    String s = raw.strip();
    URI parsed;
    try {
      parsed = URI.create(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("tracking URI is not a URL: " + s);
    }
    String scheme = parsed.getScheme();
    if (scheme == null
        || !(scheme.equals("http") || scheme.equals("https"))
        || parsed.getHost() == null) {
      throw new IllegalArgumentException(
          "tracking URI must be an http(s) URL of an MLflow server (e.g. http://127.0.0.1:5000): "
              + s);
    }
    if (parsed.getUserInfo() != null) {
      throw new IllegalArgumentException(
          "put credentials in "
              + ENV_USERNAME
              + "/"
              + ENV_PASSWORD
              + " or "
              + ENV_TOKEN
              + ", not in the tracking URI");
    }
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }

  private static String firstNonBlank(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  private static String blankToNull(String v) {
    return v == null || v.isBlank() ? null : v;
  }
}
