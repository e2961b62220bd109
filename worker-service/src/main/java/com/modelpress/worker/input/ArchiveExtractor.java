package com.modelpress.worker.input;

import com.modelpress.worker.failure.InvalidArchiveException;
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
 * that could write outside it or exhaust the disk or the heap: absolute names, {@code ..} segments, backslashes, links
 * of any kind, device entries, duplicate names, more than {@link ArchiveLimits#maxEntries()} entries, more than
 * {@link ArchiveLimits#maxTotalBytes()} extracted bytes, or more than {@link ArchiveLimits#maxRatio()} extracted
 * bytes per archive byte, names longer than {@link ArchiveLimits#maxNameLength()}, metadata records larger than
 * {@link ArchiveLimits#maxHeaderBytes()}. Sizes an entry declares are checked against the budget before it is
 * written; the bytes written are counted too.
 *
 * <p>Memory is bounded by the limits, never by the archive: tar streams are read by {@link TarReader} (one header in
 * memory, metadata records judged by their declared size before they are read); a zip's central directory is walked
 * by {@link ZipDirectoryCheck} before {@code ZipFile} reads it.
 *
 * <p>Thread-safe: holds only its limits.
 */
public final class ArchiveExtractor {

    enum Format { ZIP, TAR, TAR_GZIP }

    private static final int BUFFER = 1 << 16;
    /** The longest file or folder name file systems take (NAME_MAX). */
    static final int MAX_SEGMENT_BYTES = 255;

    private final ArchiveLimits limits;

    public ArchiveExtractor(ArchiveLimits limits) {
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
                } catch (java.io.EOFException e) {
                    throw new InvalidArchiveException("it is truncated (%s)".formatted(e.getMessage()));
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
        ZipDirectoryCheck.check(archive, limits);
        List<Path> files = new ArrayList<>();
        try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
            List<ZipArchiveEntry> entries = Collections.list(zip.getEntries());
            if (entries.size() > limits.maxEntries()) {
                throw new InvalidArchiveException("%d entries, more than the limit of %d".formatted(entries.size(), limits.maxEntries()));
            }
            for (ZipArchiveEntry entry : entries) {
                if (!entry.isDirectory() && entry.getSize() > 0) {
                    budget.declare(entry.getSize(), entry.getName());
                }
            }
            for (ZipArchiveEntry entry : entries) {
                Path path = resolve(root, entry.getName());
                if (entry.isUnixSymlink()) {
                    throw new InvalidArchiveException(TarReader.shorten(entry.getName()), "symbolic links are not allowed");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                    continue;
                }
                if (!zip.canReadEntryData(entry)) {
                    throw new InvalidArchiveException(TarReader.shorten(entry.getName()),
                            "its compression method or encryption is not supported");
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
        TarReader tar = new TarReader(in, limits);
        for (TarReader.Entry entry; (entry = tar.next()) != null; ) {
            if (++count > limits.maxEntries()) {
                throw new InvalidArchiveException("more than the limit of %d entries".formatted(limits.maxEntries()));
            }
            Path path = resolve(root, entry.name());
            if (entry.directory()) {
                Files.createDirectories(path);
            } else {
                budget.declare(entry.size(), entry.name());
                files.add(write(tar.content(), path, entry.name(), budget));
            }
        }
        return files;
    }

    /** The entry's place under {@code root}, refusing every name that could lead elsewhere. */
    static Path resolve(Path root, String name) throws InvalidArchiveException {
        String shown = TarReader.shorten(name);
        if (name.isEmpty() || name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0
                || name.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidArchiveException(shown, "empty names, NUL, control characters and backslashes are not allowed");
        }
        if (name.startsWith("/") || (name.length() > 1 && name.charAt(1) == ':')) {
            throw new InvalidArchiveException(shown, "absolute paths are not allowed");
        }
        for (String segment : name.split("/")) {
            if (segment.equals("..")) {
                throw new InvalidArchiveException(shown, "'..' is not allowed");
            }
            if (segment.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                throw new InvalidArchiveException(shown, "a file or folder name is longer than %d bytes"
                        .formatted(MAX_SEGMENT_BYTES));
            }
        }
        Path path;
        try {
            path = root.resolve(name).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new InvalidArchiveException(shown, "it is not a valid file name");
        }
        if (!path.startsWith(root) || path.equals(root)) {
            throw new InvalidArchiveException(shown, "it does not stay inside the archive's folder");
        }
        return path;
    }

    private Path write(InputStream in, Path path, String name, Budget budget) throws IOException, InvalidArchiveException {
        Files.createDirectories(path.getParent());
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidArchiveException(TarReader.shorten(name), "it occurs twice");
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

    /** Counts declared and extracted bytes against the total and ratio limits. */
    private final class Budget {
        private final long archiveBytes;
        private long extracted;
        private long declared;

        Budget(long archiveBytes) {
            this.archiveBytes = Math.max(1, archiveBytes);
        }

        /** An entry about to be extracted says it holds {@code bytes}: refused before anything is written. */
        void declare(long bytes, String name) throws InvalidArchiveException {
            declared = bytes > Long.MAX_VALUE - declared ? Long.MAX_VALUE : declared + bytes;
            if (declared > limits.maxTotalBytes()) {
                throw new InvalidArchiveException(TarReader.shorten(name), "the archive extracts to more than the limit of "
                        + "%d bytes (by the sizes its entries declare)".formatted(limits.maxTotalBytes()));
            }
            if (declared / limits.maxRatio() > archiveBytes) {
                throw new InvalidArchiveException(TarReader.shorten(name), ("the archive expands more than %d-fold (by "
                        + "the sizes its entries declare)").formatted(limits.maxRatio()));
            }
        }

        void spend(int bytes, String name) throws InvalidArchiveException {
            extracted += bytes;
            if (extracted > limits.maxTotalBytes()) {
                throw new InvalidArchiveException(TarReader.shorten(name), "the archive extracts to more than the limit of %d bytes"
                        .formatted(limits.maxTotalBytes()));
            }
            if (extracted > archiveBytes * limits.maxRatio()) {
                throw new InvalidArchiveException(TarReader.shorten(name), "the archive expands more than %d-fold"
                        .formatted(limits.maxRatio()));
            }
        }
    }
}
