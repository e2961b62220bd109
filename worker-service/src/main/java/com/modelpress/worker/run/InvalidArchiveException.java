package com.modelpress.worker.run;

/** An uploaded archive is unsafe or unusable; the message names the entry when there is one. */
final class InvalidArchiveException extends RejectedJobException {

    InvalidArchiveException(String reason) {
        super("invalid archive: " + reason);
    }

    InvalidArchiveException(String entry, String reason) {
        super("invalid archive entry '%s': %s".formatted(entry, reason));
    }

    @Override
    String code() {
        return "invalid_archive";
    }
}
