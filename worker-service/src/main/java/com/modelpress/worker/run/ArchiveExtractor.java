package com.modelpress.worker.run;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Extracts an uploaded {@code .zip}, {@code .tar} or {@code .tar.gz} into an empty folder, refusing anything
 * that could write outside it or exhaust the disk: absolute names, {@code ..} segments, backslashes, links
 * of any kind, device entries, duplicate names, more than {@link ArchiveLimits#maxEntries()} entries, more than
 * {@link ArchiveLimits#maxTotalBytes()} extracted bytes, or more than {@link ArchiveLimits#maxRatio()} extracted
 * bytes per archive byte.
 *
 * <p>Thread-safe: holds only its limits.
 */
final class ArchiveExtractor {

    enum Format { ZIP, TAR, TAR_GZIP }

    private static final int BUFFER = 1 << 16;

    private final ArchiveLimits limits;

    ArchiveExtractor(ArchiveLimits limits) {
        this.limits = limits;
    }

    /** The archive format of {@code file} judged by its first bytes, or null when it is no archive. */
    static Format sniff(Path file) throws IOException {
        byte[] head = new byte[512];
        int read;
        try (InputStream in = Files.newInputStream(file)) {
            read = in.readNBytes(head, 0, head.length);
        }
        if (read >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return Format.ZIP;
        }
        if (read >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return Format.TAR_GZIP;
        }
        if (read >= 262 && new String(head, 257, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar")) {
            return Format.TAR;
        }
        return null;
    }

    /**
     * @param target an empty folder
     * @return the extracted regular files
     */
    List<Path> extract(Path archive, Format format, Path target) throws IOException, InvalidArchiveException {
        Budget budget = new Budget(Files.size(archive));
        Path root = target.toAbsolutePath().normalize();
        return switch (format) {
            case ZIP -> extractZip(archive, root, budget);
            case TAR -> {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), BUFFER)) {
                    yield extractTar(in, root, budget);
                }
            }
            case TAR_GZIP -> {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(archive), BUFFER)) {
                    yield extractTar(in, root, budget);
                } catch (java.util.zip.ZipException | java.io.EOFException e) {
                    throw new InvalidArchiveException("not a readable gzip file (%s)".formatted(e.getMessage()));
                }
            }
        };
    }

    private List<Path> extractZip(Path archive, Path root, Budget budget) throws IOException, InvalidArchiveException {
        List<Path> files = new ArrayList<>();
        try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
            List<ZipArchiveEntry> entries = Collections.list(zip.getEntries());
            if (entries.size() > limits.maxEntries()) {
                throw new InvalidArchiveException("%d entries, more than the limit of %d".formatted(entries.size(), limits.maxEntries()));
            }
            for (ZipArchiveEntry entry : entries) {
                Path path = resolve(root, entry.getName());
                if (entry.isUnixSymlink()) {
                    throw new InvalidArchiveException(entry.getName(), "symbolic links are not allowed");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                    continue;
                }
                try (InputStream in = zip.getInputStream(entry)) {
                    files.add(write(in, path, entry.getName(), budget));
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new InvalidArchiveException("not a readable zip file (%s)".formatted(e.getMessage()));
        }
        return files;
    }

    private List<Path> extractTar(InputStream in, Path root, Budget budget) throws IOException, InvalidArchiveException {
        List<Path> files = new ArrayList<>();
        int count = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry entry; (entry = next(tar)) != null; ) {
                if (++count > limits.maxEntries()) {
                    throw new InvalidArchiveException("more than the limit of %d entries".formatted(limits.maxEntries()));
                }
                Path path = resolve(root, entry.getName());
                if (entry.isSymbolicLink() || entry.isLink()) {
                    throw new InvalidArchiveException(entry.getName(), "links are not allowed");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                } else if (entry.isFile()) {
                    files.add(write(tar, path, entry.getName(), budget));
                } else {
                    throw new InvalidArchiveException(entry.getName(), "only regular files and folders are allowed");
                }
            }
        } catch (IllegalArgumentException e) {
            // commons-compress reports malformed tar headers this way
            throw new InvalidArchiveException("not a readable tar file (%s)".formatted(e.getMessage()));
        }
        return files;
    }

    /** The next tar entry; a header that does not parse is the archive's fault, not the disk's. */
    private static TarArchiveEntry next(TarArchiveInputStream tar) throws IOException, InvalidArchiveException {
        try {
            return tar.getNextEntry();
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new InvalidArchiveException("not a readable gzip file (%s)".formatted(e.getMessage()));
        } catch (IOException e) {
            throw new InvalidArchiveException("not a readable tar file (%s)".formatted(e.getMessage()));
        }
    }

    /** The entry's place under {@code root}, refusing every name that could lead elsewhere. */
    static Path resolve(Path root, String name) throws InvalidArchiveException {
        if (name.isEmpty() || name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
            throw new InvalidArchiveException(name, "empty names, NUL and backslashes are not allowed");
        }
        if (name.startsWith("/") || (name.length() > 1 && name.charAt(1) == ':')) {
            throw new InvalidArchiveException(name, "absolute paths are not allowed");
        }
        for (String segment : name.split("/")) {
            if (segment.equals("..")) {
                throw new InvalidArchiveException(name, "'..' is not allowed");
            }
        }
        Path path = root.resolve(name).normalize();
        if (!path.startsWith(root) || path.equals(root)) {
            throw new InvalidArchiveException(name, "it does not stay inside the archive's folder");
        }
        return path;
    }

    private Path write(InputStream in, Path path, String name, Budget budget) throws IOException, InvalidArchiveException {
        Files.createDirectories(path.getParent());
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidArchiveException(name, "it occurs twice");
        }
        try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buffer = new byte[BUFFER];
            for (int read; (read = in.read(buffer)) >= 0; ) {
                budget.spend(read, name);
                out.write(buffer, 0, read);
            }
        }
        return path;
    }

    /** Counts extracted bytes against the total and ratio limits. */
    private final class Budget {
        private final long archiveBytes;
        private long extracted;

        Budget(long archiveBytes) {
            this.archiveBytes = Math.max(1, archiveBytes);
        }

        void spend(int bytes, String name) throws InvalidArchiveException {
            extracted += bytes;
            if (extracted > limits.maxTotalBytes()) {
                throw new InvalidArchiveException(name, "the archive extracts to more than the limit of %d bytes"
                        .formatted(limits.maxTotalBytes()));
            }
            if (extracted > archiveBytes * limits.maxRatio()) {
                throw new InvalidArchiveException(name, "the archive expands more than %d-fold"
                        .formatted(limits.maxRatio()));
            }
        }
    }
}
