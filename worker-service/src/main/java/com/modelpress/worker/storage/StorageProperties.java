package com.modelpress.worker.storage;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.nio.file.Path;

/**
 * Where artifacts live ({@code modelpress.storage.*}); api-service and every worker must see the same folder.
 *
 * @param root the artifact store's root folder; default {@code ${user.home}/.modelpress/artifacts}
 */
@ConfigurationProperties("modelpress.storage")
record StorageProperties(Path root) {

    StorageProperties {
        root = root != null ? root : Path.of(System.getProperty("user.home"), ".modelpress", "artifacts");
    }
}
