package dev.runbook.server;

import dev.runbook.load.BoundedFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * What the server presents over TLS: its certificate chain and private key, read from two PEM files and
 * checked to belong together before anything starts, so that a bad pair stops {@code runbook serve} with
 * one line that names the file and says what to do.
 */
public final class TlsIdentity {

    /** A certificate chain is a few KiB; a file far larger is not one. */
    private static final long MAX_BYTES = 1 << 20;
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----",
            Pattern.DOTALL);
    /** Protects the key only inside this process's key store, which never leaves memory. */
    private static final char[] IN_MEMORY = "runbook".toCharArray();

    private final KeyStore keyStore;

    private TlsIdentity(KeyStore keyStore) {
        this.keyStore = keyStore;
    }

    /** A certificate or key the server cannot serve with; the message names the file and says what to do. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The identity in {@code certificate} (PEM: the server's certificate first, then its chain) and {@code key}
     * (the certificate's unencrypted private key, PEM PKCS#8: {@code BEGIN PRIVATE KEY}).
     */
    public static TlsIdentity read(Path certificate, Path key) throws Refused {
        List<X509Certificate> chain = certificates(certificate);
        PrivateKey privateKey = privateKey(key);
        if (!belongTogether(privateKey, chain.get(0))) {
            throw new Refused("--tls-key " + key + " is not the private key of the certificate in " + certificate
                    + "; give the key the certificate was made for (the server's own certificate comes first in the file)");
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", privateKey, IN_MEMORY, chain.toArray(X509Certificate[]::new));
            return new TlsIdentity(store);
        } catch (GeneralSecurityException | IOException e) {
            throw new Refused("--tls-key " + key + " cannot be used with the certificate in " + certificate + " ("
                    + e.getClass().getSimpleName() + "); give an RSA, EC or Ed25519 key and its certificate");
        }
    }

    /** The TLS settings of the server's connector: this identity, and Jetty's defaults for protocols and ciphers. */
    SslContextFactory.Server sslContextFactory() {
        SslContextFactory.Server factory = new SslContextFactory.Server();
        factory.setKeyStore(keyStore);
        factory.setKeyStorePassword(new String(IN_MEMORY));
        return factory;
    }

    private static List<X509Certificate> certificates(Path file) throws Refused {
        String where = "--tls-cert " + file;
        String what = "give the server's certificate, then its chain, in PEM";
        List<X509Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block block : blocks(file, where, what)) {
                if (block.label().equals("CERTIFICATE")) {
                    chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
                }
            }
        } catch (CertificateException e) {
            throw new Refused(where + " holds a certificate that cannot be read; " + what);
        }
        if (chain.isEmpty()) {
            throw new Refused(where + " holds no PEM certificate ('-----BEGIN CERTIFICATE-----'); " + what);
        }
        return chain;
    }

    private static PrivateKey privateKey(Path file) throws Refused {
        String where = "--tls-key " + file;
        String what = "give the certificate's private key, unencrypted, in PEM";
        List<Block> keys = blocks(file, where, what).stream().filter(b -> b.label().endsWith("PRIVATE KEY")).toList();
        if (keys.isEmpty()) {
            throw new Refused(where + " holds no PEM private key ('-----BEGIN PRIVATE KEY-----'); " + what);
        }
        Block key = keys.get(0);
        if (!key.label().equals("PRIVATE KEY")) {
            throw new Refused(where + " holds an '" + key.label() + "', which the server does not read; convert it to"
                    + " an unencrypted PKCS#8 key with: openssl pkey -in " + file + " -out server-key.pem");
        }
        for (String algorithm : List.of("RSA", "EC", "EdDSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(key.der()));
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // not a key of this algorithm: try the next
            }
        }
        throw new Refused(where + " holds a private key the server cannot use; give an RSA, EC or Ed25519 key");
    }

    /** True when {@code key} signs what the certificate's public key verifies. */
    private static boolean belongTogether(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> "EdDSA";
        };
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a public key of another algorithm than the private key's
        }
    }

    private record Block(String label, byte[] der) {
    }

    /** The PEM blocks of a file, read through the one bounded reader. */
    private static List<Block> blocks(Path file, String where, String what) throws Refused {
        String text;
        try {
            text = BoundedFile.read(file, MAX_BYTES);
        } catch (BoundedFile.Refused e) {
            throw new Refused(where + ": " + switch (e.rule()) {
                case "not-a-file" -> "is not a regular file";
                case "too-large" -> "is larger than 1 MiB, too large for a PEM file";
                case "encoding" -> "is not a PEM file (not text)";
                default -> e.getMessage();
            } + "; " + what);
        }
        List<Block> blocks = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new Refused(where + " holds a '" + m.group(1) + "' block that is not valid base64; " + what);
            }
        }
        return blocks;
    }
}
