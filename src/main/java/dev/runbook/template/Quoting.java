package dev.runbook.template;

import freemarker.core.CommonMarkupOutputFormat;
import freemarker.core.CommonTemplateMarkupOutputModel;
import freemarker.template.TemplateModelException;
import java.io.IOException;
import java.io.Writer;
import java.util.function.UnaryOperator;

/**
 * An auto-escaping FreeMarker output format for one target language. Every {@code ${value}} in a template
 * of this format is written as one complete, literal token of the language: a shell word, a PowerShell
 * string, a YAML scalar. A value holding a control character (a newline above all, which would end a
 * comment or a line and start a new command) is refused, whatever the language.
 */
public final class Quoting extends CommonMarkupOutputFormat<Quoting.Markup> {

    /** POSIX shell: a single-quoted word; a quote inside becomes {@code '\''}. */
    public static final Quoting SHELL = new Quoting("shell", "text/x-shellscript",
            s -> "'" + s.replace("'", "'\\''") + "'");

    /**
     * PowerShell: a single-quoted (verbatim) string. PowerShell also takes the typographic single quotes
     * U+2018 to U+201B as quotes, so those are doubled like the ASCII one.
     */
    public static final Quoting POWERSHELL = new Quoting("powershell", "text/x-powershell", s -> {
        StringBuilder out = new StringBuilder("'");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(c);
            if (c == '\'' || (c >= '\u2018' && c <= '\u201B')) {
                out.append(c);
            }
        }
        return out.append('\'').toString();
    });

    /** YAML: a double-quoted scalar; backslash and double quote are escaped. */
    public static final Quoting YAML = new Quoting("yaml", "application/yaml",
            s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");

    /**
     * INI-style files with no quoting of their own (NetworkManager keyfiles, systemd units and
     * .network files): a value is written as it is, and only a plain token is accepted: letters,
     * digits and {@code . : / - _ , @ +}. Anything else is refused rather than guessed at.
     */
    public static final Quoting INI = new Quoting("ini", "text/plain", s -> {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && ".:/-_,@+".indexOf(c) < 0) {
                throw new IllegalArgumentException("character '" + c + "' (U+" + String.format("%04X", (int) c)
                        + ") has no safe form in an INI value");
            }
        }
        return s;
    });

    private final String name;
    private final String mimeType;
    private final UnaryOperator<String> quote;

    private Quoting(String name, String mimeType, UnaryOperator<String> quote) {
        this.name = name;
        this.mimeType = mimeType;
        this.quote = quote;
    }

    /** The literal token for {@code value}; refuses control characters. */
    public String quote(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
                throw new IllegalArgumentException("a control character (U+" + String.format("%04X", (int) c)
                        + ") cannot be written into a " + name + " file");
            }
        }
        return quote.apply(value);
    }

    @Override
    public String escapePlainText(String plainText) throws TemplateModelException {
        try {
            return quote(plainText);
        } catch (IllegalArgumentException e) {
            throw new TemplateModelException("value refused: " + e.getMessage());
        }
    }

    @Override
    public void output(String textToEsc, Writer out) throws IOException, TemplateModelException {
        out.write(escapePlainText(textToEsc));
    }

    @Override
    public boolean isLegacyBuiltInBypassed(String builtInName) {
        return false;
    }

    @Override
    protected Markup newTemplateMarkupOutputModel(String plainTextContent, String markupContent) {
        return new Markup(this, plainTextContent, markupContent);
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String getMimeType() {
        return mimeType;
    }

    /** Text already in this format's markup. */
    public static final class Markup extends CommonTemplateMarkupOutputModel<Markup> {
        private final Quoting format;

        Markup(Quoting format, String plainTextContent, String markupContent) {
            super(plainTextContent, markupContent);
            this.format = format;
        }

        @Override
        public Quoting getOutputFormat() {
            return format;
        }
    }
}
