package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.primitive.PrimitiveException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The edits a failover makes to a domain definition, each on the XML libvirt gave, and the facet of a
 * definition each one changes, by which a cut-off edit is later recognised.
 */
final class Definitions {

    private Definitions() {
    }

    /** One edit of a parsed definition. */
    @FunctionalInterface
    interface Edit {
        void apply(Element domain) throws PrimitiveException;
    }

    static String edit(String xml, Edit edit) throws PrimitiveException {
        Document doc = Xml.parse(xml);
        edit.apply(doc.getDocumentElement());
        return Xml.write(doc.getDocumentElement(), true);
    }

    static Edit compute(int vcpus, int memoryMiB) {
        return domain -> {
            Xml.ensure(domain, "vcpu").setTextContent(Integer.toString(vcpus));
            String kib = Long.toString(memoryMiB * 1024L);
            for (String name : List.of("memory", "currentMemory")) {
                Element e = Xml.ensure(domain, name);
                e.setAttribute("unit", "KiB");
                e.setTextContent(kib);
            }
        };
    }

    /**
     * Makes {@code rootDisk} the first disk and the boot disk: it takes the first target name of its bus
     * and boot order 1; the other disks keep their order after it. Boot order moves from {@code <os>}
     * onto the disk, as libvirt allows only one of the two.
     */
    static Edit bootDisk(String rootDisk, String domainName) {
        return domain -> {
            Element devices = Xml.ensure(domain, "devices");
            List<Element> disks = Xml.children(devices, "disk").stream()
                    .filter(d -> "disk".equals(d.getAttribute("device")) || d.getAttribute("device").isEmpty())
                    .toList();
            Element root = disks.stream().filter(d -> rootDisk.equals(Xml.attr(d, "source", "file"))).findFirst()
                    .orElseThrow(() -> new PrimitiveException("disk " + rootDisk + " is not attached to domain '"
                            + domainName + "'"));
            List<Element> ordered = new ArrayList<>(disks);
            ordered.remove(root);
            ordered.add(0, root);
            List<String> targets = disks.stream().map(d -> Xml.attr(d, "target", "dev"))
                    .sorted(Comparator.comparing(String::length).thenComparing(Comparator.naturalOrder())).toList();
            org.w3c.dom.Node anchor = disks.get(0);
            for (Element d : ordered) {
                devices.insertBefore(d, anchor);
                anchor = d.getNextSibling();
            }
            // The target names, in their own order, go to the disks in the new order.
            for (int i = 0; i < ordered.size(); i++) {
                Element target = Xml.ensure(ordered.get(i), "target");
                target.setAttribute("dev", targets.get(i));
            }
            for (Element d : disks) {
                // Old boot orders go; addresses are recomputed by libvirt for the renamed targets.
                Xml.children(d, "boot").forEach(d::removeChild);
                Xml.children(d, "address").forEach(d::removeChild);
            }
            Xml.children(Xml.ensure(domain, "os"), "boot").forEach(b -> b.getParentNode().removeChild(b));
            Element boot = domain.getOwnerDocument().createElement("boot");
            boot.setAttribute("order", "1");
            root.appendChild(boot);
        };
    }

    /** Attaches each NIC, found by MAC, to its network; each network must exist and be active. */
    static Edit networks(JsonNode nics, String domainName) {
        return domain -> {
            Element devices = Xml.ensure(domain, "devices");
            for (JsonNode wanted : nics) {
                String mac = wanted.path("mac").asText().toLowerCase(Locale.ROOT);
                Element nic = Xml.children(devices, "interface").stream()
                        .filter(i -> mac.equals(Xml.attr(i, "mac", "address").toLowerCase(Locale.ROOT)))
                        .findFirst()
                        .orElseThrow(() -> new PrimitiveException("domain '" + domainName + "' has no NIC with MAC "
                                + wanted.path("mac").asText()));
                nic.setAttribute("type", "network");
                Xml.children(nic, "source").forEach(nic::removeChild);
                Xml.children(nic, "target").forEach(nic::removeChild);
                Element source = domain.getOwnerDocument().createElement("source");
                source.setAttribute("network", wanted.path("network").asText());
                nic.insertBefore(source, Xml.child(nic, "mac").map(org.w3c.dom.Node::getNextSibling).orElse(null));
            }
        };
    }

    static Edit firmware(String firmware, String domainName) {
        return domain -> {
            Element os = Xml.ensure(domain, "os");
            switch (firmware) {
                case "uefi" -> os.setAttribute("firmware", "efi");
                case "bios" -> {
                    os.removeAttribute("firmware");
                    Xml.children(os, "loader").forEach(os::removeChild);
                    Xml.children(os, "nvram").forEach(os::removeChild);
                }
                default -> throw new PrimitiveException("firmware '" + firmware + "' of domain '" + domainName
                        + "' is neither bios nor uefi");
            }
        };
    }

    /**
     * Removes what a hypervisor fills in at run time (the host-side name of each NIC's tap device), so
     * that a definition read while a domain runs equals the one read while it is off.
     */
    static void dropRuntime(Element domain) {
        Xml.child(domain, "devices").ifPresent(devices -> {
            for (Element nic : Xml.children(devices, "interface")) {
                Xml.children(nic, "target").forEach(nic::removeChild);
                Xml.children(nic, "alias").forEach(nic::removeChild);
            }
        });
    }

    /** The definition in a form two definitions compare by: no whitespace, no run-time names. */
    static String comparable(String xml) {
        Element domain = Xml.parse(xml).getDocumentElement();
        dropRuntime(domain);
        return Xml.write(domain, false);
    }

    /** True when the domain has ACPI, without which a guest cannot be asked to shut down. */
    static boolean hasAcpi(String xml) {
        Element domain = Xml.parse(xml).getDocumentElement();
        return Xml.child(domain, "features").flatMap(f -> Xml.child(f, "acpi")).isPresent();
    }

    /** What a failover edit changes in a definition: compute, disk order, NIC networks and firmware. */
    static String facets(String xml) {
        Element domain = Xml.parse(xml).getDocumentElement();
        StringBuilder out = new StringBuilder();
        out.append("vcpu=").append(Xml.child(domain, "vcpu").map(Element::getTextContent).orElse(""));
        out.append(" memory=").append(Xml.child(domain, "memory").map(Element::getTextContent).orElse(""));
        out.append(" firmware=").append(Xml.attr(domain, "os", "firmware"));
        Element devices = Xml.child(domain, "devices").orElse(domain);
        for (Element d : Xml.children(devices, "disk")) {
            out.append(" disk=").append(Xml.attr(d, "source", "file")).append('@').append(Xml.attr(d, "target", "dev"));
        }
        for (Element i : Xml.children(devices, "interface")) {
            out.append(" nic=").append(Xml.attr(i, "mac", "address")).append('>')
                    .append(Xml.attr(i, "source", "network"));
        }
        return out.toString();
    }
}
