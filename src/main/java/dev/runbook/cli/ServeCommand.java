package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import dev.runbook.app.Shipped;
import dev.runbook.server.Folders;
import dev.runbook.server.Server;
import dev.runbook.server.Tokens;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code runbook serve}: the progress endpoint, the JSON API and the page, over the journal. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the JSON API (described at /api/openapi.json), server-sent events and the live page "
                + "over the journal. Runs started elsewhere show up; mutating calls need the server's token, made on "
                + "first start (mode 0600) and shown once.")
final class ServeCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "7070", description = "TCP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only).")
    String bind;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Where the server's token is kept (default: server.token beside the journal).")
    Path tokenFile;

    @Option(names = "--runbooks", paramLabel = "DIR",
            description = "The folder whose runbooks the API plans and runs, by name (default: those installed with runbook).")
    Path runbooks;

    @Option(names = "--inventories", paramLabel = "DIR", defaultValue = ".",
            description = "The folder whose inventories the API plans with, by name (default: the working folder).")
    Path inventories;

    @Option(names = "--allowed-host", paramLabel = "NAME",
            description = "A host name clients use to reach the server, besides its IP addresses and localhost; repeatable.")
    java.util.List<String> allowedHosts = new java.util.ArrayList<>();

    @Mixin
    JournalOptions where;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        Path journal = where.file().toAbsolutePath();
        Path tokens = tokenFile != null ? tokenFile : journal.resolveSibling("server.token");
        String token;
        try {
            token = Tokens.token(tokens, made -> {
                out.println("token (shown once; kept in " + tokens + ", mode 0600): " + made);
            });
        } catch (Tokens.Refused e) {
            spec.commandLine().getErr().println("runbook: " + e.getMessage());
            return ExitCodes.INVALID;
        }
        if (!java.net.InetAddress.getByName(bind).isLoopbackAddress()) {
            spec.commandLine().getErr().println("warning: serving on " + bind + " without TLS: the token and the site's"
                    + " state cross the network in clear; bind 127.0.0.1 (the default) or put a TLS proxy in front");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        try (Server server = new Server(journal, token, new Folders(runbooks != null ? runbooks : Shipped.runbooks(), inventories), allowedHosts)
                .start(bind, port)) {
            out.println("serving http://" + bind + ":" + server.port() + "/ (journal " + journal + "); Ctrl-C stops");
            out.flush();
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
            stopped.await();
        }
        return ExitCodes.OK;
    }
}
