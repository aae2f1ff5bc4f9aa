package dev.runbook.template;

import freemarker.cache.FileTemplateLoader;
import freemarker.cache.ConditionalTemplateConfigurationFactory;
import freemarker.cache.FileNameGlobMatcher;
import freemarker.cache.FirstMatchTemplateConfigurationFactory;
import freemarker.cache.TemplateConfigurationFactory;
import freemarker.core.TemplateClassResolver;
import freemarker.core.Environment;
import freemarker.core.TemplateConfiguration;
import freemarker.core.TemplateProcessingTracer;
import freemarker.template.Configuration;
import freemarker.template.DefaultObjectWrapperBuilder;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import freemarker.template.TemplateHashModel;
import freemarker.template.TemplateModel;
import freemarker.template.TemplateModelException;
import freemarker.template.TemplateNotFoundException;
import freemarker.core.ParseException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Guest-script templates (FreeMarker) from a {@code templates/} folder, or the ones shipped with this
 * program (packed in it), configured so that a template
 * cannot reach Java: no {@code ?new}, no {@code ?api}, undefined values are errors. Every template is in
 * one target language, known from its name ({@code .sh.ftl}, {@code .ps1.ftl}, {@code .yaml.ftl}...), and
 * its values are quoted for that language by {@link Quoting}.
 */
public final class Templates {

    /** Where the shipped templates are packed, on the class path. */
    private static final String SHIPPED = "templates";

    /** The folder, or null for the shipped templates. */
    private final Path root;
    private final Configuration config;

    /** The templates in a folder; a folder that does not exist has none, and says so in every message. */
    public Templates(Path root) {
        this(root, loader(root));
    }

    private Templates(Path root, freemarker.cache.TemplateLoader loader) {
        this.root = root;
        this.config = new Configuration(Configuration.VERSION_2_3_34);
        config.setTemplateLoader(loader);
        config.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
        config.setAPIBuiltinEnabled(false);
        config.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        config.setLogTemplateExceptions(false);
        config.setWrapUncheckedExceptions(true);
        config.setFallbackOnNullLoopVariable(false);
        config.setDefaultEncoding("UTF-8");
        config.setLocalizedLookup(false);
        config.setNumberFormat("computer");
        // [=value] interpolates, so ${...} stays the shell's and PowerShell's own.
        config.setInterpolationSyntax(Configuration.SQUARE_BRACKET_INTERPOLATION_SYNTAX);
        config.setObjectWrapper(new DefaultObjectWrapperBuilder(Configuration.VERSION_2_3_34).build());
        config.setRegisteredCustomOutputFormats(List.of(Quoting.SHELL, Quoting.POWERSHELL, Quoting.YAML, Quoting.INI));
        config.setAutoEscapingPolicy(Configuration.ENABLE_IF_SUPPORTED_AUTO_ESCAPING_POLICY);
        config.setTemplateConfigurations(new FirstMatchTemplateConfigurationFactory(
                LANGUAGES.entrySet().stream().map(e -> (TemplateConfigurationFactory) format(e.getKey(), e.getValue()))
                        .toArray(TemplateConfigurationFactory[]::new))
                .allowNoMatch(true));
    }

    /** The templates shipped with this program: the default when a runbook has no templates/ beside it. */
    public static Templates shipped() {
        return new Templates(null, new freemarker.cache.ClassTemplateLoader(Templates.class.getClassLoader(), SHIPPED));
    }

    /**
     * The templates a runbook uses: {@code override} when given, else {@code templates/} beside the
     * runbook's folder when there is one, else the shipped ones.
     */
    public static Templates forRunbook(Path runbookFile, Path override) {
        if (override != null) {
            return new Templates(override);
        }
        Path beside = beside(runbookFile);
        return Files.isDirectory(beside) ? new Templates(beside) : shipped();
    }

