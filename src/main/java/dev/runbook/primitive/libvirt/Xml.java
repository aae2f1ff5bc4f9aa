package dev.runbook.primitive.libvirt;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/** The little DOM work domain and network definitions need: parse, find children, write back. */
final class Xml {

    private Xml() {
    }

    /** One parser per thread: making a factory looks up services, which costs more than a small parse. */
    private static final ThreadLocal<DocumentBuilder> PARSER = ThreadLocal.withInitial(Xml::parser);
    private static final TransformerFactory TRANSFORMERS = TransformerFactory.newInstance();

    private static DocumentBuilder parser() {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setExpandEntityReferences(false);
            return factory.newDocumentBuilder();
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the platform's XML parser refuses secure processing", e);
        }
    }

    static Document parse(String xml) {
        try {
            DocumentBuilder parser = PARSER.get();
            parser.reset();
            Document doc = parser.parse(new InputSource(new StringReader(xml)));
            strip(doc.getDocumentElement());
            return doc;
        } catch (SAXException | IOException e) {
            throw new IllegalArgumentException("not well-formed XML: " + e.getMessage(), e);
        }
    }

    private static Transformer newTransformer() throws TransformerException {
        synchronized (TRANSFORMERS) {
            return TRANSFORMERS.newTransformer();
        }
    }

    static String write(Node node, boolean indent) {
        try {
            var transformer = newTransformer();
            transformer.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            transformer.setOutputProperty(OutputKeys.INDENT, indent ? "yes" : "no");
            if (indent) {
                transformer.setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
            }
            StringWriter out = new StringWriter();
            transformer.transform(new DOMSource(node), new StreamResult(out));
            return out.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException("a parsed document always serialises", e);
        }
    }

    static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            // An element an edit created (createElement) has no local name, only its tag name.
            if (nodes.item(i) instanceof Element e && name.equals(e.getLocalName() != null ? e.getLocalName() : e.getTagName())) {
                out.add(e);
            }
        }
        return out;
    }

    static Optional<Element> child(Element parent, String name) {
        List<Element> all = children(parent, name);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** The named child, appended when missing. */
    static Element ensure(Element parent, String name) {
        return child(parent, name).orElseGet(() -> {
            Element e = parent.getOwnerDocument().createElement(name);
            parent.appendChild(e);
            return e;
        });
    }

    static String attr(Element parent, String child, String attribute) {
        return child(parent, child).map(e -> e.getAttribute(attribute)).orElse("");
    }

    private static void strip(Node node) {
        NodeList nodes = node.getChildNodes();
        for (int i = nodes.getLength() - 1; i >= 0; i--) {
            Node n = nodes.item(i);
            if (n.getNodeType() == Node.TEXT_NODE && n.getTextContent().isBlank() && nodes.getLength() > 1) {
                node.removeChild(n);
            } else if (n.getNodeType() == Node.COMMENT_NODE) {
                node.removeChild(n);
            } else {
                strip(n);
            }
        }
    }
}
