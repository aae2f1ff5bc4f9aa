package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import dev.runbook.app.Shipped;
import dev.runbook.server.Folders;
import dev.runbook.server.Server;
import dev.runbook.server.TlsIdentity;
import dev.runbook.server.Tokens;
import java.nio.file.Path;
import java.util.Optional;
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

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Serve HTTPS only, with this PEM certificate chain (the server's certificate first); needs --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "The PEM private key (unencrypted PKCS#8) of the --tls-cert certificate.")
    Path tlsKey;

    @Mixin
    JournalOptions where;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if ((tlsCert == null) != (tlsKey == null)) {
            err.println("runbook: " + (tlsCert == null ? "--tls-key " + tlsKey + " was given without --tls-cert"
                    : "--tls-cert " + tlsCert + " was given without --tls-key")
                    + "; give both (the PEM certificate chain and its private key) to serve HTTPS, or neither");
            return ExitCodes.INVALID;
        }
        Optional<TlsIdentity> tls = Optional.empty();
        try {
            if (tlsCert != null) {
                tls = Optional.of(TlsIdentity.read(tlsCert, tlsKey)); // before anything is made or started
            }
        } catch (TlsIdentity.Refused e) {
            err.println("runbook: " + e.getMessage());
            return ExitCodes.INVALID;
        }
        Path journal = where.file().toAbsolutePath();
        Path tokens = tokenFile != null ? tokenFile : journal.resolveSibling("server.token");
        String token;
        try {
            token = Tokens.token(tokens, made -> {
                out.println("token (shown once; kept in " + tokens + ", mode 0600): " + made);
            });
        } catch (Tokens.Refused e) {
            err.println("runbook: " + e.getMessage());
            return ExitCodes.INVALID;
        }
        if (tls.isEmpty() && !java.net.InetAddress.getByName(bind).isLoopbackAddress()) {
            err.println("warning: serving on " + bind + " without TLS: the token and the site's state cross the network"
                    + " in clear; bind 127.0.0.1 (the default), give --tls-cert and --tls-key, or put a TLS proxy in front");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Server made = new Server(journal, token, new Folders(runbooks != null ? runbooks : Shipped.runbooks(), inventories), allowedHosts);
        try (Server server = tls.isPresent() ? made.start(bind, port, tls.get()) : made.start(bind, port)) {
            out.println("serving " + (tls.isPresent() ? "https" : "http") + "://" + bind + ":" + server.port() + "/ (journal "
                    + journal + "); Ctrl-C stops");
            out.flush();
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
            stopped.await();
        }
        return ExitCodes.OK;
    }
}
