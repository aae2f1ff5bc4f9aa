package dev.runbook.template;

import freemarker.cache.FileTemplateLoader;
import freemarker.cache.ConditionalTemplateConfigurationFactory;
import freemarker.cache.FileNameGlobMatcher;
import freemarker.cache.FirstMatchTemplateConfigurationFactory;
import freemarker.cache.TemplateConfigurationFactory;
import freemarker.core.TemplateClassResolver;
import freemarker.core.TemplateConfiguration;
import freemarker.template.Configuration;
import freemarker.template.DefaultObjectWrapperBuilder;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import freemarker.template.TemplateNotFoundException;
import freemarker.core.ParseException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Guest-script templates (FreeMarker) from a {@code templates/} folder, configured so that a template
 * cannot reach Java: no {@code ?new}, no {@code ?api}, undefined values are errors. Every template is in
 * one target language, known from its name ({@code .sh.ftl}, {@code .ps1.ftl}, {@code .yaml.ftl}...), and
 * its values are quoted for that language by {@link Quoting}.
 */
public final class Templates {

    private final Path root;
    private final Configuration config;

    public Templates(Path root) {
        this.root = root;
        this.config = new Configuration(Configuration.VERSION_2_3_34);
        try {
            config.setTemplateLoader(new FileTemplateLoader(root.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

    public Path root() {
        return root;
    }

    /** The template folder for a runbook file: {@code templates/} beside its folder. */
    public static Path beside(Path runbookFile) {
        Path dir = runbookFile.toAbsolutePath().getParent();
        Path parent = dir.getParent() != null ? dir.getParent() : dir;
        return parent.resolve("templates");
    }

    public boolean exists(String name) {
        return isSafeName(name) && Files.isRegularFile(root.resolve(name));
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
            return Optional.of("template '" + name + "' does not exist under " + root);
        } catch (ParseException e) {
            return Optional.of(name + ":" + e.getLineNumber() + ":" + e.getColumnNumber() + ": "
                    + e.getEditorMessage());
        } catch (IOException e) {
            return Optional.of("cannot read template '" + name + "': " + e.getMessage());
        }
    }

    /** Renders a template with a data model of plain maps, lists, strings, numbers and booleans. */
    public String render(String name, Map<String, Object> model) throws RenderException {
        if (language(name).isEmpty()) {
            throw new RenderException("template '" + name + "' has no known target language; name it with one of "
                    + languageSuffixes());
        }
        try {
            Template t = config.getTemplate(name);
            StringWriter out = new StringWriter();
            t.process(model, out);
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
