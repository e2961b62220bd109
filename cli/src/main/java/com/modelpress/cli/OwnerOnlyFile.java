package com.modelpress.cli;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Secrets on disk ({@code ~/.modelpress/api-key}, the data folder's credentials): readable and writable by their
 * owner only ({@code rw-------} where the file system has POSIX permissions), and written so that no other user ever
 * sees a partial or a wider file.
 */
final class OwnerOnlyFile {

    static final Set<PosixFilePermission> PERMISSIONS = PosixFilePermissions.fromString("rw-------");

    private OwnerOnlyFile() {
    }

    /**
     * Replaces {@code file} with {@code text}: written to a new owner-only {@code <file>.part} first, then moved in
     * place atomically. Creates the parent folders.
     *
     * @throws IOException also when another process is writing the same file at the same time
     */
    static void write(Path file, String text, Charset charset) throws IOException {
        Files.createDirectories(file.getParent());
        Path partial = file.resolveSibling(file.getFileName() + ".part");
        Files.deleteIfExists(partial);
        try {
            Files.createFile(partial, PosixFilePermissions.asFileAttribute(PERMISSIONS));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(partial);
        } catch (FileAlreadyExistsException raced) {
            throw new IOException("another process is writing " + file, raced);
        }
        Files.writeString(partial, text, charset);
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
