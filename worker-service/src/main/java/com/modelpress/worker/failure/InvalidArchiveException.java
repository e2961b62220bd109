package com.modelpress.worker.failure;

/** An uploaded archive is unsafe or unusable; the message names the entry when there is one. */
public final class InvalidArchiveException extends RejectedJobException {

    public InvalidArchiveException(String reason) {
        super("invalid archive: " + reason);
    }

    public InvalidArchiveException(String entry, String reason) {
        super("invalid archive entry '%s': %s".formatted(entry, reason));
    }

    @Override
    public String code() {
        return "invalid_archive";
    }
}