    private static freemarker.cache.TemplateLoader loader(Path root) {
        if (!Files.isDirectory(root)) {
            return new freemarker.cache.StringTemplateLoader(); // holds none: every lookup says where it looked
        }
        try {
            return new FileTemplateLoader(root.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the templates come from, for messages: a folder, or the shipped set. */
    public String where() {
        if (root == null) {
            return "the templates shipped with runbook";
        }
        return Files.isDirectory(root) ? root.toString() : root + " (no such folder; name one with --templates)";
    }

    /** The target language of a template, by its name; a template outside these is refused. */
    private static final Map<String, Quoting> LANGUAGES = languages();

    private static Map<String, Quoting> languages() {
        Map<String, Quoting> m = new LinkedHashMap<>();
        m.put("*.sh.ftl", Quoting.SHELL);
        m.put("*.ifcfg.ftl", Quoting.SHELL);
        m.put("*.ps1.ftl", Quoting.POWERSHELL);
        m.put("*.yaml.ftl", Quoting.YAML);
        m.put("*.service.ftl", Quoting.INI);
        m.put("*.nmconnection.ftl", Quoting.INI);
        m.put("*.network.ftl", Quoting.INI);
        return m;
    }

    private static ConditionalTemplateConfigurationFactory format(String glob, Quoting quoting) {
        TemplateConfiguration tc = new TemplateConfiguration();
        tc.setOutputFormat(quoting);
        return new ConditionalTemplateConfigurationFactory(new FileNameGlobMatcher(glob), tc);
    }

    /** The quoting a template's values get, by its file name; empty for a name of no known language. */
    public static Optional<Quoting> language(String name) {
        String file = name.substring(name.lastIndexOf('/') + 1);
        return LANGUAGES.entrySet().stream()
                .filter(e -> file.endsWith(e.getKey().substring(1)))
                .map(Map.Entry::getValue).findFirst();
    }

    /** What a template name must end with. */
    public static List<String> languageSuffixes() {
        return LANGUAGES.keySet().stream().map(g -> g.substring(1)).toList();
    }


    /** The template folder for a runbook file: {@code templates/} beside its folder. */
    public static Path beside(Path runbookFile) {
        Path dir = runbookFile.toAbsolutePath().getParent();
        Path parent = dir.getParent() != null ? dir.getParent() : dir;
        return parent.resolve("templates");
    }

    /** A template's file, for messages: in the folder, or under templates/ for a shipped one. */
    public String file(String name) {
        return root == null ? SHIPPED + "/" + name : root.resolve(name).toString();
    }

    public boolean exists(String name) {
        if (!isSafeName(name)) {
            return false;
        }
        if (root == null) {
            return Templates.class.getClassLoader().getResource(SHIPPED + "/" + name) != null;
        }
        return Files.isRegularFile(root.resolve(name));
    }

    /** A template name must stay inside the folder. */
    public static boolean isSafeName(String name) {
        return !name.isEmpty() && !name.startsWith("/") && !name.contains("..") && !name.contains("\\");
    }

    /** The parse error of a template, if any, with its line and column in the template. */
    public Optional<String> parseError(String name) {
        if (language(name).isEmpty()) {
            return Optional.of("template '" + name + "' has no known target language, so its values could not be "
                    + "quoted; name it with one of " + languageSuffixes());
        }
        try {
            config.getTemplate(name);
            return Optional.empty();
        } catch (TemplateNotFoundException e) {
            return Optional.of("template '" + name + "' does not exist in " + where());
        } catch (ParseException e) {
            return Optional.of(name + ":" + e.getLineNumber() + ":" + e.getColumnNumber() + ": "
                    + e.getEditorMessage());
        } catch (IOException e) {
            return Optional.of("cannot read template '" + name + "': " + e.getMessage());
        }
    }

    /** Renders a template with a data model of plain maps, lists, strings, numbers and booleans. */
    public String render(String name, Map<String, Object> model) throws RenderException {
        return render(name, model, Map.of(), read -> { });
    }

    /** A place where a template read a name given to it as an alias. */
    public record AliasRead(String alias, String file, int line, int column) {
    }

    /**
     * Renders a template with {@code aliases} bound too, each name to the value of the name it stands for
     * in {@code model}, and tells {@code reads} each place where the template reads one (once a place). Only
     * what renders for this model is seen: an alias in a branch not taken is not read.
     */
    public String render(String name, Map<String, Object> model, Map<String, String> aliases,
                         Consumer<AliasRead> reads) throws RenderException {
        if (language(name).isEmpty()) {
            throw new RenderException("template '" + name + "' has no known target language; name it with one of "
                    + languageSuffixes());
        }
        try {
            Template t = config.getTemplate(name);
            StringWriter out = new StringWriter();
            if (aliases.isEmpty()) {
                t.process(model, out);
                return out.toString();
            }
            Set<AliasRead> seen = new LinkedHashSet<>();
            Deque<TemplateProcessingTracer.TracedElement> at = new ArrayDeque<>();
            TemplateHashModel data = (TemplateHashModel) config.getObjectWrapper().wrap(model);
            TemplateHashModel root = new TemplateHashModel() {
                @Override
                public TemplateModel get(String key) throws TemplateModelException {
                    String target = aliases.get(key);
                    if (target == null) {
                        return data.get(key);
                    }
                    var element = at.peek();
                    seen.add(new AliasRead(key, file(name), element == null ? 1 : element.getBeginLine(),
                            element == null ? 1 : element.getBeginColumn()));
                    return data.get(target);
                }

                @Override
                public boolean isEmpty() throws TemplateModelException {
                    return data.isEmpty();
                }
            };
            Environment env = t.createProcessingEnvironment(root, out);
            env.setTemplateProcessingTracer(new TemplateProcessingTracer() {
                @Override
                public void enterElement(Environment e, TracedElement element) {
                    at.push(element);
                }

                @Override
                public void exitElement(Environment e, TracedElement element) {
                    at.pop();
                }
            });
            env.process();
            seen.forEach(reads);
            return out.toString();
        } catch (TemplateException e) {
            throw new RenderException(name + ":" + e.getLineNumber() + ":" + e.getColumnNumber() + ": "
                    + firstLine(e.getMessageWithoutStackTop()));
        } catch (IOException e) {
            throw new RenderException("cannot read template '" + name + "': " + e.getMessage());
        }
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("").trim();
    }

    /** A template failed to render. */
    public static final class RenderException extends Exception {
        public RenderException(String message) {
            super(message, null, false, false);
        }
    }
}
