package io.quorum.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Lists, shows or cancels jobs through the trainer's HTTP API. With {@code QUORUM_SECURITY_API_TOKEN} in the
 * environment every request carries {@code Authorization: Bearer <token>}, which the trainer requires for
 * {@code cancel} when it has a token configured.
 */
@Command(name = "jobs", description = "List training jobs, show one, cancel one, or list job kinds (trainer HTTP API).")
final class JobsCommand implements Callable<Integer> {

    @Parameters(index = "0", defaultValue = "list", description = "list | show <id> | cancel <id> | kinds")
    String action;

    @Parameters(index = "1", arity = "0..1")
    String id;

    @Option(names = "--trainer", defaultValue = "http://localhost:8083", description = "trainer base URL")
    String trainer;

    /** Environment variable holding the API token (the trainer's {@code quorum.security.api-token}). */
    static final String TOKEN_ENV = "QUORUM_SECURITY_API_TOKEN";

    @Override
    public Integer call() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest.Builder b = switch (action) {
            case "list" -> HttpRequest.newBuilder(URI.create(trainer + "/jobs")).GET();
            case "kinds" -> HttpRequest.newBuilder(URI.create(trainer + "/jobs/kinds")).GET();
            case "show" -> HttpRequest.newBuilder(URI.create(trainer + "/jobs/" + require())).GET();
            case "cancel" -> HttpRequest.newBuilder(URI.create(trainer + "/jobs/" + require())).DELETE();
            default -> throw new IllegalArgumentException("unknown action " + action);
        };
        String token = System.getenv(TOKEN_ENV);
        if (token != null && !token.isBlank()) {
            b.header("Authorization", "Bearer " + token.strip());
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        System.out.println(r.body());
        if (r.statusCode() == 401) {
            System.err.println("the trainer requires an API token: set " + TOKEN_ENV);
        }
        return r.statusCode() < 300 ? 0 : 1;
    }

    private String require() {
        if (id == null) {
            throw new IllegalArgumentException(action + " needs a job id");
        }
        return id;
    }
}
