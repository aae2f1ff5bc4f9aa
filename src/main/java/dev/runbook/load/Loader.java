package dev.runbook.load;

import dev.runbook.model.Diagnostic;
import dev.runbook.model.Document;
import dev.runbook.model.Inventory;
import dev.runbook.model.RecoveryPlan;
import dev.runbook.model.Runbook;
import dev.runbook.model.SourceSpan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Reads runbook and inventory files: YAML, then the JSON Schema of their kind, then the model. */
public final class Loader {

    public enum Kind {
        RUNBOOK("Runbook", "runbook-v1"), INVENTORY("Inventory", "inventory-v1"),
        RECOVERY_PLAN("RecoveryPlan", "recovery-plan-v1");

        final String kind;
        final String schema;

        Kind(String kind, String schema) {
            this.kind = kind;
            this.schema = schema;
        }

        /** The file name of this kind's JSON Schema, in {@code schemas/} and on the class path. */
        public String schemaFile() {
            return schema + ".schema.json";
        }
    }

    private static final SchemaCheck RUNBOOK_SCHEMA = SchemaCheck.named(Kind.RUNBOOK.schema);
    private static final SchemaCheck INVENTORY_SCHEMA = SchemaCheck.named(Kind.INVENTORY.schema);
    private static final SchemaCheck RECOVERY_PLAN_SCHEMA = SchemaCheck.named(Kind.RECOVERY_PLAN.schema);

    private Loader() {
    }

    public static Loaded<Runbook> runbook(Path file) {
        return load(file, Kind.RUNBOOK, RunbookReader::read);
    }

    public static Loaded<Inventory> inventory(Path file) {
        return load(file, Kind.INVENTORY, InventoryReader::read);
    }

    public static Loaded<RecoveryPlan> recoveryPlan(Path file) {
        return load(file, Kind.RECOVERY_PLAN, RecoveryPlanReader::read);
    }

    public static Loaded<Runbook> runbook(String name, String text) {
        return load(name, text, Kind.RUNBOOK, RunbookReader::read);
    }

    public static Loaded<Inventory> inventory(String name, String text) {
        return load(name, text, Kind.INVENTORY, InventoryReader::read);
    }

    /** The kind a file declares, read leniently; empty when the file cannot be read or names none. */
    public static Optional<Kind> kindOf(Path file) {
        try {
            String text = BoundedFile.read(file);
            var read = YamlReader.read(file.toString(), text);
            return read.document().map(d -> d.root().path("kind").asText()).flatMap(k -> {
                for (Kind kind : Kind.values()) {
                    if (kind.kind.equals(k)) {
                        return Optional.of(kind);
                    }
                }
                return Optional.empty();
            });
        } catch (BoundedFile.Refused | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static <T> Loaded<T> load(Path file, Kind kind, Function<Document, T> reader) {
        String name = file.toString();
        String text;
        try {
            text = BoundedFile.read(file);
        } catch (BoundedFile.Refused e) {
            return failed(name, e.rule(), e.getMessage());
        }
        return load(name, text, kind, reader);
    }

    private static <T> Loaded<T> load(String name, String text, Kind kind, Function<Document, T> reader) {
        var read = YamlReader.read(name, text);
        List<Diagnostic> diagnostics = new ArrayList<>(read.diagnostics());
        if (read.document().isEmpty()) {
            return new Loaded<>(Optional.empty(), diagnostics);
        }
        Document doc = read.document().get();
        SchemaCheck schema = switch (kind) {
            case RUNBOOK -> RUNBOOK_SCHEMA;
            case INVENTORY -> INVENTORY_SCHEMA;
            case RECOVERY_PLAN -> RECOVERY_PLAN_SCHEMA;
        };
        String declared = doc.root().path("kind").asText();
        if (doc.root().isObject() && !declared.isEmpty() && !declared.equals(kind.kind)) {
            diagnostics.add(Diagnostic.error(doc.at("/kind"), "wrong-kind",
                    "expected a " + kind.kind + " but this file is a " + declared));
            return new Loaded<>(Optional.empty(), diagnostics);
        }
        diagnostics.addAll(schema.check(doc));
        if (diagnostics.stream().anyMatch(Diagnostic::isError)) {
            return new Loaded<>(Optional.empty(), diagnostics);
        }
        return new Loaded<>(Optional.of(reader.apply(doc)), diagnostics);
    }

    private static <T> Loaded<T> failed(String name, String rule, String message) {
        return new Loaded<>(Optional.empty(), List.of(Diagnostic.error(SourceSpan.start(name), rule, message)));
    }
}
